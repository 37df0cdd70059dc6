// What the core job's commands load at start-up (issue 11): each builtin
// module costs milliseconds at every command, so the ones these commands do
// not use stay unloaded. A static import of node:crypto, node:tls or
// node:child_process in a module these commands reach fails this test.
// Counted from process.moduleLoadList, not timed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { TestEnv, missingPrereq, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

/** Run `dockerlite args` in a node that reports, at its exit, the builtin modules the command loaded. */
function loaded(args: string[]): { modules: Set<string>; stdout: string } {
  const script = `
const before = new Set(process.moduleLoadList);
process.argv = [process.argv[0], ${JSON.stringify(BIN)}, ...${JSON.stringify(args)}];
process.on('exit', () => require('fs').writeSync(2, '\\nMODULES ' + process.moduleLoadList.filter((m) => !before.has(m)).join(',') + '\\n'));
require(${JSON.stringify(BIN)});`;
  const r = spawnSync(process.execPath, ['-e', script], { env: env.env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const line = /\nMODULES (.*)\n/.exec(r.stderr)?.[1] ?? '';
  return { modules: new Set(line.split(',').map((m) => m.replace(/^NativeModule /, ''))), stdout: r.stdout.trim() };
}

const NEVER = ['crypto', 'tls', 'https', 'dns/promises', 'child_process'];

test('ps, create, start, wait and rm of a local image load none of node:crypto, tls, https, dns, child_process, net or streams', { skip }, () => {
  const ps = loaded(['ps']);
  for (const m of [...NEVER, 'stream', 'net']) assert.ok(!ps.modules.has(m), `ps loaded ${m}`);
  // Listings read synchronously: the bundle's node:fs/promises loads at its first call (scripts/bundle.mjs).
  // (wait uses it when it has to wait for the exit, so it is not asked of wait.)
  assert.ok(!ps.modules.has('fs/promises'), 'ps loaded node:fs/promises');
  const id = loaded(['create', '--network', 'none', 'busybox', 'true']);
  assert.match(id.stdout, /^[0-9a-f]{64}$/);
  for (const [args, out] of [
    [['start', id.stdout], id.stdout],
    [['wait', id.stdout], '0'],
    [['rm', id.stdout], id.stdout],
  ] as const) {
    const r = loaded([...args]);
    assert.equal(r.stdout, out);
    for (const m of [...NEVER, 'stream', 'net']) assert.ok(!r.modules.has(m), `${args[0]} loaded ${m}`);
  }
  for (const m of NEVER) assert.ok(!id.modules.has(m), `create loaded ${m}`);
  // No program is streamed: btrfs is an ioctl, run() and dl-mon's fd 3 are read by the addon's threads.
  for (const m of ['stream', 'net']) assert.ok(!id.modules.has(m), `create loaded ${m}`);
});

test('run --rm of a local image loads none of them either', { skip }, () => {
  const r = loaded(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'hi']);
  assert.equal(r.stdout, 'hi');
  for (const m of NEVER) assert.ok(!r.modules.has(m), `run loaded ${m}`);
});
