// Issue 11 trial, not part of the build: would a V8 start-up snapshot of the
// CLI (`node --snapshot-blob cli.blob --build-snapshot`) start commands faster
// than today's bundle + code cache? It builds three blobs under a temporary
// directory from dist/cli.cjs (run `npm run build` first) and times them
// against bin/dockerlite, alternated: an empty snapshot (node's fixed cost of
// starting from any user-land blob), the CLI as is (commands still load
// lazily), and the CLI with the modules of ps/start/wait/rm initialised at
// build time (create and run cannot be: building fails with "Unknown external
// reference"). Figures and findings: bench/README.md, "V8 start-up snapshot".
//
// The blobs bake in this build's paths and are for timing only; they are
// deleted at the end. Usage, with a store of your own (it creates and removes
// busybox containers there):
//   DOCKERLITE_ROOT=... DOCKERLITE_LOOPFILE=... DOCKERLITE_BRIDGE=... \
//   DOCKERLITE_SUBNET=... DOCKERLITE_CONF=/dev/null node scripts/snapshot-trial.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const repo = new URL('..', import.meta.url).pathname;
if (!process.env.DOCKERLITE_ROOT) throw new Error('set DOCKERLITE_ROOT and the other DOCKERLITE_* variables to a store of your own');
const runs = Number(process.argv[2] ?? 11);
const dir = mkdtempSync(`${tmpdir()}/dockerlite-snapshot-trial-`);

/** The bundle as a snapshot entry: main() moves into the deserialize-main function. */
function entry(preload) {
  const text = readFileSync(`${repo}dist/cli.cjs`, 'utf8');
  const at = text.indexOf('for (const s of [process.stdout, process.stderr])');
  if (at < 0) throw new Error("dist/cli.cjs: main's tail not found");
  // __filename would be the entry's own path (and frozen at build time).
  const head = text
    .slice(0, at)
    .replace(/\b__filename\b/g, '__dlFile')
    .replace(/\b__dirname\b/g, '__dlDir');
  return [
    `let __dlFile = ${JSON.stringify(`${repo}dist/cli.cjs`)}, __dlDir;`,
    head,
    `function __dlMain() {\n${text.slice(at)}\n}`,
    `for (const n of ${JSON.stringify(preload)}) COMMANDS.find((c) => c.name === n).load();`,
    // argv[1] is the script in a normal start; main.ts reads argv.slice(2).
    "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => { process.argv.splice(1, 0, 'cli'); __dlMain(); });",
  ].join('\n');
}

function buildBlob(name, source) {
  writeFileSync(`${dir}/${name}.cjs`, source);
  const r = spawnSync(process.execPath, ['--snapshot-blob', `${dir}/${name}.blob`, '--build-snapshot', `${dir}/${name}.cjs`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building ${name}.blob failed: ${r.stderr}`);
  return `${dir}/${name}.blob`;
}

const wall = {};
const cpu = {};
/** Runs argv under /usr/bin/time; records wall and user+sys ms (10 ms resolution). */
function run(key, argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '@@%U %S', ...argv], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /@@([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')}: status ${r.status}: ${r.stderr}`);
  (wall[key] ??= []).push(ms);
  (cpu[key] ??= []).push((Number(m[1]) + Number(m[2])) * 1000);
  return r.stdout.trim();
}

try {
  const empty = buildBlob('empty', "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {});");
  const variants = {
    today: [`${repo}bin/dockerlite`],
    snapshot: [process.execPath, '--snapshot-blob', buildBlob('cli', entry([])), '--'],
    'snapshot+init': [process.execPath, '--snapshot-blob', buildBlob('pre', entry(['ps', 'start', 'wait', 'rm'])), '--'],
  };
  for (let i = 0; i < runs; i++) {
    run('node -e 0', [process.execPath, '-e', '0']);
    run('empty snapshot', [process.execPath, '--snapshot-blob', empty]);
    for (const [v, pre] of Object.entries(variants)) {
      run(`--version, ${v}`, [...pre, '--version']);
      run(`ps, ${v}`, [...pre, 'ps']);
      const id = run(`create, ${v}`, [...pre, 'create', 'busybox', 'true']);
      run(`start, ${v}`, [...pre, 'start', id]);
      run(`wait, ${v}`, [...pre, 'wait', id]);
      run(`rm, ${v}`, [...pre, 'rm', id]);
      run(`run --rm, ${v}`, [...pre, 'run', '--rm', 'busybox', 'true']);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const [w0, c0] = [med(wall['node -e 0']), med(cpu['node -e 0'])];
for (const k of Object.keys(wall)) {
  const [w, c] = [med(wall[k]), med(cpu[k])];
  console.log(`${k.padEnd(26)} wall ${w.toFixed(1).padStart(7)} ms ${(w / w0).toFixed(2)}x   cpu ${c.toFixed(0).padStart(4)} ms ${(c / c0).toFixed(2)}x`);
}
