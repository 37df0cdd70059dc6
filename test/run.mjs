#!/usr/bin/env node
// Runs the suites with node's test runner: unit tests in parallel, then the
// root-only integration and end-to-end suites. `node test/run.mjs unit` runs one suite.
// The unit suite runs with node's coverage, which prints a table of the compiled files (dist/) it reached.
// After the run it checks that nothing was left behind (mounts, loop devices, LXC processes,
// network links, iptables rules), counting only what was not there before it began.
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const dist = new URL('../dist/test/', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const suites = [
  { name: 'unit', concurrency: 2, options: ['--experimental-test-coverage'] },
  { name: 'integration', concurrency: 2 },
  { name: 'e2e', concurrency: 1 },
  // Real Engine API clients (docker CLI, Compose, docker-py, dockerode, testcontainers) against `dockerlite serve`.
  { name: 'api', concurrency: 1 },
  { name: 'hardening', concurrency: 1 },
].filter((s) => !wanted.length || wanted.includes(s.name));

// Leak check: a test that leaves these behind has a clean-up bug.
function leftovers() {
  const found = [];
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) if (line.includes('/tmp/dltest-')) found.push(`mount: ${line}`);
  const loops = spawnSync('losetup', ['-a'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of loops.split('\n')) if (line.includes('dltest-')) found.push(`loop: ${line}`);
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of ps.split('\n')) if (/(lxc-(execute|start|attach)|dockerd).*dltest-/.test(line)) found.push(`process: ${line.trim()}`);
  // Test bridges (dlt + the test's id), user-network bridges (dl-<id>), container veths (vdl...),
  // and the bridges of the comparison dockerd's networks (br-<id>).
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of links.split('\n'))
    if (/^\d+: (dlt[0-9a-f]{6}|dl-[0-9a-f]{12}|br-[0-9a-f]{12}|vdl)/.test(line)) found.push(`link: ${line.split(':')[1].trim()}`);
  // iptables chains and rules of test stores (named and commented after their bridge).
  for (const table of ['filter', 'nat', 'raw']) {
    const rules = spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of rules.split('\n')) if (/DL-dlt[0-9a-f]{6}|dockerlite:dlt[0-9a-f]{6}/.test(line)) found.push(`iptables ${table}: ${line}`);
  }
  return found;
}
// What was there before this run (another run in progress, a developer's own store) is not this run's leak.
const before = new Set(leftovers());

let failed = false;
for (const s of suites) {
  const dir = join(dist, s.name);
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.test.js'))
        .sort()
        .map((f) => join(dir, f))
    : [];
  if (!files.length) continue;
  console.log(`\n# suite: ${s.name} (${files.length} files)`);
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${s.concurrency}`, ...(s.options ?? []), ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}

const leaks = leftovers().filter((l) => !before.has(l));
if (leaks.length) {
  console.error(`\n# LEAKS: the tests left these behind:\n${leaks.join('\n')}`);
  failed = true;
} else console.log('\n# leak check: nothing left behind');
process.exit(failed ? 1 : 0);
