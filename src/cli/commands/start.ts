import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../engine/containers.js';
import { runAttached, startDetached } from '../../engine/run.js';
import { describe } from '../../errors.js';

export default defineCommand({
  summary: 'Start stopped containers (in the background; -a attaches); with -a, a COMMAND replaces its command (original: runc CONTAINER [CMD...])',
  usage: '[OPTIONS] CONTAINER [CONTAINER...] | -a CONTAINER [COMMAND] [ARG...]',
  flags: {
    attach: { type: 'boolean', short: 'a', help: 'Attach STDOUT/STDERR and forward signals' },
    interactive: { type: 'boolean', short: 'i', help: "Attach the container's STDIN" },
    'detach-keys': { type: 'string', help: 'Key sequence that detaches from the container (default "ctrl-p,ctrl-q")', arg: 'keys' },
  },
  stopAtPositional: true,
  async run({ flags, positionals }, ctx) {
    expectArgs('start', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    if (flags.attach || flags.interactive) {
      const [query, ...argv] = positionals;
      const c = await getContainer(store, query);
      return runAttached(store, c, { interactive: !!flags.interactive, argv: argv.length ? argv : undefined, detachKeys: flags['detach-keys'] });
    }
    let failed = 0;
    for (const q of positionals) {
      try {
        await startDetached(store, await getContainer(store, q));
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
