// Test fixtures: OCI image layouts written from lists of tar entries, so a
// test can say exactly what each layer holds (whiteouts, opaque dirs,
// hostile paths) and hand the layout to skopeo and umoci, the independent
// tools that push it to a registry and unpack it for comparison.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { writeTar, emptyHeader, type WriteEntry, type TarHeader } from '../../src/oci/tar.js';

export const BUSYBOX = '/bin/busybox';

export async function tarBytes(entries: WriteEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of writeTar(entries)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export const dir = (name: string, extra: Partial<TarHeader> = {}): WriteEntry => ({ header: emptyHeader(name, 'dir', { mtime: 1_700_000_000, ...extra }) });
export const file = (name: string, body: string | Buffer, extra: Partial<TarHeader> = {}): WriteEntry => {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return { header: emptyHeader(name, 'file', { size: b.length, mtime: 1_700_000_000, ...extra }), body: b };
};
export const symlink = (name: string, target: string, extra: Partial<TarHeader> = {}): WriteEntry => ({
  header: emptyHeader(name, 'symlink', { linkname: target, mode: 0o777, mtime: 1_700_000_000, ...extra }),
});
export const hardlink = (name: string, target: string): WriteEntry => ({ header: emptyHeader(name, 'link', { linkname: target, mtime: 1_700_000_000 }) });
export const whiteout = (path: string): WriteEntry => {
  const i = path.lastIndexOf('/');
  return file(i === -1 ? `.wh.${path}` : `${path.slice(0, i)}/.wh.${path.slice(i + 1)}`, '');
};
export const opaque = (dirPath: string): WriteEntry => file(`${dirPath}/.wh..wh..opq`, '');

/** A runnable base: the host's static busybox with a few applets as hard links. */
export function busyboxBase(): WriteEntry[] {
  const bin = readFileSync(BUSYBOX);
  return [
    dir('bin'),
    dir('etc'),
    dir('tmp', { mode: 0o1777 }),
    dir('root', { mode: 0o700 }),
    dir('proc', { mode: 0o555 }),
    dir('sys', { mode: 0o555 }),
    dir('dev'),
    file('bin/busybox', bin, { mode: 0o755 }),
    ...['sh', 'cat', 'ls', 'echo', 'stat', 'true', 'id', 'pwd', 'env', 'sleep', 'test'].map((a) => hardlink(`bin/${a}`, 'bin/busybox')),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n'),
    file('etc/group', 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\n'),
  ];
}

export interface LayerSpec {
  entries: WriteEntry[];
  compression?: 'gzip' | 'none';
}

export interface ImageSpec {
  layers: LayerSpec[];
  /** The run config (Env, Cmd, ...). */
  config?: Record<string, unknown>;
  architecture?: string;
  os?: string;
  variant?: string;
  history?: Array<Record<string, unknown>>;
}

export interface Written {
  manifest: { digest: string; size: number; mediaType: string };
  configDigest: string;
  diffIds: string[];
}

function sha(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

function putBlob(layout: string, b: Buffer): string {
  const d = sha(b);
  const p = join(layout, 'blobs', 'sha256', d.slice(7));
  if (!existsSync(p)) writeFileSync(p, b);
  return d;
}

function initLayout(layout: string): void {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

/** Write one image's blobs (layers, config, manifest) into a layout; returns its manifest descriptor. */
export async function writeImage(layout: string, img: ImageSpec): Promise<Written> {
  initLayout(layout);
  const diffIds: string[] = [];
  const layers: Array<{ mediaType: string; digest: string; size: number }> = [];
  for (const l of img.layers) {
    const tar = await tarBytes(l.entries);
    diffIds.push(sha(tar));
    const blob = l.compression === 'none' ? tar : gzipSync(tar);
    layers.push({
      mediaType: l.compression === 'none' ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: putBlob(layout, blob),
      size: blob.length,
    });
  }
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-02T03:04:05Z',
      architecture: img.architecture ?? 'amd64',
      os: img.os ?? 'linux',
      ...(img.variant ? { variant: img.variant } : {}),
      config: img.config ?? {},
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: img.history ?? img.layers.map((_, i) => ({ created: '2024-01-02T03:04:05Z', created_by: `fixture layer ${i}` })),
    }),
  );
  const configDigest = putBlob(layout, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers,
    }),
  );
  return {
    manifest: { digest: putBlob(layout, manifest), size: manifest.length, mediaType: 'application/vnd.oci.image.manifest.v1+json' },
    configDigest,
    diffIds,
  };
}

