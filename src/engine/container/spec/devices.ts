// --device HOST[:CONTAINER][:PERMS]: the device cgroup lets the container
// use it (with PERMS, default rwm) and the node is bind-mounted into its /dev.
import { statSync } from 'node:fs';
import { InvalidArgument, NotFound } from '../../../errors.js';

export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

const isPerms = (s: string) => /^[rwm]{1,3}$/.test(s) && new Set(s).size === s.length;

/** Docker's parsing: the second field is the permissions when it reads as them. */
export function parseDevice(s: string): DeviceMapping {
  const parts = s.split(':');
  if (parts.length > 3 || !parts[0]) throw new InvalidArgument(`invalid device specification: ${s}`);
  const host = parts[0];
  let [ctr, perms] = [host, 'rwm'];
  if (parts.length === 2) {
    if (isPerms(parts[1])) perms = parts[1];
    else ctr = parts[1];
  } else if (parts.length === 3) {
    ctr = parts[1];
    perms = parts[2];
  }
  if (!isPerms(perms)) throw new InvalidArgument(`bad mode specified: ${perms}`);
  if (!host.startsWith('/')) throw new InvalidArgument(`invalid device specification: ${s}: the host path must be absolute`);
  if (!ctr.startsWith('/')) throw new InvalidArgument(`invalid device specification: ${s}: the container path must be absolute`);
  return { PathOnHost: host, PathInContainer: ctr, CgroupPermissions: perms };
}

/** The device's cgroup rule ("c 10:237 r"); errors as Docker's when the host path is no device. */
export function deviceRule(d: DeviceMapping): string {
  let st;
  try {
    st = statSync(d.PathOnHost);
  } catch {
    throw new NotFound(`error gathering device information while adding custom device "${d.PathOnHost}": no such file or directory`);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice())
    throw new InvalidArgument(`error gathering device information while adding custom device "${d.PathOnHost}": not a device node`);
  const major = Math.floor(st.rdev / 256) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  return `${st.isCharacterDevice() ? 'c' : 'b'} ${major}:${minor} ${d.CgroupPermissions}`;
}
