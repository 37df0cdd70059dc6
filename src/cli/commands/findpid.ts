import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../store/containers.js';
import { containerInitPid } from '../../store/containers.js';

export default defineCommand({
  summary: "Print the host pid of the running container's first process (its init)",
  usage: 'CONTAINER',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('findpid', positionals, 1);
    const c = await getContainer(await ctx.store(), positionals[0]);
    ctx.out(`${containerInitPid(c)}\n`);
  },
});
