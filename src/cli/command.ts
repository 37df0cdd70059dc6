// What every command file exports: its help, its flags and its action.
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { FlagDefs, Parsed } from './args.js';

/** One command of the table: its name and how to load its file. */
export interface Entry {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one table holds commands whose flags differ
  load: () => Promise<{ default: Command<any> }>;
}

/** The command table (commands.ts), handed to commands in their Context so none imports it back. */
export interface Catalog {
  commands: Entry[];
  aliases: Record<string, { to: string; args?: string[] }>;
  find: (name: string) => Entry | undefined;
  aliasesOf: (name: string) => string[];
  /** Docker's management forms (container ls = ps), whose target exists. */
  forms?: Record<string, { to: string; args?: string[] }>;
}

export interface Context {
  cfg: Config;
  /** Every command, for help. */
  catalog: Catalog;
  /** The store, initialised first if needed (listing: see engine/system/sweep.ts; the first call's options win). */
  store: (opts?: { listing?: boolean }) => Promise<Store>;
  /** The name the user typed (an alias, maybe). */
  invokedAs: string;
  /** Data for stdout. */
  out: (text: string) => void;
  /** Messages for stderr. */
  warn: (text: string) => void;
}

export interface Command<D extends FlagDefs = FlagDefs> {
  summary: string;
  usage: string;
  flags: D;
  /** Flags end at the first positional (run, exec: the rest is the container's command). */
  stopAtPositional?: boolean;
  /** Exit status for a flag the command does not know or cannot parse (Docker: 125 for run and create). */
  usageExitCode?: number;
  run(args: Parsed<D>, ctx: Context): Promise<number | void>;
}

export function defineCommand<D extends FlagDefs>(c: Command<D>): Command<D> {
  return c;
}
