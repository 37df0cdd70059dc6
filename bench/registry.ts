// Issue 5's benchmark, against a local docker-registry, in one invocation:
//   - `dockerlite pull` of a ~210 MB five-layer image, against `skopeo copy`
//     to an OCI directory followed by `umoci unpack` of the same image;
//   - `push` of a commit that changed 1 MB on top of that image, against the
//     same on top of busybox (~2 MB): its time should follow the change, not
//     the image; and a 20 MB change on the big image for scale.
// The image is the debian:bookworm rootfs from `dockerlite debootstrap`
// (117 MB) split into four layers (the rest, usr/share, usr/lib, usr/bin +
// usr/sbin) plus a fifth holding a second copy of usr/share and usr/lib
// under /opt/copy (95 MB), gzip-compressed, pushed by skopeo.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { mkdirSync, writeFileSync, renameSync, rmSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { TestEnv, BIN } from '../test/helpers/env.js';
import { TestRegistry } from '../test/helpers/registry.js';
import { walkTree, packPaths } from '../src/oci/pack.js';
import { writeTar, type WriteEntry } from '../src/oci/tar.js';
import { measure, report, timeCmd } from './lib.js';

function hashing(h: ReturnType<typeof createHash>, count: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      count.n += chunk.length;
      cb(null, chunk);
    },
  });
}

/** One gzip layer blob from some paths of a rootfs (names optionally moved under a prefix). */
async function layerBlob(
  layout: string,
  root: string,
  paths: string[],
  prefix = '',
  parents: string[] = [],
): Promise<{ diffId: string; digest: string; size: number; tarSize: number }> {
  async function* entries(): AsyncGenerator<WriteEntry> {
    for (const p of parents)
      yield {
        header: { name: p, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000, linkname: '', devmajor: 0, devminor: 0, xattrs: new Map() },
      };
    for await (const e of packPaths(root, paths)) {
      const h = { ...e.header, name: prefix + e.header.name };
      if (h.type === 'link') h.linkname = prefix + h.linkname;
      yield { ...e, header: h };
    }
  }
  const raw = createHash('sha256');
  const gz = createHash('sha256');
  const rawN = { n: 0 };
  const gzN = { n: 0 };
  const tmp = join(layout, 'blobs', 'sha256', 'tmp');
  await pipeline(Readable.from(writeTar(entries())), hashing(raw, rawN), createGzip(), hashing(gz, gzN), createWriteStream(tmp));
  const digest = gz.digest('hex');
  renameSync(tmp, join(layout, 'blobs', 'sha256', digest));
  return { diffId: `sha256:${raw.digest('hex')}`, digest: `sha256:${digest}`, size: gzN.n, tarSize: rawN.n };
}

async function buildSplitImage(layout: string, root: string): Promise<number> {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const all = await walkTree(root);
  const under = (p: string, d: string) => p.startsWith(`${d}/`);
  const groups = [
    all.filter((p) => !['usr/share', 'usr/lib', 'usr/bin', 'usr/sbin'].some((d) => under(p, d))),
    all.filter((p) => under(p, 'usr/share')),
    all.filter((p) => under(p, 'usr/lib')),
    all.filter((p) => under(p, 'usr/bin') || under(p, 'usr/sbin')),
  ];
  const layers = [];
  for (const g of groups) layers.push(await layerBlob(layout, root, g));
  const copy = all.filter((p) => p === 'usr/share' || p === 'usr/lib' || under(p, 'usr/share') || under(p, 'usr/lib'));
  layers.push(await layerBlob(layout, root, copy, 'opt/copy/', ['opt', 'opt/copy', 'opt/copy/usr']));
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['bash'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `bench split ${i}` })),
    }),
  );
  const put = (b: Buffer) => {
    const d = createHash('sha256').update(b).digest('hex');
    writeFileSync(join(layout, 'blobs', 'sha256', d), b);
    return `sha256:${d}`;
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  const md = put(manifest);
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: md,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': 'split' },
        },
      ],
    }),
  );
  const total = layers.reduce((a, l) => a + l.tarSize, 0);
  console.error(
    `(image: ${layers.length} layers, ${(total / 1e6).toFixed(0)} MB uncompressed, ${(layers.reduce((a, l) => a + l.size, 0) / 1e6).toFixed(0)} MB compressed)`,
  );
  return total;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

