#!/usr/bin/env node
// Import check: reads every .ts under src/, follows its relative imports (static `import … from`,
// `import '…'`, `export … from`, and dynamic `import('…')`, type-only ones included), and fails on
//   - an import circle (each strongly connected component of the import graph is one problem),
//   - an import from a lower layer to a higher one,
//   - a file that no layer covers, and a relative import that names no file.
// Usage: node scripts/check-imports.mjs [--root DIR]   (DIR defaults to src/ beside this script)
// Exit 0 and a one-line summary when clean; otherwise one line per problem and exit 1.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The layers, low to high: path prefixes under src/ (a prefix ending in '/' is a folder, otherwise one file).
// A module may import from its own layer or a lower one, never a higher one.
export const LAYERS = [
  ['errors.ts', 'config.ts', 'util/'],
  ['sys/'],
  ['snapshots/', 'oci/'],
  ['store/', 'registry/'],
  ['runtime/'],
  ['network/'],
  ['engine/'],
  ['cli/', 'api/'],
];

const SOURCE = /\.(ts|mts|cts|tsx)$/;
const DECLARATION = /\.d\.(ts|mts|cts)$/;

// ---------- reading imports ----------

// Splits TypeScript source into the tokens that matter here: words, string literals (template
// literals without substitutions count as strings) and single punctuation characters. Comments,
// regular expression literals and the text of templates are skipped, so an `import` written inside
// a string or comment is never taken for one.
export function tokenize(src) {
  const tokens = [];
  // Each entry is the brace depth at which a template's `${` was opened.
  const templates = [];
  let depth = 0;
  let i = 0;
  const n = src.length;
  const isWord = (c) => /[\w$]/.test(c);
  const regexMayFollow = () => {
    const t = tokens[tokens.length - 1];
    if (!t) return true;
    if (t.type === 'string' || t.type === 'template') return false;
    if (t.type === 'word') return /^(return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/.test(t.value);
    return !/^[)\]}]$/.test(t.value);
  };
  // Reads a template body from i (just after '`' or a closing '}'); returns true when it stops at '${'.
  const templateBody = () => {
    let text = '';
    while (i < n) {
      const c = src[i];
      if (c === '\\') {
        text += src.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        i++;
        return { text, open: false };
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        return { text, open: true };
      } else {
        text += c;
        i++;
      }
    }
    return { text, open: false };
  };
  while (i < n) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < n && src[j] !== c && src[j] !== '\n') {
        if (src[j] === '\\') {
          value += src[j + 1] ?? '';
          j += 2;
        } else value += src[j++];
      }
      tokens.push({ type: 'string', value });
      i = j + 1;
    } else if (c === '`') {
      i++;
      const body = templateBody();
      if (body.open) {
        tokens.push({ type: 'template', value: body.text });
        templates.push(depth);
        depth++;
      } else tokens.push({ type: 'string', value: body.text });
    } else if (c === '}' && templates.length && templates[templates.length - 1] === depth - 1) {
      depth--;
      i++;
      const body = templateBody();
      if (body.open) depth++;
      else templates.pop();
      tokens.push({ type: 'template', value: body.text });
    } else if (c === '/' && regexMayFollow()) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        else if (src[j] === '/' && !inClass) break;
        j++;
      }
      j++;
      while (j < n && isWord(src[j])) j++;
      tokens.push({ type: 'regex', value: src.slice(i, j) });
      i = j;
    } else if (isWord(c)) {
      let j = i + 1;
      while (j < n && isWord(src[j])) j++;
      tokens.push({ type: 'word', value: src.slice(i, j) });
      i = j;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      tokens.push({ type: 'punct', value: c });
      i++;
    }
  }
  return tokens;
}

