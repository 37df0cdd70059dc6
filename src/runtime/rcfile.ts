// Render an LXC config file for one container. Pure: a spec in, text out,
// so it is unit-tested without root and read by a person in one go.
import type { CgroupVersion } from './host.js';
import { InvalidArgument } from '../errors.js';

/** Docker's default capability set; everything else is dropped. */
export const DEFAULT_CAPS = [
  'chown',
  'dac_override',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'net_bind_service',
  'net_raw',
  'sys_chroot',
  'mknod',
  'audit_write',
  'setfcap',
];

/** Devices a container may use, as the original's allowlist: type major:minor. */
export const DEFAULT_DEVICES = [
  'c 1:3', // null
  'c 1:5', // zero
  'c 1:7', // full
  'c 1:8', // random
  'c 1:9', // urandom
  'c 5:0', // tty
  'c 5:1', // console
  'c 5:2', // ptmx
  'c 136:*', // pts
];

export interface MountEntry {
  source: string;
  /** Path inside the container, without the leading slash. */
  target: string;
  fstype: string;
  options: string[];
}

export interface NetEntry {
  type: 'empty' | 'veth' | 'none';
  link?: string;
  name?: string;
  hwaddr?: string;
  ipv4?: string;
  gateway?: string;
  vethPair?: string;
  mtu?: number;
}

export interface LxcSpec {
  rootfs: string;
  hostname: string;
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  caps: string[];
  /** Keep every capability (--privileged). */
  privileged?: boolean;
  devices: string[];
  cgroupVersion: CgroupVersion;
  /** Raw cgroup settings, e.g. ['memory.limit_in_bytes', '1048576']; keys are for this host's cgroup version. */
  cgroup?: Array<[string, string]>;
  apparmor: boolean;
  /** --security-opt apparmor=unconfined. */
  apparmorUnconfined?: boolean;
  /** Absent: no syscall filter (--privileged, --security-opt seccomp=unconfined, or a host without seccomp). */
  seccompProfile?: string;
  /** --security-opt no-new-privileges. */
  noNewPrivs?: boolean;
  mounts?: MountEntry[];
  /** Empty means a private network namespace with only lo. */
  net?: NetEntry[];
  /** Share the host's network namespace (--network host). */
  hostNetwork?: boolean;
  /** Share the network namespace of this host pid, another container's init (--network container:<id>). */
  netNamespaceOf?: number;
  readonlyRootfs?: boolean;
  /** Give the container a /dev/pts (needed for ttys inside it). */
  ptys?: boolean;
  /** Give the container a console pty (-t): LXC proxies it to lxc-execute's terminal. */
  tty?: boolean;
  /** --ulimit: [name, "soft:hard"] set on the container's first process. */
  prlimits?: Array<[string, string]>;
  /** --sysctl: [key, value], namespaced ones only (the engine checks which). */
  sysctls?: Array<[string, string]>;
  /** --pid/--ipc/--uts host or container:<id>: join the namespace of this host pid. */
  shareNamespaces?: Partial<Record<'pid' | 'ipc' | 'uts', number>>;
  /** --oom-score-adj. */
  oomScoreAdj?: number;
}

