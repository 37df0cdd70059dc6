// The image inspect document, with dockerd 20.10's key set and zero values
// (recorded in test/integration/formats.test.ts). In the engine, so the CLI
// and the Engine API serve the same document.
import type { Store } from '../../store/store.js';
import type { ImageView } from './images.js';
import { imageRootfs } from './images.js';
import { familiar, parseReference } from '../../oci/reference.js';
import { dockerConfig } from '../container/inspect.js';

/** docker image inspect IMAGE; size is the image's bytes (layers' file content). */
export function inspectImage(store: Store, img: ImageView, size: number): Record<string, unknown> {
  const cfg = img.config;
  return {
    Id: `sha256:${img.id}`,
    RepoTags: img.names.filter((n) => !n.includes('@')).map((n) => familiar(parseReference(n))),
    RepoDigests: [...new Set([...(img.repoDigests ?? []), ...img.names.filter((n) => n.includes('@'))])].map((n) => familiar(parseReference(n))),
    Parent: img.parent ? `sha256:${img.parent}` : '',
    Comment: img.comment ?? cfg.history?.at(-1)?.comment ?? '',
    Created: img.created,
    Container: typeof cfg.container === 'string' ? cfg.container : '',
    ContainerConfig: dockerConfig((cfg.container_config as object | undefined) ?? {}, null),
    DockerVersion: typeof cfg.docker_version === 'string' ? cfg.docker_version : '',
    Author: cfg.author ?? '',
    Config: dockerConfig(cfg.config ?? {}, null),
    Architecture: cfg.architecture,
    ...(cfg.variant ? { Variant: cfg.variant } : {}),
    Os: cfg.os,
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: { Rootfs: imageRootfs(store, img), Layers: img.layers }, Name: 'btrfs' },
    RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}
