// argv -> command -> exit code. The only place that calls process.exit.
import { version } from './version.js';
import { ALIASES, catalog, find, aliasesOf, form } from './commands.js';
import { parseFlags, wantsHelp, helpText } from './args.js';
import type { Context } from './command.js';
import { loadConfig } from '../config.js';
import { describe, DockerliteError, InvalidArgument } from '../errors.js';
import { setDebug } from '../sys/exec.js';
import { exitAfterOutput, write } from './stdio.js';

/** Which command argv names: "volume ls" before "volume", aliases mapped to their target. */
function pick(argv: string[]): { name: string; rest: string[]; invokedAs: string } {
  const two = `${argv[0]} ${argv[1]}`;
  if (argv.length > 1 && find(two)) return { name: two, rest: argv.slice(2), invokedAs: two };
  const f = argv.length > 1 ? form(argv[0], argv[1]) : undefined;
  if (f) return { name: f.to, rest: [...(f.args ?? []), ...argv.slice(2)], invokedAs: two };
  const alias = ALIASES[argv[0]];
  if (alias) return { name: alias.to, rest: [...(alias.args ?? []), ...argv.slice(1)], invokedAs: argv[0] };
  return { name: argv[0], rest: argv.slice(1), invokedAs: argv[0] };
}

/** Debug mode (-D, or DOCKERLITE_DEBUG through the config): trace commands, and show stacks on errors. */
let showStacks = false;

async function main(argv: string[]): Promise<number> {
  let debug = false;
  while (argv[0]?.startsWith('-')) {
    const flag = argv.shift()!;
    if (flag === '--version' || flag === '-v') {
      write(1, `dockerlite version ${version()}\n`);
      return 0;
    }
    if (flag === '-D' || flag === '--debug') debug = true;
    else if (flag === '-h' || flag === '--help') argv = ['help', ...argv];
    else throw new InvalidArgument(`unknown flag: ${flag}; see 'dockerlite --help'`);
  }
  if (!argv.length) argv = ['help'];
  const { name, rest, invokedAs } = pick(argv);
  const entry = find(name);
  if (!entry) throw new InvalidArgument(`'${argv[0]}' is not a dockerlite command; see 'dockerlite help'`);
  const cfg = loadConfig();
  if (debug || cfg.debug) setDebug((showStacks = true));
  const cmd = (await entry.load()).default;
  if (wantsHelp(rest, cmd.flags, !!cmd.stopAtPositional)) {
    write(1, helpText(name, cmd.usage, cmd.summary, cmd.flags, aliasesOf(name)));
    return 0;
  }
  let parsed;
  try {
    parsed = parseFlags(name, rest, cmd.flags, { stopAtPositional: cmd.stopAtPositional });
  } catch (e) {
    if (e instanceof DockerliteError && cmd.usageExitCode) e.exitCode = cmd.usageExitCode;
    throw e;
  }
  let store: ReturnType<Context['store']> | undefined;
  const ctx: Context = {
    cfg,
    catalog,
    invokedAs,
    store: (opts) =>
      (store ??= import('../engine/system/store.js').then(async (m) => {
        const opened = await m.openStore(cfg, (l) => write(2, `dockerlite: ${l}\n`), opts);
        opened.warn = (w) => write(2, `dockerlite: warning: ${w}\n`);
        return opened;
      })),
    out: (t) => write(1, t),
    warn: (t) => write(2, t),
  };
  return (await cmd.run(parsed, ctx)) ?? 0;
}

main(process.argv.slice(2)).then(exitAfterOutput, (err: unknown) => {
  const code = err instanceof DockerliteError ? err.exitCode : 1;
  write(2, `dockerlite: error: ${describe(err)}\n`);
  if (showStacks && err instanceof Error && err.stack) write(2, err.stack + '\n');
  exitAfterOutput(code);
});
