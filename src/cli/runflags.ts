// Flags shared by `create` and `run`, with Docker's names, and their
// translation into the engine's CreateOptions.
import { readFileSync } from 'node:fs';
import type { FlagDefs, Flags } from './args.js';
import type { CreateOptions } from '../engine/containers.js';
import { parseEnvFile } from '../engine/spec.js';
import { InvalidArgument } from '../errors.js';
import { NETWORK_FLAGS, networkOptions } from '../network/flags.js';

export const CREATE_FLAGS = {
  name: { type: 'string', help: 'Assign a name to the container' },
  env: { type: 'string', short: 'e', multiple: true, help: 'Set environment variables (KEY=VALUE, or KEY to copy it from here)' },
  'env-file': { type: 'string', multiple: true, help: 'Read environment variables from a file', arg: 'file' },
  workdir: { type: 'string', short: 'w', help: 'Working directory inside the container', arg: 'dir' },
  hostname: { type: 'string', short: 'h', help: 'Container host name' },
  user: { type: 'string', short: 'u', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  entrypoint: { type: 'string', help: 'Overwrite the default ENTRYPOINT of the image', arg: 'command' },
  interactive: { type: 'boolean', short: 'i', help: 'Keep STDIN open and connected' },
  tty: { type: 'boolean', short: 't', help: 'Allocate a pseudo-TTY' },
  label: { type: 'string', short: 'l', multiple: true, help: 'Set metadata on a container (KEY=VALUE)' },
  rm: { type: 'boolean', help: 'Automatically remove the container when it exits' },
  ...NETWORK_FLAGS,
} as const satisfies FlagDefs;

export function labels(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) {
    const eq = l.indexOf('=');
    out[eq === -1 ? l : l.slice(0, eq)] = eq === -1 ? '' : l.slice(eq + 1);
  }
  return out;
}

export function toCreateOptions(f: Flags<typeof CREATE_FLAGS>, image: string, cmd: string[]): CreateOptions {
  const env: string[] = [];
  for (const file of f['env-file'] ?? []) {
    try {
      env.push(...parseEnvFile(readFileSync(file, 'utf8')));
    } catch {
      throw new InvalidArgument(`cannot read env file ${file}`);
    }
  }
  env.push(...(f.env ?? []));
  const net = networkOptions(f);
  return {
    image,
    cmd,
    name: f.name,
    env,
    workdir: f.workdir,
    hostname: f.hostname,
    user: f.user,
    entrypoint: f.entrypoint === undefined ? undefined : f.entrypoint === '' ? null : [f.entrypoint],
    tty: f.tty,
    interactive: f.interactive,
    labels: labels(f.label),
    hostConfig: { AutoRemove: !!f.rm, ...net.hostConfig },
    networkingConfig: net.networkingConfig,
    exposedPorts: net.exposedPorts,
  };
}
