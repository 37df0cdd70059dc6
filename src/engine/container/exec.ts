// exec: run another process in a running container with lxc-attach, which
// joins all of its namespaces, its cgroup, capability set, seccomp filter
// and LSM profile. The CLI owns the process (as docker exec's client does);
// -d leaves it running on its own.
import { existsSync } from 'node:fs';
import { containerEvent } from '../../store/events.js';
import { readlink } from 'node:fs/promises';
import { children, identify, sleep } from '../../sys/proc.js';
import { addExec, exitFile, removeExec } from './execs.js';
import { setSize } from '../../sys/stty.js';
import type { Store } from '../../store/store.js';
import { CommandNotRunnable, Conflict, InvalidArgument } from '../../errors.js';
import * as lxc from '../../runtime/lxc.js';
import { wait, type StdioOptions } from '../../sys/exec.js';
import type { AttachStreams } from './attach.js';
import { resolveInRoot } from '../../oci/securejoin.js';
import { getContainer, isRunning, type ContainerView } from '../../store/containers.js';
import { resolveUser } from './spec/user.js';
import { envValue, mergeEnv, DEFAULT_PATH } from './spec/command.js';
import { checkCommand } from './spec/prepare.js';
import { commandMounts } from './spec/mounts.js';
import { volumeLookup } from '../volume/volumes.js';
import { randomHex } from '../../store/ids.js';

export interface ExecOptions {
  argv: string[];
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  env?: string[];
  workdir?: string;
  user?: string;
  /** --privileged: every capability, whatever the container's set. */
  privileged?: boolean;
  /** The caller's streams are not descriptors (an API connection's frames): relay through pipes. */
  pipes?: boolean;
  /** Give the command a pty although the caller has no terminal here (the API's Tty: the terminal is the client's). */
  pty?: boolean;
  /** Told once the process runs: its pid, and how to resize its pty. */
  onStart?: (h: { pid: number; resize(rows: number, cols: number): Promise<void> }) => void;
  /** The initial pty size, when known. */
  size?: { rows: number; cols: number };
  /** The exec's id (the API's instance id); a new one otherwise. */
  execId?: string;
}

/** lxc-attach has no working-directory option: a shell in the container changes directory, then execs the command. */
const CD_THEN_EXEC = 'cd -- "$1" || exit 126; shift; exec "$@"';

/** docker exec's message (runc's, as the docker 28 CLI prints it from dockerd 20.10) for a command it cannot start. */
function execFailure(cmd: string, ours: string): string {
  const why = ours.includes('permission denied')
    ? 'permission denied'
    : cmd.includes('/')
      ? `stat ${cmd}: no such file or directory`
      : 'executable file not found in $PATH';
  return `OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": ${why}: unknown`;
}

