// Manifests and indexes, OCI and Docker schema 2: media types, parsing with
// validation (everything here comes from a registry or a tarball, so
// nothing is trusted: digests are checked for shape before they become file
// names, and unknown kinds are refused with a clear reason).
import { InvalidArgument } from '../errors.js';
import { arr, nonNegInt, obj, opt, orNone, record, SchemaError, str, type Schema } from '../util/schema.js';

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  DockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** What a pull asks for, best first. */
export const MANIFEST_ACCEPT = [MediaType.OciIndex, MediaType.DockerList, MediaType.OciManifest, MediaType.DockerManifest].join(', ');

export type Compression = 'gzip' | 'zstd' | 'none';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type ParsedManifest = { kind: 'index'; mediaType: string; index: ImageIndex } | { kind: 'manifest'; mediaType: string; manifest: ImageManifest };

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A digest safe to use as a file name: sha256 only (what every registry uses). */
export function checkDigest(d: unknown, what = 'digest'): string {
  if (typeof d !== 'string' || !DIGEST.test(d)) {
    if (typeof d === 'string' && /^sha512:[a-f0-9]{128}$/.test(d)) throw new InvalidArgument(`${what} ${d} uses sha512, which dockerlite does not support`);
    throw new InvalidArgument(`invalid ${what} '${String(d).slice(0, 80)}': expected sha256:<64 hex digits>`);
  }
  return d;
}

export function hexOf(digest: string): string {
  return checkDigest(digest).slice(7);
}

/** checkDigest as a schema: a digest becomes a file name, so its shape is checked before anything else. */
const digest: Schema<string> = (v, at) => {
  try {
    return checkDigest(v, 'digest');
  } catch (e) {
    throw new SchemaError(at, (e as Error).message);
  }
};

const nonEmpty: Schema<string> = (v, at) => {
  if (str(v, at) === '') throw new SchemaError(at, 'is empty');
  return v as string;
};

const platform = obj({ architecture: str, os: str, variant: opt(str), 'os.version': opt(str), 'os.features': orNone(arr(str)) });

export const descriptor: Schema<Descriptor> = obj({
  mediaType: nonEmpty,
  digest,
  size: nonNegInt,
  urls: orNone(arr(str)),
  annotations: orNone(record(str)),
  platform: orNone(platform),
});

const indexDoc = obj({ manifests: arr(descriptor), annotations: orNone(record(str)) });
const manifestDoc = obj({ config: descriptor, layers: arr(descriptor), annotations: orNone(record(str)) });

function check<T>(s: Schema<T>, doc: unknown, where: string): T {
  try {
    return s(doc, '');
  } catch (e) {
    if (e instanceof SchemaError) throw new InvalidArgument(`the manifest of ${where} is malformed: ${e.message}`);
    throw e;
  }
}

/** The compression a layer media type names; undefined for what is not a layer dockerlite can apply. */
export function layerCompression(mediaType: string): Compression | undefined {
  switch (mediaType) {
    case MediaType.OciLayer:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar':
      return 'none';
    case MediaType.OciLayerGzip:
    case MediaType.DockerLayer:
    case MediaType.DockerForeignLayer:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip':
      return 'gzip';
    case MediaType.OciLayerZstd:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd':
      return 'zstd';
    default:
      return undefined;
  }
}

/** The layer media type for a compression, in OCI or Docker dialect. */
export function layerMediaType(c: Compression, dialect: 'oci' | 'docker'): string {
  if (dialect === 'docker' && c === 'gzip') return MediaType.DockerLayer;
  return c === 'gzip' ? MediaType.OciLayerGzip : c === 'zstd' ? MediaType.OciLayerZstd : MediaType.OciLayer;
}

function isIndexType(t: string | undefined): boolean {
  return t === MediaType.OciIndex || t === MediaType.DockerList;
}

/**
 * Parse and check a manifest or index. `contentType` is what the registry
 * said (or the descriptor that pointed here), used when the document does
 * not name its own mediaType.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, where: string): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InvalidArgument(`the manifest of ${where} is not valid JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InvalidArgument(`the manifest of ${where} is not a JSON object`);
  const ct = contentType?.split(';')[0].trim();
  const mediaType = (typeof doc.mediaType === 'string' ? doc.mediaType : undefined) ?? ct ?? '';
  if (doc.schemaVersion === 1 || mediaType === MediaType.DockerSchema1 || mediaType === MediaType.DockerSchema1Signed) {
    throw new InvalidArgument(
      `${where} uses Docker's manifest schema 1 (${MediaType.DockerSchema1Signed}), which is deprecated and not supported; push it again with a current tool`,
    );
  }
  if (doc.schemaVersion !== 2) throw new InvalidArgument(`unsupported manifest schemaVersion ${JSON.stringify(doc.schemaVersion)} for ${where}`);
  if (Array.isArray(doc.manifests) || isIndexType(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw new InvalidArgument(`the index of ${where} has no manifests list`);
    return { kind: 'index', mediaType: mediaType || MediaType.OciIndex, index: check(indexDoc, doc, where) as ImageIndex };
  }
  if (mediaType && mediaType !== MediaType.OciManifest && mediaType !== MediaType.DockerManifest) {
    throw new InvalidArgument(`unsupported manifest type '${mediaType}' for ${where}`);
  }
  if (!doc.config || !Array.isArray(doc.layers)) throw new InvalidArgument(`the manifest of ${where} has no config or layers`);
  const m = check(manifestDoc, doc, where) as ImageManifest;
  const config = m.config;
  if (config.mediaType !== MediaType.OciConfig && config.mediaType !== MediaType.DockerConfig) {
    throw new InvalidArgument(`${where} is not a container image: its config is of type '${config.mediaType}'`);
  }
  m.layers.forEach((l, i) => {
    if (layerCompression(l.mediaType) === undefined) throw new InvalidArgument(`layer ${i} of ${where} has unsupported media type '${l.mediaType}'`);
  });
  return { kind: 'manifest', mediaType: mediaType || MediaType.OciManifest, manifest: m };
}
