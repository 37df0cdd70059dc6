// npm run build, step 2 (after tsc): bundle the CLI into one file,
// dist/cli.cjs, and a V8 code cache for it, dist/cli.cjs.cache, which
// bin/dockerlite loads; the same for the monitor's hook (dist/monitor.cjs,
// src/engine/container/monitor.ts), which dl-mon starts at each exit of a
// container through `bin/dockerlite --dl-monitor-hook`. One file with a code cache starts faster than the
// ~100 ES modules a `run` would otherwise resolve, read, compile and link one
// by one. tsc's dist/src/ stays: the tests import it, and the container
// monitor's hook still runs from it for containers an older build started.
//
// Commands still load lazily: esbuild turns each dynamic import() of a module
// into a wrapper that only runs it when asked. The commands of the core job,
// which scripts run in loops, also get a bundle of their own,
// dist/cmd/<name>.cjs: the CLI with only that command, minified, a quarter of
// the full bundle's size, so each start reads and deserializes less (about
// 15 ms of a `ps`). bin/dockerlite picks it when the command's name comes
// first; anything else (`-D` first too, for readable stack traces) loads the
// full dist/cli.cjs. CommonJS, because Node 20 can
// compile a script, not an ES module, with a code cache (node:vm). Each
// module's import.meta.url becomes the URL of its tsc output, so paths
// computed from it (the monitor script, package.json, bin/) stay right.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { ALIASES, COMMANDS, FORMS } from '../dist/src/cli/commands.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, relative } from 'node:path';

const repo = fileURLToPath(new URL('..', import.meta.url));
const srcDir = `${repo}src/`;

const metaUrl = (outfile) => ({
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      if (text.includes('import.meta.url')) {
        // src/x/y.ts -> dist/src/x/y.js, relative to the bundle's directory (dist/ or dist/cmd/).
        const rel = relative(dirname(outfile), `${repo}dist/src/${relative(srcDir, args.path)}`).replace(/\.ts$/, '.js');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, require('node:url').pathToFileURL(__filename)).href`);
      }
      return { contents: text, loader: 'ts' };
    });
  },
});

/**
 * node:fs/promises costs ~2.5 ms to load (it brings readline and the file
 * watchers with it), and most commands never call it: the store's open and
 * the records use synchronous reads. So in the bundles it is a module of
 * forwarders that load it on their first call.
 */
const lazyFsPromises = {
  name: 'lazy-fs-promises',
  setup(b) {
    // The forwarders' own require() is left to node.
    b.onResolve({ filter: /^node:fs\/promises$/ }, (a) => (a.kind === 'require-call' ? undefined : { path: 'fs/promises', namespace: 'lazy-fs-promises' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-fs-promises' }, async () => {
      const names = Object.keys(await import('node:fs/promises')).filter((n) => n !== 'constants' && n !== 'default');
      return {
        contents: [
          "let fsp; const p = () => (fsp ??= require('node:fs/promises'));",
          "export { constants } from 'node:fs';",
          ...names.map((n) => `export function ${n}(...a) { return p().${n}(...a); }`),
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

const OWN_BUNDLE = ['run', 'create', 'start', 'stop', 'kill', 'wait', 'rm', 'ps', 'inspect', 'logs', 'exec', 'pull', 'images', 'rmi', 'commit'];
for (const name of OWN_BUNDLE) {
  // The launcher goes by the first word alone: it must name this command and no other.
  const taken = [...COMMANDS.map((c) => c.name), ...Object.keys(FORMS)].some((n) => n.startsWith(`${name} `));
  if (!COMMANDS.some((c) => c.name === name) || name in ALIASES || taken) throw new Error(`${name} cannot have a bundle of its own`);
}

/** Leave every command module but one out of a bundle; loading another fails with one clear line. */
const onlyCommand = (name) => ({
  name: 'only-command',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/[^/]+\.js$/ }, (a) =>
      a.importer === `${srcDir}cli/commands.ts` && a.path !== `./commands/${name}.js` ? { path: a.path, namespace: 'left-out' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({
      contents: `throw new Error('this build of the ${name} command has no other command in it; run npm run build');`,
      loader: 'js',
    }));
  },
});

const bundles = [
  { entry: `${srcDir}cli/main.ts`, outfile: `${repo}dist/cli.cjs`, cacheArgs: ['run', '--help'] },
  { entry: `${srcDir}engine/container/monitor.ts`, outfile: `${repo}dist/monitor.cjs`, cacheArgs: ['--dl-monitor-hook', '--dl-code-cache'], minify: true },
  ...OWN_BUNDLE.map((name) => ({
    entry: `${srcDir}cli/main.ts`,
    outfile: `${repo}dist/cmd/${name}.cjs`,
    cacheArgs: [name, '--help'],
    minify: true,
    plugins: [onlyCommand(name)],
  })),
];
await rm(`${repo}dist/cmd`, { recursive: true, force: true });
for (const { entry, outfile, minify = false, plugins = [] } of bundles) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'warning',
    // keepNames: a minified function keeps its name for anything that reads it.
    ...(minify ? { minify: true, keepNames: true } : {}),
    plugins: [metaUrl(outfile), lazyFsPromises, ...plugins],
  });
}

// Keep the bundle pure ASCII: node reads an ASCII file into a one-byte string
// several times faster than UTF-8 with a few non-ASCII characters (a `µs` in
// a regular expression made it a two-byte string of twice the size). A \uXXXX
// escape means the same character in a string, template, regex or comment.
for (const { outfile } of bundles) {
  const text = await readFile(outfile, 'utf8');
  const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) await writeFile(outfile, ascii);
}

// The code caches: bin/dockerlite writes one at the exit of a command that
// compiled the modules behind `run` (their top levels and what --help uses),
// or all of the hook's; what is not in it is compiled when first called, as
// without a cache. The first real run of each bundle then writes a fuller
// one beside it (.warm, see bin/dockerlite).
for (const { outfile, cacheArgs } of bundles) {
  // A stale .warm must go: V8 checks a cache against the source's length only.
  await rm(`${outfile}.cache`, { force: true });
  await rm(`${outfile}.warm`, { force: true });
  const r = spawnSync(process.execPath, [`${repo}bin/dockerlite`, ...cacheArgs], {
    env: { ...process.env, DOCKERLITE_WRITE_CODE_CACHE: '1', DOCKERLITE_CONF: '/dev/null' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`making the code cache of ${outfile} failed (status ${r.status})`);
}
