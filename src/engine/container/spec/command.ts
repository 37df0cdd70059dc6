// Docker's rules for what a container runs and with which environment.
// Pure functions, shared by create/run and unit-tested.
import { InvalidArgument } from '../../../errors.js';
import type { RunConfig } from '../../../store/types.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Entrypoint + Cmd, as Docker combines them: a command line replaces the
 * image's Cmd; --entrypoint replaces the Entrypoint and also drops the
 * image's Cmd. Returns the argv to run.
 */
export function commandLine(image: RunConfig | undefined, userCmd: string[], userEntrypoint?: string[] | null): { entrypoint: string[]; cmd: string[] } {
  let entrypoint = image?.Entrypoint ?? [];
  let cmd = image?.Cmd ?? [];
  if (userEntrypoint !== undefined) {
    entrypoint = userEntrypoint ?? [];
    cmd = [];
  }
  if (userCmd.length) cmd = userCmd;
  if (!entrypoint.length && !cmd.length) throw new InvalidArgument('no command specified: give one after the image name, or use an image with a CMD');
  return { entrypoint, cmd };
}

/** Merge KEY=VALUE lists; later lists win. A bare KEY takes its value from the host environment, or is dropped. */
export function mergeEnv(...lists: Array<string[] | undefined>): string[] {
  const out = new Map<string, string>();
  for (const list of lists) {
    for (const e of list ?? []) {
      const eq = e.indexOf('=');
      if (eq === 0) throw new InvalidArgument(`invalid environment variable '${e}'`);
      if (eq === -1) {
        const v = process.env[e];
        if (v !== undefined) out.set(e, v);
        else out.delete(e);
      } else out.set(e.slice(0, eq), e.slice(eq + 1));
    }
  }
  return [...out].map(([k, v]) => `${k}=${v}`);
}

export function envValue(env: string[], key: string): string | undefined {
  const hit = env.findLast((e) => e.startsWith(key + '='));
  return hit?.slice(key.length + 1);
}

/** Parse an env file: KEY=VALUE or KEY lines; # comments and blank lines ignored. */
export function parseEnvFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'))
    .map((l) => l.replace(/^\s+/, ''));
}
