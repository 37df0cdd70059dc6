import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLine, mergeEnv, parseEnvFile, envValue } from '../../src/engine/container/spec/command.js';
import { InvalidArgument } from '../../src/errors.js';

test('Entrypoint and Cmd combine as in Docker', () => {
  const img = { Entrypoint: ['/entry'], Cmd: ['--default'] };
  assert.deepEqual(commandLine(img, []), { entrypoint: ['/entry'], cmd: ['--default'] });
  assert.deepEqual(commandLine(img, ['x']), { entrypoint: ['/entry'], cmd: ['x'] });
  // --entrypoint drops the image's Cmd
  assert.deepEqual(commandLine(img, [], ['/other']), { entrypoint: ['/other'], cmd: [] });
  assert.deepEqual(commandLine({ Cmd: ['sh'] }, ['ls']), { entrypoint: [], cmd: ['ls'] });
  assert.throws(() => commandLine({}, []), InvalidArgument);
  assert.throws(() => commandLine(img, [], null), InvalidArgument);
});

test('environment lists merge, later wins, bare keys come from the host', () => {
  process.env.DL_UNIT_X = 'fromhost';
  const env = mergeEnv(['A=1', 'B=2'], ['B=3', 'DL_UNIT_X', 'DL_UNIT_MISSING']);
  assert.deepEqual(env, ['A=1', 'B=3', 'DL_UNIT_X=fromhost']);
  assert.equal(envValue(env, 'B'), '3');
  assert.throws(() => mergeEnv(['=x']), InvalidArgument);
});

test('env files skip comments and blank lines', () => {
  assert.deepEqual(parseEnvFile('# c\nA=1\n\n  B=two words\r\nC\n'), ['A=1', 'B=two words', 'C']);
});

test('the apt mirror is read from one-line and deb822 sources', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { aptMirror } = await import('../../src/engine/image/base-debian.js');
  const dir = mkdtempSync(`${tmpdir()}/apt-`);
  try {
    writeFileSync(
      `${dir}/a.list`,
      '# comment\ndeb [arch=amd64] http://security.debian.org/debian-security bookworm-security main\ndeb http://mirror.example/debian bookworm main\n',
    );
    writeFileSync(`${dir}/b.sources`, 'Types: deb\nURIs: http://deb.example/debian\nSuites: bookworm\n');
    assert.equal(aptMirror([`${dir}/a.list`]), 'http://mirror.example/debian');
    assert.equal(aptMirror([`${dir}/missing`, `${dir}/b.sources`]), 'http://deb.example/debian');
    assert.throws(() => aptMirror([`${dir}/missing`]), /no Debian mirror/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
