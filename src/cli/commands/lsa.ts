import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { table } from '../output.js';
import { listAddresses } from '../../network/connect.js';
import { shortId } from '../../store/ids.js';

export default defineCommand({
  summary: 'List the IP addresses containers hold, in every network (original: lsa)',
  usage: '[OPTIONS]',
  flags: { quiet: { type: 'boolean', short: 'q', help: 'Only display the addresses' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('lsa', positionals, 0);
    const rows = await listAddresses(await ctx.store());
    if (flags.quiet) return ctx.out(rows.map((r) => r.ip + '\n').join(''));
    ctx.out(
      table(
        ['IP ADDRESS', 'NETWORK', 'CONTAINER ID', 'NAME'],
        rows.map((r) => [r.ip, r.network, shortId(r.cid), r.name]),
      ),
    );
  },
});
