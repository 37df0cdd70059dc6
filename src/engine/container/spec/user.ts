// -u user[:group], resolved through the container's own /etc/passwd and
// /etc/group, as Docker does.
import { readFile } from 'node:fs/promises';
import { resolveInRoot } from '../../../oci/securejoin.js';
import { InvalidArgument } from '../../../errors.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  home: string;
  /** The name in /etc/passwd, when there is one (its /etc/group memberships are its supplementary groups). */
  name?: string;
}

export async function readTable(rootfs: string, file: string): Promise<string[][]> {
  try {
    const text = await readFile(await resolveInRoot(rootfs, file), 'utf8');
    return text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

export async function resolveUser(rootfs: string, spec: string | undefined): Promise<ResolvedUser> {
  const [user, group] = (spec || '0').split(':', 2);
  const passwd = await readTable(rootfs, '/etc/passwd');
  let uid: number;
  let gid: number | undefined;
  let home = '/';
  let name: string | undefined;
  const byName = passwd.find((p) => p[0] === user);
  if (/^\d+$/.test(user)) {
    uid = Number(user);
    const entry = passwd.find((p) => Number(p[2]) === uid);
    if (entry) {
      name = entry[0];
      gid = Number(entry[3]);
      home = entry[5] || '/';
    } else gid = uid === 0 ? 0 : undefined;
  } else if (byName) {
    name = byName[0];
    uid = Number(byName[2]);
    gid = Number(byName[3]);
    home = byName[5] || '/';
  } else {
    throw new InvalidArgument(`unable to find user ${user}: no matching entries in the container's /etc/passwd`);
  }
  if (group !== undefined && group !== '') {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const g = (await readTable(rootfs, '/etc/group')).find((e) => e[0] === group);
      if (!g) throw new InvalidArgument(`unable to find group ${group}: no matching entries in the container's /etc/group`);
      gid = Number(g[2]);
    }
  }
  if (uid === 0 && home === '/') home = '/root';
  return { uid, gid: gid ?? 0, home, ...(name !== undefined ? { name } : {}) };
}
