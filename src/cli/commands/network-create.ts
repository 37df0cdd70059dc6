import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { labels } from '../runflags.js';
import { createNetwork } from '../../network/networks.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Create a bridge network with its own subnet; containers on it find each other by name',
  usage: '[OPTIONS] NETWORK',
  flags: {
    driver: { type: 'string', short: 'd', help: 'Driver to manage the network (only "bridge")' },
    subnet: { type: 'string', help: 'Subnet in CIDR format, e.g. 10.2.5.0/24 (default: a free /24 of DOCKERLITE_POOL)' },
    gateway: { type: 'string', help: "The bridge's address in the subnet (default: the first one)" },
    internal: { type: 'boolean', help: 'Restrict external access to the network' },
    label: { type: 'string', multiple: true, help: 'Set metadata on a network (KEY=VALUE)' },
    opt: { type: 'string', short: 'o', multiple: true, help: 'Driver options: com.docker.network.bridge.name=NAME' },
    'ip-range': { type: 'string', help: 'Allocate container IPs from a sub-range of the subnet (CIDR)', arg: 'strings' },
    'aux-address': {
      type: 'string',
      multiple: true,
      help: 'Auxiliary IPv4 addresses used by the network driver (NAME=IP): never given to containers',
      arg: 'map',
    },
    ipv6: { type: 'boolean', help: 'Enable IPv6 networking (not supported: refused)' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('network create', positionals, 1, 1, 'a network name');
    // Refused rather than ignored: a script asking for IPv6 must not get a network without it.
    if (flags.ipv6) throw Object.assign(new InvalidArgument('--ipv6 is not supported: dockerlite networks are IPv4 only'), { exitCode: 125 });
    const aux: Record<string, string> = {};
    for (const a of flags['aux-address'] ?? []) {
      const eq = a.indexOf('=');
      if (eq <= 0) throw new InvalidArgument(`invalid --aux-address '${a}': use NAME=IP`);
      aux[a.slice(0, eq)] = a.slice(eq + 1);
    }
    let bridgeName: string | undefined;
    for (const [k, v] of Object.entries(labels(flags.opt))) {
      if (k === 'com.docker.network.bridge.name') bridgeName = v;
      else throw new InvalidArgument(`unsupported network option '${k}' (supported: com.docker.network.bridge.name)`);
    }
    const net = await createNetwork(await ctx.store(), {
      name: positionals[0],
      driver: flags.driver,
      subnet: flags.subnet,
      gateway: flags.gateway,
      internal: !!flags.internal,
      labels: labels(flags.label),
      bridgeName,
      ipRange: flags['ip-range'],
      auxAddresses: Object.keys(aux).length ? aux : undefined,
    });
    ctx.out(`${net.Id}\n`);
  },
});
