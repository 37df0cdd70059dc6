import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getNetwork, removeNetwork } from '../../network/networks.js';
import { membersOf } from '../../network/connect.js';
import { Conflict, describe } from '../../errors.js';

export default defineCommand({
  summary: 'Remove one or more networks (refused while containers are attached)',
  usage: 'NETWORK [NETWORK...]',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('network rm', positionals, 1, Infinity, 'a network');
    const store = await ctx.store();
    let failed = 0;
    for (const q of positionals) {
      try {
        if (q === 'host' || q === 'none') throw new Conflict(`${q} is a pre-defined network and cannot be removed`);
        const net = await getNetwork(store, q);
        await removeNetwork(store, net, async (n) => (await membersOf(store, n)).map((m) => m.c.name));
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
