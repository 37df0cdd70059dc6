// Where the server listens: -H unix:///path or -H tcp://host:port, as dockerd.
// A unix socket is 0660 and group docker where that group exists; TCP beyond
// loopback needs TLS, since the API is root on the host.
import { readFileSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, unlink } from 'node:fs/promises';
import { connect, isIP } from 'node:net';
import { dirname } from 'node:path';
import { Conflict, InvalidArgument } from '../errors.js';

export const DEFAULT_SOCKET = '/run/dockerlite.sock';

export type Address = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'fd'; fds: number[] };

/** systemd's first passed descriptor (sd_listen_fds(3)). */
const SD_LISTEN_FDS_START = 3;

export function parseAddress(spec: string): Address {
  // fd://: the sockets systemd passed (dockerlite.socket), as dockerd's -H fd://.
  if (spec === 'fd://') {
    const n = Number(process.env.LISTEN_FDS ?? 0);
    if (!n || Number(process.env.LISTEN_PID) !== process.pid)
      throw new InvalidArgument('-H fd:// needs sockets passed by systemd (LISTEN_FDS); none were given');
    return { kind: 'fd', fds: Array.from({ length: n }, (_, i) => SD_LISTEN_FDS_START + i) };
  }
  if (spec.startsWith('unix://')) {
    const path = spec.slice('unix://'.length) || DEFAULT_SOCKET;
    if (!path.startsWith('/')) throw new InvalidArgument(`invalid -H '${spec}': the socket path must be absolute`);
    return { kind: 'unix', path };
  }
  if (spec.startsWith('/')) return { kind: 'unix', path: spec };
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]*)(?::(\d+))?\/?$/.exec(spec);
  if (!m || (!spec.startsWith('tcp://') && !m[2])) throw new InvalidArgument(`invalid -H '${spec}': give unix:///path or tcp://host:port`);
  const host = (m[1] || '127.0.0.1').replace(/^\[|\]$/g, '');
  const port = m[2] ? Number(m[2]) : 2375;
  if (port > 65535) throw new InvalidArgument(`invalid -H '${spec}': port ${port} out of range`);
  return { kind: 'tcp', host, port };
}

/** 127.0.0.0/8, ::1 and localhost: the only TCP addresses served without TLS. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export function checkTcpAllowed(a: Address, tls: boolean): void {
  if (a.kind === 'tcp' && !tls && !isLoopback(a.host))
    throw new InvalidArgument(
      `refusing to serve the API on ${a.host}:${a.port} without TLS: anyone who reaches it is root on this host; bind to 127.0.0.1, or give --tlscert and --tlskey (and --tlscacert to verify clients)`,
    );
}

/** Is something already answering on this unix socket? */
function answering(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Before listening: refuse a live socket, remove a stale one (a killed server's), make the directory. */
export async function prepareSocket(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new InvalidArgument(`${path} exists and is not a socket; remove it or choose another -H`);
  if (await answering(path)) throw new Conflict(`another server is already listening on ${path}`);
  await unlink(path);
}

/** The gid of a group by name from /etc/group, or undefined. */
export function groupId(name: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && /^\d+$/.test(f[2] ?? '')) return Number(f[2]);
    }
  } catch {
    /* no /etc/group: no group */
  }
  return undefined;
}

/** After listening: 0660, and group docker where it exists (as dockerd), so its members may use the socket. */
export async function secureSocket(path: string): Promise<void> {
  const gid = groupId('docker');
  if (gid !== undefined) await chown(path, 0, gid).catch(() => {});
  await chmod(path, 0o660);
}
