// How containers and images look to users and to the API: Docker's ps
// status text, ps --format json rows, and inspect documents.
import type { ContainerState } from '../../store/types.js';
import type { ContainerView } from '../../store/containers.js';
import type { ImageView } from '../../engine/image/images.js';
import type { Store } from '../../store/store.js';
import { ago, humanDuration, shellJoin } from '../../util/human.js';
import { shortId } from '../../store/ids.js';
import { familiar, parseReference } from '../../oci/reference.js';
import { imageRootfs } from '../../engine/image/images.js';
import { networkSettings } from './network-views.js';
import { healthSuffix, type HealthState } from '../../engine/container/health.js';

/** "Up 3 minutes", "Exited (1) 2 seconds ago", "Created" — as docker ps. */
export function statusText(s: ContainerState, now = Date.now(), health?: HealthState): string {
  switch (s.status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(s.startedAt))}${healthSuffix(health)}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(s.startedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${ago(s.finishedAt, now)}`;
    case 'exited':
      return `Exited (${s.exitCode}) ${ago(s.finishedAt, now)}`;
    case 'dead':
      return 'Dead';
    case 'removing':
      return 'Removal In Progress';
    default:
      return 'Created';
  }
}

/** One `ps --format json` object, with Docker's field names. */
export function containerRow(c: ContainerView, now = Date.now(), ports = '', health?: HealthState): Record<string, unknown> {
  return {
    ID: shortId(c.id),
    Image: c.imageRef,
    Command: `"${shellJoin([c.path, ...c.args])}"`,
    CreatedAt: c.created,
    RunningFor: ago(c.created, now),
    Status: statusText(c.state, now, health),
    State: c.state.status,
    Ports: ports,
    Names: c.name,
    Labels: Object.entries(c.config.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  };
}

/** health: State.Health (engine/container/health.ts healthOf), present only when the container has a check. */
export function inspectContainer(store: Store, c: ContainerView, health?: HealthState): Record<string, unknown> {
  const s = c.state;
  return {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args,
    State: {
      Status: s.status,
      Running: s.status === 'running' || s.status === 'paused',
      Paused: s.status === 'paused',
      Restarting: s.status === 'restarting',
      OOMKilled: !!s.oomKilled,
      Dead: s.status === 'dead',
      Pid: s.status === 'running' || s.status === 'paused' ? s.pid : 0,
      ExitCode: s.exitCode,
      Error: s.error ?? '',
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
      ...(health ? { Health: health } : {}),
    },
    Image: `sha256:${c.image}`,
    Name: `/${c.name}`,
    RestartCount: s.restartCount ?? 0,
    Driver: 'btrfs',
    Platform: 'linux',
    HostConfig: c.hostConfig,
    NetworkSettings: networkSettings(store, c),
    GraphDriver: { Name: 'btrfs', Data: { Rootfs: store.paths.rootfs(c.id), BaseLayer: c.layer } },
    Config: c.config,
  };
}

export function inspectImage(store: Store, img: ImageView): Record<string, unknown> {
  const cfg = img.config;
  return {
    Id: `sha256:${img.id}`,
    RepoTags: img.names.filter((n) => !n.includes('@')).map((n) => familiar(parseReference(n))),
    RepoDigests: [...new Set([...(img.repoDigests ?? []), ...img.names.filter((n) => n.includes('@'))])].map((n) => familiar(parseReference(n))),
    Parent: img.parent ? `sha256:${img.parent}` : '',
    Comment: img.comment ?? cfg.history?.at(-1)?.comment ?? '',
    Created: img.created,
    Author: cfg.author ?? '',
    Config: cfg.config ?? {},
    Architecture: cfg.architecture,
    Os: cfg.os,
    ...(cfg.variant ? { Variant: cfg.variant } : {}),
    GraphDriver: { Name: 'btrfs', Data: { Rootfs: imageRootfs(store, img), Layers: img.layers } },
    RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids },
    Metadata: { LastTagTime: '' },
  };
}

export { shortId };
