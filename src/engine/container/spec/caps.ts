// --cap-add / --cap-drop on top of Docker's default set, with Docker's
// spellings (NET_ADMIN, CAP_NET_ADMIN, ALL); LXC wants lowercase names.
import { InvalidArgument } from '../../../errors.js';
import { DEFAULT_CAPS } from '../../../runtime/rcfile.js';

/** Every capability the kernel and LXC know, in number order. */
export const ALL_CAPS = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
];

/** "NET_ADMIN", "cap_net_admin", "all" -> "net_admin" / "all". */
export function normalizeCap(name: string): string {
  const n = name.toLowerCase().replace(/^cap_/, '');
  if (n !== 'all' && !ALL_CAPS.includes(n)) throw new InvalidArgument(`unknown capability '${name}' (for example NET_ADMIN, SYS_PTRACE, or ALL)`);
  return n;
}

/** Docker's rule: start from the defaults (or ALL), add, then drop; drop ALL wins over the defaults but not over explicit adds. */
export function effectiveCaps(add: string[] = [], drop: string[] = []): string[] {
  const a = add.map(normalizeCap);
  const d = drop.map(normalizeCap);
  let set = new Set(a.includes('all') ? ALL_CAPS : DEFAULT_CAPS);
  if (d.includes('all')) set = new Set();
  for (const c of a) if (c !== 'all') set.add(c);
  for (const c of d) if (c !== 'all' && !a.includes(c)) set.delete(c);
  return ALL_CAPS.filter((c) => set.has(c));
}
