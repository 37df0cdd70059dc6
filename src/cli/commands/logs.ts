import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { parseTail, parseTime, streamLogs } from '../../engine/container/logs.js';
import { logAttributes } from '../../engine/container/logconfig.js';
import { getContainer } from '../../store/containers.js';

export default defineCommand({
  summary: 'Fetch the logs of a container (stdout to stdout, stderr to stderr)',
  usage: '[OPTIONS] CONTAINER',
  flags: {
    follow: { type: 'boolean', short: 'f', help: 'Follow log output until the container stops' },
    tail: { type: 'string', short: 'n', help: 'Number of lines to show from the end of the logs (default "all")' },
    since: { type: 'string', help: 'Show logs since a timestamp (2024-01-02T15:04:05Z) or relative (42m)' },
    until: { type: 'string', help: 'Show logs before a timestamp or relative time' },
    timestamps: { type: 'boolean', short: 't', help: 'Show timestamps' },
    details: { type: 'boolean', help: 'Show extra details provided to logs (the labels and env named by --log-opt labels=, env=)' },
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
    let details = '';
    if (flags.details) {
      const c = await getContainer(store, positionals[0]);
      // Docker: "k=v,k=v line", or " line" when there are none.
      details = `${logAttributes(c.hostConfig.LogConfig, c.config.Labels, c.config.Env)} `;
    }
    await streamLogs(store, positionals[0], o, (e) => {
      const text = `${flags.timestamps ? `${e.time} ` : ''}${details}${e.log}`;
      (e.stream === 'stderr' ? process.stderr : process.stdout).write(text);
    });
  },
});