/** index.json naming each entry by tag (org.opencontainers.image.ref.name), as skopeo and umoci expect. */
export function writeIndex(layout: string, entries: Array<{ tag: string; desc: { digest: string; size: number; mediaType: string } }>): void {
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: entries.map((e) => ({ ...e.desc, annotations: { 'org.opencontainers.image.ref.name': e.tag } })),
    }),
  );
}

/** A multi-platform index blob (plus an attestation entry, as BuildKit writes); returns its descriptor. */
export function writePlatformIndex(
  layout: string,
  entries: Array<{ desc: Written['manifest']; platform: { os: string; architecture: string; variant?: string } }>,
  withAttestation = true,
): { digest: string; size: number; mediaType: string } {
  const manifests: unknown[] = entries.map((e) => ({ ...e.desc, platform: e.platform }));
  if (withAttestation && entries.length) {
    manifests.push({
      ...entries[0].desc,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': entries[0].desc.digest },
    });
  }
  const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  return { digest: putBlob(layout, idx), size: idx.length, mediaType: 'application/vnd.oci.image.index.v1+json' };
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** skopeo copy [--all] oci:LAYOUT:TAG docker://HOST/REPO:TAG (plain HTTP to loopback). */
export function skopeoPush(layout: string, tag: string, dest: string, o: { all?: boolean; creds?: string; certDir?: string } = {}): void {
  run('skopeo', [
    'copy',
    '-q',
    ...(o.all ? ['--all'] : []),
    '--dest-tls-verify=false',
    ...(o.creds ? ['--dest-creds', o.creds] : []),
    `oci:${layout}:${tag}`,
    `docker://${dest}`,
  ]);
}

/** skopeo copy docker://SRC oci:LAYOUT:TAG */
export function skopeoPull(src: string, layout: string, tag: string): void {
  mkdirSync(layout, { recursive: true });
  run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${src}`, `oci:${layout}:${tag}`]);
}

export function skopeoInspect(ref: string, config = false): Record<string, unknown> {
  return JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', ...(config ? ['--config'] : []), `docker://${ref}`]));
}

export function skopeoRawManifest(ref: string): Record<string, unknown> {
  return JSON.parse(run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]));
}

/** umoci unpack --image LAYOUT:TAG BUNDLE; returns the rootfs path. */
export function umociUnpack(layout: string, tag: string, bundle: string): string {
  run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  return join(bundle, 'rootfs');
}

export function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function httpCall(
  method: string,
  url: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : { 'Content-Length': '0' }) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Push blobs and a manifest of any kind straight to a plain-HTTP registry (POST + PUT uploads, PUT manifest). */
export async function pushRaw(host: string, repo: string, tag: string, blobs: Buffer[], manifest: Buffer, mediaType: string): Promise<void> {
  for (const b of blobs) {
    const start = await httpCall('POST', `http://${host}/v2/${repo}/blobs/uploads/`);
    const loc = new URL(start.headers.location as string, `http://${host}`);
    loc.searchParams.set('digest', sha(b));
    const put = await httpCall('PUT', loc.toString(), b, { 'Content-Type': 'application/octet-stream' });
    if (put.status !== 201) throw new Error(`blob upload answered ${put.status}`);
  }
  const m = await httpCall('PUT', `http://${host}/v2/${repo}/manifests/${tag}`, manifest, { 'Content-Type': mediaType });
  if (m.status !== 201) throw new Error(`manifest upload answered ${m.status}`);
}

export { sha as sha256Of };
