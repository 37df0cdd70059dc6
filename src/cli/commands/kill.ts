import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { killContainer } from '../../engine/signals.js';
import { describe } from '../../errors.js';

export default defineCommand({
  summary: 'Kill one or more running containers (default signal: SIGKILL)',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  flags: { signal: { type: 'string', short: 's', help: 'Signal to send to the container (name or number)' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('kill', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    let failed = 0;
    for (const q of positionals) {
      try {
        await killContainer(store, q, flags.signal ?? 'SIGKILL');
        ctx.out(`${q}\n`);
      } catch (e) {
        if (positionals.length === 1) throw e;
        ctx.warn(`dockerlite: error: ${describe(e)}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  },
});
