import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { CREATE_FLAGS, toCreateOptions } from '../runflags.js';
import { createContainer } from '../../engine/container/create.js';
import { getContainer } from '../../store/containers.js';
import { removeContainer } from '../../engine/container/remove.js';
import { runAttached, spawnMonitor, startDetached } from '../../engine/container/run.js';
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
  },
  stopAtPositional: true,
  async run({ flags, positionals }, ctx) {
    expectArgs('run', positionals, 1, Infinity, 'an image');
    const [image, ...cmd] = positionals;
    if (flags.interactive && flags.tty && !flags.detach) notATty();
    const store = await ctx.store();
    let id: string | undefined;
    // The monitor starts now: its node start-up overlaps the pull, create and prepare.
    const chosen = randomId();
    const monitor = spawnMonitor(store, chosen);
    try {
      await ensureImage(store, image, { pull: pullPolicy(flags.pull), progress: progressPrinter(), warn: ctx.warn });
      id = (await createContainer(store, { ...toCreateOptions(flags, image, cmd), id: chosen })).id;
      const c = await getContainer(store, id);
      if (flags.detach) {
        await startDetached(store, c, undefined, monitor);
        ctx.out(`${id}\n`);
        return 0;
      }
      return await runAttached(store, c, { interactive: !!flags.interactive, detachKeys: flags['detach-keys'], monitor }, terminalStreams());
    } catch (e) {
      if (!id) monitor.abort(); // launch() aborts it once the container exists
      if (id && flags.rm) await removeContainer(store, id, { force: true }).catch(() => {});
      // Docker's convention: 125 when dockerlite itself failed, 126/127 for the command.
      if (e instanceof DockerliteError && !(e instanceof CommandNotRunnable)) e.exitCode = 125;
      throw e;
    }
  },
});
