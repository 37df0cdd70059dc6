// `run -it` as a person uses it: an interactive shell driven through a real
// terminal (tmux on a private server), with job control, Ctrl-C, the window
// size following the terminal, the detach keys, and attach to come back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { TestEnv, missingPrereq, eventually, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'script', 'tmux'] });
const env = new TestEnv();
const server = `dltest-${env.id}`;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const screen = (target: string) => tmux('capture-pane', '-p', '-t', target);
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** A tmux window running dockerlite with the test's environment; it stays open after dockerlite exits, showing EXIT=code. */
function window(name: string, args: string[]): void {
  const envs = Object.entries(env.env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${shQuote(v!)}`)
    .join(' ');
  const cmd = `env ${envs} ${shQuote(process.execPath)} ${shQuote(BIN)} ${args.map(shQuote).join(' ')}; echo EXIT=$?; sleep 600`;
  if (name === 'main') tmux('new-session', '-d', '-s', 'dl', '-n', name, '-x', '100', '-y', '30', cmd);
  else tmux('new-window', '-t', 'dl', '-n', name, cmd);
}
const typed = (target: string, text: string) => tmux('send-keys', '-t', target, '-l', text);
const key = (target: string, k: string) => tmux('send-keys', '-t', target, k);

before(async () => {
  if (!skip) await env.ok(['init']);
});
after(async () => {
  spawnSync('tmux', ['-L', server, 'kill-server']);
  await env.cleanup();
});

test('an interactive shell through a pty: job control, Ctrl-C, window size, detach and attach', { skip }, async () => {
  window('main', ['run', '-it', '--name', 'shell', 'busybox', 'sh']);
  const w = 'dl:main';
  await eventually(() => screen(w).includes('/ #'), 'the prompt', 20_000);
  typed(w, 'tty; stty size; sleep 300 &\n');
  await eventually(() => /\/dev\/pts\/\d+\n30 100/.test(screen(w)), 'a tty of 30x100');
  assert.doesNotMatch(screen(w), /job control turned off/);
  typed(w, 'jobs\n');
  await eventually(() => /\[1\]\+\s+Running\s+sleep 300/.test(screen(w)), 'job control to list the background job');
  // Ctrl-C interrupts the foreground command in the container, not dockerlite.
  typed(w, 'sleep 200\n');
  await new Promise((r) => setTimeout(r, 500));
  key(w, 'C-c');
  typed(w, 'echo interrupted=$?\n');
  await eventually(() => /interrupted=130/.test(screen(w)), 'Ctrl-C to reach the sleep');
  // The window size follows the terminal.
  tmux('resize-window', '-t', w, '-x', '80', '-y', '20');
  await new Promise((r) => setTimeout(r, 500));
  typed(w, 'stty size\n');
  await eventually(() => /^20 80$/m.test(screen(w)), 'the new size inside');
  // Detach keys: the client leaves, the container keeps running.
  key(w, 'C-p');
  key(w, 'C-q');
  await eventually(() => /EXIT=0/.test(screen(w)), 'the client to detach');
  assert.match(await env.ok(['ps', '--filter', 'name=shell', '--format', '{{.State}}']), /^running$/);
  // Come back with attach, and leave with the shell's own exit status.
  window('again', ['attach', 'shell']);
  await new Promise((r) => setTimeout(r, 1000));
  typed('dl:again', 'echo back here; exit 4\n');
  await eventually(() => /back here[\s\S]*EXIT=4/.test(screen('dl:again')), 'attach to reach the shell and its exit status');
  assert.equal(await env.ok(['inspect', '-f', '{{.State.ExitCode}}', 'shell']), '4');
  assert.match(await env.ok(['logs', 'shell']), /back here/, 'a tty session is logged too');
  await env.ok(['rm', 'shell']);
});

test('exec -it gives a shell its own pty in a running container', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'target', 'busybox', 'sleep', '600']);
  window('exec', ['exec', '-it', 'target', 'sh']);
  const w = 'dl:exec';
  await eventually(() => screen(w).includes('/ #'), 'the prompt', 20_000);
  typed(w, 'tty; ps -o pid,args | grep -c "[s]leep 600"; exit 3\n');
  await eventually(() => /\/dev\/pts\/\d+\n1\n[\s\S]*EXIT=3/.test(screen(w)), 'a pty, the container processes, and the exit status');
  await env.ok(['rm', '-f', 'target']);
});
