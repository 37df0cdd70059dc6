// native/dl-mon on its own, with a stand-in for lxc-start (a shell that runs
// the command as its child and exits 0, as lxc-start -F does): the json-file
// log (Docker's encoding, recorded from Docker 20.10), line splitting and
// rotation, no lost output, exit statuses, the fd 3 channel, the hook and its
// restart, attach frames, the pty and OOM sampling. Root: dl-mon reads exit
// statuses from the kernel's process events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingPrereq, TestEnv } from '../helpers/env.js';
import { decoder, encode, Frame } from '../../src/runtime/frames.js';

const DL_MON = fileURLToPath(new URL('../../native/dl-mon', import.meta.url));
const skip = missingPrereq({ tools: [] });
const lxcSkip = missingPrereq({ tools: ['lxc-start', 'btrfs'] });
const env = new TestEnv();
let tmp = '';
let fake = '';

before(() => {
  tmp = mkdtempSync('/tmp/dltest-mon-');
  fake = join(tmp, 'lxc-start');
  writeFileSync(fake, '#!/bin/sh\n"$@"\nexit 0\n');
  chmodSync(fake, 0o755);
});
after(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await env.cleanup();
});

let n = 0;
interface Mon {
  dir: string;
  /** What dl-mon wrote on fd 3. */
  told: Promise<string>;
  exit: Promise<number>;
  stderr: () => string;
}

