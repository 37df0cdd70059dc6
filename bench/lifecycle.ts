// Issue 3's benchmark, on one throwaway store:
//   - `run -d` + `stop -t 0` + `rm` of 50 containers (`sleep` as PID 1 ignores
//     SIGTERM, so a plain stop would measure its 10 s grace), against the CLI's own floor
//     (three `dockerlite --version`) and a bare lxc-execute start and kill
//   - the peak memory of one idle monitor, against an idle `node` and the
//     lxc-execute it owns
//   - `ps -a` with 200 and 500 containers in the store, against `ps -a` with one
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TestEnv, BIN } from '../test/helpers/env.js';
import { measure, median, report, timeCmd } from './lib.js';

function kb(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
const mb = (k: number) => `${(k / 1024).toFixed(1)} MB`;

export async function lifecycle(n = 50): Promise<void> {
  const env = new TestEnv();
  const dl = (args: string[]) => timeCmd(process.execPath, [BIN, ...args], { env: env.env });
  const out = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env.env, encoding: 'utf8' }).stdout.trim();
  try {
    dl(['init']);
    // 1. run -d + stop + rm, n times.
    const cycle = await measure(n, (i) => {
      const name = `c${i + 1}`;
      return dl(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']) + dl(['stop', '-t', '0', name]) + dl(['rm', name]);
    });
    const floor = await measure(15, () => dl(['--version']) + dl(['--version']) + dl(['--version']));
    const cid = out(['create', '--name', 'bare', 'busybox', 'sleep', '1000']);
    dl(['start', 'bare']);
    dl(['stop', '-t', '0', 'bare']);
    const conf = `${env.root}/containers/${cid}/lxc.conf`;
    const bare = await measure(15, async (i) => {
      const t0 = process.hrtime.bigint();
      const p = spawn('lxc-execute', ['-P', `${env.root}/lxc`, '-n', `bare${i + 2}`, '-f', conf, '--', '/bin/sleep', '1000'], { stdio: 'ignore' });
      const done = new Promise((r) => p.on('exit', r));
      // Kill once the container's command runs, as stop would.
      for (;;) {
        const kids = spawnSync('pgrep', ['-P', String(p.pid)], { encoding: 'utf8' }).stdout.trim();
        const main = kids && spawnSync('pgrep', ['-P', kids.split('\n')[0]], { encoding: 'utf8' }).stdout.trim();
        if (main) {
          process.kill(Number(main.split('\n')[0]), 'SIGTERM');
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      await done;
      return Number(process.hrtime.bigint() - t0) / 1e6;
    });
    report(`run -d + stop + rm (${n} containers, per container)`, [
      { name: 'dockerlite run -d; stop; rm', median: cycle.median, baseline: '3 x dockerlite --version', baselineMedian: floor.median },
      { name: 'dockerlite run -d; stop; rm', median: cycle.median, baseline: 'bare lxc-execute start + SIGTERM', baselineMedian: bare.median },
    ]);
    console.log(`${'total for all 50'.padEnd(58)} ${(cycle.all.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`);

    // 2. An idle monitor's peak memory, after it started its container and settled.
    const peaks: number[] = [];
    const anon: number[] = [];
    const lxcPeaks: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = out(['run', '-d', 'busybox', 'sleep', '1000']);
      await new Promise((r) => setTimeout(r, 2000));
      const st = JSON.parse(readFileSync(`${env.root}/containers/${id}/state.json`, 'utf8'));
      peaks.push(kb(st.monitorPid, 'VmHWM'));
      anon.push(kb(st.monitorPid, 'RssAnon'));
      lxcPeaks.push(kb(st.pid, 'VmHWM'));
      out(['rm', '-f', id]);
    }
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 2000));
    const nodePeak = kb(idle.pid!, 'VmHWM');
    const nodeAnon = kb(idle.pid!, 'RssAnon');
    idle.kill();
    console.log('\n## idle monitor memory (median of 5)');
    console.log(
      `${'monitor peak RSS (VmHWM)'.padEnd(58)} ${mb(median(peaks)).padStart(9)} | ${(median(peaks) / nodePeak).toFixed(2)}x idle node -e setInterval (${mb(nodePeak)})`,
    );
    console.log(
      `${'monitor private memory (RssAnon)'.padEnd(58)} ${mb(median(anon)).padStart(9)} | ${(median(anon) / nodeAnon).toFixed(2)}x idle node (${mb(nodeAnon)})`,
    );
    console.log(`${'the lxc-execute it owns, peak RSS'.padEnd(58)} ${mb(median(lxcPeaks)).padStart(9)}`);

    // 3. ps -a with 200 and with 500 containers, against ps -a with one.
    const one = await measure(15, () => dl(['ps', '-a']));
    const rows = [];
    for (const n of [200, 500]) {
      while (out(['ps', '-aq']).split('\n').length < n) spawnSync(process.execPath, [BIN, 'create', 'busybox', 'true'], { env: env.env });
      const many = await measure(15, () => dl(['ps', '-a']));
      rows.push({
        name: `dockerlite ps -a with ${out(['ps', '-aq']).split('\n').length} containers`,
        median: many.median,
        baseline: 'ps -a with 1 container',
        baselineMedian: one.median,
      });
    }
    report('ps -a', rows);
  } finally {
    await env.cleanup();
  }
}
