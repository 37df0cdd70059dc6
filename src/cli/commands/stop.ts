import { defineCommand } from '../command.js';
import { forEachName } from '../each.js';
import { expectArgs } from '../args.js';
import { stopContainer } from '../../engine/container/control.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Stop running containers: STOPSIGNAL (or SIGTERM), then SIGKILL after the grace period',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  flags: {
    time: { type: 'string', short: 't', help: 'Seconds to wait before killing the container (default 10)', arg: 'int' },
    signal: { type: 'string', short: 's', help: "Signal to send to the container (default: the image's STOPSIGNAL or SIGTERM)" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('stop', positionals, 1, Infinity, 'a container');
    if (flags.time !== undefined && !/^\d+$/.test(flags.time)) throw new InvalidArgument(`invalid --time '${flags.time}': give whole seconds`);
    const store = await ctx.store();
    return forEachName(ctx, positionals, async (q) => {
      await stopContainer(store, q, { timeoutSec: flags.time !== undefined ? Number(flags.time) : undefined, signal: flags.signal });
      ctx.out(`${q}\n`);
    });
  },
});
