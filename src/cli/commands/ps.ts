import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { isRunning, listContainers } from '../../store/containers.js';
import { containerRow } from '../format/views.js';
import { matches, parseFilters } from '../format/filters.js';
import { formatList } from '../format/table.js';
import { shortId } from '../../store/ids.js';
import { InvalidArgument } from '../../errors.js';
import { portsColumn } from '../format/network-views.js';

/** docker ps's default table. */
const PS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export default defineCommand({
  summary: 'List containers (original: lsc = ps -a)',
  usage: '[OPTIONS]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Show all containers (default shows just running)' },
    quiet: { type: 'boolean', short: 'q', help: 'Only display container IDs' },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    filter: { type: 'string', short: 'f', multiple: true, help: 'Filter: status=, name=, id=, label=, exited=, ancestor=' },
    format: { type: 'string', help: "Format output using a Go template: 'table', 'table TEMPLATE', 'json' or TEMPLATE, e.g. 'table {{.ID}}\\t{{.Names}}'" },
    last: { type: 'string', short: 'n', help: 'Show the n last created containers (all states)', arg: 'int' },
    latest: { type: 'boolean', short: 'l', help: 'Show the latest created container (all states)' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('ps', positionals, 0);
    const now = Date.now();
    const filters = parseFilters(flags.filter);
    if (flags.last !== undefined && !/^\d+$/.test(flags.last)) throw new InvalidArgument(`invalid --last '${flags.last}': give a number`);
    const limit = flags.latest ? 1 : flags.last !== undefined ? Number(flags.last) : undefined;
    const store = await ctx.store();
    let cs = (await listContainers(store)).sort((a, b) => b.created.localeCompare(a.created));
    // As Docker: a status filter, -n or -l look beyond the running ones.
    if (!flags.all && !filters.has('status') && !filters.has('exited') && limit === undefined) cs = cs.filter((c) => isRunning(c.state));
    cs = cs.filter((c) => matches(c, filters));
    if (limit !== undefined) cs = cs.slice(0, limit);
    if (flags.quiet) return ctx.out(cs.map((c) => (flags['no-trunc'] ? c.id : shortId(c.id)) + '\n').join(''));
    const rows = cs.map((c) => containerRow(c, { now, ports: portsColumn(store, c), noTrunc: !!flags['no-trunc'] }));
    ctx.out(formatList(flags.format, rows, { table: PS_TABLE }));
  },
});