/** A path in an fstab-style mount entry: blanks and backslashes as octal escapes. */
export function fstabEscape(p: string): string {
  return p.replace(/[\\ \t\n]/g, (ch) => `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

// LXC reads its config a line at a time, and a NUL ends its read: a value
// holding either would add config lines of its own (an image's WorkingDir
// could grant every capability). So every value passes one of these checks,
// and `set` itself refuses any control character whatever the check said.
// Tab is the one control character LXC reads as ordinary text inside a value.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const CHECKS = {
  /** Free text (an environment entry): anything printable. */
  text: (v: string) => !CONTROL.test(v),
  /** An absolute path with no control character. */
  path: (v: string) => v.startsWith('/') && !CONTROL.test(v),
  /** RFC 1123 host name, at most the kernel's 64 bytes (underscores tolerated, as Docker does). */
  hostname: (v: string) => /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$/.test(v),
  /** A network interface name (IFNAMSIZ is 16 with the NUL). */
  ifname: (v: string) => /^[A-Za-z0-9_.@-]{1,15}$/.test(v),
  mac: (v: string) => /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(v),
  /** An IPv4 address, with an optional /prefix and broadcast address as LXC takes them. */
  ipv4: (v: string) => /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2}( \d{1,3}(\.\d{1,3}){3})?)?$/.test(v) && v.split(/[./ ]/).every((n) => Number(n) <= 255),
  /** A kernel or LXC keyword: capability, fstype, cgroup key, namespace pid. */
  word: (v: string) => /^[a-z0-9_.]+$/.test(v),
  /** One mount option: no separator (comma, blank) of the fstab line. */
  mountOption: (v: string) => v.length > 0 && !/[\s,]/.test(v) && !CONTROL.test(v),
  /** A device cgroup rule, optionally with its access (rwm by default). */
  device: (v: string) => /^[cb] (\d+|\*):(\d+|\*)( [rwm]{1,3})?$/.test(v),
  /** A resource limit as LXC takes it: soft[:hard], each a number or unlimited. */
  prlimit: (v: string) => /^(\d+|unlimited)(:(\d+|unlimited))?$/.test(v),
  /** A sysctl value: words, numbers and separators only, since it passes through a shell. */
  sysctlValue: (v: string) => /^[A-Za-z0-9 \t._:,/+-]*$/.test(v),
  /** --oom-score-adj. */
  oomScore: (v: string) => /^-?\d{1,4}$/.test(v) && Math.abs(Number(v)) <= 1000,
  id: (v: string) => /^\d{1,10}$/.test(v) && Number(v) < 2 ** 32 - 1,
  env: (v: string) => /^[^=\s][^=]*=/.test(v) && !CONTROL.test(v) && !/\s$/.test(v),
  /** A key alone, its value taken from lxc-execute's environment: no blank, no '=', nothing LXC would trim or split. */
  envKey: (v: string) => /^[^=\s]+$/.test(v),
};
type Check = keyof typeof CHECKS;

/** Refuse a value that cannot go into an LXC config as it is, naming what it was for. */
export function checkValue(what: string, check: Check, v: string | number): string {
  const s = String(v);
  if (CONTROL.test(s)) throw new InvalidArgument(`invalid ${what} ${JSON.stringify(s)}: it holds a newline or another control character`);
  if (!CHECKS[check](s)) throw new InvalidArgument(`invalid ${what} ${JSON.stringify(s)}: ${HINTS[check]}`);
  return s;
}

const HINTS: Record<Check, string> = {
  text: 'it holds a control character',
  path: 'it must be an absolute path',
  hostname: 'use letters, digits, dots, dashes and underscores, at most 64 characters (RFC 1123)',
  ifname: 'an interface name has at most 15 letters, digits or ._@-',
  mac: 'use six hex pairs, such as 02:42:ac:11:00:02',
  ipv4: 'use an IPv4 address such as 172.17.0.2, with an optional /prefix and broadcast',
  word: 'use lower-case letters, digits, dots and underscores',
  mountOption: 'a mount option holds no blank or comma',
  device: 'use "c|b MAJOR:MINOR [rwm]"',
  prlimit: 'use SOFT[:HARD], each a number or unlimited',
  oomScore: 'use a whole number from -1000 to 1000',
  sysctlValue: 'use letters, digits, blanks and . _ : , / + - only',
  id: 'use a number from 0 to 4294967294',
  env: 'use KEY=VALUE',
  envKey: 'a variable whose value holds a control character or an edge blank needs a key with no blank',
};

// LXC trims a value's edge blanks and reads a line at a time, so a value with
// a control character or an edge blank cannot be written into the config as
// it is. Such an entry is written as its key alone (\`lxc.environment = KEY\`),
// and LXC takes its value from lxc-execute's own environment, which the
// caller passes (envPassthrough). Keys that change how the host tools
// themselves run are never passed that way.
const HOST_ONLY_KEYS =
  /^(LD_.*|PATH|SHELL|TERM|GCONV_PATH|GLIBC_TUNABLES|LOCPATH|NLSPATH|MALLOC_.*|HOSTALIASES|RES_OPTIONS|LOCALDOMAIN|TMPDIR|TZDIR|LANG|LANGUAGE|LC_.*|LXC_.*)$/;

/** Whether an env entry can be written as KEY=VALUE exactly as it is. */
function envFitsConfig(e: string): boolean {
  const eq = e.indexOf('=');
  const value = e.slice(eq + 1);
  return eq > 0 && !CONTROL.test(e) && value.trim() === value;
}

/**
 * The env entries that the config holds as a key alone: their values go in
 * lxc-execute's environment. Refuses the ones that cannot go either way.
 */
export function envPassthrough(env: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    if (envFitsConfig(e)) continue;
    const eq = e.indexOf('=');
    if (eq <= 0) throw new InvalidArgument(`invalid environment variable ${JSON.stringify(e)}: use KEY=VALUE`);
    const key = e.slice(0, eq);
    if (CONTROL.test(key) || !CHECKS.envKey(key)) throw new InvalidArgument(`invalid environment variable name ${JSON.stringify(key)}: ${HINTS.envKey}`);
    if (HOST_ONLY_KEYS.test(key)) {
      throw new InvalidArgument(
        `invalid value for environment variable ${key}: a control character or an edge blank is passed only for variables that do not steer the host's tools`,
      );
    }
    out[key] = e.slice(eq + 1);
  }
  return out;
}

