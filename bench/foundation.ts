// Issue 2's benchmark, on one throwaway store and the same busybox rootfs:
//   - `dockerlite --version` against `node -e 0` (start-up overhead)
//   - `dockerlite run --rm busybox true` against a bare lxc-execute of the same rootfs
//   - `create` from busybox against `create` from the debian image (snapshots are O(1))
//   - `commit` after writing 100 MB against `commit` of an untouched container
import { spawnSync } from 'node:child_process';
import { TestEnv, BIN } from '../test/helpers/env.js';
import { measure, report, timeCmd } from './lib.js';

export async function foundation(n = 15): Promise<void> {
  const env = new TestEnv();
  const dl = (args: string[]) => timeCmd(process.execPath, [BIN, ...args], { env: env.env });
  const out = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env.env, encoding: 'utf8' }).stdout.trim();
  try {
    dl(['init']);
    const node0 = await measure(n, () => timeCmd(process.execPath, ['-e', '0']));
    const ver = await measure(n, () => timeCmd(process.execPath, [BIN, '--version']));
    report('start-up', [{ name: 'dockerlite --version', median: ver.median, baseline: 'node -e 0', baselineMedian: node0.median }]);

    // A bare lxc-execute of the very rootfs and config dockerlite generated.
    const cid = out(['create', '--name', 'bare', 'busybox', 'true']);
    dl(['start', 'bare']);
    const conf = `${env.root}/containers/${cid}/lxc.conf`;
    const bare = await measure(n, (i) => timeCmd('lxc-execute', ['-P', `${env.root}/lxc`, '-n', `bare${i + 1}`, '-f', conf, '--', '/bin/true']));
    const run = await measure(n, () => dl(['run', '--rm', 'busybox', 'true']));
    report('run', [{ name: 'dockerlite run --rm busybox true', median: run.median, baseline: 'bare lxc-execute', baselineMedian: bare.median }]);

    if (!out(['images', '-q', 'debian:bookworm'])) {
      console.error('(making debian:bookworm with debootstrap; this needs the apt mirror once)');
      dl(['debootstrap', 'bookworm']);
    }
    const names: string[] = [];
    const cb = await measure(n, (i) => {
      names.push(`cb${i}`);
      return dl(['create', '--name', `cb${i}`, 'busybox']);
    });
    const cd = await measure(n, (i) => {
      names.push(`cd${i}`);
      return dl(['create', '--name', `cd${i}`, 'debian:bookworm']);
    });
    report('create (O(1) snapshots)', [
      { name: 'create from debian:bookworm (~200 MB)', median: cd.median, baseline: 'create from busybox (~2 MB)', baselineMedian: cb.median },
    ]);
    spawnSync(process.execPath, [BIN, 'rm', ...names, 'bare'], { env: env.env });

    const commitAfter = async (mb: number) =>
      measure(Math.min(n, 7), (i) => {
        const name = `w${mb}-${i}`;
        spawnSync(process.execPath, [BIN, 'run', '--name', name, 'busybox', 'sh', '-c', `dd if=/dev/urandom of=/data bs=1M count=${mb} 2>/dev/null; sync`], {
          env: env.env,
        });
        const ms = dl(['commit', name, `img-${name}`]);
        spawnSync(process.execPath, [BIN, 'rm', name], { env: env.env });
        spawnSync(process.execPath, [BIN, 'rmi', `img-${name}`], { env: env.env });
        return ms;
      });
    const c0 = await commitAfter(0);
    const c100 = await commitAfter(100);
    report('commit (O(1) snapshots)', [
      { name: 'commit after writing 100 MB', median: c100.median, baseline: 'commit after writing nothing', baselineMedian: c0.median },
    ]);
  } finally {
    await env.cleanup();
  }
}
