import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { CREATE_FLAGS, toCreateOptions, checkCidFile, writeCidFile } from '../runflags.js';
import { createContainer } from '../../engine/container/create.js';
import { getContainer } from '../../store/containers.js';
import { removeContainer } from '../../engine/container/remove.js';
import { runAttached, startDetached } from '../../engine/container/run.js';
import { randomId } from '../../store/ids.js';
import { CommandNotRunnable, DockerliteError } from '../../errors.js';
import { ensureImage, pullPolicy } from '../../engine/distribution/ensure.js';
import { progressPrinter } from '../progress.js';
import { notATty, terminalStreams } from '../terminal.js';

export default defineCommand({
  summary: 'Create a container from an image and run a command in it, attached or with -d in the background (original: runi)',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  flags: {
    ...CREATE_FLAGS,
    detach: { type: 'boolean', short: 'd', help: 'Run the container in the background and print its ID' },
    'detach-keys': { type: 'string', help: 'Key sequence that detaches from the container (default "ctrl-p,ctrl-q")', arg: 'keys' },
    'sig-proxy': { type: 'boolean', help: 'Proxy received signals to the process (default true; --sig-proxy=false to turn off)' },
  },
  stopAtPositional: true,
  usageExitCode: 125,
  async run({ flags, positionals }, ctx) {
    expectArgs('run', positionals, 1, Infinity, 'an image');
    const [image, ...cmd] = positionals;
    if (flags.interactive && flags.tty && !flags.detach) notATty();
    const store = await ctx.store();
    let id: string | undefined;
    const chosen = randomId();
    try {
      const opts = toCreateOptions(flags, image, cmd);
      checkCidFile(flags.cidfile);
      await ensureImage(store, image, { pull: pullPolicy(flags.pull), progress: progressPrinter(flags.quiet), warn: flags.quiet ? () => {} : ctx.warn });
      id = (await createContainer(store, { ...opts, id: chosen })).id;
      writeCidFile(flags.cidfile, id);
      const c = await getContainer(store, id);
      if (flags.detach) {
        await startDetached(store, c);
        ctx.out(`${id}\n`);
        return 0;
      }
      // --sig-proxy=false: the user's signals are dockerlite's own, not the container's.
      const io = terminalStreams();
      if (flags['sig-proxy'] === false) delete io.onSignal;
      return await runAttached(store, c, { interactive: !!flags.interactive, detachKeys: flags['detach-keys'] }, io);
    } catch (e) {
      if (id && flags.rm) await removeContainer(store, id, { force: true }).catch(() => {});
      // Docker's convention: 125 when dockerlite itself failed, 126/127 for the command.
      if (e instanceof DockerliteError && !(e instanceof CommandNotRunnable)) e.exitCode = 125;
      throw e;
    }
  },
});
