import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../store/containers.js';
import { containerChanges } from '../../engine/container/diff.js';

export default defineCommand({
  summary: "Inspect changes to files on a container's filesystem: A added, C changed, D deleted (exact, from btrfs send)",
  usage: 'CONTAINER',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('diff', positionals, 1);
    const store = await ctx.store();
    const changes = await containerChanges(store, await getContainer(store, positionals[0]));
    ctx.out(changes.map((c) => `${c.kind} ${c.path}\n`).join(''));
  },
});
