// store/resolve.ts: LAST, then an exact id, then a name (most recent wins),
// then a unique id prefix, as dockerd (the original's _dl_resolve put the
// prefix before the name); an ambiguous prefix is an error naming what it matched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, type Named } from '../../src/store/resolve.js';
import { Ambiguous, NotFound } from '../../src/errors.js';

const id = (head: string) => head + '0'.repeat(64 - head.length);

const web: Named = { id: id('abc111'), names: ['web'], created: '2024-01-01T00:00:00.000Z' };
const db: Named = { id: id('abc222'), names: ['db'], created: '2024-01-03T00:00:00.000Z' };
const cache: Named = { id: id('def333'), names: [], created: '2024-01-02T00:00:00.000Z' };
const all = [web, db, cache];

test('an exact id, with or without sha256:, resolves to that object', () => {
  assert.equal(resolve('container', web.id, all), web);
  assert.equal(resolve('image', 'sha256:' + db.id, all), db);
});

test('a unique id prefix resolves; sha256: is stripped from a prefix too', () => {
  assert.equal(resolve('container', 'abc1', all), web);
  assert.equal(resolve('container', 'd', all), cache);
  assert.equal(resolve('image', 'sha256:abc2', all), db);
});

test('an ambiguous prefix is an Ambiguous error listing every match by short id and name', () => {
  assert.throws(
    () => resolve('container', 'abc', all),
    (e: unknown) => {
      assert.ok(e instanceof Ambiguous, 'Ambiguous');
      assert.match(e.message, /container id prefix 'abc' is ambiguous/);
      assert.match(e.message, /abc111000000 \(web\)/);
      assert.match(e.message, /abc222000000 \(db\)/);
      assert.doesNotMatch(e.message, /def333/);
      return true;
    },
  );
});

test('names resolve; the most recently created object wins a shared name', () => {
  assert.equal(resolve('container', 'web', all), web);
  const older: Named = { id: id('111'), names: ['app'], created: '2023-05-01T00:00:00.000Z' };
  const newer: Named = { id: id('222'), names: ['x', 'app'], created: '2023-06-01T00:00:00.000Z' };
  assert.equal(resolve('image', 'app', [older, newer]), newer);
  assert.equal(resolve('image', 'app', [newer, older]), newer, 'independent of list order');
});

test("dockerd's order: an exact id, then a name, then a prefix", () => {
  // A container named like another's id prefix is found by its name (docker rm b0 removes the one named b0).
  const trick: Named = { id: id('fff'), names: [web.id, 'abc2'], created: '2025-01-01T00:00:00.000Z' };
  const items = [web, db, trick];
  assert.equal(resolve('container', web.id, items), web, 'exact id before a name');
  assert.equal(resolve('container', 'abc2', items), trick, 'a name before a unique prefix');
  // A name wins even where the prefix alone would be ambiguous.
  const named: Named = { id: id('999'), names: ['abc'], created: '2025-01-01T00:00:00.000Z' };
  assert.equal(resolve('container', 'abc', [web, db, named]), named);
  assert.throws(() => resolve('container', 'abc', [web, db]), Ambiguous);
});

test('non-hex queries are never treated as prefixes', () => {
  const upper: Named = { id: id('abc'), names: [], created: '2024-01-01T00:00:00.000Z' };
  assert.throws(() => resolve('container', 'ABC', [upper]), NotFound, 'prefixes are lowercase hex only');
  assert.throws(() => resolve('container', 'abcg', [upper]), NotFound);
});

test('nothing found, or nothing asked, is NotFound', () => {
  assert.throws(
    () => resolve('container', 'nosuch', all),
    (e: unknown) => e instanceof NotFound && /no such container: nosuch/.test(e.message),
  );
  assert.throws(() => resolve('container', 'abc9', all), NotFound, 'a hex query matching no id and no name');
  assert.throws(
    () => resolve('container', '', all),
    (e: unknown) => e instanceof NotFound && /no container name or id given/.test(e.message),
  );
  assert.throws(() => resolve('container', 'web', []), NotFound);
});

test('LAST is the most recently created object, and NotFound when there is none', () => {
  assert.equal(resolve('container', 'LAST', all), db);
  assert.equal(resolve('container', 'LAST', [cache, web]), cache);
  assert.throws(
    () => resolve('image', 'LAST', []),
    (e: unknown) => e instanceof NotFound && /there is no image yet/.test(e.message),
  );
  // LAST is a keyword, not a name: it wins over an object named LAST.
  const namedLast: Named = { id: id('777'), names: ['LAST'], created: '2000-01-01T00:00:00.000Z' };
  assert.equal(resolve('container', 'LAST', [namedLast, web]), web);
});

test('normaliseName maps the query before name lookup; undefined means it is no name', () => {
  const img: Named = { id: id('aaa'), names: ['docker.io/library/alpine:latest'], created: '2024-01-01T00:00:00.000Z' };
  const normalise = (q: string) => (q.includes(':') ? `docker.io/library/${q}` : `docker.io/library/${q}:latest`);
  assert.equal(resolve('image', 'alpine', [img], normalise), img);
  assert.equal(resolve('image', 'alpine:latest', [img], normalise), img);
  assert.throws(() => resolve('image', 'alpine:3', [img], normalise), NotFound);
  assert.throws(() => resolve('image', 'docker.io/library/alpine:latest', [img], () => undefined), NotFound);
  // ids still resolve when the query is not a valid name
  assert.equal(
    resolve('image', 'aaa', [img], () => undefined),
    img,
  );
});
