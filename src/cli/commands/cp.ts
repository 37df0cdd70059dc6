import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { copyFromContainer, copyToContainer, parseCopyArg, tarFromContainer } from '../../engine/container/copy.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Copy files between a container and the host (symlinks never lead outside the container)',
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-  |  SRC_PATH CONTAINER:DEST_PATH',
  flags: {
    'follow-link': { type: 'boolean', short: 'L', help: 'Always follow a symlink given as SRC_PATH (inside the container)' },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress warnings' },
    archive: { type: 'boolean', short: 'a', help: 'Archive mode (copy all uid/gid information)' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('cp', positionals, 2);
    const [a, b] = positionals.map(parseCopyArg);
    const store = await ctx.store();
    const warn = (m: string) => void (flags.quiet || ctx.warn(`dockerlite: warning: ${m}\n`));
    if (a.container && b.container) throw new InvalidArgument('copying between two containers is not supported; copy through the host');
    if (!a.container && !b.container) throw new InvalidArgument("one of the paths must name a container, as CONTAINER:PATH; see 'dockerlite cp --help'");
    if (a.container && b.path === '-') return void (await tarFromContainer(store, a, process.stdout));
    if (a.path === '-') throw new InvalidArgument('copying a tar stream from stdin into a container is not supported yet; give a path');
    // Into a container the owners are kept either way (as Docker 20.10 does); out of one, only with -a.
    if (a.container) await copyFromContainer(store, a, b.path, { follow: flags['follow-link'], warn, archive: flags.archive });
    else await copyToContainer(store, a.path, b, { warn });
  },
});
