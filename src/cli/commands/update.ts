import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { forEachName } from '../each.js';
import { parseUpdate, updateContainer } from '../../engine/container/update.js';

export default defineCommand({
  summary: 'Update the limits and restart policy of one or more containers, running or not',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  flags: {
    memory: { type: 'string', short: 'm', help: 'Memory limit', arg: 'bytes' },
    'memory-swap': { type: 'string', help: "Memory plus swap limit; '-1' for unlimited swap", arg: 'bytes' },
    'memory-reservation': { type: 'string', help: 'Memory soft limit', arg: 'bytes' },
    cpus: { type: 'string', help: 'Number of CPUs', arg: 'decimal' },
    'cpu-shares': { type: 'string', short: 'c', help: 'CPU shares (relative weight)', arg: 'int' },
    'cpu-quota': { type: 'string', help: 'Limit CPU CFS (Completely Fair Scheduler) quota', arg: 'int' },
    'cpu-period': { type: 'string', help: 'Limit CPU CFS (Completely Fair Scheduler) period', arg: 'int' },
    'cpuset-cpus': { type: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)', arg: 'string' },
    'pids-limit': { type: 'string', help: 'Tune container pids limit (-1 for unlimited)', arg: 'int' },
    restart: { type: 'string', help: 'Restart policy to apply when a container exits', arg: 'string' },
  },
  usageExitCode: 125,
  async run({ flags, positionals }, ctx) {
    expectArgs('update', positionals, 1, Infinity, 'a container');
    const changes = parseUpdate({
      memory: flags.memory,
      memorySwap: flags['memory-swap'],
      memoryReservation: flags['memory-reservation'],
      cpus: flags.cpus,
      cpuShares: flags['cpu-shares'],
      cpuQuota: flags['cpu-quota'],
      cpuPeriod: flags['cpu-period'],
      cpusetCpus: flags['cpuset-cpus'],
      pidsLimit: flags['pids-limit'],
      restart: flags.restart,
    });
    const store = await ctx.store();
    return forEachName(ctx, positionals, async (name) => {
      await updateContainer(store, name, changes);
      ctx.out(`${name}\n`);
    });
  },
});
