import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { execInContainer } from '../../engine/container/exec.js';
import { parseDetachKeys } from '../../engine/container/attach.js';
import { CommandNotRunnable, Conflict, DockerliteError, InvalidArgument, NotFound } from '../../errors.js';
import { notATty, terminalStreams } from '../terminal.js';
import { readFileSync } from 'node:fs';
import { parseEnvFile } from '../../engine/container/spec/command.js';

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
    'env-file': { type: 'string', multiple: true, help: 'Read in a file of environment variables', arg: 'list' },
    privileged: { type: 'boolean', help: 'Give extended privileges to the command (every capability)' },
    'detach-keys': {
      type: 'string',
      help: 'Override the key sequence for detaching (accepted for scripts; exec runs lxc-attach on the terminal directly, so it never detaches)',
      arg: 'string',
    },
  },
  stopAtPositional: true,
  async run({ flags, positionals }, ctx) {
    expectArgs('exec', positionals, 2, Infinity, 'a container and a command');
    const [query, ...argv] = positionals;
    if (flags.interactive && flags.tty && !flags.detach) notATty();
    const env: string[] = [];
    for (const file of flags['env-file'] ?? []) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new InvalidArgument(`cannot read env file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      }
      env.push(...parseEnvFile(text));
    }
    env.push(...(flags.env ?? []));
    try {
      if (flags['detach-keys'] !== undefined) parseDetachKeys(flags['detach-keys']);
      return await execInContainer(
        await ctx.store(),
        query,
        {
          argv,
          interactive: flags.interactive,
          tty: flags.tty,
          detach: flags.detach,
          env,
          workdir: flags.workdir,
          user: flags.user,
          privileged: flags.privileged,
        },
        terminalStreams(),
      );
    } catch (e) {
      // As docker exec: the daemon's refusals (no such container, not running) are 1, our own failures 125.
      if (e instanceof DockerliteError && !(e instanceof CommandNotRunnable || e instanceof Conflict || e instanceof NotFound)) e.exitCode = 125;
      throw e;
    }
  },
});
