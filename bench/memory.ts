// What idle containers cost in memory (issue 11's goals: a monitor at most
// 2 MB private, 100 idle `sleep` containers at most 250 MB private in all,
// monitors and LXC processes included). The monitor is native/dl-mon, with
// lxc-start under it and the container's processes under that. Private memory is Private_Clean +
// Private_Dirty of /proc/PID/smaps_rollup: what the process alone holds,
// without the shared libraries and node binary that every copy shares.
//   npm run bench -- memory            (100 containers)
//   DL_BENCH_IDLE=20 npm run bench -- memory
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { TestEnv, BIN } from '../test/helpers/env.js';
import { median } from './lib.js';

/** Private memory of one process, kB (0 once it is gone). */
function privateKb(pid: number): number {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    let kb = 0;
    for (const m of t.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)) kb += Number(m[1]);
    return kb;
  } catch {
    return 0;
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** pid and its descendants. */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const t of readdirSync(`/proc/${out[i]}/task`)) {
      try {
        for (const k of readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) out.push(Number(k));
      } catch {
        // gone
      }
    }
  }
  return out;
}

const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;

export async function memory(n = Number(process.env.DL_BENCH_IDLE ?? 100)): Promise<void> {
  const env = new TestEnv();
  const out = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env.env, encoding: 'utf8' }).stdout.trim();
  try {
    out(['init']);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(out(['run', '-d', '--network', 'none', 'busybox', 'sleep', '100000']));
    await new Promise((r) => setTimeout(r, 3000)); // let every monitor settle
    const byKind: Record<string, number[]> = {};
    const perContainer: number[] = [];
    for (const id of ids) {
      const st = JSON.parse(readFileSync(`${env.root}/containers/${id}/state.json`, 'utf8'));
      let sum = 0;
      for (const pid of tree(st.monitorPid)) {
        const k = privateKb(pid);
        const name = pid === st.monitorPid ? `monitor (${comm(pid)})` : comm(pid);
        (byKind[name] ??= []).push(k);
        sum += k;
      }
      perContainer.push(sum);
    }
    console.log(`\n## idle containers: private memory (${n} x sleep, --network none)`);
    for (const [name, kbs] of Object.entries(byKind)) {
      console.log(`${`${name}, median per container`.padEnd(58)} ${mb(median(kbs)).padStart(9)}`);
    }
    console.log(`${'monitor + everything under it, median per container'.padEnd(58)} ${mb(median(perContainer)).padStart(9)}`);
    console.log(`${`all ${n} containers together`.padEnd(58)} ${mb(perContainer.reduce((a, b) => a + b, 0)).padStart(9)}`);
    for (const id of ids) out(['rm', '-f', id]);
  } finally {
    await env.cleanup();
  }
}
