import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { systemInfo } from '../../engine/system/info.js';
import { formatInspect } from '../format/table.js';
import { version } from '../version.js';
import { bytesSize } from '../output.js';

/** docker info's Security Options block: each option's name, then its other keys (name=seccomp,profile=default). */
function securityLines(opts: string[]): string[] {
  if (!opts.length) return [];
  const out = [' Security Options:'];
  for (const o of opts) {
    const kv = o.split(',').map((p) => p.split('='));
    out.push(`  ${kv.find(([k]) => k === 'name')?.[1] ?? o}`);
    for (const [k, v] of kv) if (k !== 'name') out.push(`   ${k[0].toUpperCase()}${k.slice(1)}: ${v}`);
  }
  return out;
}

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
      ...(i.DriverStatus as string[][]).map(([k, v]) => `  ${k}: ${v}`),
      ` Logging Driver: ${String(i.LoggingDriver)}`,
      ` Cgroup Driver: ${String(i.CgroupDriver)}`,
      ` Cgroup Version: ${String(i.CgroupVersion)}`,
      ' Plugins:',
      `  Volume: ${(p.Volume ?? []).join(' ')}`,
      `  Network: ${(p.Network ?? []).join(' ')}`,
      `  Log: ${(p.Log ?? []).join(' ')}`,
      ` Swarm: ${(i.Swarm as { LocalNodeState: string }).LocalNodeState}`,
      ` Runtimes: ${Object.keys(i.Runtimes as object).join(' ')}`,
      ` Default Runtime: ${String(i.DefaultRuntime)}`,
      ` Init Binary: ${String(i.InitBinary)}`,
      ...securityLines(i.SecurityOptions as string[]),
      ` Kernel Version: ${String(i.KernelVersion)}`,
      ` Operating System: ${String(i.OperatingSystem)}`,
      ` OSType: ${String(i.OSType)}`,
      ` Architecture: ${String(i.Architecture)}`,
      ` CPUs: ${String(i.NCPU)}`,
      ` Total Memory: ${bytesSize(Number(i.MemTotal))}`,
      ` Name: ${String(i.Name)}`,
      ` ID: ${String(i.ID)}`,
      ` Docker Root Dir: ${String(i.DockerRootDir)}`,
      ` Debug Mode: false`,
      ...((i.Labels as string[]).length ? [' Labels:', ...(i.Labels as string[]).map((l) => `  ${l}`)] : []),
      ` Experimental: false`,
      ` Live Restore Enabled: ${String(i.LiveRestoreEnabled)}`,
      '',
    ];
    ctx.out(lines.join('\n'));
  },
});
