// api/routes/containers.ts batched(): identical requests made while one is
// computed share the next computation, which starts after they arrived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batched } from '../../src/api/routes/containers.js';

test('requests during a computation share the next one; none gets an answer computed before it arrived', async () => {
  const b = batched<number>();
  let runs = 0;
  const gates: Array<() => void> = [];
  const compute = () =>
    new Promise<number>((resolve) => {
      const n = ++runs;
      gates.push(() => resolve(n));
    });
  const first = b('k', compute);
  const second = b('k', compute);
  const third = b('k', compute);
  const other = b('other', compute);
  assert.equal(runs, 2, 'the first of each key starts at once; the rest wait');
  gates.shift()!();
  assert.equal(await first, 1);
  await new Promise((r) => setImmediate(r));
  assert.equal(runs, 3, 'one new computation for both that waited');
  gates.shift()!(); // "other"
  gates.shift()!();
  assert.deepEqual(await Promise.all([second, third, other]), [3, 3, 2]);
  // Nothing in flight: the next request computes afresh.
  const fourth = b('k', compute);
  gates.shift()!();
  assert.equal(await fourth, 4);
});

test('a failed computation fails its requests, and the next one runs', async () => {
  const b = batched<number>();
  await assert.rejects(
    b('k', () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await b('k', () => Promise.resolve(7)), 7);
});
