// Helpers for networking tests: containers that keep running in the
// background (an attached `dockerlite run` we own), their addresses, and
// HTTP to loopback or to those containers only.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, eventually, type TestEnv } from './env.js';

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
  child.stderr!.on('data', (b) => (err += b));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let gone = false;
  void exited.then(() => (gone = true));
  await eventually(async () => {
    if (gone) throw new Error(`container ${name} ended before it ran: ${err}`);
    return (await env.dl(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim() === 'running';
  }, `container ${name} to run`, timeoutMs);
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
