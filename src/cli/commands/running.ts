import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer, isRunning } from '../../store/containers.js';

export default defineCommand({
  summary: 'Print Y if the container is running, else N; exit 0 or 1 to match',
  usage: 'CONTAINER',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('running', positionals, 1);
    const c = await getContainer(await ctx.store(), positionals[0]);
    const yes = isRunning(c.state);
    ctx.out(yes ? 'Y\n' : 'N\n');
    return yes ? 0 : 1;
  },
});
