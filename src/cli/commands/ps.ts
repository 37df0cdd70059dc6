import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { listContainers } from '../../engine/containers.js';
import { containerRow, statusText } from '../../engine/views.js';
import { table, ago, commandColumn } from '../output.js';
import { shortId } from '../../store/ids.js';
import { portsColumn } from '../../network/views.js';

export default defineCommand({
  summary: 'List containers (original: lsc = ps -a)',
  usage: '[OPTIONS]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Show all containers (default shows just running)' },
    quiet: { type: 'boolean', short: 'q', help: 'Only display container IDs' },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    format: { type: 'string', help: "'json' prints one JSON object per container" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('ps', positionals, 0);
    const now = Date.now();
    const store = await ctx.store();
    let cs = (await listContainers(store)).sort((a, b) => b.created.localeCompare(a.created));
    if (!flags.all) cs = cs.filter((c) => c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting');
    if (flags.quiet) return ctx.out(cs.map((c) => (flags['no-trunc'] ? c.id : shortId(c.id)) + '\n').join(''));
    if (flags.format === 'json') return ctx.out(cs.map((c) => JSON.stringify(containerRow(c, now, portsColumn(store, c))) + '\n').join(''));
    const rows = cs.map((c) => [
      flags['no-trunc'] ? c.id : shortId(c.id),
      c.imageRef,
      commandColumn([c.path, ...c.args], !flags['no-trunc']),
      ago(c.created, now),
      statusText(c.state, now),
      portsColumn(store, c),
      c.name,
    ]);
    ctx.out(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
  },
});
