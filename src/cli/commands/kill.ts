import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { killContainer } from '../../engine/container/signal.js';
import { forEachName } from '../each.js';

export default defineCommand({
  summary: 'Kill one or more running containers (default signal: SIGKILL)',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  flags: { signal: { type: 'string', short: 's', help: 'Signal to send to the container (name or number)' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('kill', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    return forEachName(ctx, positionals, async (q) => {
      await killContainer(store, q, flags.signal ?? 'SIGKILL');
      ctx.out(`${q}\n`);
    });
  },
});
