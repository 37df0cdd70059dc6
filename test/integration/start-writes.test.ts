// What a start and an rm of a --network none container write and read
// (issue 11: the engine work of a start and of the four-command lifecycle).
// Counted with strace, not timed: a first start records the mount points it
// makes (/etc/hostname, /.dockerenv, /etc/hosts, /etc/resolv.conf) in one
// write of mountpoints.json, and writes state.json three times (starter,
// monitor, running); an rm of such a container reads no network's record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv', 'strace'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

/** The syscalls (trace=...) of `dockerlite args` and its threads, not of the programs it starts (detached at their exec). */
function traced(trace: string, args: string[]): string {
  const log = join(env.dir, 'strace.log');
  const r = spawnSync('strace', ['-f', '-qq', '-b', 'execve', '-e', `trace=${trace}`, '-o', log, process.execPath, BIN, ...args], {
    env: env.env,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(log, 'utf8');
  rmSync(log, { force: true });
  return text;
}

/** How many renames put `file` into place. */
function renamesTo(text: string, file: string): number {
  return [...text.matchAll(/rename(?:at2?)?\([^)]*"([^"]+)"(?:, \w+)?\) = 0/g)].filter((m) => m[1] === file).length;
}

test('a first start records its mount points once and writes state.json three times', { skip }, async () => {
  const id = await env.ok(['create', '--network', 'none', 'busybox', 'sleep', '1000']);
  const dir = join(env.root, 'containers', id);
  try {
    const text = traced('rename,renameat,renameat2', ['start', id]);
    // Before: mountpoints.json four times (once per mount point) and state.json four times.
    assert.equal(renamesTo(text, join(dir, 'mountpoints.json')), 1, 'writes of mountpoints.json');
    assert.equal(renamesTo(text, join(dir, 'state.json')), 3, 'writes of state.json');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'mountpoints.json'), 'utf8')), ['/.dockerenv', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);
    assert.equal(await env.ok(['inspect', '-f', '{{.State.Status}}', id]), 'running');
  } finally {
    await env.ok(['rm', '-f', id]);
  }
});

test('rm of a --network none container reads no network record', { skip }, async () => {
  await env.ok(['run', '--rm', 'busybox', 'true']); // the default network exists
  const id = await env.ok(['create', '--network', 'none', 'busybox', 'true']);
  await env.ok(['start', id]);
  await env.ok(['wait', id]);
  const text = traced('openat', ['rm', id]);
  // Before: the network hooks read every network's record to release any address claim (there can be none).
  const records = [...text.matchAll(/openat\(AT_FDCWD, "([^"]+\/network\.json)"/g)].map((m) => m[1]).filter((p) => p.startsWith(join(env.root, 'networks')));
  assert.deepEqual(records, [], 'network records rm opened');
  assert.notEqual((await env.dl(['inspect', id])).status, 0, 'it is gone');
});