// The module specifiers a source file imports: [{ specifier, kind: 'static' | 'dynamic', typeOnly }].
export function parseImports(src) {
  const t = tokenize(src);
  const found = [];
  const is = (k, type, value) => t[k] && t[k].type === type && (value === undefined || t[k].value === value);
  // From token k, finds `from '<specifier>'` before the statement ends.
  const fromClause = (k) => {
    for (; k < t.length; k++) {
      if (is(k, 'punct', ';')) return null;
      if (is(k, 'word', 'from') && is(k + 1, 'string')) return t[k + 1].value;
      if (k > 0 && is(k, 'word') && /^(import|export)$/.test(t[k].value) && !is(k - 1, 'punct', '.')) return null;
    }
    return null;
  };
  for (let k = 0; k < t.length; k++) {
    if (!is(k, 'word')) continue;
    const word = t[k].value;
    if (word !== 'import' && word !== 'export') continue;
    // `x.import`, `{ import: … }` and the like are not imports.
    if (is(k - 1, 'punct', '.') || is(k + 1, 'punct', ':')) continue;
    if (word === 'import' && is(k + 1, 'punct', '(')) {
      if (is(k + 2, 'string') && (is(k + 3, 'punct', ')') || is(k + 3, 'punct', ',')))
        found.push({ specifier: t[k + 2].value, kind: 'dynamic', typeOnly: false });
      continue;
    }
    if (word === 'import' && is(k + 1, 'punct', '.')) continue; // import.meta
    if (word === 'import' && is(k + 1, 'string')) {
      found.push({ specifier: t[k + 1].value, kind: 'static', typeOnly: false });
      continue;
    }
    const typeOnly = is(k + 1, 'word', 'type') && !is(k + 2, 'punct', '=') && !is(k + 2, 'word', 'from');
    if (word === 'export') {
      // Only `export * …`, `export { … }` and `export type { … }` can re-export from another module.
      const next = typeOnly ? k + 2 : k + 1;
      if (!is(next, 'punct', '*') && !is(next, 'punct', '{')) continue;
    }
    const specifier = fromClause(k + 1);
    if (specifier !== null) found.push({ specifier, kind: 'static', typeOnly });
  }
  return found;
}

// ---------- the graph ----------

function listSources(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && SOURCE.test(entry.name) && !DECLARATION.test(entry.name)) out.push(full);
    }
  };
  walk(root);
  return out;
}

const isFile = (p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

// NodeNext resolution as TypeScript sees it: './x.js' names ./x.ts, './x.mjs' names ./x.mts,
// and an extensionless path may name a file or a folder's index.
function resolveSpecifier(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [];
  const swapped = base
    .replace(/\.js$/, '.ts')
    .replace(/\.mjs$/, '.mts')
    .replace(/\.cjs$/, '.cts')
    .replace(/\.jsx$/, '.tsx');
  if (swapped !== base) candidates.push(swapped);
  candidates.push(base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'));
  return candidates.find(isFile) ?? null;
}

// Which layer (an index into layers) covers a path relative to the root, by the longest matching prefix.
export function layerOf(rel, layers = LAYERS) {
  const path = rel.split(sep).join('/');
  let best = null;
  layers.forEach((prefixes, index) => {
    for (const prefix of prefixes) {
      const match = prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix;
      if (match && (!best || prefix.length > best.prefix.length)) best = { index, prefix };
    }
  });
  return best;
}

// Strongly connected components (Tarjan's algorithm, iterative) that hold a circle: two or more
// modules, or one that imports itself. graph: Map<node, Set<node>>. Each component comes sorted.
export function findCircles(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const circles = [];
  let counter = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [{ node: start, next: [...(graph.get(start) ?? [])], i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      if (frame.i < frame.next.length) {
        const to = frame.next[frame.i++];
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: [...(graph.get(to) ?? [])], i: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node), index.get(to)));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || graph.get(frame.node)?.has(frame.node)) circles.push(component.sort());
      }
    }
  }
  return circles.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

