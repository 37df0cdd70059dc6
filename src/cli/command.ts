// What every command file exports: its help, its flags and its action.
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { FlagDefs, Parsed } from './args.js';

export interface Context {
  cfg: Config;
  /** The store, initialised first if needed. */
  store(): Promise<Store>;
  /** The name the user typed (an alias, maybe). */
  invokedAs: string;
  /** Data for stdout. */
  out(text: string): void;
  /** Messages for stderr. */
  warn(text: string): void;
}

export interface Command<D extends FlagDefs = FlagDefs> {
  summary: string;
  usage: string;
  flags: D;
  /** Flags end at the first positional (run, exec: the rest is the container's command). */
  stopAtPositional?: boolean;
  run(args: Parsed<D>, ctx: Context): Promise<number | void>;
}

export function defineCommand<D extends FlagDefs>(c: Command<D>): Command<D> {
  return c;
}
