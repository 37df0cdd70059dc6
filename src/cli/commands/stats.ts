import { defineCommand } from '../command.js';
import { listContainers, getContainer, isRunning, type ContainerView } from '../../store/containers.js';
import { cpuPercent, sample, type Sample } from '../../engine/container/stats.js';
import { formatList } from '../format/table.js';
import { humanSize } from '../output.js';
import { shortId } from '../../store/ids.js';
import { sleep } from '../../sys/proc.js';

/** Docker prints memory in binary units (MiB) and I/O in decimal ones (kB). */
function binary(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 2 : 0)}${u[i]}`;
}

function row(c: ContainerView, a: Sample, b: Sample) {
  return {
    ID: shortId(c.id),
    Container: shortId(c.id),
    Name: c.name,
    CPUPerc: `${cpuPercent(a, b).toFixed(2)}%`,
    MemUsage: `${binary(b.mem)} / ${binary(b.limit)}`,
    MemPerc: `${((b.mem / b.limit) * 100).toFixed(2)}%`,
    NetIO: `${humanSize(b.rx)} / ${humanSize(b.tx)}`,
    BlockIO: `${humanSize(b.read)} / ${humanSize(b.write)}`,
    PIDs: String(b.pids),
  };
}

const TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

export default defineCommand({
  summary: 'Display live resource usage of containers: CPU, memory, network and block I/O, pids',
  usage: '[OPTIONS] [CONTAINER...]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Show all containers (default shows just running)' },
    'no-stream': { type: 'boolean', help: 'Print one result and exit' },
    format: { type: 'string', help: "'json', or a Go-like template such as 'table {{.Name}}\\t{{.CPUPerc}}'" },
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
      const text = flags.format === 'json' ? rows.map((r) => JSON.stringify(r) + '\n').join('') : formatList(flags.format ?? TABLE, rows);
      ctx.out((tty ? '\x1b[2J\x1b[H' : '') + text);
      if (flags['no-stream']) return;
      prev = now;
    }
  },
});
