import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer, isRunning } from '../../engine/containers.js';
import { NotFound } from '../../errors.js';

export default defineCommand({
  summary: 'List the port mappings of a running container, or the mapping of one port',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('port', positionals, 1, 2);
    const c = await getContainer(await ctx.store(), positionals[0]);
    if (!isRunning(c.state)) return;
    const bindings = Object.entries(c.hostConfig.PortBindings ?? {});
    if (positionals[1] !== undefined) {
      const want = positionals[1].includes('/') ? positionals[1] : `${positionals[1]}/tcp`;
      const hit = bindings.find(([k]) => k === want);
      if (!hit?.[1]?.length) throw new NotFound(`no public port '${want}' published for ${c.name}`);
      return ctx.out(hit[1].map((b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort}\n`).join(''));
    }
    ctx.out(bindings.flatMap(([k, bs]) => (bs ?? []).map((b) => `${k} -> ${b.HostIp || '0.0.0.0'}:${b.HostPort}\n`)).join(''));
  },
});
