import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { topContainer } from '../../engine/container/top.js';
import { table } from '../output.js';

export default defineCommand({
  summary: 'Display the running processes of a container (host pids), as ps shows them',
  usage: 'CONTAINER [ps OPTIONS]',
  flags: {},
  stopAtPositional: true,
  async run({ positionals }, ctx) {
    expectArgs('top', positionals, 1, Infinity, 'a container');
    const r = await topContainer(await ctx.store(), positionals[0], positionals.slice(1));
    ctx.out(table(r.titles, r.processes));
  },
});
