// GET /events: the store's event log (engine/events.ts), replayed from
// `since` and followed live until `until`, the client leaving, or shutdown.
// Each event is one JSON line, the very line stored.
import type { Route } from '../router.js';
import { parseEventFiltersJson, parseTimestamp, streamEvents } from '../../engine/events.js';

const routes: Route[] = [
  {
    method: 'GET',
    path: '/events',
    handler: async (r, ctx) => {
      const since = r.query.str('since');
      const until = r.query.str('until');
      const q = {
        since: since ? parseTimestamp(since) : undefined,
        until: until ? parseTimestamp(until) : undefined,
        filters: parseEventFiltersJson(r.query.str('filters')),
      };
      r.res.writeHead(200, { 'Content-Type': 'application/json' });
      r.res.flushHeaders(); // the client waits for the headers before it shows anything
      const s = streamEvents(ctx.store, q, (ev) => r.res.write(ev.raw + '\n'));
      r.res.once('close', () => s.close());
      void ctx.closing.then(() => s.close());
      await s.done;
      r.res.end();
    },
  },
];
export default routes;
