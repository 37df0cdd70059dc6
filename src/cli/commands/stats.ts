import { defineCommand } from '../command.js';
import { listContainers, getContainer, isRunning, type ContainerView } from '../../store/containers.js';
import { cpuPercent, sample, type Sample } from '../../engine/container/stats.js';
import { formatList, goType } from '../format/table.js';
import { humanSize, bytesSize } from '../output.js';
import { shortId } from '../../store/ids.js';
import { sleep } from '../../sys/proc.js';

/** One docker stats row: memory in binary units (go-units BytesSize, "12.34MiB"), I/O in decimal ones (3 digits, "1.2kB"). */
function row(c: ContainerView, a: Sample, b: Sample) {
  const r: Record<string, unknown> = {
    BlockIO: `${humanSize(b.read)} / ${humanSize(b.write)}`,
    CPUPerc: `${cpuPercent(a, b).toFixed(2)}%`,
    Container: shortId(c.id),
    ID: shortId(c.id),
    MemPerc: `${(b.limit ? (b.mem / b.limit) * 100 : 0).toFixed(2)}%`,
    MemUsage: `${bytesSize(b.mem)} / ${bytesSize(b.limit)}`,
    Name: c.name,
    NetIO: `${humanSize(b.rx)} / ${humanSize(b.tx)}`,
    PIDs: String(b.pids),
  };
  Object.defineProperty(r, goType, { value: '*formatter.statsContext', enumerable: false });
  return r;
}

const TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

export default defineCommand({
  summary: 'Display live resource usage of containers: CPU, memory, network and block I/O, pids',
  usage: '[OPTIONS] [CONTAINER...]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Show all containers (default shows just running)' },
    'no-stream': { type: 'boolean', help: 'Print one result and exit' },
    format: { type: 'string', help: "Format output using a Go template: 'table', 'table TEMPLATE', 'json' or TEMPLATE, e.g. 'table {{.Name}}\\t{{.CPUPerc}}'" },
  },
  async run({ flags, positionals }, ctx) {
    const store = await ctx.store();
    const pick = async () =>
      positionals.length
        ? await Promise.all(positionals.map((q) => getContainer(store, q)))
        : (await listContainers(store)).filter((c) => flags.all || isRunning(c.state));
    let prev = new Map((await pick()).map((c) => [c.id, sample(c)]));
    const tty = process.stdout.isTTY && !flags['no-stream'];
    for (;;) {
      await sleep(flags['no-stream'] ? 500 : 1000);
      const cs = await pick();
      const now = new Map(cs.map((c) => [c.id, sample(c)]));
      const rows = cs.map((c) => row(c, prev.get(c.id) ?? now.get(c.id)!, now.get(c.id)!));
      const text = formatList(flags.format, rows, { table: TABLE, headers: { ID: 'CONTAINER ID' } });
      ctx.out((tty ? '\x1b[2J\x1b[H' : '') + text);
      if (flags['no-stream']) return;
      prev = now;
    }
  },
});