export function renderConfig(s: LxcSpec): string {
  const L: string[] = [];
  const set = (k: string, v: string | number) => {
    // The last line of defence: nothing reaches the file that could end a line.
    if (CONTROL.test(String(v))) throw new InvalidArgument(`invalid value for ${k}: it holds a newline or another control character`);
    L.push(`${k} = ${v}`);
  };
  L.push('# Generated by dockerlite; rewritten at every start.');
  // A shared UTS namespace keeps its name: setting ours would rename the host.
  if (s.shareNamespaces?.uts === undefined) set('lxc.uts.name', checkValue('hostname', 'hostname', s.hostname));
  set('lxc.rootfs.path', `dir:${checkValue('rootfs path', 'path', s.rootfs)}`);
  if (s.readonlyRootfs) set('lxc.rootfs.options', 'ro');
  set('lxc.autodev', 1);
  // /proc and /sys as Docker: proc writable except its sensitive parts, sys read-only.
  set('lxc.mount.auto', s.privileged ? 'proc:rw sys:rw cgroup:rw' : 'proc:mixed sys:ro cgroup:ro');
  set('lxc.pty.max', s.ptys === false ? 0 : 1024);
  set('lxc.tty.max', 0);
  if (!s.tty) set('lxc.console.path', 'none');
  if (!s.privileged) {
    // Hide host information as Docker does: files under /dev/null, directories under an empty read-only tmpfs.
    for (const masked of ['proc/kcore', 'proc/keys', 'proc/timer_list', 'proc/sched_debug']) {
      set('lxc.mount.entry', `/dev/null ${masked} none bind,optional 0 0`);
    }
    for (const masked of ['proc/scsi', 'proc/acpi', 'sys/firmware']) set('lxc.mount.entry', `tmpfs ${masked} tmpfs ro,size=0,optional 0 0`);
    set('lxc.cap.keep', s.caps.length ? s.caps.map((c) => checkValue('capability', 'word', c)).join(' ') : 'none');
  }
  const cg = s.cgroupVersion === 2 ? 'lxc.cgroup2' : 'lxc.cgroup';
  if (!s.privileged) {
    set(`${cg}.devices.deny`, 'a');
    for (const d of s.devices) {
      const rule = checkValue('device', 'device', d);
      set(`${cg}.devices.allow`, rule.split(' ').length === 3 ? rule : `${rule} rwm`);
    }
  }
  for (const [k, v] of s.prlimits ?? []) set(`lxc.prlimit.${checkValue('resource limit', 'word', k)}`, checkValue(`limit for ${k}`, 'prlimit', v));
  // Not lxc.sysctl: LXC applies it after /proc/sys is read-only (proc:mixed). The
  // start-host hook runs on the host once the namespaces exist and before the
  // container's init starts; it enters the container's network and IPC namespaces
  // only (not its pid namespace, whose pids it would take), where /proc/sys/net and
  // the IPC keys are the container's own. LXC runs hooks through sh -c, hence the
  // strict checks of keys and values.
  if (s.sysctls?.length) {
    const writes = s.sysctls.map(
      ([k, v]) => `echo '${checkValue(`value of sysctl ${k}`, 'sysctlValue', v)}' > /proc/sys/${checkValue('sysctl', 'word', k).replace(/\./g, '/')}`,
    );
    set('lxc.hook.start-host', `nsenter -t "$LXC_PID" -n -i -- /bin/sh -c "${writes.join(' && ')}"`);
  }
  for (const [ns, pid] of Object.entries(s.shareNamespaces ?? {})) set(`lxc.namespace.share.${ns}`, checkValue(`${ns} namespace pid`, 'id', pid));
  if (s.oomScoreAdj !== undefined) set('lxc.proc.oom_score_adj', checkValue('OOM score adjustment', 'oomScore', s.oomScoreAdj));
  for (const [k, v] of s.cgroup ?? []) set(`${cg}.${checkValue('cgroup setting', 'word', k)}`, checkValue(`value of ${k}`, 'text', v));
  if (s.apparmor) set('lxc.apparmor.profile', s.privileged || s.apparmorUnconfined ? 'unconfined' : 'generated');
  if (s.noNewPrivs) set('lxc.no_new_privs', 1);
  if (s.seccompProfile && !s.privileged) set('lxc.seccomp.profile', checkValue('seccomp profile path', 'path', s.seccompProfile));
  for (const m of s.mounts ?? []) {
    const opts = m.options.map((o) => checkValue(`mount option for ${m.target}`, 'mountOption', o)).join(',');
    const fstype = checkValue(`filesystem type for ${m.target}`, 'word', m.fstype);
    set(
      'lxc.mount.entry',
      `${fstabEscape(checkValue('mount source', 'text', m.source))} ${fstabEscape(checkValue('mount target', 'text', m.target))} ${fstype} ${opts} 0 0`,
    );
  }
  if (s.hostNetwork) {
    set('lxc.namespace.share.net', '1');
  } else if (s.netNamespaceOf) {
    set('lxc.namespace.share.net', checkValue('network namespace pid', 'id', s.netNamespaceOf));
  } else {
    const nets = s.net?.length ? s.net : [{ type: 'empty' as const }];
    nets.forEach((n, i) => {
      const p = `lxc.net.${i}`;
      set(`${p}.type`, checkValue('network type', 'word', n.type));
      if (n.link) set(`${p}.link`, checkValue('bridge name', 'ifname', n.link));
      // An empty namespace's flags are lo's: up, with 127.0.0.1, as Docker's --network none.
      if (n.type === 'veth' || n.type === 'empty') set(`${p}.flags`, 'up');
      if (n.name) set(`${p}.name`, checkValue('interface name', 'ifname', n.name));
      if (n.hwaddr) set(`${p}.hwaddr`, checkValue('MAC address', 'mac', n.hwaddr));
      if (n.vethPair) set(`${p}.veth.pair`, checkValue('veth name', 'ifname', n.vethPair));
      if (n.mtu) set(`${p}.mtu`, checkValue('MTU', 'id', n.mtu));
      if (n.ipv4) set(`${p}.ipv4.address`, checkValue('IP address', 'ipv4', n.ipv4));
      if (n.gateway) set(`${p}.ipv4.gateway`, checkValue('gateway', 'ipv4', n.gateway));
    });
  }
  set('lxc.init.cwd', checkValue('working directory', 'path', s.cwd));
  set('lxc.init.uid', checkValue('user id', 'id', s.uid));
  set('lxc.init.gid', checkValue('group id', 'id', s.gid));
  const passed = envPassthrough(s.env);
  for (const e of s.env) {
    const key = e.slice(0, e.indexOf('='));
    if (Object.hasOwn(passed, key)) set('lxc.environment', checkValue('environment variable name', 'envKey', key));
    else set('lxc.environment', checkValue('environment variable', 'env', e));
  }
  return L.join('\n') + '\n';
}

