// Images: list, inspect, history, tag, remove, prune, pull (POST
// /images/create, NDJSON progress the docker CLI draws as bars), push,
// save (get) and load, search, and commit. The same engine calls as the CLI.
import type { ServerResponse } from 'node:http';
import type { Route } from '../router.js';
import { HttpError, readJson, sendJson, type ApiRequest } from '../http.js';
import type { ProgressEvent } from '../../engine/progress.js';
import { getImage, imageSize, listImages, tagImage, type ImageView } from '../../engine/image/images.js';
import { imageHistory } from '../../engine/image/history.js';
import { removeImage } from '../../engine/image/rmi.js';
import { pruneImages } from '../../engine/image/prune.js';
import { importTarball } from '../../engine/image/importer.js';
import { pullImage } from '../../engine/distribution/pull.js';
import { Registry } from '../../registry/client.js';
import { registrySettings } from '../../registry/settings.js';
import type { Credentials } from '../../registry/credentials.js';
import { pushImage } from '../../engine/distribution/push.js';
import { saveImages } from '../../engine/distribution/save.js';
import { loadImages } from '../../engine/distribution/load.js';
import { search } from '../../engine/distribution/search.js';
import { commit } from '../../engine/container/commit.js';
import { parsePlatform } from '../../oci/platform.js';
import { familiar, parseReference } from '../../oci/reference.js';
import { inspectImage } from '../../engine/image/inspect.js';
import { describe } from '../../errors.js';
import type { RunConfig } from '../../store/types.js';

const secs = (iso: string) => Math.floor(Date.parse(iso) / 1000) || 0;
const tagsOf = (img: ImageView) => img.names.filter((n) => !n.includes('@')).map((n) => familiar(parseReference(n)));
const digestsOf = (img: ImageView) =>
  [...new Set([...(img.repoDigests ?? []), ...img.names.filter((n) => n.includes('@'))])].map((n) => familiar(parseReference(n)));

/** A streamed JSON-lines answer (pull, push, load): headers at once, then one message per line, errors in-band as dockerd. */
function jsonStream(res: ServerResponse) {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  const write = (o: unknown) => {
    if (!res.destroyed && !res.writableEnded) res.write(JSON.stringify(o) + '\r\n');
  };
  return {
    write,
    progress: (e: ProgressEvent) =>
      write({
        status: e.status,
        ...(e.progress
          ? { progressDetail: { current: e.progress.current, ...(e.progress.total ? { total: e.progress.total } : {}) } }
          : { progressDetail: {} }),
        ...(e.id ? { id: e.id } : {}),
      }),
    fail: (e: unknown) => write({ errorDetail: { message: describe(e) }, error: describe(e) }),
    end: () => res.end(),
  };
}

/** Run fn with a JSON stream; an error after the headers goes in-band, as dockerd's. */
async function streamed(r: ApiRequest, fn: (s: ReturnType<typeof jsonStream>) => Promise<void>): Promise<void> {
  const s = jsonStream(r.res);
  try {
    await fn(s);
  } catch (e) {
    s.fail(e);
  }
  s.end();
}

