// Everything between a container record and an LXC config: resolve the
// user, make the working directory, check the command exists, render.
import { mkdir, stat, chown, link, readFile, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tempPathFor, writeFileAtomic } from '../../../store/json.js';
import { sha256 } from '../../../store/ids.js';
import type { Store } from '../../../store/store.js';
import type { ContainerRecord } from '../../../store/types.js';
import { renderConfig, envPassthrough, DEFAULT_CAPS, DEFAULT_DEVICES, seccompProfile, type LxcSpec } from '../../../runtime/rcfile.js';
import { cgroupVersion, hasAppArmor, hasSeccomp } from '../../../runtime/host.js';
import { resolveInRoot } from '../../../oci/securejoin.js';
import { resolveUser } from './user.js';
import { envValue, mergeEnv, DEFAULT_PATH } from './command.js';
import { CommandNotRunnable, SystemError, Unavailable } from '../../../errors.js';
import { join } from 'node:path';
import * as hooks from '../hooks.js';
import { applyHostConfig } from './hostconfig.js';
import { securityOf } from './security.js';
import { commandMounts, orderMounts, resolveThroughMounts } from './mounts.js';
import { volumeLookup } from '../../volume/volumes.js';
import { parseSeccompProfile, toLxcSeccomp } from './seccomp.js';
import { processModel } from './process.js';
import { batchMountPoints } from '../../../store/mountpoints.js';

/** Find argv[0] the way execvp would inside the container: 127 when missing, 126 when not executable. */
export async function checkCommand(
  rootfs: string,
  cmd: string,
  path: string,
  cwd: string,
  mounts: Array<{ target: string; source?: string }> = [],
): Promise<void> {
  const candidates = cmd.includes('/')
    ? [cmd.startsWith('/') ? cmd : join(cwd, cmd)]
    : path
        .split(':')
        .filter(Boolean)
        .map((d) => join(d, cmd));
  let sawNonExec = false;
  for (const c of candidates) {
    try {
      // The command may live on a mount (-v ./dir:/h, --entrypoint on a bound file): look there first.
      const host = await resolveThroughMounts(rootfs, mounts, c);
      if (host === undefined) return; // under a tmpfs: what it holds cannot be seen from here
      const st = await stat(host);
      if (st.isFile() && st.mode & 0o111) return;
      sawNonExec = true;
    } catch {
      // not here: keep looking
    }
  }
  if (sawNonExec) throw new CommandNotRunnable(`exec: "${cmd}": permission denied (not an executable file)`, 126);
  throw new CommandNotRunnable(cmd.includes('/') ? `exec: "${cmd}": no such file or directory` : `exec: "${cmd}": executable file not found in $PATH`, 127);
}

/**
 * The seccomp profile for a container holding caps, as a file in the store
 * named by its content: a store made by an older dockerlite gets the current
 * profile, and containers with different capabilities get different ones.
 */
export async function seccompProfilePath(store: Store, caps: readonly string[]): Promise<string | undefined> {
  if (!hasSeccomp()) return undefined;
  return profileFile(store, seccompProfile(caps));
}

/**
 * A profile's text as a file in the store, named by its content. The name
 * is a 64-bit FNV-1a of the text, which needs no node:crypto (5 to 10 ms to
 * load, at every start). Such names can be made to meet, so a profile file
 * is made once and never replaced, and its text is compared before use;
 * another text under that name falls back to its SHA-256 name.
 */
export async function profileFile(store: Pick<Store, 'paths'>, text: string): Promise<string> {
  const cheap = join(store.paths.root, `seccomp-${fnv1a64(text)}.profile`);
  if (await holds(cheap, text)) return cheap;
  const exact = join(store.paths.root, `seccomp-${sha256(text).slice(0, 16)}.profile`);
  if (await holds(exact, text)) return exact;
  throw new SystemError(`${exact} holds another seccomp profile than its name says; remove it`);
}

