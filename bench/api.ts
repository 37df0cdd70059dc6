// Issue 10's benchmark (`npm run bench -- api`): the Engine API served by
// `dockerlite serve` against dockerd, side by side in one invocation,
// medians and ratios:
//   - `docker run --rm busybox true` (docker CLI 28) through each server;
//   - create + start + wait + remove of one container through the Python
//     SDK (python3-docker), timed inside one python process per server so
//     python's own start-up is not counted;
//   - requests per second of `GET /containers/json?all=1` with 50 (created)
//     containers, 20 concurrent keep-alive clients (a Node client on the
//     unix socket, bench/api.ts itself);
//   - the server's resident memory (VmRSS), idle and the peak under that load.
// dockerd runs as bench/peers.ts starts it: data root, exec root and socket
// under the bench directory, --bridge=none --iptables=false, stopped by pid.
// Both get the same busybox: a `docker import` of /bin/busybox through each
// server. The containers of both run with --network none (dockerd's default
// with --bridge=none), so both servers do the same work.
//   DL_BENCH_RUNS=N (default 15), DL_BENCH_REQS=N (default 4000 per server)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { TestEnv, BIN } from '../test/helpers/env.js';
import { median, measure, timeCmd } from './lib.js';
import { Dockerd, removeTree, busyboxTar } from '../test/helpers/dockerd.js';

