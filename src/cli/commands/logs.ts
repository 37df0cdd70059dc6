import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { parseTail, parseTime, streamLogs } from '../../engine/container/logs.js';

export default defineCommand({
  summary: 'Fetch the logs of a container (stdout to stdout, stderr to stderr)',
  usage: '[OPTIONS] CONTAINER',
  flags: {
    follow: { type: 'boolean', short: 'f', help: 'Follow log output until the container stops' },
    tail: { type: 'string', short: 'n', help: 'Number of lines to show from the end of the logs (default "all")' },
    since: { type: 'string', help: 'Show logs since a timestamp (2024-01-02T15:04:05Z) or relative (42m)' },
    until: { type: 'string', help: 'Show logs before a timestamp or relative time' },
    timestamps: { type: 'boolean', short: 't', help: 'Show timestamps' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('logs', positionals, 1);
    const store = await ctx.store();
    const o = {
      follow: !!flags.follow,
      tail: parseTail(flags.tail),
      since: flags.since !== undefined ? parseTime(flags.since) : undefined,
      until: flags.until !== undefined ? parseTime(flags.until) : undefined,
    };
    await streamLogs(store, positionals[0], o, (e) => {
      const text = flags.timestamps ? `${e.time} ${e.log}` : e.log;
      (e.stream === 'stderr' ? process.stderr : process.stdout).write(text);
    });
  },
});
