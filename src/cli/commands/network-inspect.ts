import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { formatInspect } from '../format/table.js';
import { getNetwork } from '../../network/networks.js';
import { membersOf } from '../../network/connect.js';
import { inspectNetwork } from '../format/network-views.js';
import { describe, NotFound } from '../../errors.js';

export default defineCommand({
  summary: 'Display detailed information on one or more networks, as JSON',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  flags: { format: { type: 'string', short: 'f', help: 'Format the output using a Go template, e.g. {{.IPAM.Config}}' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('network inspect', positionals, 1, Infinity, 'a network');
    const store = await ctx.store();
    const docs: unknown[] = [];
    let missing = 0;
    for (const q of positionals) {
      try {
        const net = await getNetwork(store, q);
        docs.push(inspectNetwork(net, await membersOf(store, net)));
      } catch (e) {
        if (!(e instanceof NotFound)) throw e;
        ctx.warn(`dockerlite: error: ${describe(e)}\n`);
        missing++;
      }
    }
    if (flags.format !== undefined) ctx.out(formatInspect(flags.format, docs));
    else ctx.out(JSON.stringify(docs, null, 4) + '\n');
    return missing ? 1 : 0;
  },
});
