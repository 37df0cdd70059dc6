// scripts/check-imports.mjs: reading imports (static, re-exports, dynamic; never from comments or
// strings), finding circles, the layer rule, and the whole check on small trees written to a temp dir.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Layer = { index: number; prefix: string };
interface CheckImports {
  LAYERS: string[][];
  parseImports(src: string): { specifier: string; kind: 'static' | 'dynamic'; typeOnly: boolean }[];
  findCircles(graph: Map<string, Set<string>>): string[][];
  layerOf(rel: string, layers?: string[][]): Layer | null;
  checkImports(
    root: string,
    layers?: string[][],
  ): {
    modules: number;
    circles: { files: string[]; example: string[] }[];
    upward: { from: string; to: string; fromLayer: Layer; toLayer: Layer; kind: string; typeOnly: boolean }[];
    unlayered: string[];
    unresolved: { from: string; specifier: string }[];
  };
  formatReport(result: ReturnType<CheckImports['checkImports']>, shown?: string): { ok: boolean; lines: string[]; summary: string };
}

// The script sits in scripts/ at the repository's root; this test runs from dist/test/unit/.
function findScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'check-imports.mjs');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('scripts/check-imports.mjs not found above this test');
}
const script = findScript();
const ci = (await import(pathToFileURL(script).href)) as CheckImports;