/** Whether the file at path holds text, made with text (durably) first if absent. link(), unlike rename, never replaces a file. */
async function holds(path: string, text: string): Promise<boolean> {
  const read = () => readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  const have = await read();
  if (have !== undefined) return have === text;
  const tmp = tempPathFor(path);
  try {
    await writeFileAtomic(tmp, text);
    await link(tmp, path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return (await read()) === text;
}

/** FNV-1a over the UTF-16 code units, as two 32-bit lanes with different offsets: 16 hex digits. */
function fnv1a64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

export interface Prepared {
  spec: LxcSpec;
  argv: string[];
  configFile: string;
  /** Env values the config names by key alone: lxc-execute must get them in its environment. */
  passEnv: Record<string, string>;
}

/** Build the LxcSpec for running argv in container c, and write lxc.conf. */
export async function prepare(store: Store, c: ContainerRecord, argv: string[] = [c.path, ...c.args], extra: Partial<LxcSpec> = {}): Promise<Prepared> {
  const rootfs = store.paths.rootfs(c.id);
  store.secureContainer(c.id);
  const user = await resolveUser(rootfs, c.config.User || undefined);
  const cwd = c.config.WorkingDir || '/';
  // Docker creates a missing working directory, owned by the user.
  const hostCwd = await resolveInRoot(rootfs, cwd);
  if (!existsSync(hostCwd)) {
    await mkdir(hostCwd, { recursive: true });
    await chown(hostCwd, user.uid, user.gid);
  }
  const env = mergeEnv(c.config.Env, [`HOSTNAME=${c.config.Hostname}`]);
  if (envValue(env, 'HOME') === undefined) env.push(`HOME=${user.home}`);
  if (c.config.Tty && envValue(env, 'TERM') === undefined) env.push('TERM=xterm');
  const mounts = await commandMounts(c, (n) => volumeLookup(store, n));
  await checkCommand(rootfs, argv[0], envValue(env, 'PATH') ?? DEFAULT_PATH, cwd, mounts);
  const spec: LxcSpec = {
    rootfs,
    hostname: c.config.Hostname || c.id.slice(0, 12),
    env,
    cwd,
    uid: user.uid,
    gid: user.gid,
    caps: DEFAULT_CAPS,
    devices: DEFAULT_DEVICES,
    cgroupVersion: cgroupVersion(),
    apparmor: hasAppArmor(),
    ...extra,
  };
  // The mount points made below (ours, the user's, networking's) are recorded once, at the end.
  let started = false;
  try {
    await batchMountPoints(store, c.id, async () => {
      await applyHostConfig(store, c, spec);
      argv = await processModel(store, c, spec, user, argv);
      // After the capabilities are known: --cap-add SYS_ADMIN lets namespaces and mounts through, as in Docker.
      const sec = securityOf(c.hostConfig.SecurityOpt);
      if (sec.seccompProfile && !hasSeccomp()) throw new Unavailable('seccomp is not enabled in your kernel, cannot run a custom seccomp profile');
      if (sec.seccomp && !spec.privileged) {
        spec.seccompProfile = sec.seccompProfile
          ? await profileFile(store, toLxcSeccomp(parseSeccompProfile(sec.seccompProfile), spec.caps))
          : await seccompProfilePath(store, spec.caps);
      }
      await hooks.beforeStart(store, c, spec);
      started = true;
    });
  } catch (e) {
    if (started) await hooks.afterStop(store, c); // beforeStart succeeded, the record of the mount points did not: undo it
    throw e;
  }
  spec.mounts = orderMounts(spec.mounts ?? []);
  const configFile = store.paths.lxcConf(c.id);
  try {
    // Private (0600): it holds the environment. Rendered again on every start, so no fsync.
    await writeFileAtomic(configFile, renderConfig(spec), { durable: false });
  } catch (e) {
    await hooks.afterStop(store, c); // beforeStart succeeded: undo it
    throw e;
  }
  return { spec, argv, configFile, passEnv: envPassthrough(spec.env) };
}
