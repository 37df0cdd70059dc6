import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { setAddress } from '../../network/connect.js';
import { isIp } from '../../network/cidr.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Give a stopped container an IP address, or the next free one (original: seta CONTAINER [IP])',
  usage: '[OPTIONS] CONTAINER [IP]',
  flags: { network: { type: 'string', help: "The network to set it in (default: the container's first)" } },
  async run({ flags, positionals }, ctx) {
    expectArgs('seta', positionals, 1, 2, 'a container and maybe an address');
    if (positionals[1] !== undefined && !isIp(positionals[1])) throw new InvalidArgument(`invalid IPv4 address: ${positionals[1]}`);
    ctx.out(`${await setAddress(await ctx.store(), positionals[0], positionals[1], flags.network)}\n`);
  },
});
