import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, normalize, familiar } from '../../src/oci/reference.js';
import { InvalidArgument } from '../../src/errors.js';

test('references normalise as Docker does', () => {
  assert.equal(normalize('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalize('me/app:1.0'), 'docker.io/me/app:1.0');
  assert.equal(normalize('localhost:5000/a/b'), 'localhost:5000/a/b:latest');
  assert.equal(normalize('registry.example.com/x:tag'), 'registry.example.com/x:tag');
  assert.equal(normalize('index.docker.io/library/debian:bookworm'), 'docker.io/library/debian:bookworm');
  const d = 'sha256:' + 'a'.repeat(64);
  const r = parseReference(`busybox@${d}`);
  assert.equal(r.digest, d);
  assert.equal(r.tag, undefined);
});

test('familiar names drop docker.io and library/', () => {
  assert.equal(familiar(parseReference('busybox')), 'busybox:latest');
  assert.equal(familiar(parseReference('localhost:5000/app:2')), 'localhost:5000/app:2');
});

test('bad references are rejected', () => {
  for (const bad of ['', 'UPPER', 'a//b', 'a:b:c', 'x@sha256:123', 'bad tag:x y', '-lead']) {
    assert.throws(() => parseReference(bad), InvalidArgument, bad);
  }
});
