import { defineCommand } from '../command.js';
import { release } from 'node:os';
import { version } from '../version.js';
import { formatInspect } from '../format/table.js';

/** docker version's document: the client and the engine are the same program here. */
function versionDoc(): Record<string, unknown> {
  const v = version();
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const common = { Version: v, ApiVersion: '1.51', GitCommit: '', GoVersion: `node ${process.version}`, Os: 'linux', Arch: arch };
  return {
    Client: { ...common, DefaultAPIVersion: '1.51', BuildTime: '', Context: 'default' },
    Server: {
      Platform: { Name: 'dockerlite' },
      Components: [{ Name: 'Engine', Version: v, Details: { ApiVersion: '1.51', Arch: arch, Os: 'linux', KernelVersion: release(), MinAPIVersion: '1.24' } }],
      ...common,
      MinAPIVersion: '1.24',
      KernelVersion: release(),
      BuildTime: '',
    },
  };
}

export default defineCommand({
  summary: 'Show the dockerlite version',
  usage: '[OPTIONS]',
  flags: {
    format: { type: 'string', short: 'f', help: "Format output using a Go template, or 'json', e.g. '{{.Server.Version}}'" },
  },
  async run({ flags }, ctx) {
    if (flags.format !== undefined) return ctx.out(formatInspect(flags.format === 'json' ? '{{json .}}' : flags.format, [versionDoc()]));
    ctx.out(`dockerlite version ${version()}\nnode ${process.version}\n`);
  },
});