const temp = mkdtempSync(join(tmpdir(), 'dl-importcheck-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let trees = 0;
function tree(files: Record<string, string>): string {
  const root = join(temp, `tree${trees++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('reading imports: static, type-only, side-effect, re-exports and dynamic', () => {
  const src = [
    "import { a } from './a.js';",
    "import type { B } from '../b.js';",
    'import {',
    '  c,',
    '  type D,',
    "} from './c.js';",
    "import * as e from './e.js';",
    "import './side.js';",
    "export { f } from './f.js';",
    "export * from './g.js';",
    "export type { H } from './h.js';",
    "const i = () => import('./i.js');",
    'const j = await import("./j.js");',
    'const k = await import(`./k.js`);',
    "import fs from 'node:fs';",
  ].join('\n');
  assert.deepEqual(
    ci.parseImports(src).map((i) => `${i.kind}${i.typeOnly ? '/type' : ''} ${i.specifier}`),
    [
      'static ./a.js',
      'static/type ../b.js',
      'static ./c.js',
      'static ./e.js',
      'static ./side.js',
      'static ./f.js',
      'static ./g.js',
      'static/type ./h.js',
      'dynamic ./i.js',
      'dynamic ./j.js',
      'dynamic ./k.js',
      'static node:fs',
    ],
  );
});

test('reading imports: nothing from comments, strings, templates, regexps or look-alikes', () => {
  const src = [
    "// import { x } from './comment.js';",
    "/* export * from './block.js'; import('./block2.js') */",
    'const s = "import { y } from \'./string.js\'";',
    "const t = 'it\\'s import(\\'./escaped.js\\')';",
    "const u = `import('./template.js') ${1 + 2} from './template2.js'`;",
    "const r = /'/.test(s) ? /import\\('.\\/regex.js'\\)/ : null;",
    "const m = import.meta.url; const o = { import: './key.js' };",
    'export const v = 1;',
    "export function w() { return 'from'; }",
    "const z = `${`${await import('./nested.js')}`}`;",
    "import { real } from './real.js';",
  ].join('\n');
  assert.deepEqual(
    ci.parseImports(src).map((i) => i.specifier),
    ['./nested.js', './real.js'],
  );
});

test('circles: each strongly connected component once, sorted, self-imports included', () => {
  const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));
  assert.deepEqual(ci.findCircles(g({ a: ['b'], b: ['c'], c: [] })), []);
  assert.deepEqual(ci.findCircles(g({ a: ['b'], b: ['a'] })), [['a', 'b']]);
  assert.deepEqual(ci.findCircles(g({ a: ['a'], b: [] })), [['a']]);
  assert.deepEqual(ci.findCircles(g({ a: ['b'], b: ['c', 'd'], c: ['a'], d: ['e'], e: ['d', 'f'], f: [] })), [
    ['a', 'b', 'c'],
    ['d', 'e'],
  ]);
  // A diamond is not a circle.
  assert.deepEqual(ci.findCircles(g({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] })), []);
  // A long chain closed at the end: one component, without running out of stack.
  const long = new Map<string, Set<string>>();
  for (let i = 0; i < 20000; i++) long.set(`m${i}`, new Set([`m${(i + 1) % 20000}`]));
  const circles = ci.findCircles(long);
  assert.equal(circles.length, 1);
  assert.equal(circles[0].length, 20000);
});

test('layers: folder prefixes, whole-file entries, the longest prefix wins', () => {
  const layers = [['errors.ts', 'util/'], ['store/'], ['engine/'], ['engine/build/x.ts']];
  assert.deepEqual(ci.layerOf('errors.ts', layers), { index: 0, prefix: 'errors.ts' });
  assert.deepEqual(ci.layerOf('util/deep/a.ts', layers), { index: 0, prefix: 'util/' });
  assert.equal(ci.layerOf('errors.tsx', layers), null);
  assert.equal(ci.layerOf('util2/a.ts', layers), null, 'a folder prefix matches whole folder names only');
  assert.equal(ci.layerOf('store.ts', layers), null);
  assert.deepEqual(ci.layerOf('engine/build/x.ts', layers), { index: 3, prefix: 'engine/build/x.ts' });
  assert.deepEqual(ci.layerOf('engine/build/y.ts', layers), { index: 2, prefix: 'engine/' });
  // The real layers, low to high, as written at the top of the script.
  assert.equal(ci.layerOf('config.ts')?.index, 0);
  assert.equal(ci.layerOf('sys/exec.ts')?.index, 1);
  assert.ok(ci.layerOf('runtime/lxc.ts')!.index < ci.layerOf('network/bridge.ts')!.index);
  assert.ok(ci.layerOf('network/bridge.ts')!.index < ci.layerOf('engine/container/create.ts')!.index);
  assert.equal(ci.layerOf('cli/main.ts')?.index, ci.layerOf('api/server.ts')?.index);
  assert.equal(ci.layerOf('build/builder.ts'), null);
});

test('the whole check: upward imports (static, type-only, dynamic), circles, files in no layer, unresolved', () => {
  const root = tree({
    'errors.ts': 'export class E extends Error {}\n',
    'util/a.ts': "import { E } from '../errors.js';\nexport const a = E;\n",
    'store/s.ts': "import { a } from '../util/a.js';\nexport const s = a;\n",
    'runtime/r.ts': "export async function r() { return (await import('../engine/e.js')).e; }\n",
    'network/n.ts': "import type { T } from '../engine/e.js';\nimport { s } from '../store/s.js';\nexport const n: T | typeof s = s;\n",
    'engine/e.ts': "import { s } from '../store/s.js';\nimport { b } from '../build/b.js';\nexport type T = string;\nexport const e = s ?? b;\n",
    'engine/index.ts': "export * from './e.js';\n",
    'build/b.ts': "export const b = 1;\nimport '../nowhere.js';\n",
    'cli/one.ts': "import { two } from './sub/two.js';\nimport { e } from '../engine/index.js';\nexport const one = () => two + e;\n",
    'cli/sub/two.ts': "import { one } from '../one.js';\nexport const two = 2;\nexport const again = one;\n",
    'cli/self.ts': "import * as me from './self.js';\nexport const x = me;\n",
    'cli/types.d.ts': "import { nothing } from './absent.js';\n",
  });
  const result = ci.checkImports(root);
  assert.equal(result.modules, 11, 'declaration files are not modules');
  assert.deepEqual(
    result.circles.map((c) => c.files),
    [['cli/one.ts', 'cli/sub/two.ts'], ['cli/self.ts']],
  );
  assert.deepEqual(result.circles[0].example, ['cli/one.ts', 'cli/sub/two.ts', 'cli/one.ts']);
  assert.deepEqual(
    result.upward.map((u) => `${u.from} ${u.fromLayer.index}->${u.toLayer.index} ${u.to} ${u.kind}${u.typeOnly ? '/type' : ''}`),
    ['network/n.ts 5->6 engine/e.ts static/type', 'runtime/r.ts 4->6 engine/e.ts dynamic'],
  );
  assert.deepEqual(result.unlayered, ['build/b.ts']);
  assert.deepEqual(result.unresolved, [{ from: 'build/b.ts', specifier: '../nowhere.js' }]);

  const report = ci.formatReport(result, 'src/');
  assert.equal(report.ok, false);
  assert.equal(report.lines.length, 2 + 2 + 1 + 1, 'one line per problem');
  assert.match(report.lines[0], /^circle \(2 modules\): src\/cli\/one\.ts, src\/cli\/sub\/two\.ts/);
  assert.ok(report.lines.includes('not in any layer: src/build/b.ts'));
  assert.ok(
    report.lines.some((l) => l.startsWith('upward import: src/runtime/r.ts (layer 4 runtime/) imports src/engine/e.ts (layer 6 engine/) (dynamic import)')),
  );
  assert.equal(report.summary, 'import check: 11 modules, 2 circles, 2 upward imports, 1 not in any layer, 1 unresolved');
});

test('the command: exit 1 and one line per problem; exit 0 and a summary when clean', () => {
  const run = (root: string) => spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' });
  const clean = run(
    tree({
      'config.ts': 'export const c = 1;\n',
      'sys/x.ts': "import { c } from '../config.js';\nexport const x = c;\n",
      'cli/main.ts': "import { x } from '../sys/x.js';\nexport const main = async () => (await import('./late.js')).late + x;\n",
      'cli/late.ts': 'export const late = 1;\n',
    }),
  );
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stdout, 'import check: 4 modules, 0 circles, 0 upward imports\n');

  const dirty = run(
    tree({
      'sys/x.ts': "import { y } from '../cli/y.js';\nexport const x = y;\n",
      'cli/y.ts': "export const y = async () => (await import('../sys/x.js')).x;\n",
      'stray.ts': 'export {};\n',
    }),
  );
  assert.equal(dirty.status, 1);
  const lines = dirty.stdout.trim().split('\n');
  assert.equal(lines.length, 4, dirty.stdout);
  assert.match(lines[0], /^circle \(2 modules\): .*cli\/y\.ts, .*sys\/x\.ts/);
  assert.match(lines[1], /^upward import: .*sys\/x\.ts \(layer 1 sys\/\) imports .*cli\/y\.ts \(layer 7 cli\/\)$/);
  assert.match(lines[2], /^not in any layer: .*stray\.ts$/);
  assert.equal(lines[3], 'import check: 3 modules, 1 circles, 1 upward imports, 1 not in any layer');

  const bad = spawnSync(process.execPath, [script, '--bogus'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown argument --bogus/);
});
