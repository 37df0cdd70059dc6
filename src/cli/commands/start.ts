import { defineCommand } from '../command.js';
import { forEachName } from '../each.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../store/containers.js';
import { notATty } from '../terminal.js';
import { runAttached, startDetached } from '../../engine/container/run.js';
import { terminalStreams } from '../terminal.js';

export default defineCommand({
  summary: 'Start stopped containers (in the background; -a attaches); with -a, a COMMAND replaces its command (original: runc CONTAINER [CMD...])',
  usage: '[OPTIONS] CONTAINER [CONTAINER...] | -a CONTAINER [COMMAND] [ARG...]',
  flags: {
    attach: { type: 'boolean', short: 'a', help: 'Attach STDOUT/STDERR and forward signals' },
    interactive: { type: 'boolean', short: 'i', help: "Attach the container's STDIN" },
    'detach-keys': { type: 'string', help: 'Key sequence that detaches from the container (default "ctrl-p,ctrl-q")', arg: 'keys' },
    restartable: { type: 'boolean', help: 'At boot: start every container whose restart policy (always, unless-stopped) says it should run' },
  },
  stopAtPositional: true,
  async run({ flags, positionals }, ctx) {
    if (flags.restartable) {
      expectArgs('start --restartable', positionals, 0, 0);
      const { startRestartable } = await import('../../engine/container/boot.js');
      const r = await startRestartable(await ctx.store());
      for (const n of r.started) ctx.out(`${n}\n`);
      for (const f of r.failed) ctx.warn(`dockerlite: error: cannot start container ${f.name}: ${f.error}\n`);
      return r.failed.length ? 1 : 0;
    }
    expectArgs('start', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    if (flags.attach || flags.interactive) {
      const [query, ...argv] = positionals;
      const c = await getContainer(store, query);
      if (flags.interactive && c.config.Tty) notATty();
      return runAttached(
        store,
        c,
        { interactive: !!flags.interactive, argv: argv.length ? argv : undefined, detachKeys: flags['detach-keys'] },
        terminalStreams(),
      );
    }
    return forEachName(ctx, positionals, async (q) => {
      const c = await getContainer(store, q);
      // Docker: starting a running container is no error; it prints the name all the same.
      if (c.state.status === 'running') return ctx.out(`${q}\n`);
      await startDetached(store, c);
      ctx.out(`${q}\n`);
    });
  },
});
