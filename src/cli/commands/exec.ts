import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { execInContainer } from '../../engine/container/exec.js';
import { CommandNotRunnable, Conflict, DockerliteError, NotFound } from '../../errors.js';
import { terminalStreams } from '../terminal.js';

export default defineCommand({
  summary: 'Run a command in a running container (it joins all of its namespaces and its cgroup)',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  flags: {
    interactive: { type: 'boolean', short: 'i', help: 'Keep STDIN open' },
    tty: { type: 'boolean', short: 't', help: 'Allocate a pseudo-TTY' },
    detach: { type: 'boolean', short: 'd', help: 'Detached mode: run the command in the background' },
    env: { type: 'string', short: 'e', multiple: true, help: 'Set environment variables (KEY=VALUE)' },
    workdir: { type: 'string', short: 'w', help: 'Working directory inside the container', arg: 'dir' },
    user: { type: 'string', short: 'u', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  },
  stopAtPositional: true,
  async run({ flags, positionals }, ctx) {
    expectArgs('exec', positionals, 2, Infinity, 'a container and a command');
    const [query, ...argv] = positionals;
    try {
      return await execInContainer(
        await ctx.store(),
        query,
        { argv, interactive: flags.interactive, tty: flags.tty, detach: flags.detach, env: flags.env, workdir: flags.workdir, user: flags.user },
        terminalStreams(),
      );
    } catch (e) {
      // As docker exec: the daemon's refusals (no such container, not running) are 1, our own failures 125.
      if (e instanceof DockerliteError && !(e instanceof CommandNotRunnable || e instanceof Conflict || e instanceof NotFound)) e.exitCode = 125;
      throw e;
    }
  },
});
