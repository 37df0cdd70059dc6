// Helpers for networking tests: containers that keep running in the
// background (an attached `dockerlite run` we own), their addresses, and
// HTTP to loopback or to those containers only.
import { spawn, type ChildProcess } from 'node:child_process';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, eventually, TestEnv } from './env.js';

/**
 * The TestEnv of a networking test file: initialised before its tests; after
 * them, every container it made is named to the clean-up (so their veths are
 * found exactly), the store goes, and nothing of it may be left on the host.
 */
export function networkTestEnv(skip: string | undefined): TestEnv {
  const env = new TestEnv();
  before(async () => {
    if (!skip) await env.ok(['init']);
  });
  after(async () => {
    for (const id of (await env.dl(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean)) env.containerIds.add(id);
    await env.cleanup();
    assert.deepEqual(env.leaks(), [], 'nothing of this store is left on the host');
  });
  return env;
}

export interface Background {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** `dockerlite run --name NAME ARGS...` left running; resolves once the container runs. */
export async function background(env: TestEnv, name: string, args: string[], timeoutMs = 30_000): Promise<Background> {
  const child = spawn(process.execPath, [BIN, 'run', '--name', name, ...args], { env: env.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b) => (err += b));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let gone = false;
  void exited.then(() => (gone = true));
  await eventually(
    async () => {
      if (gone) throw new Error(`container ${name} ended before it ran: ${err}`);
      return (await env.dl(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim() === 'running';
    },
    `container ${name} to run`,
    timeoutMs,
  );
  const id = (await env.ok(['inspect', '-f', '{{.Id}}', name])).trim();
  env.containerIds.add(id);
  return { name, child, exited, stderr: () => err };
}

/** The container's address on a network (default: its first). */
export async function ipOf(env: TestEnv, name: string, network?: string): Promise<string> {
  const nets = JSON.parse(await env.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', name])) as Record<string, { IPAddress: string }>;
  const ep = network ? nets[network] : Object.values(nets)[0];
  if (!ep?.IPAddress) throw new Error(`${name} has no address${network ? ` on ${network}` : ''}`);
  return ep.IPAddress;
}

/** GET a URL (loopback or a test container only), with a deadline; undefined when it cannot connect. */
export async function httpGet(url: string, timeoutMs = 3000): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return await r.text();
  } catch {
    return undefined;
  }
}

/** A busybox web server serving `text` at /index.html on port 80. */
export function httpd(text: string, port = 80): string[] {
  return ['busybox', 'sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p ${port} -h /www`];
}
