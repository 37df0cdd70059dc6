// /containers/{id}/exec and /exec/{id}/...: exec instances live in this
// server's memory, as dockerd's do; starting one runs the engine's exec with
// the hijacked connection as its streams.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Route } from '../router.js';
import { HttpError, readJson, sendEmpty, sendJson } from '../http.js';
import { connectionStreams, MUX_STREAM, RAW_STREAM } from '../stream.js';
import { getContainer, isRunning } from '../../store/containers.js';
import { execInContainer } from '../../engine/container/exec.js';
import { execStatus } from '../../engine/container/execs.js';
import { Conflict, InvalidArgument, NotFound, describe } from '../../errors.js';

interface ExecInstance {
  id: string;
  containerId: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
  privileged: boolean;
  detachKeys: string;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  size?: { rows: number; cols: number };
  resize?: (rows: number, cols: number) => Promise<void>;
  created: number;
  /** Started with Detach: its status comes from the engine's record. */
  detached?: boolean;
}

const execs = new Map<string, ExecInstance>();
/** Finished instances are kept a while for inspect, then dropped (dockerd drops them with the container). */
const KEEP_MS = 10 * 60_000;

function get(id: string): ExecInstance {
  const e = execs.get(id);
  if (!e) throw new NotFound(`No such exec instance: ${id}`);
  return e;
}

function sweep(): void {
  const now = Date.now();
  for (const [id, e] of execs) if (!e.running && now - e.created > KEEP_MS) execs.delete(id);
}

const routes: Route[] = [
  {
    method: 'POST',
    path: '/containers/{id}/exec',
    handler: async (r, { store }) => {
      const b = await readJson<{
        AttachStdin?: boolean;
        AttachStdout?: boolean;
        AttachStderr?: boolean;
        DetachKeys?: string;
        Tty?: boolean;
        Env?: string[] | null;
        Cmd?: string[] | string | null;
        Privileged?: boolean;
        User?: string;
        WorkingDir?: string;
        ConsoleSize?: [number, number] | null;
      }>(r.req);
      const c = await getContainer(store, r.params.id);
      if (!isRunning(c.state)) throw new Conflict(`container ${c.id} is not running`);
      if (c.state.status === 'paused') throw new Conflict(`container ${c.id} is paused, unpause the container before exec`);
      const cmd = typeof b.Cmd === 'string' ? [b.Cmd] : (b.Cmd ?? []);
      if (!cmd.length) throw new InvalidArgument('No exec command specified');
      if (b.Privileged) throw new InvalidArgument('privileged exec is not supported by dockerlite');
      sweep();
      const id = randomBytes(32).toString('hex');
      execs.set(id, {
        id,
        containerId: c.id,
        cmd,
        tty: !!b.Tty,
        stdin: !!b.AttachStdin,
        stdout: b.AttachStdout !== false,
        stderr: b.AttachStderr !== false,
        env: b.Env ?? undefined,
        user: b.User || undefined,
        workdir: b.WorkingDir || undefined,
        privileged: false,
        detachKeys: b.DetachKeys ?? '',
        running: false,
        started: false,
        exitCode: null,
        pid: 0,
        size: b.ConsoleSize?.[0] && b.ConsoleSize?.[1] ? { rows: b.ConsoleSize[0], cols: b.ConsoleSize[1] } : undefined,
        created: Date.now(),
      });
      sendJson(r.res, 201, { Id: id });
    },
  },
  {
    method: 'POST',
    path: '/exec/{id}/start',
    handler: async (r, { store }) => {
      const e = get(r.params.id);
      const b = await readJson<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: [number, number] | null }>(r.req, {});
      if (e.started) throw new Conflict(`exec instance ${e.id} has already been started`);
      const c = await getContainer(store, e.containerId);
      if (!isRunning(c.state)) throw new Conflict(`container ${c.id} is not running`);
      e.started = true;
      if (b.ConsoleSize?.[0] && b.ConsoleSize?.[1]) e.size = { rows: b.ConsoleSize[0], cols: b.ConsoleSize[1] };
      const base = { argv: e.cmd, env: e.env, user: e.user, workdir: e.workdir, tty: e.tty, execId: e.id };
      if (b.Detach) {
        // The engine's exec record follows it to its end (GET /exec/{id}/json asks it).
        e.detached = true;
        e.running = true;
        await execInContainer(store, c.id, { ...base, detach: true }, { stdout: new PassThrough(), stderr: new PassThrough() }).catch((err) => {
          e.running = false;
          throw err;
        });
        return sendEmpty(r.res, 200);
      }
      const conn = r.hijack(e.tty ? RAW_STREAM : MUX_STREAM);
      const io = connectionStreams(conn, e.tty, e.stdin);
      e.running = true;
      try {
        e.exitCode = await execInContainer(
          store,
          c.id,
          {
            ...base,
            interactive: e.stdin,
            pipes: true,
            pty: e.tty,
            size: e.size,
            onStart: (h) => {
              e.pid = h.pid;
              e.resize = (rows, cols) => h.resize(rows, cols);
            },
          },
          io,
        );
      } catch (err) {
        // The connection is already a raw stream: the error goes to the client's stderr, as dockerd writes it.
        e.exitCode = 126;
        io.stderr.write(Buffer.from(`${describe(err)}\n`));
      } finally {
        e.running = false;
        await new Promise<void>((res) => (conn.writableEnded || conn.destroyed ? res() : conn.end(res)));
        conn.destroy();
      }
    },
  },
  {
    method: 'GET',
    path: '/exec/{id}/json',
    handler: async (r, { store }) => {
      const e = get(r.params.id);
      if (e.detached && e.running) {
        const s = await getContainer(store, e.containerId)
          .then((c) => execStatus(store, c, e.id))
          .catch(() => undefined);
        e.running = !!s?.running;
        e.pid = s?.pid ?? e.pid;
        if (!e.running) e.exitCode = s?.exitCode ?? null;
      }
      sendJson(r.res, 200, {
        ID: e.id,
        Running: e.running,
        ExitCode: e.exitCode,
        ProcessConfig: { tty: e.tty, entrypoint: e.cmd[0], arguments: e.cmd.slice(1), privileged: e.privileged, user: e.user ?? '' },
        OpenStdin: e.stdin,
        OpenStderr: e.stderr,
        OpenStdout: e.stdout,
        CanRemove: !e.running && e.started,
        ContainerID: e.containerId,
        DetachKeys: e.detachKeys,
        Pid: e.pid,
      });
    },
  },
  {
    method: 'POST',
    path: '/exec/{id}/resize',
    handler: async (r) => {
      const e = get(r.params.id);
      const h = r.query.int('h') ?? 0;
      const w = r.query.int('w') ?? 0;
      if (!e.running) throw new HttpError(409, `exec instance ${e.id} is not running`);
      if (h > 0 && w > 0) await e.resize?.(h, w);
      sendEmpty(r.res, 200);
    },
  },
];
export default routes;
