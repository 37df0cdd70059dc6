// Issue 4's benchmark, on one throwaway store:
//   - what a network costs `run --rm busybox true`: the default bridge (and a
//     user-defined network) against --network none, measured alternately
//   - throughput of a large file through a published port (127.0.0.1 and the
//     bridge gateway, DNAT) against the container's own address, with a small
//     Node client; the same busybox httpd serves both
// Traffic goes only to loopback, the gateway and the container made here.
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { TestEnv, BIN, eventually } from '../test/helpers/env.js';
import { median, report, timeCmd } from './lib.js';

/** Fetch url, discard the body; milliseconds and bytes. */
function fetchAll(url: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    get(url, (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

export async function network(n = 25): Promise<void> {
  const env = new TestEnv();
  const dl = (args: string[]) => timeCmd(process.execPath, [BIN, ...args], { env: env.env });
  const out = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env.env, encoding: 'utf8' }).stdout.trim();
  try {
    dl(['init']);
    dl(['network', 'create', '--subnet', env.freeSubnet(), 'benchnet']);
    // Warm up all three (the first bridge start also makes the bridge and its rules).
    for (const net of ['none', 'bridge', 'benchnet']) dl(['run', '--rm', '--network', net, 'busybox', 'true']);
    // Alternate, so drift on a noisy machine hits all three alike.
    const t: Record<string, number[]> = { none: [], bridge: [], benchnet: [] };
    for (let i = 0; i < n; i++) for (const net of Object.keys(t)) t[net].push(dl(['run', '--rm', '--network', net, 'busybox', 'true']));
    report('what a network adds to run --rm busybox true', [
      { name: 'run --rm busybox true (default bridge)', median: median(t.bridge), baseline: '--network none', baselineMedian: median(t.none) },
      {
        name: 'run --rm --network benchnet busybox true (user network)',
        median: median(t.benchnet),
        baseline: '--network none',
        baselineMedian: median(t.none),
      },
    ]);
    console.log(
      `(added by the default bridge: ${(median(t.bridge) - median(t.none)).toFixed(1)} ms; by a user network: ${(median(t.benchnet) - median(t.none)).toFixed(1)} ms)`,
    );

    const mb = 256;
    const srv = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '--name',
        'srv',
        '-p',
        '127.0.0.1::80',
        '-p',
        '80',
        'busybox',
        'sh',
        '-c',
        `mkdir -p /www && dd if=/dev/zero of=/www/big bs=1M count=${mb} 2>/dev/null && exec httpd -f -p 80 -h /www`,
      ],
      { env: env.env, stdio: 'ignore' },
    );
    const done = new Promise((r) => srv.on('exit', r));
    try {
      await eventually(
        () => out(['inspect', '-f', '{{.State.Status}}', 'srv']) === 'running' && out(['port', 'srv', '80']).split('\n').length === 2,
        'the server to run',
        30_000,
      );
      const ip = out(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'srv']);
      const gw = out(['inspect', '-f', '{{.NetworkSettings.Gateway}}', 'srv']);
      const [local, all] = out(['port', 'srv', '80'])
        .split('\n')
        .sort((a, b) => (a.startsWith('127.') ? -1 : b.startsWith('127.') ? 1 : 0));
      const urls = {
        direct: `http://${ip}/big`,
        loopback: `http://127.0.0.1:${local.split(':')[1]}/big`,
        gateway: `http://${gw}:${all.split(':')[1]}/big`,
      };
      await eventually(async () => (await fetchAll(urls.direct).catch(() => ({ bytes: 0 }))).bytes === mb << 20, 'the file to be served', 30_000);
      const runs: Record<string, number[]> = { direct: [], loopback: [], gateway: [] };
      const rounds = Math.max(5, Math.min(n, 9));
      for (let i = 0; i < rounds; i++) {
        for (const k of Object.keys(runs) as Array<keyof typeof urls>) {
          const r = await fetchAll(urls[k]);
          if (r.bytes !== mb << 20) throw new Error(`${urls[k]} gave ${r.bytes} bytes`);
          runs[k].push(r.ms);
        }
      }
      const mbps = (ms: number) => ((mb / ms) * 1000).toFixed(0);
      report(`fetching ${mb} MB from busybox httpd (Node client; time per fetch)`, [
        { name: 'published port on 127.0.0.1 (DNAT)', median: median(runs.loopback), baseline: 'the container address', baselineMedian: median(runs.direct) },
        {
          name: 'published port on the bridge gateway (DNAT)',
          median: median(runs.gateway),
          baseline: 'the container address',
          baselineMedian: median(runs.direct),
        },
      ]);
      console.log(
        `(throughput: container address ${mbps(median(runs.direct))} MB/s, 127.0.0.1 ${mbps(median(runs.loopback))} MB/s, gateway ${mbps(median(runs.gateway))} MB/s)`,
      );
    } finally {
      spawnSync(process.execPath, [BIN, 'rm', '-f', 'srv'], { env: env.env });
      await done;
    }
  } finally {
    await env.cleanup();
  }
}
