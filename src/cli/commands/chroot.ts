import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../store/containers.js';
import { chrootShell } from '../../sys/chroot.js';

export default defineCommand({
  summary: "Open a shell in a container's rootfs by plain chroot, with no isolation (a debugging aid)",
  usage: 'CONTAINER [COMMAND] [ARG...]',
  flags: {},
  stopAtPositional: true,
  async run({ positionals }, ctx) {
    expectArgs('chroot', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    const c = await getContainer(store, positionals[0]);
    const argv = positionals.length > 1 ? positionals.slice(1) : ['/bin/sh'];
    return chrootShell(store.paths.rootfs(c.id), argv);
  },
});
