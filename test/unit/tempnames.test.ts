// Temporary names without node:crypto (store/tags.ts), and the seccomp
// profile a start names by a cheap hash (spec/prepare.ts): a temp file of a
// dead writer is still recognised by the sweep, and a profile file holding
// other text is never used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { tempTag } from '../../src/store/tags.js';
import { removeAbandonedTemps, tempPathFor } from '../../src/store/json.js';
import { Store } from '../../src/store/store.js';
import { seccompProfilePath } from '../../src/engine/container/spec/prepare.js';
import { DEFAULT_CAPS } from '../../src/runtime/rcfile.js';
import { hasSeccomp } from '../../src/runtime/host.js';

test('temp tags are 8 hex digits and never repeat in a process', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100_000; i++) {
    const t = tempTag();
    assert.match(t, /^[0-9a-f]{8}$/);
    seen.add(t);
  }
  assert.equal(seen.size, 100_000);
});

test('the sweep keeps a live writer’s temp file and removes a dead one’s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dl-tags-'));
  const live = tempPathFor(join(dir, 'state.json'));
  // The same name as written by a process that is gone (pid 1's start time is never 1).
  const dead = join(dirname(live), basename(live).replace(/\.\d+-\d+-/, '.1-1-'));
  writeFileSync(live, '{}');
  writeFileSync(dead, '{}');
  await removeAbandonedTemps(dir);
  assert.deepEqual(readdirSync(dir), [basename(live)]);
});

test('a seccomp profile file that holds other text is not used', { skip: hasSeccomp() ? undefined : 'no seccomp' }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'dl-seccomp-'));
  const store = new Store({
    root,
    loopFile: join(root, '..', 'unused.img'),
    loopSizeMB: 1,
    bridge: 'dl0',
    subnet: '10.0.0.0/24',
    pool: '10.1.0.0/16',
    debug: false,
  });
  const p = (await seccompProfilePath(store, DEFAULT_CAPS))!;
  const text = readFileSync(p, 'utf8');
  assert.match(text, /^2\n/); // LXC's seccomp format
  assert.equal(await seccompProfilePath(store, DEFAULT_CAPS), p, 'the same profile, the same file');
  // Another profile's text under this name (a collision): a file that holds exactly this text is used instead.
  writeFileSync(p, 'other\n');
  const q = (await seccompProfilePath(store, DEFAULT_CAPS))!;
  assert.equal(readFileSync(q, 'utf8'), text);
  assert.equal(readFileSync(p, 'utf8'), 'other\n');
  // Left empty (a power cut after the rename): written again.
  writeFileSync(q, '');
  const r = (await seccompProfilePath(store, DEFAULT_CAPS))!;
  assert.equal(readFileSync(r, 'utf8'), text);
  assert.ok(existsSync(r));
});
