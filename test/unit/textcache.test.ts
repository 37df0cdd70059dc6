// The API server's cache of record files' text (store/json.ts TextCache):
// it must never serve a file's old text once the file was replaced, even by
// one of the same size written within the same clock tick, and it forgets a
// removed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextCache, writeJson, readJsonOrSync } from '../../src/store/json.js';
import { stringList } from '../../src/store/schema.js';

test('a replaced file reads as its new text, a removed one as missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dltextcache-'));
  try {
    const f = join(dir, 'state.json');
    const cache = new TextCache();
    assert.equal(cache.read(f), undefined);
    writeFileSync(f, '{"a":1}');
    assert.equal(cache.read(f), '{"a":1}');
    assert.equal(cache.read(f), '{"a":1}', 'unchanged: served again');
    // Same size, written at once: only the rename's new inode tells them apart.
    writeFileSync(join(dir, 'tmp'), '{"a":2}');
    renameSync(join(dir, 'tmp'), f);
    assert.equal(cache.read(f), '{"a":2}');
    unlinkSync(f);
    assert.equal(cache.read(f), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readJsonOrSync through the cache sees each atomic write, and parses every time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dltextcache-'));
  try {
    const f = join(dir, 'list.json');
    const cache = new TextCache();
    assert.deepEqual(readJsonOrSync(f, stringList, ['fallback'], cache), ['fallback']);
    for (const v of [['x'], ['y'], ['z', 'w']]) {
      await writeJson(f, v, { durable: false });
      assert.deepEqual(readJsonOrSync(f, stringList, [], cache), v);
    }
    const a = readJsonOrSync(f, stringList, [], cache);
    const b = readJsonOrSync(f, stringList, [], cache);
    assert.notEqual(a, b, 'each read gets its own value: callers may change it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
