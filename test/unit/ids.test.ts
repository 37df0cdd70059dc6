// store/ids.ts: random ids without node:crypto, and the seccomp profile files
// named by a cheap hash (engine/container/spec/prepare.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomHex, randomId, randomInt, sha256 } from '../../src/store/ids.js';
import { profileFile } from '../../src/engine/container/spec/prepare.js';
import { Paths } from '../../src/store/paths.js';

test('random ids: 64 hex digits, all different; randomInt stays in range and reaches every value', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => randomId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{64}$/);
  assert.match(randomHex(300), /^[0-9a-f]{600}$/); // more than the pool holds at once
  const seen = new Array(7).fill(0);
  for (let i = 0; i < 7000; i++) seen[randomInt(7)]++;
  for (const n of seen) assert.ok(n > 700 && n < 1300, `randomInt(7) counts: ${seen.join(' ')}`);
});

test('a seccomp profile file is reused only when it holds the same text; a name taken by another text falls back to the SHA-256 name', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dl-ids-'));
  try {
    const store = { paths: new Paths(root) };
    const a = await profileFile(store, 'profile A\n');
    assert.equal(readFileSync(a, 'utf8'), 'profile A\n');
    assert.equal(await profileFile(store, 'profile A\n'), a);
    const b = await profileFile(store, 'profile B\n');
    assert.notEqual(b, a);
    // Another text under A's cheap name (as a crafted collision would put it): A must not get it.
    writeFileSync(a, 'not A\n');
    const again = await profileFile(store, 'profile A\n');
    assert.equal(again, join(root, `seccomp-${sha256('profile A\n').slice(0, 16)}.profile`));
    assert.equal(readFileSync(again, 'utf8'), 'profile A\n');
    assert.equal(readFileSync(a, 'utf8'), 'not A\n', 'a profile file was replaced');
    assert.deepEqual(
      readdirSync(root).filter((n) => n.endsWith('.tmp')),
      [],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