/** dl-mon OPTIONS -- fake-lxc-start ARGV, in a fresh directory; a hook script body prints its answer (DIR and FAKE: the directory, the stand-in). */
function mon(opts: string[], argv: string[], hookBody = 'echo done', ackStart = true): Mon {
  const dir = join(tmp, `c${n++}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const hook = join(dir, 'hook.sh');
  writeFileSync(hook, `#!/bin/sh\necho "$@" >> ${dir}/hook.calls\n${hookBody.replaceAll('DIR', dir).replace('FAKE', fake)}\n`);
  chmodSync(hook, 0o755);
  const c = spawn(DL_MON, ['-d', dir, '-x', hook, ...opts, '--', fake, ...argv], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let err = '';
  c.stderr!.on('data', (d) => (err += d));
  let told = '';
  const tell = c.stdio[3] as Socket;
  tell.on('data', (d: Buffer) => {
    told += d.toString();
    // As a starter does: record the start, then close the channel.
    if (/started \d+\n/.test(told)) tell.end(ackStart ? 'ok\n' : '');
  });
  const toldP = new Promise<string>((r) => tell.on('close', () => r(told)));
  const exit = new Promise<number>((r) => c.on('exit', (code) => r(code ?? -1)));
  return { dir, told: toldP, exit, stderr: () => err };
}

interface Entry {
  log: string;
  stream: string;
  time: string;
}
const entries = (dir: string, name = 'log.jsonl'): Entry[] =>
  readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry);
const hookCalls = (dir: string) => readFileSync(join(dir, 'hook.calls'), 'utf8').trim().split('\n');

test('log lines are Docker json-file lines, split per stream at newlines, with nanosecond RFC 3339 times', { skip }, async () => {
  const m = mon(['-l', 'log.jsonl'], ['sh', '-c', 'echo a; echo b >&2; printf c']);
  assert.equal(await m.exit, 0, m.stderr());
  const e = entries(m.dir);
  // The two streams are two pipes: their relative order is not kept, each one's is.
  const of = (s: string) => e.filter((x) => x.stream === s).map((x) => x.log);
  assert.deepEqual(of('stdout'), ['a\n', 'c']);
  assert.deepEqual(of('stderr'), ['b\n']);
  for (const x of e) assert.match(x.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.match(hookCalls(m.dir)[0], /^exit 0 0 0 [01] \d+$/);
});

test('any bytes give valid JSON encoded as Docker does (invalid UTF-8 -> U+FFFD per byte, <>& and controls escaped)', { skip }, async () => {
  const m = mon(['-l', 'log.jsonl'], ['sh', '-c', String.raw`printf "a\377\376b<&>\001\n"; printf "x\ty\"\\\\z\n"; printf "\342\200\250 \303\251\n"`]);
  assert.equal(await m.exit, 0, m.stderr());
  const lines = readFileSync(join(m.dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.replace(/,"time":"[^"]*"\}$/, '}'));
  // Recorded from Docker 20.10's json-file log of the same printf commands.
  assert.deepEqual(lines, [
    String.raw`{"log":"a\ufffd\ufffdb\u003c\u0026\u003e\u0001\n","stream":"stdout"}`,
    String.raw`{"log":"x\u0009y\"\\z\n","stream":"stdout"}`,
    String.raw`{"log":"\u2028 é\n","stream":"stdout"}`,
  ]);
});

test('a line longer than 16 KiB is split into 16 KiB entries', { skip }, async () => {
  const m = mon(['-l', 'log.jsonl'], ['sh', '-c', 'head -c 40000 /dev/zero | tr "\\0" x; echo']);
  assert.equal(await m.exit, 0, m.stderr());
  assert.deepEqual(
    entries(m.dir).map((e) => e.log.length),
    [16384, 16384, 40000 - 2 * 16384 + 1],
  );
});

test('the log rotates before it passes max-size, keeping max-file files', { skip }, async () => {
  const m = mon(['-l', 'log.jsonl', '-s', '400', '-n', '3'], ['sh', '-c', 'for i in $(seq 1 60); do echo line$i; done']);
  assert.equal(await m.exit, 0, m.stderr());
  const files = readdirSync(m.dir)
    .filter((f) => f.startsWith('log.jsonl'))
    .sort();
  assert.deepEqual(files, ['log.jsonl', 'log.jsonl.1', 'log.jsonl.2']);
  for (const f of files) assert.ok(readFileSync(join(m.dir, f)).length <= 400, f);
  const last = entries(m.dir);
  assert.equal(last.at(-1)!.log, 'line60\n');
  const older = entries(m.dir, 'log.jsonl.1');
  assert.equal(Number(older.at(-1)!.log.slice(4)) + 1, Number(last[0].log.slice(4)));
});

test('no output is lost when the command ends at once (seq 1 100000)', { skip }, async () => {
  const m = mon(['-l', 'log.jsonl'], ['seq', '1', '100000']);
  assert.equal(await m.exit, 0, m.stderr());
  const e = entries(m.dir);
  assert.equal(e.length, 100000);
  assert.equal(e[0].log, '1\n');
  assert.equal(e.at(-1)!.log, '100000\n');
});

test('exit statuses: the command’s own, 128+N for a signal; the starter is told', { skip }, async () => {
  const a = mon([], ['sh', '-c', 'sleep 0.3; exit 7']);
  assert.equal(await a.exit, 0);
  assert.match(await a.told, /^listening\nstarted \d+\n$/);
  assert.match(hookCalls(a.dir)[0], /^exit 7 0 0 1 \d+$/);
  const b = mon([], ['sh', '-c', 'kill -9 $$']);
  await b.exit;
  assert.match(hookCalls(b.dir)[0], /^exit 137 0 0 [01] \d+$/);
});

test('-e: the exit file names the run, its status and time, and is there before the hook runs; without -e there is none', { skip }, async () => {
  const before = Date.now();
  const a = mon(['-e'], ['sh', '-c', 'sleep 0.2; exit 7'], 'cp DIR/exit DIR/seen; echo done');
  assert.equal(await a.exit, 0, a.stderr());
  const pid = /started (\d+)/.exec(await a.told)![1];
  const m = /^(\d+) (\d+) (\S+)\n$/.exec(readFileSync(join(a.dir, 'seen'), 'utf8'));
  assert.ok(m, 'the hook saw the exit file');
  assert.equal(m[1], pid, "lxc-start's pid, as fd 3 told it");
  assert.equal(m[2], '7');
  assert.match(m[3], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  const t = Date.parse(m[3]);
  assert.ok(t >= before - 1000 && t <= Date.now() + 1000, m[3]);
  assert.equal(existsSync(join(a.dir, 'exit.tmp')), false);
  const b = mon([], ['sh', '-c', 'exit 7'], 'test -e DIR/exit && touch DIR/seen; echo done');
  assert.equal(await b.exit, 0);
  assert.equal(existsSync(join(b.dir, 'seen')), false);
});

test('a start that fails is reported on fd 3 with the hook’s message', { skip }, async () => {
  const dir = join(tmp, 'failing');
  const bad = join(tmp, 'bad-lxc-start');
  writeFileSync(bad, '#!/bin/sh\nexit 1\n');
  chmodSync(bad, 0o755);
  mkdirSync(dir, { recursive: true });
  const hook = join(dir, 'hook.sh');
  writeFileSync(hook, '#!/bin/sh\necho "done cannot mount: no such file"\n');
  chmodSync(hook, 0o755);
  const c = spawn(DL_MON, ['-d', dir, '-x', hook, '--', bad], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  let told = '';
  (c.stdio[3] as Socket).on('data', (d: Buffer) => (told += d.toString()));
  await new Promise((r) => c.on('exit', r));
  assert.equal(told, 'listening\nerror cannot mount: no such file\n');
});

/** A client of attach.sock: the frames it got, in order. */
/** Connect to dl-mon's attach socket; the file exists from bind(), a moment before listen(): retry until it accepts. */
async function client(dir: string): Promise<{ sock: Socket; frames: Array<[Frame, string]>; closed: Promise<void> }> {
  for (let i = 0; ; i++) {
    const sock = connect(join(dir, 'attach.sock'));
    const err = await new Promise<Error | undefined>((r) => {
      sock.once('connect', () => r(undefined));
      sock.once('error', (e) => r(e));
    });
    if (err) {
      sock.destroy();
      if (i > 500) throw err;
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    const frames: Array<[Frame, string]> = [];
    sock.on(
      'data',
      decoder((t, p) => frames.push([t, p.toString()])),
    );
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    return { sock, frames, closed };
  }
}
const until = async (f: () => boolean) => {
  while (!f()) await new Promise((r) => setTimeout(r, 10));
};

test('attach: Stdin and StdinEof reach the command, output frames keep their stream, Exit comes last', { skip }, async () => {
  const m = mon(['-w', '-i', '-l', 'log.jsonl'], ['sh', '-c', 'cat; echo err >&2; exit 3']);
  await until(() => existsSync(join(m.dir, 'attach.sock')));
  const c = await client(m.dir);
  c.sock.write(encode(Frame.Stdin, 'hello\n'));
  c.sock.write(encode(Frame.Go));
  c.sock.write(encode(Frame.StdinEof));
  await c.closed;
  assert.deepEqual(c.frames, [
    [Frame.Stdout, 'hello\n'],
    [Frame.Stderr, 'err\n'],
    [Frame.Exit, '3'],
  ]);
  assert.equal(await m.exit, 0);
  assert.equal(existsSync(join(m.dir, 'attach.sock')), false);
});

test('-w: the run starts at once; its output and its exit work wait for the client that sends Go', { skip }, async () => {
  const m = mon(['-w', '-l', 'log.jsonl'], ['sh', '-c', 'echo early; echo warn >&2; exit 5']);
  // It ran, and ended, with no client yet.
  await until(() => existsSync(join(m.dir, 'log.jsonl')) && entries(m.dir).length === 2);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(existsSync(join(m.dir, 'hook.calls')), false, 'the exit work waits for the client');
  const c = await client(m.dir);
  c.sock.write(encode(Frame.Finish));
  c.sock.write(encode(Frame.Go));
  await until(() => c.frames.some((f) => f[0] === Frame.Exited));
  c.sock.write(encode(Frame.Finished, 'done'));
  await c.closed;
  assert.equal(await m.exit, 0);
  const of = (t: Frame) => c.frames.filter((f) => f[0] === t).map((f) => f[1]);
  assert.deepEqual([of(Frame.Stdout), of(Frame.Stderr), of(Frame.Exited).length], [['early\n'], ['warn\n'], 1]);
  assert.deepEqual(c.frames.at(-1), [Frame.Exit, '5']);
  assert.equal(existsSync(join(m.dir, 'hook.calls')), false, 'the client did the exit work');
});

test('-t: the command has a terminal of the given size, raw on our side (no \\r added: LXC’s console adds the one \\r)', { skip }, async () => {
  const m = mon(['-t', '-r', '30', '-c', '100', '-l', 'log.jsonl'], ['sh', '-c', 'test -t 0 && echo tty; stty size']);
  assert.equal(await m.exit, 0, m.stderr());
  assert.equal(
    entries(m.dir)
      .map((e) => e.log)
      .join(''),
    'tty\n30 100\n',
  );
});

test('-t: a Resize frame sets the terminal size', { skip }, async () => {
  const m = mon(['-t', '-w', '-l', 'log.jsonl'], ['sh', '-c', 'read x; stty size']);
  await until(() => existsSync(join(m.dir, 'attach.sock')));
  const c = await client(m.dir);
  c.sock.write(encode(Frame.Resize, '40 120'));
  c.sock.write(encode(Frame.Go));
  c.sock.write(encode(Frame.Stdin, 'go\n'));
  await c.closed;
  assert.equal(c.frames.at(-1)![0], Frame.Exit);
  assert.match(
    c.frames
      .filter((f) => f[0] === Frame.Stdout)
      .map((f) => f[1])
      .join(''),
    /40 120/,
  );
});

test('OOM kills are sampled from the cgroup file while it runs', { skip }, async () => {
  const dir = join(tmp, 'oomfile');
  writeFileSync(dir, 'oom 1\noom_kill 2\n');
  const m = mon(['-o', dir], ['sh', '-c', `sleep 0.3; echo "oom_kill 3" > ${dir}; sleep 0.3`]);
  await m.exit;
  assert.match(hookCalls(m.dir)[0], /^exit 0 3 0 1 \d+$/);
});

test('restart: the hook answers "restart MS", then prepares restart.argv and hears "started PID"', { skip }, async () => {
  const body = `
case "$1" in
exit) if [ -e DIR/again ]; then echo done; else echo "restart 50"; fi ;;
restart) touch DIR/again; printf 'FAKE\\0sh\\0-c\\0echo second run $K\\0\\0K=v\\0' > DIR/restart.argv; echo go; read line; echo "$line" > DIR/told ;;
esac`;
  const m = mon(['-l', 'log.jsonl'], ['sh', '-c', 'echo first run'], body);
  assert.equal(await m.exit, 0, m.stderr());
  assert.deepEqual(
    entries(m.dir).map((e) => e.log),
    ['first run\n', 'second run v\n'],
  );
  const calls = hookCalls(m.dir);
  assert.equal(calls.length, 3);
  assert.match(calls[0], /^exit 0 0 0 [01] \d+$/);
  assert.equal(calls[1], 'restart');
  assert.match(calls[2], /^exit 0 0 0 [01] \d+$/);
  assert.match(readFileSync(join(m.dir, 'told'), 'utf8'), /^(started \d+|)\n?$/);
});

test('with LXC: the log of `run -t busybox echo hi` holds hi\\r\\n, as Docker’s does (not \\r\\r\\n)', { skip: lxcSkip }, async () => {
  await env.ok(['init']);
  assert.equal(await env.ok(['run', '-t', '--name', 'tty', 'busybox', 'echo', 'hi']), 'hi');
  const id = await env.ok(['inspect', '-f', '{{.Id}}', 'tty']);
  const line = readFileSync(join(env.root, 'containers', id, 'log.jsonl'), 'utf8');
  // Docker 20.10: docker run -t busybox echo hi; its json log is this line.
  const docker = '{"log":"hi\\r\\n","stream":"stdout","time":"2026-12-02T02:07:18.978808202Z"}\n';
  assert.equal(line.replace(/"time":"[^"]*"/, '"time":"T"'), docker.replace(/"time":"[^"]*"/, '"time":"T"'));
  await env.ok(['rm', 'tty']);
});

test('a finisher client does the exit work instead of the hook; if it goes away first, the hook does', { skip }, async () => {
  const a = mon(['-w'], ['sh', '-c', 'exit 4']);
  await until(() => existsSync(join(a.dir, 'attach.sock')));
  const c = await client(a.dir);
  c.sock.write(encode(Frame.Finish));
  c.sock.write(encode(Frame.Go));
  await until(() => c.frames.some((f) => f[0] === Frame.Exited));
  c.sock.write(encode(Frame.Finished, 'done'));
  await c.closed;
  assert.equal(await a.exit, 0);
  assert.match(c.frames.find((f) => f[0] === Frame.Exited)![1], /^4 0 0 [01] 0$/);
  assert.deepEqual(c.frames.at(-1), [Frame.Exit, '4']);
  assert.equal(existsSync(join(a.dir, 'hook.calls')), false, 'the hook did not run');

  const b = mon(['-w'], ['sh', '-c', 'exit 5']);
  await until(() => existsSync(join(b.dir, 'attach.sock')));
  const d = await client(b.dir);
  d.sock.write(encode(Frame.Finish));
  d.sock.write(encode(Frame.Go));
  await until(() => d.frames.some((f) => f[0] === Frame.Exited));
  d.sock.destroy();
  assert.equal(await b.exit, 0);
  assert.match(hookCalls(b.dir)[0], /^exit 5 0 0 [01] 0$/);
});

test('a starter that closes fd 3 without "ok" (killed) leaves the start to the hook', { skip }, async () => {
  const m = mon([], ['sh', '-c', 'sleep 1'], 'echo done', false);
  assert.equal(await m.exit, 0);
  const calls = hookCalls(m.dir);
  assert.match(calls[0], /^started \d+$/);
  assert.match(calls[1], /^exit 0 0 0 1 0$/);
});
