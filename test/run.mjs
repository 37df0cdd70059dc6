#!/usr/bin/env node
// Runs the suites with node's test runner: unit tests in parallel, then the
// root-only integration and end-to-end suites. `node test/run.mjs unit` runs one suite.
// After the run it checks that nothing was left behind (mounts, loop devices, LXC processes).
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const dist = new URL('../dist/test/', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const suites = [
  { name: 'unit', concurrency: 2 },
  { name: 'integration', concurrency: 2 },
  { name: 'e2e', concurrency: 1 },
].filter((s) => !wanted.length || wanted.includes(s.name));

let failed = false;
for (const s of suites) {
  const dir = join(dist, s.name);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(dir, f)) : [];
  if (!files.length) continue;
  console.log(`\n# suite: ${s.name} (${files.length} files)`);
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${s.concurrency}`, ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}

// Leak check: a test that leaves these behind has a clean-up bug.
const leaks = [];
for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) if (line.includes('/tmp/dltest-')) leaks.push(`mount: ${line}`);
const loops = spawnSync('losetup', ['-a'], { encoding: 'utf8' }).stdout ?? '';
for (const line of loops.split('\n')) if (line.includes('dltest-')) leaks.push(`loop: ${line}`);
const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout ?? '';
for (const line of ps.split('\n')) if (/lxc-(execute|start|attach).*dltest-/.test(line)) leaks.push(`process: ${line.trim()}`);
const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
for (const line of links.split('\n')) if (/^\d+: (dlt[0-9a-f]{6}|vdl)/.test(line)) leaks.push(`link: ${line.split(':')[1].trim()}`);
if (leaks.length) {
  console.error(`\n# LEAKS: the tests left these behind:\n${leaks.join('\n')}`);
  failed = true;
} else console.log('\n# leak check: nothing left behind');
process.exit(failed ? 1 : 0);
