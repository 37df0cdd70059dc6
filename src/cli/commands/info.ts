import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { systemInfo } from '../../engine/system/info.js';
import { formatInspect } from '../format/table.js';
import { version } from '../version.js';
import { bytesSize } from '../output.js';

export default defineCommand({
  summary: 'Display system-wide information',
  usage: '[OPTIONS]',
  flags: {
    format: { type: 'string', short: 'f', help: "Format output using a Go template, or 'json', e.g. '{{.Driver}} {{.NCPU}}'" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('info', positionals, 0);
    const i = await systemInfo(await ctx.store(), version());
    if (flags.format !== undefined) return ctx.out(formatInspect(flags.format === 'json' ? '{{json .}}' : flags.format, [i]));
    // The layout of docker info's Server section, for the parts that apply.
    const p = i.Plugins as Record<string, string[] | null>;
    const lines = [
      'Client:',
      ` Version:    ${version()}`,
      ' Context:    default',
      ' Debug Mode: false',
      '',
      'Server:',
      ` Containers: ${String(i.Containers)}`,
      `  Running: ${String(i.ContainersRunning)}`,
      `  Paused: ${String(i.ContainersPaused)}`,
      `  Stopped: ${String(i.ContainersStopped)}`,
      ` Images: ${String(i.Images)}`,
      ` Server Version: ${String(i.ServerVersion)}`,
      ` Storage Driver: ${String(i.Driver)}`,
      '  Btrfs: ',
      ` Logging Driver: ${String(i.LoggingDriver)}`,
      ` Cgroup Driver: ${String(i.CgroupDriver)}`,
      ` Cgroup Version: ${String(i.CgroupVersion)}`,
      ' Plugins:',
      `  Volume: ${(p.Volume ?? []).join(' ')}`,
      `  Network: ${(p.Network ?? []).join(' ')}`,
      `  Log: ${(p.Log ?? []).join(' ')}`,
      ` Runtimes: ${Object.keys(i.Runtimes as object).join(' ')}`,
      ` Default Runtime: ${String(i.DefaultRuntime)}`,
      ` Kernel Version: ${String(i.KernelVersion)}`,
      ` Operating System: ${String(i.OperatingSystem)}`,
      ` OSType: ${String(i.OSType)}`,
      ` Architecture: ${String(i.Architecture)}`,
      ` CPUs: ${String(i.NCPU)}`,
      ` Total Memory: ${bytesSize(Number(i.MemTotal))}`,
      ` Name: ${String(i.Name)}`,
      ` Docker Root Dir: ${String(i.DockerRootDir)}`,
      ` Debug Mode: false`,
      ` Experimental: false`,
      ` Live Restore Enabled: ${String(i.LiveRestoreEnabled)}`,
      '',
    ];
    ctx.out(lines.join('\n'));
  },
});