export async function registry(n = 5): Promise<void> {
  const env = new TestEnv();
  let reg: TestRegistry | undefined;
  const dl = (args: string[]) => run(process.execPath, [BIN, ...args], env.env);
  const timeDl = (args: string[]) => timeCmd(process.execPath, [BIN, ...args], { env: env.env });
  try {
    dl(['init']);
    reg = await TestRegistry.start(join(env.dir, 'registry'));
    if (!dl(['images', '-q', 'debian:bookworm'])) {
      console.error('(making debian:bookworm with debootstrap; this needs the apt mirror once)');
      dl(['debootstrap', 'bookworm']);
    }
    const layout = join(env.dir, 'split-layout');
    await buildSplitImage(layout, dl(['image', 'inspect', '-f', '{{.GraphDriver.Data.Rootfs}}', 'debian:bookworm']));
    const big = `${reg.host}/bench/debian:split`;
    run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:split`, `docker://${big}`]);
    dl(['rmi', 'debian:bookworm']);

    // Pull: from nothing each time (the image, its layers and blobs removed in between).
    const pull = await measure(n, () => {
      const ms = timeDl(['pull', '-q', big]);
      dl(['rmi', big]);
      return ms;
    });
    const scratch = join(env.root, 'bench-oci');
    const pair = await measure(n, (i) => {
      const dir = `${scratch}-${i + 1}`;
      mkdirSync(dir, { recursive: true });
      const t =
        timeCmd('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${big}`, `oci:${dir}/layout:t`]) +
        timeCmd('umoci', ['unpack', '--image', `${dir}/layout:t`, `${dir}/bundle`]);
      rmSync(dir, { recursive: true, force: true });
      return t;
    });
    report('pull of a ~210 MB five-layer image from a local docker-registry', [
      { name: 'dockerlite pull', median: pull.median, baseline: 'skopeo copy + umoci unpack', baselineMedian: pair.median },
    ]);

    // Push of a commit: the base layers are in the registry already; only the change travels.
    dl(['pull', '-q', big]);
    dl(['tag', 'busybox', `${reg.host}/bench/busybox:base`]);
    dl(['push', '-q', `${reg.host}/bench/busybox:base`]);
    const pushCommit = (base: string, mb: number, tag: string) =>
      measure(n, (i) => {
        const name = `${tag}-${i + 1}`;
        dl(['run', '--name', name, base, 'sh', '-c', `head -c ${mb * 1048576} /dev/urandom > /delta`]);
        dl(['commit', name, `${reg!.host}/bench/${name}:1`]);
        const ms = timeDl(['push', '-q', `${reg!.host}/bench/${name}:1`]);
        dl(['rm', name]);
        return ms;
      });
    const onBig = await pushCommit(big, 1, 'big1');
    const onSmall = await pushCommit(`${reg.host}/bench/busybox:base`, 1, 'small1');
    const onBig20 = await pushCommit(big, 20, 'big20');
    report('push of a commit on top of an image already in the registry', [
      {
        name: 'push: 1 MB changed on the ~210 MB image',
        median: onBig.median,
        baseline: 'push: 1 MB changed on busybox (2 MB)',
        baselineMedian: onSmall.median,
      },
      {
        name: 'push: 20 MB changed on the ~210 MB image',
        median: onBig20.median,
        baseline: 'push: 1 MB changed on the same image',
        baselineMedian: onBig.median,
      },
    ]);
  } finally {
    await reg?.stop();
    await env.cleanup();
  }
}