interface Server {
  name: string;
  sock: string;
  pid: () => number;
}

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function docker(s: Server, args: string[], dockerConfig: string): string {
  const r = spawnSync('docker', args, {
    env: { ...process.env, DOCKER_HOST: `unix://${s.sock}`, DOCKER_CONFIG: dockerConfig },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} via ${s.name} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

/** VmRSS of a process, kB. */
function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** `total` GETs of path over `conc` keep-alive connections; requests per second. */
async function load(sock: string, path: string, total: number, conc: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: conc });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const r = request({ socketPath: sock, path, agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET ${path}: ${res.statusCode}`))));
      });
      r.on('error', reject);
      r.end();
    });
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next++ < total) await get();
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  return total / s;
}

// One python process per server: n+1 rounds (the first is a warm-up), each
// round's milliseconds on one line of JSON.
const PY_SDK = `
import docker, json, sys, time
c = docker.DockerClient(base_url=sys.argv[1], version='1.41')
out = []
for i in range(int(sys.argv[2]) + 1):
    t0 = time.perf_counter()
    ct = c.containers.create('busybox', ['true'], network_mode='none')
    ct.start()
    ct.wait()
    ct.remove()
    out.append((time.perf_counter() - t0) * 1000)
print(json.dumps(out[1:]))
`;

export async function apiBench(): Promise<void> {
  const n = Number(process.env.DL_BENCH_RUNS ?? 15);
  const total = Number(process.env.DL_BENCH_REQS ?? 4000);
  const env = new TestEnv();
  const dir = join(env.dir, 'apibench');
  mkdirSync(dir, { recursive: true });
  const cfg = join(dir, 'docker-config');
  mkdirSync(cfg, { recursive: true });
  let serveProc: ChildProcess | undefined;
  const dockerd = has('dockerd') ? new Dockerd(join(dir, 'docker')) : undefined;
  const servers: Server[] = [];
  try {
    spawnSync(process.execPath, [BIN, 'init'], { env: env.env, stdio: 'ignore' });
    const dlSock = join(dir, 'dockerlite.sock');
    serveProc = spawn(process.execPath, [BIN, 'serve', '-H', `unix://${dlSock}`], { env: env.env, stdio: 'ignore' });
    const dl: Server = { name: 'dockerlite', sock: dlSock, pid: () => serveProc!.pid! };
    for (
      let i = 0;
      i < 300 && spawnSync('docker', ['version'], { env: { ...process.env, DOCKER_HOST: `unix://${dlSock}` }, stdio: 'ignore' }).status !== 0;
      i++
    ) {
      if (serveProc.exitCode !== null) throw new Error('dockerlite serve exited');
      await new Promise((r) => setTimeout(r, 100));
    }
    servers.push(dl);
    if (dockerd) {
      await dockerd.start();
      const pid = Number(readFileSync(join(dockerd.dir, 'docker.pid'), 'utf8'));
      servers.push({ name: 'dockerd', sock: dockerd.path, pid: () => pid });
    } else console.error('dockerd is not installed: dockerlite alone');

    // The same busybox in both.
    const tar = busyboxTar(dir);
    for (const s of servers) docker(s, ['import', tar, 'busybox:latest'], cfg);

    // How loaded the machine is: the table's figures scale with it.
    const node0 = (await measure(n, () => timeCmd(process.execPath, ['-e', '0']))).median;
    const loadAvg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

    const idle: Record<string, number> = {};
    for (const s of servers) idle[s.name] = rssKb(s.pid());

    type Cells = Record<string, number>;
    const rows: Array<{ op: string; cells: Cells; unit: string; higherIsBetter?: boolean }> = [];

    const run: Cells = {};
    for (const s of servers)
      run[s.name] = (await measure(n, () => timeCmd('docker', ['run', '--rm', '--network', 'none', 'busybox', 'true'], dockerEnvOf(s, cfg)))).median;
    rows.push({ op: '`docker run --rm --network none busybox true`', cells: run, unit: 'ms' });
    console.error(`run: ${JSON.stringify(run)}`);

    const sdk: Cells = {};
    for (const s of servers) {
      const r = spawnSync(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-c', PY_SDK, `unix://${s.sock}`, String(n)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`python SDK via ${s.name}: ${r.stderr}`);
      sdk[s.name] = median(JSON.parse(r.stdout) as number[]);
    }
    rows.push({ op: 'Python SDK: create + start + wait + remove', cells: sdk, unit: 'ms' });
    console.error(`sdk: ${JSON.stringify(sdk)}`);

    // 50 created containers, then the load, sampling the server's RSS meanwhile.
    const rps: Cells = {};
    const peak: Cells = {};
    for (const s of servers) {
      for (let i = 0; i < 50; i++) docker(s, ['create', '--name', `b${i}`, 'busybox', 'true'], cfg);
      await load(s.sock, '/containers/json?all=1', 200, 20); // warm-up
      let max = rssKb(s.pid());
      const timer = setInterval(() => (max = Math.max(max, rssKb(s.pid()))), 20);
      rps[s.name] = await load(s.sock, '/containers/json?all=1', total, 20);
      clearInterval(timer);
      peak[s.name] = Math.max(max, rssKb(s.pid()));
      docker(s, ['rm', ...Array.from({ length: 50 }, (_, i) => `b${i}`)], cfg);
    }
    rows.push({ op: '`GET /containers/json?all=1`, 50 containers, 20 clients', cells: rps, unit: 'req/s', higherIsBetter: true });
    rows.push({ op: 'server RSS, idle', cells: Object.fromEntries(Object.entries(idle).map(([k, v]) => [k, v / 1024])), unit: 'MB' });
    rows.push({ op: 'server RSS, peak under that load', cells: Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, v / 1024])), unit: 'MB' });

    const names = servers.map((s) => s.name);
    const fmt = (v: number | undefined, unit: string) =>
      v === undefined ? '—' : unit === 'ms' || unit === 'req/s' ? `${v.toFixed(0)} ${unit}` : `${v.toFixed(1)} ${unit}`;
    console.log(
      `\n## api (medians of ${n}; ${total} requests per server for req/s; \`node -e 0\` ${node0.toFixed(0)} ms; load average ${loadAvg} at the start)\n`,
    );
    console.log(`| operation | ${names.join(' | ')} | dockerd / dockerlite |`);
    console.log(`|---|${names.map(() => '---|').join('')}---|`);
    for (const r of rows) {
      const a = r.cells.dockerlite;
      const b = r.cells.dockerd;
      const ratio = a && b ? (r.higherIsBetter ? a / b : b / a) : undefined;
      console.log(`| ${r.op} | ${names.map((k) => fmt(r.cells[k], r.unit)).join(' | ')} | ${ratio ? `${ratio.toFixed(2)}x` : '—'} |`);
    }
    console.log('\n(ratio > 1: dockerlite is faster / serves more / uses less memory)');
  } finally {
    for (const s of servers) {
      const r = spawnSync('docker', ['ps', '-aq'], { ...dockerEnvOf(s, cfg), encoding: 'utf8' });
      const ids = (r.stdout ?? '').split('\n').filter(Boolean);
      if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { ...dockerEnvOf(s, cfg), stdio: 'ignore' });
    }
    if (serveProc && serveProc.exitCode === null) {
      const gone = new Promise((r) => serveProc!.once('exit', r));
      serveProc.kill('SIGTERM');
      await gone;
    }
    await dockerd?.stop();
    if (existsSync(dir)) removeTree(dir);
    await env.cleanup();
  }
}

function dockerEnvOf(s: Server, cfg: string) {
  return { env: { ...process.env, DOCKER_HOST: `unix://${s.sock}`, DOCKER_CONFIG: cfg } };
}
