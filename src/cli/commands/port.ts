import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../store/containers.js';
import { publishedPorts } from '../format/network-views.js';
import { portLines } from '../../network/ports.js';
import { NotFound } from '../../errors.js';

export default defineCommand({
  summary: 'List port mappings, or look up the public address of one port',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('port', positionals, 1, 2, 'a container');
    const store = await ctx.store();
    const c = await getContainer(store, positionals[0]);
    const lines = portLines(publishedPorts(store, c), positionals[1]);
    if (positionals[1] !== undefined && !lines.length) {
      const key = positionals[1].includes('/') ? positionals[1] : `${positionals[1]}/tcp`;
      throw new NotFound(`no public port '${key}' published for ${c.name}`);
    }
    ctx.out(lines.map((l) => l + '\n').join(''));
  },
});