/** What lxc-attach needs to run argv in c as exec does: the user, the environment, the working directory (probes use it too). */
export async function execSpec(
  store: Store,
  c: ContainerView,
  o: Pick<ExecOptions, 'argv' | 'env' | 'workdir' | 'user' | 'tty'>,
): Promise<{ argv: string[]; env: string[]; uid: number; gid: number }> {
  const rootfs = store.paths.rootfs(c.id);
  let user;
  try {
    user = await resolveUser(rootfs, o.user ?? (c.config.User || undefined));
  } catch (e) {
    // Docker's exec cannot invoke the command at all: 126, with runc's words.
    if (e instanceof InvalidArgument) throw new CommandNotRunnable(e.message.replace(/ in the container's \/etc\/(passwd|group)$/, ' in $1 file'), 126);
    throw e;
  }
  // Docker's order: its PATH, HOSTNAME (and TERM with -t), then the container's Env and -e replacing them in place, then HOME.
  const env = mergeEnv([`PATH=${DEFAULT_PATH}`, `HOSTNAME=${c.config.Hostname}`, ...(o.tty ? ['TERM=xterm'] : [])], c.config.Env, o.env);
  if (envValue(env, 'HOME') === undefined) env.push(`HOME=${user.home}`);
  const cwd = o.workdir ?? (c.config.WorkingDir || '/');
  // A command that cannot be run is the runtime's failure in Docker's exec: 126 always, with runc's words.
  await checkCommand(rootfs, o.argv[0], envValue(env, 'PATH') ?? DEFAULT_PATH, cwd, await commandMounts(c, (n) => volumeLookup(store, n))).catch(
    (e: unknown) => {
      throw e instanceof CommandNotRunnable ? new CommandNotRunnable(execFailure(o.argv[0], e.message), 126) : e;
    },
  );
  let argv = o.argv;
  if (cwd !== '/') {
    if (!existsSync(await resolveInRoot(rootfs, '/bin/sh'))) throw new InvalidArgument(`exec -w ${cwd} needs /bin/sh in the container, and it has none`);
    argv = ['/bin/sh', '-c', CD_THEN_EXEC, 'sh', cwd, ...o.argv];
  }
  return { argv, env, uid: user.uid, gid: user.gid };
}

export async function execInContainer(store: Store, query: string, o: ExecOptions, io: AttachStreams): Promise<number> {
  const c = await getContainer(store, query);
  // Docker's words and exit status 1 (docker exec into a stopped container).
  if (!isRunning(c.state) || c.state.status === 'restarting') throw new Conflict(`Container ${c.id} is not running`);
  if (c.state.status === 'paused') throw new Conflict(`Container ${c.name} is paused, unpause the container before exec`);
  if (!o.argv.length) throw new InvalidArgument('exec needs a command to run');
  const { argv, env, uid, gid } = await execSpec(store, c, o);
  // With a terminal on our side, lxc-attach gives the command a pty of the container's own.
  const pty = !!o.tty && !!o.pty && !o.detach;
  const tty = (!!o.tty && !!io.stdin?.isTTY) || pty;
  const wantStdin = (o.interactive || tty) && !!io.stdin;
  // The caller's streams are shared with lxc-attach as they are (Node passes their descriptors on), or relayed through pipes.
  const piped = !o.detach && (!!o.pipes || pty);
  const stdio: StdioOptions = o.detach
    ? ['ignore', 'ignore', 'ignore']
    : piped
      ? [wantStdin ? 'pipe' : 'ignore', 'pipe', 'pipe']
      : [wantStdin ? io.stdin! : 'ignore', io.stdout, io.stderr];
  // Docker's exec events, under the id its record (execs.ts) has.
  const execID = o.execId ?? randomHex(32);
  const cmd = o.argv.join(' ');
  containerEvent(store.paths.root, `exec_create: ${cmd}`, c, { execID });
  containerEvent(store.paths.root, `exec_start: ${cmd}`, c, { execID });
  const child = lxc.attach({
    lxcPath: store.paths.lxc,
    name: c.id,
    argv,
    env,
    uid,
    gid,
    privileged: o.privileged,
    stdio,
    detached: o.detach,
    pty: pty ? (o.size ?? true) : undefined,
    exitFile: o.detach ? exitFile(store, c.id, execID) : undefined,
  });
  // The record lists the exec in ExecIDs while it runs (and keeps a detached one's status).
  const proc = child.pid ? identify(child.pid) : undefined;
  if (proc) await addExec(store, c, execID, proc);
  if (piped) {
    child.stdout?.pipe(io.stdout, { end: false });
    child.stderr?.pipe(io.stderr, { end: false });
    if (wantStdin && child.stdin) {
      child.stdin.on('error', () => {});
      io.stdin!.pipe(child.stdin);
    }
  }
  if (!o.detach && child.pid)
    o.onStart?.({
      pid: child.pid,
      // script's child is the shell that execs lxc-attach; its stdin is the pty.
      // Right after the start the pty may not be made yet: look again for a moment.
      resize: async (rows, cols) => {
        for (let i = 0; pty && child.pid && child.exitCode === null && i < 40; i++) {
          for (const p of [child.pid, ...children(child.pid)]) {
            const t = await readlink(`/proc/${p}/fd/0`).catch(() => '');
            if (t.startsWith('/dev/pts/')) return setSize(t, rows, cols).catch(() => {});
          }
          await sleep(25);
        }
      },
    });
  if (o.detach) {
    child.on('error', () => {});
    child.unref();
    return 0;
  }
  const forward = (sig: NodeJS.Signals) => () => {
    try {
      child.kill(sig);
    } catch {
      // gone
    }
  };
  // With a tty, Ctrl-C travels as a byte; otherwise every signal the user sends goes to the command.
  const off = io.onSignal?.((sig) => (tty && sig === 'SIGINT' ? undefined : forward(sig)())) ?? (() => {});
  try {
    const status = (await wait(child, 'lxc-attach')).status;
    containerEvent(store.paths.root, 'exec_die', c, { execID, exitCode: String(status) });
    // Let the relayed output drain before the caller ends its streams.
    if (piped) await Promise.all([child.stdout, child.stderr].filter((s) => s && !s.readableEnded).map((s) => new Promise((r) => s!.once('close', r))));
    return status;
  } finally {
    off();
    await removeExec(store, c.id, execID).catch(() => {});
  }
}
