import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { waitContainer } from '../../engine/container/control.js';

export default defineCommand({
  summary: 'Block until containers stop, then print their exit codes',
  usage: 'CONTAINER [CONTAINER...]',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('wait', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    for (const q of positionals) ctx.out(`${await waitContainer(store, q)}\n`);
  },
});
