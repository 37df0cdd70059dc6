// Pausing a container: the freezer cgroup (v1 freezer.state, v2 cgroup.freeze)
// of its payload cgroup stops every process in it at once.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hierarchies } from './cgroups.js';
import { sleep } from '../sys/proc.js';
import { Unavailable } from '../errors.js';

interface Knob {
  file: string;
  frozen: string;
  thawed: string;
  /** What the file reads once the change took effect. */
  done: (text: string, freeze: boolean) => boolean;
}

function knob(name: string): Knob | undefined {
  for (const h of hierarchies()) {
    const dir = join(h, `lxc.payload.${name}`);
    if (existsSync(join(dir, 'cgroup.freeze'))) {
      return {
        file: join(dir, 'cgroup.freeze'),
        frozen: '1',
        thawed: '0',
        done: (_t, f) => new RegExp(`^frozen ${f ? 1 : 0}$`, 'm').test(readFileSync(join(dir, 'cgroup.events'), 'utf8')),
      };
    }
    if (existsSync(join(dir, 'freezer.state'))) {
      return { file: join(dir, 'freezer.state'), frozen: 'FROZEN', thawed: 'THAWED', done: (t, f) => t.trim() === (f ? 'FROZEN' : 'THAWED') };
    }
  }
  return undefined;
}

/** Freeze (or thaw) every process of a container and wait until it took effect. */
export async function setFrozen(name: string, freeze: boolean): Promise<void> {
  const k = knob(name);
  if (!k) throw new Unavailable('the freezer cgroup is not available on this host, so containers cannot be paused');
  writeFileSync(k.file, freeze ? k.frozen : k.thawed);
  for (let i = 0; i < 500; i++) {
    if (k.done(readFileSync(k.file, 'utf8'), freeze)) return;
    await sleep(10);
  }
}

/** Thaw without waiting (before a kill: a frozen process cannot die). */
export function thaw(name: string): void {
  const k = knob(name);
  try {
    if (k) writeFileSync(k.file, k.thawed);
  } catch {
    // not frozen, or gone
  }
}
