import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { listNetworks, removeNetwork } from '../../network/networks.js';
import { membersOf } from '../../network/connect.js';
import { Conflict, InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Remove every user-defined network that no container is attached to',
  usage: '-f',
  flags: { force: { type: 'boolean', short: 'f', help: 'Do not prompt for confirmation (required: dockerlite never prompts)' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('network prune', positionals, 0);
    if (!flags.force) throw new InvalidArgument("this removes every unused network; run 'dockerlite network prune -f' to confirm");
    const store = await ctx.store();
    const removed: string[] = [];
    for (const net of await listNetworks(store)) {
      if (net.Default) continue;
      try {
        await removeNetwork(store, net, async (n) => (await membersOf(store, n)).map((m) => m.c.name));
        removed.push(net.Name);
      } catch (e) {
        if (!(e instanceof Conflict)) throw e; // in use: keep it
      }
    }
    if (removed.length) ctx.out(`Deleted Networks:\n${removed.map((n) => n + '\n').join('')}`);
  },
});
