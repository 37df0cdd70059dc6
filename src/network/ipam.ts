// Address allocation, as the original's: one directory per address under
// networks/<net>/ips/, and its arrival is the claim. A claim is built as a
// scratch directory holding the container id, then renamed to the address;
// rename(2) refuses to replace a directory that is not empty, so of many
// processes claiming the same address exactly one wins, with no lock and no
// half-written claim to trip over after a crash.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import { Conflict } from '../errors.js';
import { scratchName, isAbandoned, SCRATCH_PREFIX } from '../store/scratch.js';
import { capacity, checkHostAddress, contains, formatIp, hosts, parseIp, parseSubnet } from './cidr.js';
import { ipsDir, type NetworkRecord } from './model.js';

export interface Allocation {
  ip: string;
  cid: string;
}

async function ownerOf(dir: string, ip: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dir, ip, 'cid'), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Every claimed address of a network, in address order. */
export async function allocations(store: Store, net: NetworkRecord): Promise<Allocation[]> {
  const dir = ipsDir(store, net.Id);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Allocation[] = [];
  for (const ip of names) {
    if (ip.startsWith(SCRATCH_PREFIX)) continue;
    const cid = await ownerOf(dir, ip);
    if (cid) out.push({ ip, cid });
  }
  return out.sort((a, b) => parseIp(a.ip) - parseIp(b.ip));
}

/** Try to claim ip for cid: true if it is now (or already was) cid's. */
async function tryClaim(dir: string, ip: string, cid: string): Promise<boolean> {
  const tmp = join(dir, scratchName());
  await mkdir(tmp);
  try {
    await writeFile(join(tmp, 'cid'), cid + '\n');
    await rename(tmp, join(dir, ip));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    return (await ownerOf(dir, ip)) === cid;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Drop claims whose container no longer exists (removed by a dockerlite that crashed) and abandoned scratch. */
async function collect(store: Store, dir: string): Promise<number> {
  let freed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(SCRATCH_PREFIX)) {
      if (isAbandoned(name)) await rm(join(dir, name), { recursive: true, force: true });
      continue;
    }
    const cid = await ownerOf(dir, name);
    if (cid && !existsSync(store.paths.container(cid))) {
      await releaseIp(dir, name, cid);
      freed++;
    }
  }
  return freed;
}

async function releaseIp(dir: string, ip: string, cid: string): Promise<void> {
  if ((await ownerOf(dir, ip)) !== cid) return;
  // Move it aside first: deleting in place would leave an empty directory
  // that a concurrent claim could land in before the rmdir.
  const doomed = join(dir, scratchName());
  try {
    await rename(join(dir, ip), doomed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  await rm(doomed, { recursive: true, force: true });
}

/**
 * Claim an address of net for container cid: `want` if given (an error if
 * another container holds it), else the lowest free one.
 */
export async function claim(store: Store, net: NetworkRecord, cid: string, want?: string): Promise<string> {
  const dir = ipsDir(store, net.Id);
  await mkdir(dir, { recursive: true });
  const subnet = parseSubnet(net.Subnet);
  const gw = parseIp(net.Gateway);
  if (want) {
    const ip = formatIp(checkHostAddress(subnet, gw, want, 'address'));
    if (Object.values(net.AuxAddresses ?? {}).includes(ip)) throw new Conflict(`address ${ip} is reserved in network ${net.Name} (--aux-address)`);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await tryClaim(dir, ip, cid)) return ip;
      const owner = await ownerOf(dir, ip);
      if (owner && existsSync(store.paths.container(owner))) {
        throw new Conflict(
          `address ${ip} is already in use in network ${net.Name} (by container ${owner.slice(0, 12)}); choose another with --ip, or leave it out to get a free one`,
        );
      }
      await collect(store, dir);
    }
    throw new Conflict(`could not claim address ${ip} in network ${net.Name}; try again`);
  }
  const range = net.IPRange ? parseSubnet(net.IPRange) : undefined;
  const aux = new Set(Object.values(net.AuxAddresses ?? {}));
  for (let attempt = 0; attempt < 2; attempt++) {
    const taken = new Set((await readdir(dir)).filter((n) => !n.startsWith(SCRATCH_PREFIX)));
    for (const n of hosts(subnet, gw)) {
      const ip = formatIp(n);
      if (taken.has(ip) || aux.has(ip) || (range && !contains(range, n))) continue;
      if (await tryClaim(dir, ip, cid)) return ip;
    }
    // Full: claims of containers that are gone may be holding addresses.
    if (!(await collect(store, dir))) break;
  }
  throw new Conflict(
    `no free address left in network ${net.Name} (${net.Subnet}): all ${capacity(subnet)} are held by containers; remove some, or use a network with a larger subnet`,
  );
}

/** Give back every address cid holds in net (ip: the one it is known to hold, checked first). */
export async function release(store: Store, net: NetworkRecord, cid: string, ip?: string): Promise<void> {
  const dir = ipsDir(store, net.Id);
  if (ip) return releaseIp(dir, ip, cid);
  for (const a of await allocations(store, net)) if (a.cid === cid) await releaseIp(dir, a.ip, cid);
}

/** Who holds ip in net, if anyone. */
export async function holder(store: Store, net: NetworkRecord, ip: string): Promise<string | undefined> {
  return ownerOf(ipsDir(store, net.Id), ip);
}
