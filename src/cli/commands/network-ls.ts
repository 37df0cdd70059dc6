import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { table } from '../output.js';
import { defaultNetwork, listNetworks } from '../../network/networks.js';
import { networkRows } from '../format/network-views.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'List networks',
  usage: '[OPTIONS]',
  flags: {
    quiet: { type: 'boolean', short: 'q', help: 'Only display network IDs' },
    'no-trunc': { type: 'boolean', help: 'Do not truncate the output' },
    filter: { type: 'string', short: 'f', multiple: true, help: 'Filter output: name=NAME, driver=DRIVER, id=ID' },
    format: { type: 'string', help: "'json' prints one JSON object per network" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('network ls', positionals, 0);
    const store = await ctx.store();
    await defaultNetwork(store);
    let rows = networkRows(await listNetworks(store), !!flags['no-trunc']);
    for (const f of flags.filter ?? []) {
      const [k, v = ''] = f.split(/=(.*)/s);
      if (k === 'name') rows = rows.filter((r) => r.Name.includes(v));
      else if (k === 'driver') rows = rows.filter((r) => r.Driver === v);
      else if (k === 'id') rows = rows.filter((r) => r.ID.startsWith(v));
      else throw new InvalidArgument(`invalid filter '${f}' (supported: name=, driver=, id=)`);
    }
    if (flags.quiet) return ctx.out(rows.map((r) => r.ID + '\n').join(''));
    if (flags.format === 'json') return ctx.out(rows.map((r) => JSON.stringify(r) + '\n').join(''));
    if (flags.format !== undefined) throw new InvalidArgument("--format supports 'json'");
    ctx.out(
      table(
        ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'],
        rows.map((r) => [r.ID, r.Name, r.Driver, r.Scope]),
      ),
    );
  },
});
