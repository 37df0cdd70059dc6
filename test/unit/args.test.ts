import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, wantsHelp, helpText } from '../../src/cli/args.js';
import { CREATE_FLAGS } from '../../src/cli/runflags.js';
import { InvalidArgument } from '../../src/errors.js';

test('flags stop at the first positional for run-like commands', () => {
  const p = parseFlags('run', ['-it', '--rm', '-e', 'A=1', '-eB=2', '--name=web', 'busybox', 'ls', '-l', '--rm'], CREATE_FLAGS, { stopAtPositional: true });
  assert.equal(p.flags.interactive, true);
  assert.equal(p.flags.tty, true);
  assert.equal(p.flags.rm, true);
  assert.deepEqual(p.flags.env, ['A=1', 'B=2']);
  assert.equal(p.flags.name, 'web');
  assert.deepEqual(p.positionals, ['busybox', 'ls', '-l', '--rm']);
});

test('a value flag consumes the next word even if it looks like an image', () => {
  const p = parseFlags('run', ['-w', '/tmp', '-u', 'nobody', 'img'], CREATE_FLAGS, { stopAtPositional: true });
  assert.equal(p.flags.workdir, '/tmp');
  assert.equal(p.flags.user, 'nobody');
  assert.deepEqual(p.positionals, ['img']);
});

test('-- ends the flags', () => {
  const p = parseFlags('run', ['--rm', '--', '-img'], CREATE_FLAGS, { stopAtPositional: true });
  assert.deepEqual(p.positionals, ['-img']);
});

test('unknown flags are an InvalidArgument naming the command', () => {
  assert.throws(
    () => parseFlags('ps', ['--bogus'], { all: { type: 'boolean', short: 'a', help: '' } }),
    (e: unknown) => e instanceof InvalidArgument && /--bogus/.test((e as Error).message) && /dockerlite ps --help/.test((e as Error).message),
  );
});

test('-h is hostname for run but help elsewhere', () => {
  assert.equal(wantsHelp(['-h', 'x', 'img'], CREATE_FLAGS, true), false);
  assert.equal(wantsHelp(['--help'], CREATE_FLAGS, true), true);
  assert.equal(wantsHelp(['-h'], {}, false), true);
  assert.equal(wantsHelp(['img', '--help'], CREATE_FLAGS, true), false, 'after the image, --help belongs to the command');
});

test('help text lists flags with their short forms', () => {
  const t = helpText('run', 'IMAGE', 'Run it', CREATE_FLAGS, ['runi']);
  assert.match(t, /Usage: {2}dockerlite run IMAGE/);
  assert.match(t, /-e, --env list/);
  assert.match(t, /Aliases: runi/);
});
