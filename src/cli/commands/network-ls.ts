import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { formatList, goType } from '../format/table.js';
import { goTimeString } from '../format/views.js';
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
    format: { type: 'string', help: "Format output using a Go template: 'table', 'table TEMPLATE', 'json' or TEMPLATE, e.g. '{{.Name}}'" },
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
    const docs = rows.map((r) => {
      const labels = Object.fromEntries(r.Labels ? r.Labels.split(',').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]) : []);
      const row: Record<string, unknown> = {
        CreatedAt: r.CreatedAt ? goTimeString(r.CreatedAt) : '',
        Driver: r.Driver,
        ID: r.ID,
        IPv6: 'false',
        Internal: r.Internal,
        Labels: r.Labels,
        Name: r.Name,
        Scope: r.Scope,
      };
      Object.defineProperty(row, 'Label', { value: (k: unknown) => (labels as Record<string, string>)[String(k)] ?? '', enumerable: false });
      Object.defineProperty(row, goType, { value: '*formatter.networkContext', enumerable: false });
      return row;
    });
    ctx.out(formatList(flags.format, docs, { table: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', headers: { ID: 'NETWORK ID' } }));
  },
});
