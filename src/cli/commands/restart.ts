import { defineCommand } from '../command.js';
import { forEachName } from '../each.js';
import { expectArgs } from '../args.js';
import { restartContainer } from '../../engine/container/control.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Restart containers: stop (as dockerlite stop), then start in the background',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  flags: {
    timeout: { type: 'string', short: 't', help: 'Seconds to wait before killing the container (default 10)', arg: 'int' },
    time: { type: 'string', help: 'Deprecated: use --timeout', arg: 'int' },
    signal: { type: 'string', short: 's', help: "Signal to send to the container (default: the image's STOPSIGNAL or SIGTERM)" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('restart', positionals, 1, Infinity, 'a container');
    if (flags.time !== undefined && flags.timeout !== undefined) throw new InvalidArgument('conflicting options: --time and --timeout');
    const time = flags.timeout ?? flags.time;
    // Docker takes -1 as "wait for ever".
    if (time !== undefined && !/^-?\d+$/.test(time)) throw new InvalidArgument(`invalid argument "${time}" for "-t, --timeout" flag: give whole seconds`);
    const timeoutSec = time === undefined ? undefined : Number(time) < 0 ? 1e9 : Number(time);
    const store = await ctx.store();
    return forEachName(ctx, positionals, async (q) => {
      await restartContainer(store, q, { timeoutSec, signal: flags.signal });
      ctx.out(`${q}\n`);
    });
  },
});
