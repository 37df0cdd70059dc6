import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../engine/containers.js';
import { runAttached } from '../../engine/run.js';

export default defineCommand({
  summary: 'Start a stopped container, attached; a COMMAND replaces its command (original: runc CONTAINER [CMD...])',
  usage: '[OPTIONS] CONTAINER [COMMAND] [ARG...]',
  flags: {
    attach: { type: 'boolean', short: 'a', help: "Attach STDOUT/STDERR and forward signals" },
    interactive: { type: 'boolean', short: 'i', help: "Attach the container's STDIN" },
  },
  stopAtPositional: true,
  async run({ flags, positionals }, ctx) {
    expectArgs('start', positionals, 1, Infinity, 'a container');
    const [query, ...argv] = positionals;
    const store = await ctx.store();
    const c = await getContainer(store, query);
    return runAttached(store, c, { interactive: !!flags.interactive, argv: argv.length ? argv : undefined });
  },
});
