import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { parseEventFilterFlags, parseTimestamp, streamEvents } from '../../engine/events.js';
import type { StoredEvent } from '../../store/events.js';
import { renderTemplate } from '../format/table.js';

/** Go's RFC3339NanoFixed in local time, as the docker CLI prints an event's time. */
export function eventTime(nano: bigint): string {
  const ms = Number(nano / 1_000_000n);
  const off = -new Date(ms).getTimezoneOffset();
  const local = new Date(ms + off * 60_000).toISOString().slice(0, 19);
  const frac = String(nano % 1_000_000_000n).padStart(9, '0');
  const zone =
    off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
  return `${local}.${frac}${zone}`;
}

/** The docker CLI's line: TIME TYPE ACTION ID (k=v, ... sorted by key). */
export function eventText(ev: StoredEvent): string {
  const attrs = Object.keys(ev.Actor.Attributes)
    .sort()
    .map((k) => `${k}=${ev.Actor.Attributes[k]}`);
  return `${eventTime(ev.timeNano)} ${ev.Type} ${ev.Action} ${ev.Actor.ID}${attrs.length ? ` (${attrs.join(', ')})` : ''}\n`;
}

export default defineCommand({
  summary: 'Get real time events from the store: container, image, network and volume changes',
  usage: '[OPTIONS]',
  flags: {
    filter: { type: 'string', short: 'f', multiple: true, help: 'Filter: type=, event=, container=, image=, label=, network=, volume=' },
    format: { type: 'string', help: "Format output using a Go template ('json' prints JSON lines)" },
    since: { type: 'string', help: 'Show all events created since timestamp (Unix time, RFC 3339, or a duration such as 10m)' },
    until: { type: 'string', help: 'Stream events until this timestamp' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('events', positionals, 0, 0);
    const filters = parseEventFilterFlags(flags.filter);
    const since = flags.since !== undefined ? parseTimestamp(flags.since) : undefined;
    const until = flags.until !== undefined ? parseTimestamp(flags.until) : undefined;
    const store = await ctx.store();
    const fmt = flags.format;
    const print = (ev: StoredEvent) => {
      if (fmt === undefined || fmt === '') return ctx.out(eventText(ev));
      if (fmt === 'json' || fmt.trim() === '{{json .}}') return ctx.out(ev.raw + '\n');
      const data = {
        ...ev,
        Status: ev.Action,
        ID: ev.Actor.ID,
        From: ev.Actor.Attributes.image,
        Scope: ev.scope,
        Time: ev.time,
        TimeNano: String(ev.timeNano),
      };
      ctx.out(renderTemplate(fmt, data) + '\n');
    };
    const s = streamEvents(store, { since, until, filters }, print);
    const stop = () => s.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await s.done;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  },
});
