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
// into a wrapper that only runs it when asked. CommonJS, because Node 20 can
// compile a script, not an ES module, with a code cache (node:vm). Each
// module's import.meta.url becomes the URL of its tsc output, so paths
// computed from it (the monitor script, package.json, bin/) stay right.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';

const repo = fileURLToPath(new URL('..', import.meta.url));
const srcDir = `${repo}src/`;

const metaUrl = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      if (text.includes('import.meta.url')) {
        // src/x/y.ts -> dist/src/x/y.js, relative to dist/.
        const rel = `./src/${relative(srcDir, args.path)}`.replace(/\.ts$/, '.js');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, require('node:url').pathToFileURL(__filename)).href`);
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

const bundles = [
  { entry: `${srcDir}cli/main.ts`, outfile: `${repo}dist/cli.cjs`, cacheArgs: ['run', '--help'] },
  { entry: `${srcDir}engine/container/monitor.ts`, outfile: `${repo}dist/monitor.cjs`, cacheArgs: ['--dl-monitor-hook', '--dl-code-cache'] },
];
for (const { entry, outfile } of bundles) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [metaUrl],
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
// without a cache.
for (const { outfile, cacheArgs } of bundles) {
  await rm(`${outfile}.cache`, { force: true });
  const r = spawnSync(process.execPath, [`${repo}bin/dockerlite`, ...cacheArgs], {
    env: { ...process.env, DOCKERLITE_WRITE_CODE_CACHE: '1', DOCKERLITE_CONF: '/dev/null' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`making the code cache of ${outfile} failed (status ${r.status})`);
}