const glob = (p: string) =>
  new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '.')}$`,
  );

/** The tags a `reference` filter lets through (as dockerd, only those are listed), or all of them without one. */
function matchingTags(img: ImageView, f: Map<string, string[]>): string[] {
  const refs = f.get('reference');
  const names = tagsOf(img);
  if (!refs?.length) return names;
  return names.filter((n) => refs.some((p) => glob(p).test(n) || glob(p).test(n.replace(/:[^:/]*$/, ''))));
}

/** `reference`, `dangling` and `label` filters of GET /images/json. */
function keep(img: ImageView, f: Map<string, string[]>): boolean {
  const dangling = f.get('dangling');
  if (dangling?.length && (dangling[0] === 'true' || dangling[0] === '1') !== !tagsOf(img).length) return false;
  if (f.get('reference')?.length && !matchingTags(img, f).length) return false;
  const labels = f.get('label');
  if (labels?.length) {
    const have = img.config.config?.Labels ?? {};
    if (!labels.every((l) => (l.includes('=') ? have[l.slice(0, l.indexOf('='))] === l.slice(l.indexOf('=') + 1) : l in have))) return false;
  }
  return true;
}

/** repo + tag query parameters -> one reference (a tag inside repo wins when tag is empty). */
function refOf(repo: string, tag?: string): string {
  if (!tag) return repo;
  return tag.startsWith('sha256:') ? `${repo}@${tag}` : `${repo}:${tag}`;
}

/**
 * X-Registry-Auth, as the docker CLI and the SDKs send it with a pull or a
 * push: base64url JSON {username, password, serveraddress} or {identitytoken}.
 * Absent, empty or "{}" means none: the server's own Docker config.json is
 * used, as before. An undecodable header counts as none, as dockerd.
 */
export function registryAuth(header: string | string[] | undefined): Credentials | undefined {
  if (typeof header !== 'string' || !header.trim()) return undefined;
  let a: { username?: unknown; password?: unknown; identitytoken?: unknown; auth?: unknown };
  try {
    a = JSON.parse(Buffer.from(header.trim(), 'base64url').toString('utf8')) as typeof a;
  } catch {
    return undefined;
  }
  if (!a || typeof a !== 'object') return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  let username = str(a.username);
  let password = str(a.password);
  // "auth": base64 of user:password, as in config.json
  if (!username && str(a.auth)) {
    const plain = Buffer.from(str(a.auth), 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) [username, password] = [plain.slice(0, i), plain.slice(i + 1)];
  }
  const identityToken = str(a.identitytoken) || undefined;
  if (!username && !identityToken) return undefined;
  return { username, password, identityToken };
}

/** The registry client for ref with the request's X-Registry-Auth, or undefined to let the engine use the stored credentials. */
async function registryFor(r: ApiRequest, ref: string): Promise<Registry | undefined> {
  const credentials = registryAuth(r.req.headers['x-registry-auth']);
  if (!credentials) return undefined;
  return Registry.connect(parseReference(ref).domain, { settings: registrySettings(), credentials });
}

const routes: Route[] = [
  {
    method: 'GET',
    path: '/images/json',
    handler: async (r, ctx) => {
      const f = r.query.filters();
      const imgs = (await listImages(ctx.store)).filter((i) => i.layers.length && keep(i, f));
      const out = [];
      for (const img of imgs.sort((a, b) => b.created.localeCompare(a.created))) {
        const size = (await imageSize(ctx.store, img)) ?? 0;
        out.push({
          Id: `sha256:${img.id}`,
          ParentId: img.parent ? `sha256:${img.parent}` : '',
          RepoTags: matchingTags(img, f),
          RepoDigests: digestsOf(img),
          Created: secs(img.created),
          Size: size,
          SharedSize: -1,
          VirtualSize: size,
          Labels: img.config.config?.Labels ?? {},
          Containers: -1,
        });
      }
      sendJson(r.res, 200, out);
    },
  },
  {
    method: 'POST',
    path: '/images/create',
    handler: async (r, ctx) => {
      const from = r.query.str('fromImage');
      const src = r.query.str('fromSrc');
      const platform = r.query.str('platform') ? parsePlatform(r.query.str('platform')!) : undefined;
      if (src !== undefined) {
        if (src !== '-') throw new HttpError(400, 'importing from a URL is not supported; send the tarball as the body (fromSrc=-)');
        const repo = r.query.str('repo');
        return streamed(r, async (s) => {
          const img = await importTarball(ctx.store, r.req as AsyncIterable<Buffer>, { ref: repo ? refOf(repo, r.query.str('tag')) : undefined });
          s.write({ status: `sha256:${img.id}` });
        });
      }
      if (!from) throw new HttpError(400, 'fromImage or fromSrc is required');
      const ref = refOf(from, r.query.str('tag'));
      parseReference(ref); // a bad reference is a 400 before the stream starts
      await streamed(r, async (s) => {
        await pullImage(ctx.store, ref, { platform, progress: s.progress, registry: await registryFor(r, ref) });
      });
    },
  },
  {
    method: 'GET',
    path: '/images/search',
    handler: async (r) => {
      const term = r.query.str('term');
      if (!term) throw new HttpError(400, 'term is required');
      const found = await search(term, { limit: r.query.int('limit') ?? 25 });
      sendJson(
        r.res,
        200,
        found.map((x) => ({ name: x.name, description: x.tags.join(' '), star_count: 0, is_official: false, is_automated: false })),
      );
    },
  },
  {
    method: 'POST',
    path: '/images/prune',
    handler: async (r, ctx) => {
      const f = r.query.filters();
      const dangling = f.get('dangling')?.[0];
      const res = await pruneImages(ctx.store, { all: dangling === 'false' || dangling === '0' });
      sendJson(r.res, 200, {
        ImagesDeleted: [...res.untagged.map((u) => ({ Untagged: u })), ...res.deleted.map((d) => ({ Deleted: `sha256:${d}` }))],
        SpaceReclaimed: res.reclaimed,
      });
    },
  },
  {
    method: 'POST',
    path: '/images/load',
    handler: async (r, ctx) => {
      const quiet = r.query.bool('quiet');
      await streamed(r, async (s) => {
        const loaded = await loadImages(ctx.store, { stream: r.req as AsyncIterable<Buffer> }, { progress: quiet ? () => {} : s.progress });
        for (const l of loaded) {
          if (l.names.length) for (const n of l.names) s.write({ stream: `Loaded image: ${n}\n` });
          else s.write({ stream: `Loaded image ID: sha256:${l.id}\n` });
        }
      });
    },
  },
  {
    method: 'GET',
    path: '/images/get',
    handler: async (r, ctx) => saveTo(r, ctx.store, r.query.all('names')),
  },
  {
    method: 'POST',
    path: '/commit',
    handler: async (r, ctx) => {
      const container = r.query.str('container');
      if (!container) throw new HttpError(400, 'container is required');
      const repo = r.query.str('repo');
      const body = (await readJson<RunConfig | null>(r.req, null)) ?? {};
      const changes: Partial<RunConfig> = {};
      for (const k of ['Cmd', 'Entrypoint', 'Env', 'ExposedPorts', 'Labels', 'User', 'WorkingDir', 'Volumes', 'StopSignal'] as const)
        if ((body as Record<string, unknown>)[k] !== undefined && (body as Record<string, unknown>)[k] !== null)
          (changes as Record<string, unknown>)[k] = body[k];
      const img = await commit(ctx.store, container, {
        ref: repo ? refOf(repo, r.query.str('tag')) : undefined,
        message: r.query.str('comment') || undefined,
        author: r.query.str('author') || undefined,
        changes,
      });
      sendJson(r.res, 201, { Id: `sha256:${img.id}` });
    },
  },
  {
    method: 'GET',
    path: '/images/{name:*}/json',
    handler: async (r, ctx) => {
      const img = await getImage(ctx.store, r.params.name);
      const size = (await imageSize(ctx.store, img)) ?? 0;
      // Go clients parse LastTagTime as a time: Docker's zero time, never "".
      sendJson(r.res, 200, {
        ...inspectImage(ctx.store, img, size),
        Size: size,
        VirtualSize: size,
        Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
        // Go clients read Data as a string map; Docker's btrfs driver sends none.
        GraphDriver: { Name: 'btrfs', Data: null },
      });
    },
  },
  {
    method: 'GET',
    path: '/images/{name:*}/history',
    handler: async (r, ctx) => {
      const img = await getImage(ctx.store, r.params.name);
      const rows = await imageHistory(ctx.store, img);
      const tags = tagsOf(img);
      sendJson(
        r.res,
        200,
        rows.map((h, i) => ({
          Id: h.id ? `sha256:${h.id}` : '<missing>',
          Created: h.created ? secs(h.created) : 0,
          CreatedBy: h.createdBy,
          Tags: i === 0 ? tags : null,
          Size: h.size,
          Comment: h.comment,
        })),
      );
    },
  },
  {
    method: 'GET',
    path: '/images/{name:*}/get',
    handler: async (r, ctx) => saveTo(r, ctx.store, [r.params.name]),
  },
  {
    method: 'POST',
    path: '/images/{name:*}/tag',
    handler: async (r, ctx) => {
      const repo = r.query.str('repo');
      if (!repo) throw new HttpError(400, 'repository name must have at least one component');
      const img = await getImage(ctx.store, r.params.name);
      await tagImage(ctx.store, img.id, refOf(repo, r.query.str('tag')));
      r.res.writeHead(201);
      r.res.end();
    },
  },
  {
    method: 'POST',
    path: '/images/{name:*}/push',
    handler: async (r, ctx) => {
      const ref = refOf(r.params.name, r.query.str('tag'));
      await getImage(ctx.store, ref); // a missing image is a 404 before the stream starts
      await streamed(r, async (s) => {
        const res = await pushImage(ctx.store, ref, { progress: s.progress, registry: await registryFor(r, ref) });
        s.write({ progressDetail: {}, aux: { Tag: res.tag, Digest: res.digest, Size: res.size } });
      });
    },
  },
  {
    method: 'DELETE',
    path: '/images/{name:*}',
    handler: async (r, ctx) => {
      const res = await removeImage(ctx.store, r.params.name, { force: r.query.bool('force'), prune: !r.query.bool('noprune') });
      sendJson(r.res, 200, [...res.untagged.map((u) => ({ Untagged: u })), ...res.deleted.map((d) => ({ Deleted: `sha256:${d}` }))]);
    },
  },
];

/** GET /images/get and /images/{name}/get: a docker save tarball. */
async function saveTo(r: ApiRequest, store: Parameters<typeof saveImages>[0], names: string[]): Promise<void> {
  for (const n of names) await getImage(store, n); // 404 before the tar starts
  r.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await saveImages(store, names, { format: 'docker-archive', stdout: r.res, progress: () => {} });
  } catch {
    r.res.destroy(); // the tar is cut short: the client sees a broken stream, never a valid partial archive
  }
}

export default routes;
