// Stages and what the metadata instructions do to an image config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../src/engine/build/parser.js';
import { buildOrder, findStage, splitStages, type Stage } from '../../src/engine/build/stages.js';
import { checkSignal, commandArgv, exposedPorts, healthcheck, parseDuration, setEnv, workdir } from '../../src/engine/build/config.js';
import { destination } from '../../src/engine/build/copy.js';
import { imageIdFor } from '../../src/engine/build/builder.js';
import { DockerfileError } from '../../src/engine/build/errors.js';

const stagesOf = (text: string) => splitStages(parseDockerfile(text, 'Dockerfile'));

test('stages: global ARGs, names, lookup by name or index', () => {
  const { globalArgs, stages } = stagesOf('ARG V=1\nFROM busybox AS Base\nRUN true\nFROM base\nCOPY --from=0 /a /b\n');
  assert.equal(globalArgs.length, 1);
  assert.equal(stages.length, 2);
  assert.equal(stages[0].name, 'base');
  assert.equal(stages[0].instructions.length, 1);
  assert.equal(findStage(stages, 'BASE'), stages[0], 'names are case-insensitive');
  assert.equal(findStage(stages, '1'), stages[1]);
  assert.equal(findStage(stages, '7'), undefined);
  assert.throws(
    () => stagesOf('FROM a AS x\nFROM b AS x\n'),
    (e: unknown) => e instanceof DockerfileError && e.line === 2 && /duplicate stage name "x"/.test(e.message),
  );
  assert.throws(() => stagesOf('ENV A=1\nFROM b\n'), /ENV before the first FROM/);
  assert.throws(() => stagesOf('ARG A\n'), /no FROM instruction/);
});

test('build order: dependencies first, only what the target needs, cycles named', () => {
  const { stages } = stagesOf('FROM a AS one\nFROM b AS two\nFROM c AS three\nFROM d AS four\n');
  const [one, two, three, four] = stages;
  const deps = new Map<Stage, Stage[]>([
    [four, [three, one]],
    [three, [one]],
    [one, []],
    [two, []],
  ]);
  const order = buildOrder('Dockerfile', four, (s) => (deps.get(s) ?? []).map((d) => ({ stage: d, line: 9, what: 'COPY --from' })));
  assert.deepEqual(
    order.map((s) => s.name),
    ['one', 'three', 'four'],
    'two is not needed',
  );
  deps.set(one, [four]);
  assert.throws(
    () => buildOrder('Dockerfile', four, (s) => (deps.get(s) ?? []).map((d) => ({ stage: d, line: 9, what: `COPY --from=${d.name}` }))),
    (e: unknown) => e instanceof DockerfileError && e.line === 9 && /circular dependency between stages \(four -> three -> one -> four\)/.test(e.message),
  );
});

test('ENV replaces in place; WORKDIR is relative to the last one', () => {
  assert.deepEqual(
    setEnv(
      ['PATH=/bin', 'A=1'],
      [
        ['A', '2'],
        ['B', 'x y'],
      ],
    ),
    ['PATH=/bin', 'A=2', 'B=x y'],
  );
  assert.equal(workdir(undefined, 'app'), '/app');
  assert.equal(workdir('/app', 'src/../lib'), '/app/lib');
  assert.equal(workdir('/app', '/abs'), '/abs');
});

test('commands: JSON form as is, shell form through SHELL', () => {
  assert.deepEqual(commandArgv({ form: 'shell', text: 'make all' }, undefined), ['/bin/sh', '-c', 'make all']);
  assert.deepEqual(commandArgv({ form: 'shell', text: 'x' }, ['/bin/bash', '-ec']), ['/bin/bash', '-ec', 'x']);
  assert.deepEqual(commandArgv({ form: 'exec', argv: ['a', 'b'] }, ['/bin/bash', '-c']), ['a', 'b']);
});

test('EXPOSE, STOPSIGNAL, durations, HEALTHCHECK', () => {
  assert.deepEqual(exposedPorts(['80', '53/UDP', '7000-7001/tcp']), { '80/tcp': {}, '53/udp': {}, '7000/tcp': {}, '7001/tcp': {} });
  assert.throws(() => exposedPorts(['http']), /invalid port/);
  assert.throws(() => exposedPorts(['0']), /1 to 65535/);
  assert.equal(checkSignal('SIGTERM'), 'SIGTERM');
  assert.equal(checkSignal('kill'), 'kill');
  assert.equal(checkSignal('9'), '9');
  assert.equal(checkSignal('SIGRTMIN+3'), 'SIGRTMIN+3');
  assert.throws(() => checkSignal('SIGNOPE'), /invalid signal/);
  assert.equal(parseDuration('1m30s'), 90e9);
  assert.equal(parseDuration('500ms'), 5e8);
  assert.equal(parseDuration('1.5h'), 5400e9);
  assert.throws(() => parseDuration('5'), /invalid duration/);
  assert.deepEqual(healthcheck(null, {}), { Test: ['NONE'] });
  assert.deepEqual(healthcheck({ form: 'shell', text: 'curl -f x' }, { interval: '30s', retries: '3' }), {
    Test: ['CMD-SHELL', 'curl -f x'],
    Interval: 30e9,
    Retries: 3,
  });
  assert.deepEqual(healthcheck({ form: 'exec', argv: ['true'] }, { timeout: '0s' }), { Test: ['CMD', 'true'], Timeout: 0 });
  assert.throws(() => healthcheck({ form: 'exec', argv: ['true'] }, { interval: '10us' }), /less than 1ms/);
});

test("COPY destinations: Docker's rules for directories", () => {
  assert.deepEqual(destination('/opt/app/', '/'), { path: '/opt/app', isDir: true });
  assert.deepEqual(destination('app', '/srv'), { path: '/srv/app', isDir: false });
  assert.deepEqual(destination('.', '/srv'), { path: '/srv', isDir: true });
  assert.deepEqual(destination('./', '/'), { path: '/', isDir: true });
  assert.deepEqual(destination('../x/', '/srv/a'), { path: '/srv/x', isDir: true });
  assert.deepEqual(destination('../../../../x', '/srv'), { path: '/x', isDir: false }, 'clamped at the root');
});

test("image ids: Docker's config digest when the layers are known, else config and layer keys", () => {
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' as const, diff_ids: ['sha256:aa'] } };
  assert.equal(imageIdFor(config, ['k1']), imageIdFor(config, ['k1']));
  assert.match(imageIdFor(config, ['k1']), /^[0-9a-f]{64}$/);
  assert.notEqual(imageIdFor(config, ['k1', 'k2']), imageIdFor(config, ['k1', 'k3']), 'unknown layers make part of the id');
});