// Namespace flags of clone(2)/unshare(2): NEWNS, NEWCGROUP, NEWUTS, NEWIPC,
// NEWUSER, NEWPID, NEWNET (Docker's clone mask 0x7E020000); unshare also
// takes NEWTIME (0x80), which clone reads as part of its exit signal.
const CLONE_NS_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];
const CLONE_NEWTIME = 0x00000080;
const hex = (n: number) => `0x${n.toString(16)}`;
/** One denylist line per flag: LXC ANDs the conditions of one line, and a syscall is refused if any line matches. */
const withAnyFlag = (call: string, argIndex: number, flags: number[]) =>
  flags.map((f) => `${call} errno 1 [${argIndex},${hex(f)},SCMP_CMP_MASKED_EQ,${hex(f)}]`);

/**
 * Docker's default seccomp profile, as the subset a denylist can say: each
 * group is refused unless the container holds one of the capabilities that
 * Docker's profile lets it through with (none: always refused). EPERM, as
 * Docker, except clone3 (ENOSYS, so libcs fall back to clone, which can be
 * filtered by its flags).
 *
 * Covered: namespaces (unshare and clone with namespace flags, clone3,
 * setns), the mount API (mount, umount2, fsopen, fsconfig, fsmount, fspick,
 * move_mount, open_tree, mount_setattr), bpf, perf_event_open, the
 * sethostname/quotactl/fanotify_init/lookup_dcookie/syslog group, kernel
 * modules, kexec, reboot, acct, swap, iopl/ioperm, the keyring,
 * open_by_handle_at and userfaultfd.
 * Not covered (Docker refuses them by not listing them, or by argument):
 * syscalls its allowlist leaves out (new or exotic ones), socket(AF_VSOCK),
 * personality values other than Linux's, kcmp/pidfd_getfd/process_madvise
 * without CAP_SYS_PTRACE, clock/time setters without CAP_SYS_TIME, vhangup,
 * mbind/set_mempolicy without CAP_SYS_NICE. unshare is refused only with a
 * namespace flag (Docker refuses it whatever its flags), and a few groups
 * stay refused even with the capability Docker lets them through with
 * (kexec and the keyring are refused by Docker always). ptrace and
 * process_vm_readv/writev are allowed, as Docker allows them on kernels
 * from 4.8 on. x86-64 argument order: s390's clone takes its flags second.
 */
