// POST /build: the classic builder's API (the docker CLI's DOCKER_BUILDKIT=0
// path). The body is the context as a tar (compressed or not); the answer
// streams {"stream": ...} lines, the image id as {"aux":{"ID":...}}, and an
// error in-band, as dockerd. A client that goes away cancels the build.
import type { Route } from '../router.js';
import { HttpError } from '../http.js';
import { InvalidArgument, describe } from '../../errors.js';
import { openContext } from '../../engine/build/context.js';
import { build } from '../../engine/build/builder.js';

function jsonMap(text: string | undefined, what: string): Record<string, string> {
  if (!text) return {};
  try {
    const o = JSON.parse(text) as Record<string, string | null>;
    return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    throw new InvalidArgument(`invalid ${what}: ${text}`);
  }
}

const routes: Route[] = [
  {
    method: 'POST',
    path: '/build',
    handler: async (r, ctx) => {
      const q = r.query;
      if (q.str('remote')) throw new HttpError(400, 'remote build contexts are not supported; send the context as a tar');
      const buildArgs = jsonMap(q.str('buildargs'), 'buildargs');
      const labels = jsonMap(q.str('labels'), 'labels');
      const quiet = q.bool('q');
      const context = await openContext(ctx.store, { context: '-', file: q.str('dockerfile') || undefined, stdin: r.req as AsyncIterable<Buffer> });
      r.res.writeHead(200, { 'Content-Type': 'application/json' });
      r.res.flushHeaders();
      const write = (o: unknown) => {
        if (!r.res.destroyed && !r.res.writableEnded) r.res.write(JSON.stringify(o) + '\r\n');
      };
      const aborter = new AbortController();
      r.res.once('close', () => aborter.abort());
      try {
        const res = await build(ctx.store, {
          context,
          tags: q.all('t'),
          buildArgs,
          target: q.str('target') || undefined,
          noCache: q.bool('nocache'),
          labels,
          network: q.str('networkmode') && q.str('networkmode') !== 'default' ? q.str('networkmode') : undefined,
          log: (t) => (quiet ? undefined : write({ stream: t })),
          output: (b) => (quiet ? undefined : write({ stream: b.toString('utf8') })),
          signal: aborter.signal,
        });
        write({ aux: { ID: `sha256:${res.image.id}` } });
        if (quiet) write({ stream: `sha256:${res.image.id}\n` });
      } catch (e) {
        write({ errorDetail: { message: describe(e) }, error: describe(e) });
      } finally {
        await context.close();
      }
      r.res.end();
    },
  },
];
export default routes;
