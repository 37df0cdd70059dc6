// Issue 11's benchmark (`npm run bench -- --peers`): the same operations on
// dockerlite, Docker and Podman in one invocation, where they are installed,
// medians over n runs, with ratios against `node -e 0`, docker, podman and
// the floor (a bare btrfs snapshot + lxc-execute + delete).
//
// All three pull the same busybox (a `docker import` of /bin/busybox, pushed
// to a docker-registry on 127.0.0.1). dockerd gets its own data root, exec
// root and socket under the bench directory, with --bridge=none and
// --iptables=false, and is stopped by its pid; podman its own --root,
// --runroot and containers.conf (no default ulimits: this machine refuses
// raising them), with --network none so it never touches the host firewall.
// dockerlite runs with its defaults (a bridge and a veth per container).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, existsSync, symlinkSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, BIN } from '../test/helpers/env.js';
import { Dockerd, removeTree } from '../test/helpers/dockerd.js';
import { TestRegistry } from '../test/helpers/registry.js';
import { measure, timeCmd } from './lib.js';

interface Engine {
  name: string;
  cmd: string;
  pre: string[];
  env: NodeJS.ProcessEnv;
  /** Flags for run/create (podman: no network). */
  runFlags: string[];
  pullFlags: string[];
}

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function out(e: Engine, args: string[], allowFail = false): string {
  const r = spawnSync(e.cmd, [...e.pre, ...args], { env: e.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && !allowFail) throw new Error(`${e.name} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}
const time = (e: Engine, args: string[]) => timeCmd(e.cmd, [...e.pre, ...args], { env: e.env });

/**
 * Disk blocks in use under a path (du), or of the filesystem holding it (df)
 * for a BTRFS store. BTRFS frees a deleted subvolume's space in the
 * background (the commit row's 100 MB images were deleted just before): wait
 * for those deletions (`btrfs subvolume sync`), then commit and read df until
 * two readings agree, or a "before" taken mid-clean-up makes the difference
 * negative ("+-524.4 MB").
 */
export function usedBytes(path: string, whole: boolean): number {
  if (!whole) {
    spawnSync('sync');
    const r = spawnSync('du', ['-sxB1', path], { encoding: 'utf8' });
    return Number(r.stdout.split('\t')[0]);
  }
  spawnSync('btrfs', ['subvolume', 'sync', path]);
  let last = NaN;
  for (let i = 0; i < 50; i++) {
    spawnSync('sync');
    spawnSync('btrfs', ['filesystem', 'sync', path]);
    const r = spawnSync('df', ['-B1', '--output=used', path], { encoding: 'utf8' });
    const used = Number(r.stdout.trim().split('\n').pop());
    if (used === last) return used;
    last = used;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // let the cleaner run between readings
  }
  return last;
}

export interface PeersOptions {
  n?: number;
  /** Containers in the store for the big `ps -a` (the issue asks 500). */
  many?: number;
}

export async function peers(o: PeersOptions = {}): Promise<void> {
  const n = o.n ?? 15;
  const many = o.many ?? 500;
  const env = new TestEnv();
  const dir = join(env.dir, 'peers');
  mkdirSync(dir, { recursive: true });
  let registry: TestRegistry | undefined;
  const dockerd = has('dockerd') && has('docker') ? new Dockerd(join(dir, 'docker')) : undefined;
  const engines: Engine[] = [];
  try {
    const dl: Engine = { name: 'dockerlite', cmd: process.execPath, pre: [BIN], env: env.env, runFlags: [], pullFlags: [] };
    time(dl, ['init']);
    engines.push(dl);
    registry = await TestRegistry.start(join(dir, 'registry'));
    const image = `${registry.host}/busybox:latest`;

    // The shared image: /bin/busybox and a few links, imported and pushed.
    const bb = join(dir, 'bb');
    mkdirSync(join(bb, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(bb, 'bin', 'busybox'));
    for (const a of ['sh', 'true', 'dd', 'sleep', 'echo']) symlinkSync('busybox', join(bb, 'bin', a));
    spawnSync('tar', ['-C', bb, '-cf', join(dir, 'bb.tar'), '.']);

    if (dockerd) {
      await dockerd.start();
      const dk: Engine = { name: 'docker', cmd: 'docker', pre: [], env: { ...process.env, DOCKER_HOST: dockerd.sock }, runFlags: [], pullFlags: [] };
      out(dk, ['import', join(dir, 'bb.tar'), image]);
      out(dk, ['push', image]);
      engines.push(dk);
    } else {
      // No docker: push with dockerlite's own import.
      out(dl, ['import', join(dir, 'bb.tar'), image]);
      out(dl, ['push', image]);
    }
    if (has('podman')) {
      const conf = join(dir, 'containers.conf');
      writeFileSync(conf, '[containers]\ndefault_ulimits = []\npids_limit = 0\n[engine]\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n');
      const p = join(dir, 'podman');
      engines.push({
        name: 'podman',
        cmd: 'podman',
        pre: ['--root', `${p}/root`, '--runroot', `${p}/run`, '--tmpdir', `${p}/tmp`, '--storage-driver', 'overlay'],
        env: { ...process.env, CONTAINERS_CONF: conf },
        runFlags: ['--network', 'none'],
        pullFlags: ['--tls-verify=false'],
      });
    }
    for (const e of engines) out(e, ['pull', ...e.pullFlags, image]);

    type Cell = Record<string, number | undefined>;
    const rows: Array<{ op: string; cells: Cell; floor?: number; unit?: 'ms' | 'MB' }> = [];
    const each = async (op: string, fn: (e: Engine, i: number) => number | Promise<number>, reps = n, floor?: number) => {
      const cells: Cell = {};
      for (const e of engines) cells[e.name] = (await measure(reps, (i) => fn(e, i))).median;
      rows.push({ op, cells, floor });
      console.error(`${op}: ${engines.map((e) => `${e.name} ${cells[e.name]!.toFixed(1)}`).join(', ')}`);
    };

    const node0 = (await measure(n, () => timeCmd(process.execPath, ['-e', '0']))).median;

    // The floor: what a container start cannot avoid here.
    const cid = out(dl, ['create', image, 'true']);
    time(dl, ['start', '-a', cid]);
    const conf = readFileSync(join(env.root, 'containers', cid, 'lxc.conf'), 'utf8');
    const imageId = (JSON.parse(readFileSync(join(env.root, 'refs.json'), 'utf8')) as Record<string, string>)[image];
    const layer = (JSON.parse(readFileSync(join(env.root, 'images', `${imageId}.json`), 'utf8')) as { layers: string[] }).layers.at(-1)!;
    const floor = (
      await measure(n, (i) => {
        const snap = join(env.root, 'containers', `floor-${i + 1}`);
        const fconf = join(dir, 'floor.conf');
        writeFileSync(fconf, conf.replace(/^lxc\.rootfs\.path\s*=.*$/m, `lxc.rootfs.path = dir:${snap}`));
        const t0 = process.hrtime.bigint();
        spawnSync('btrfs', ['subvolume', 'snapshot', '--', join(env.root, 'layers', layer), snap], { stdio: 'ignore' });
        spawnSync('lxc-execute', ['-P', join(env.root, 'lxc'), '-n', `floor-${i + 1}`, '-f', fconf, '--', '/bin/true'], { stdio: 'ignore' });
        spawnSync('btrfs', ['subvolume', 'delete', '--', snap], { stdio: 'ignore' });
        return Number(process.hrtime.bigint() - t0) / 1e6;
      })
    ).median;
    time(dl, ['rm', cid]);

    await each('`run --rm busybox true`', (e) => time(e, ['run', '--rm', ...e.runFlags, image, 'true']), n, floor);
    await each('create + start + wait + rm (four commands)', (e) => {
      const t0 = process.hrtime.bigint();
      const id = out(e, ['create', ...e.runFlags, image, 'true']);
      out(e, ['start', id]);
      out(e, ['wait', id]);
      out(e, ['rm', id]);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    });
    await each('`pull` busybox from a local registry', (e) => {
      out(e, ['rmi', image]); // dockerlite's rmi also collects the now unused layer and blob
      return time(e, ['pull', ...e.pullFlags, image]);
    });
    await each(
      'commit of a 100 MB change',
      (e, i) => {
        const name = `w100-${i + 2}`;
        out(e, ['run', '--name', name, ...e.runFlags, image, 'sh', '-c', 'dd if=/dev/urandom of=/data bs=1M count=100 2>/dev/null; sync']);
        const ms = time(e, ['commit', name, `img-${name}`]);
        out(e, ['rm', name]);
        out(e, ['rmi', `img-${name}`]);
        return ms;
      },
      Math.min(n, 5),
    );

    // Disk for 30 containers (created, not started), in MB.
    const disk: Cell = {};
    for (const e of engines) {
      const path = e.name === 'dockerlite' ? env.root : e.name === 'docker' ? join(dir, 'docker', 'data') : join(dir, 'podman', 'root');
      const before = usedBytes(path, e.name === 'dockerlite');
      const ids = Array.from({ length: 30 }, () => out(e, ['create', ...e.runFlags, image, 'true']));
      disk[e.name] = (usedBytes(path, e.name === 'dockerlite') - before) / 1e6;
      out(e, ['rm', ...ids]);
    }
    rows.push({ op: 'disk for 30 containers', cells: disk, unit: 'MB' });

    // ps -a with 1 container, then with `many`.
    const psWith = async (count: number): Promise<Cell> => {
      const cells: Cell = {};
      for (const e of engines) {
        const ids = Array.from({ length: count }, () => out(e, ['create', ...e.runFlags, image, 'true']));
        cells[e.name] = (await measure(n, () => time(e, ['ps', '-a']))).median;
        for (let i = 0; i < ids.length; i += 100) out(e, ['rm', ...ids.slice(i, i + 100)]);
      }
      return cells;
    };
    rows.push({ op: '`ps -a` with 1 container', cells: await psWith(1) });
    rows.push({ op: `\`ps -a\` with ${many} containers`, cells: await psWith(many) });
    await each('`--version`', (e) => time(e, ['--version']));
    await each('`ps` on an empty store', (e) => time(e, ['ps']));

    // The table (markdown), then the ratios.
    const names = engines.map((e) => e.name);
    const fmt = (v: number | undefined, unit = 'ms') => (v === undefined ? '—' : unit === 'MB' ? `+${v.toFixed(1)} MB` : `${v.toFixed(0)} ms`);
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b <= 0 ? '—' : `${(a / b).toFixed(2)}x`);
    console.log(`\n## peers (medians of ${n}; commit: ${Math.min(n, 5)}; \`node -e 0\`: ${node0.toFixed(0)} ms)\n`);
    console.log(`| operation | ${names.join(' | ')} | floor here | dockerlite / node -e 0 | / docker | / podman | / floor |`);
    console.log(`|---|${names.map(() => '---|').join('')}---|---|---|---|---|`);
    for (const r of rows) {
      const d = r.cells.dockerlite;
      const byNode = r.unit === 'MB' ? '—' : ratio(d, node0);
      console.log(
        `| ${r.op} | ${names.map((k) => fmt(r.cells[k], r.unit)).join(' | ')} | ${r.floor ? fmt(r.floor) : '—'} | ${byNode} | ${ratio(d, r.cells.docker)} | ${ratio(d, r.cells.podman)} | ${ratio(d, r.floor)} |`,
      );
    }
    const ps1 = rows.find((r) => r.op.includes('with 1 container'))!.cells.dockerlite;
    const psMany = rows.find((r) => r.op.includes(`with ${many}`))!.cells.dockerlite;
    console.log(`\n\`ps -a\` with ${many} / with 1 (dockerlite): ${ratio(psMany, ps1)}`);
  } finally {
    for (const e of engines.slice(1)) {
      if (e.name === 'podman') {
        spawnSync(e.cmd, [...e.pre, 'rm', '-af'], { env: e.env, stdio: 'ignore' });
        spawnSync(e.cmd, [...e.pre, 'system', 'reset', '-f'], { env: e.env, stdio: 'ignore' });
      }
      if (e.name === 'docker') spawnSync('docker', ['rm', '-f', ...out(e, ['ps', '-aq'], true).split('\n').filter(Boolean)], { env: e.env, stdio: 'ignore' });
    }
    await dockerd?.stop();
    await registry?.stop();
    if (existsSync(dir)) removeTree(dir);
    await env.cleanup();
  }
}