// One shortest circle through the first module of a component, as a path that ends where it starts.
function exampleCircle(graph, component) {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    for (const to of graph.get(queue[q]) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = queue[q]; at !== start; at = previous.get(at)) path.unshift(at);
        path.unshift(start);
        return path;
      }
      if (!previous.has(to)) {
        previous.set(to, queue[q]);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

// The whole check over one source tree. Paths in the result are relative to root, with '/'.
export function checkImports(root, layers = LAYERS) {
  root = resolve(root);
  const rel = (p) => relative(root, p).split(sep).join('/');
  const files = listSources(root);
  const graph = new Map(files.map((f) => [rel(f), new Set()]));
  const upward = [];
  const unlayered = [];
  const unresolved = [];
  for (const file of files) {
    const from = rel(file);
    const fromLayer = layerOf(from, layers);
    if (!fromLayer) unlayered.push(from);
    for (const imp of parseImports(readFileSync(file, 'utf8'))) {
      if (!imp.specifier.startsWith('./') && !imp.specifier.startsWith('../')) continue;
      const target = resolveSpecifier(file, imp.specifier);
      if (!target) {
        unresolved.push({ from, specifier: imp.specifier });
        continue;
      }
      const to = rel(target);
      if (!graph.has(to)) continue; // outside the tree (or not TypeScript): not a module of ours
      graph.get(from).add(to);
      const toLayer = layerOf(to, layers);
      if (fromLayer && toLayer && toLayer.index > fromLayer.index) upward.push({ from, to, fromLayer, toLayer, kind: imp.kind, typeOnly: imp.typeOnly });
    }
  }
  const circles = findCircles(graph).map((files) => ({ files, example: exampleCircle(graph, files) }));
  const seen = new Set();
  const dedupedUpward = upward.filter((u) => !seen.has(`${u.from} ${u.to}`) && seen.add(`${u.from} ${u.to}`));
  return { modules: files.length, graph, circles, upward: dedupedUpward, unlayered, unresolved };
}

// The report: one line per problem, then the summary. `shown` prefixes every path (e.g. 'src/').
export function formatReport(result, shown = '') {
  const p = (path) => shown + path;
  const layerName = (l) => `layer ${l.index} ${l.prefix}`;
  const lines = [];
  for (const c of result.circles) lines.push(`circle (${c.files.length} modules): ${c.files.map(p).join(', ')} — e.g. ${c.example.map(p).join(' → ')}`);
  for (const u of result.upward) {
    const how = u.kind === 'dynamic' ? ' (dynamic import)' : u.typeOnly ? ' (type-only import)' : '';
    lines.push(`upward import: ${p(u.from)} (${layerName(u.fromLayer)}) imports ${p(u.to)} (${layerName(u.toLayer)})${how}`);
  }
  for (const f of result.unlayered) lines.push(`not in any layer: ${p(f)}`);
  for (const u of result.unresolved) lines.push(`unresolved import: ${p(u.from)} imports '${u.specifier}', which names no file`);
  const extra = [
    result.unlayered.length && `${result.unlayered.length} not in any layer`,
    result.unresolved.length && `${result.unresolved.length} unresolved`,
  ].filter(Boolean);
  const summary = `import check: ${result.modules} modules, ${result.circles.length} circles, ${result.upward.length} upward imports${extra.map((e) => `, ${e}`).join('')}`;
  return { ok: lines.length === 0, lines, summary };
}

function main(argv) {
  let root = fileURLToPath(new URL('../src/', import.meta.url));
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--root' && argv[k + 1]) root = resolve(argv[++k]);
    else if (argv[k].startsWith('--root=')) root = resolve(argv[k].slice('--root='.length));
    else {
      console.error(`check-imports: unknown argument ${argv[k]} (usage: check-imports.mjs [--root DIR])`);
      return 2;
    }
  }
  const shown = relative(process.cwd(), root).split(sep).join('/');
  const report = formatReport(checkImports(root), shown && !shown.startsWith('..') ? `${shown}/` : `${root}/`);
  for (const line of report.lines) console.log(line);
  console.log(report.summary);
  return report.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2));
