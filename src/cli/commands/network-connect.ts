import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { connect } from '../../network/connect.js';
import { isIp } from '../../network/cidr.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Connect a container to a network (a running one gets a new interface at once)',
  usage: '[OPTIONS] NETWORK CONTAINER',
  flags: {
    ip: { type: 'string', help: 'IPv4 address (e.g., 10.2.0.23)' },
    alias: { type: 'string', multiple: true, help: 'Add network-scoped alias for the container' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('network connect', positionals, 2, 2, 'a network and a container');
    if (flags.ip !== undefined && !isIp(flags.ip)) throw new InvalidArgument(`invalid IPv4 address: ${flags.ip}`);
    await connect(await ctx.store(), positionals[0], positionals[1], { ip: flags.ip, aliases: flags.alias });
  },
});
