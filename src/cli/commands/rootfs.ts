import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../store/containers.js';

export default defineCommand({
  summary: "Print the path of a container's root filesystem",
  usage: 'CONTAINER',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('rootfs', positionals, 1);
    const store = await ctx.store();
    ctx.out(`${store.paths.rootfs((await getContainer(store, positionals[0])).id)}\n`);
  },
});
