import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { renameContainer } from '../../engine/container/control.js';

export default defineCommand({
  summary: 'Rename a container',
  usage: 'CONTAINER NEW_NAME',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('rename', positionals, 2);
    await renameContainer(await ctx.store(), positionals[0], positionals[1]);
  },
});
