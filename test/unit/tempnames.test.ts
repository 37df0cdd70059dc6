// Temporary names without node:crypto (store/tags.ts): a temp file of a
// dead writer is still recognised by the sweep. (The seccomp profile's
// cheap name: test/unit/ids.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { tempTag } from '../../src/store/tags.js';
import { removeAbandonedTemps, tempPathFor } from '../../src/store/json.js';

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
