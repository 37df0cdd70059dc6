// A `dockerlite serve` on a socket inside a TestEnv, for the api suite: started, pinged, stopped by pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BIN, type TestEnv } from '../helpers/env.js';

export interface Served {
  sock: string;
  proc: ChildProcess;
  log: () => string;
}

export function httpRaw(
  sock: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: sock, method, path, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      let d = '';
      res.on('data', (c: Buffer) => (d += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: d, headers: res.headers }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

export async function serve(env: TestEnv, name = 'api.sock'): Promise<Served> {
  const sock = join(env.dir, name);
  let out = '';
  const proc = spawn(process.execPath, [BIN, 'serve', '-H', `unix://${sock}`], { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 300; i++) {
    const ok = await httpRaw(sock, 'GET', '/_ping').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { sock, proc, log: () => out };
    if (proc.exitCode !== null) throw new Error(`dockerlite serve exited: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`dockerlite serve did not answer: ${out}`);
}

/** SIGTERM, then wait for it to exit (graceful stop). */
export async function stop(s: Served | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null) return;
  const done = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), 15_000);
  await done;
  clearTimeout(t);
}

/**
 * The usual api test file's server: its store initialised and served before
 * the tests (unless skip), stopped and removed after, even on failure, and
 * nothing of that store left on the host.
 * `api.s` is the running server; `api.restart()` stops and serves again.
 */
export function servedStore(env: TestEnv, skip: string | false | undefined) {
  const api = {
    s: undefined as Served | undefined,
    async restart(): Promise<void> {
      await stop(api.s);
      api.s = await serve(env);
    },
  };
  before(async () => {
    if (skip) return;
    await env.ok(['init']);
    api.s = await serve(env);
  });
  after(async () => {
    await stop(api.s);
    await env.cleanup();
    assert.deepEqual(env.leaks(), [], 'nothing of this store is left on the host');
  });
  return api;
}

/** The docker CLI against the server. */
export function docker(s: Served, args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  const r = spawnSync('docker', args, {
    env: { ...process.env, DOCKER_HOST: `unix://${s.sock}`, DOCKER_CONFIG: join(s.sock, '..', 'docker-config') },
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
