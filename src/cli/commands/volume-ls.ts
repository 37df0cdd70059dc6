import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { listVolumes, volumeUsers } from '../../engine/volume/volumes.js';
import { formatList, goType } from '../format/table.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'List volumes',
  usage: '[OPTIONS]',
  flags: {
    quiet: { type: 'boolean', short: 'q', help: 'Only display volume names' },
    filter: { type: 'string', short: 'f', multiple: true, help: 'Filter: dangling=true|false, name=..., label=KEY[=VALUE]' },
    format: { type: 'string', help: "Format output using a Go template: 'table', 'table TEMPLATE', 'json' or TEMPLATE, e.g. '{{.Name}}'" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('volume ls', positionals, 0);
    const store = await ctx.store();
    let vs = await listVolumes(store);
    const users = flags.filter?.length ? await volumeUsers(store) : new Map();
    for (const f of flags.filter ?? []) {
      const [k, v = ''] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
      if (k === 'dangling') vs = vs.filter((x) => !users.has(x.Name) === (v === 'true' || v === '1'));
      else if (k === 'name') vs = vs.filter((x) => x.Name.includes(v));
      else if (k === 'label') {
        const [lk, lv] = v.split('=');
        vs = vs.filter((x) => lk in x.Labels && (lv === undefined || x.Labels[lk] === lv));
      } else throw new InvalidArgument(`invalid filter '${f}' (dangling, name, label)`);
    }
    if (flags.quiet) return ctx.out(vs.map((v) => v.Name + '\n').join(''));
    const rows = vs.map((v) => {
      const row: Record<string, unknown> = {
        Availability: 'N/A',
        Driver: v.Driver,
        Group: 'N/A',
        Labels: Object.entries(v.Labels)
          .map(([k, x]) => `${k}=${x}`)
          .join(','),
        Links: 'N/A',
        Mountpoint: v.Mountpoint,
        Name: v.Name,
        Scope: v.Scope,
        Size: 'N/A',
        Status: 'N/A',
      };
      Object.defineProperty(row, 'Label', { value: (k: unknown) => v.Labels[String(k)] ?? '', enumerable: false });
      Object.defineProperty(row, goType, { value: '*formatter.volumeContext', enumerable: false });
      return row;
    });
    ctx.out(formatList(flags.format, rows, { table: 'table {{.Driver}}\t{{.Name}}', headers: { Name: 'VOLUME NAME' } }));
  },
});