const SECCOMP_GROUPS: Array<{ allowedBy: string[]; lines: string[] }> = [
  { allowedBy: [], lines: ['kexec_load', 'kexec_file_load', 'swapon', 'swapoff', 'add_key', 'request_key', 'keyctl', 'userfaultfd'] },
  { allowedBy: ['dac_read_search'], lines: ['open_by_handle_at'] },
  { allowedBy: ['sys_module'], lines: ['init_module', 'finit_module', 'delete_module'] },
  { allowedBy: ['sys_pacct'], lines: ['acct'] },
  { allowedBy: ['sys_boot'], lines: ['reboot'] },
  { allowedBy: ['sys_rawio'], lines: ['iopl', 'ioperm'] },
  { allowedBy: ['sys_admin', 'syslog'], lines: ['syslog'] },
  { allowedBy: ['sys_admin', 'bpf'], lines: ['bpf'] },
  { allowedBy: ['sys_admin', 'perfmon'], lines: ['perf_event_open'] },
  {
    allowedBy: ['sys_admin'],
    lines: [
      ...['lookup_dcookie', 'quotactl', 'quotactl_fd', 'fanotify_init', 'sethostname', 'setdomainname', 'setns'],
      ...['mount', 'umount2', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr'],
      ...withAnyFlag('unshare', 0, [...CLONE_NS_FLAGS, CLONE_NEWTIME]),
      ...withAnyFlag('clone', 0, CLONE_NS_FLAGS),
      'clone3 errno 38',
    ],
  },
];

/** The seccomp profile (LXC's v2 denylist format) for a container holding caps (lower-case names, as LxcSpec.caps). */
export function seccompProfile(caps: readonly string[]): string {
  const held = new Set(caps);
  const lines = SECCOMP_GROUPS.filter((g) => !g.allowedBy.some((c) => held.has(c))).flatMap((g) => g.lines.map((l) => (l.includes(' ') ? l : `${l} errno 1`)));
  return ['2', 'denylist', 'reject_force_umount', '[all]', ...lines].join('\n') + '\n';
}

/** The profile of a container with Docker's default capabilities. */
export const SECCOMP_PROFILE = seccompProfile(DEFAULT_CAPS);
