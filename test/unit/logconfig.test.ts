import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument } from '../../src/errors.js';
import { parseLogConfig, logLimits, DEFAULT_LIMITS } from '../../src/engine/container/logconfig.js';

test('log drivers and options: Docker sizes, the local driver default cap, none keeps nothing', () => {
  assert.deepEqual(parseLogConfig(undefined, []), { Type: 'json-file', Config: {} });
  assert.deepEqual(logLimits(parseLogConfig(undefined, [])), DEFAULT_LIMITS);
  assert.deepEqual(logLimits(undefined), DEFAULT_LIMITS);
  assert.deepEqual(logLimits(parseLogConfig('local', ['max-size=1m', 'max-file=3'])), { maxSize: 1 << 20, maxFiles: 3 });
  assert.deepEqual(logLimits(parseLogConfig('json-file', { 'max-size': '512k' })), { maxSize: 512 << 10, maxFiles: 5 });
  assert.equal(logLimits(parseLogConfig('json-file', ['max-size=2g']))!.maxSize, 2 * 1024 ** 3);
  assert.equal(logLimits(parseLogConfig('json-file', ['max-size=-1']))!.maxSize, Infinity);
  assert.equal(logLimits(parseLogConfig('none', [])), undefined);
});

test('bad drivers and options are refused', () => {
  for (const [d, o] of [
    ['syslog', []],
    ['json-file', ['max-size']],
    ['json-file', ['=1m']],
    ['json-file', ['max-size=0']],
    ['json-file', ['max-size=lots']],
    ['json-file', ['max-file=0']],
    ['json-file', ['max-file=1.5']],
    ['local', ['compress=true']],
    ['none', ['max-size=1m']],
  ] as Array<[string, string[]]>) {
    assert.throws(() => parseLogConfig(d, o), InvalidArgument, `${d} ${o.join(' ')}`);
  }
});
