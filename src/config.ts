// Configuration, as the original's dockerlite.conf: KEY=VALUE lines in
// /etc/dockerlite.conf (or $DOCKERLITE_CONF), overridden by the environment.
import { readFileSync } from 'node:fs';
import { InvalidArgument } from './errors.js';

export interface Config {
  /** BTRFS directory holding all state. */
  root: string;
  /** Loopback image used when root is not already on BTRFS. */
  loopFile: string;
  /** Size of a new loopback image, in MB (sparse). */
  loopSizeMB: number;
  /** Bridge that container veths join. */
  bridge: string;
  /** Subnet of the default bridge, CIDR. */
  subnet: string;
  /** Where `network create` without --subnet takes a free /24 from, CIDR. */
  pool: string;
  /** Trace every external command to stderr. */
  debug: boolean;
  /** Where the embedded resolver forwards names it does not know (IP[:PORT], comma-separated; 'none'); unset: the host's resolv.conf. */
  dnsUpstream?: string;
}

/** The settings a config file or the environment may give. */
type Key =
  | 'DOCKERLITE_ROOT'
  | 'DOCKERLITE_LOOPFILE'
  | 'DOCKERLITE_LOOPSIZE'
  | 'DOCKERLITE_BRIDGE'
  | 'DOCKERLITE_SUBNET'
  | 'DOCKERLITE_POOL'
  | 'DOCKERLITE_DEBUG'
  | 'DOCKERLITE_DNS_UPSTREAM';

/** Parse shell-style KEY=VALUE lines; quotes are stripped, comments ignored. */
export function parseConfFile(text: string): Partial<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

let cached: Config | undefined;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (cached && env === process.env) return cached;
  let file: Partial<Record<string, string>> = {};
  const path = env.DOCKERLITE_CONF ?? '/etc/dockerlite.conf';
  try {
    file = parseConfFile(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || env.DOCKERLITE_CONF) {
      throw new InvalidArgument(`cannot read config file ${path}: ${(e as Error).message}`);
    }
  }
  const get = (k: Key): string | undefined => env[k] ?? file[k];
  const root = (get('DOCKERLITE_ROOT') || '/var/lib/dockerlite').replace(/\/+$/, '') || '/';
  const size = Number(get('DOCKERLITE_LOOPSIZE') ?? 16384);
  if (!Number.isInteger(size) || size < 256) {
    throw new InvalidArgument(`DOCKERLITE_LOOPSIZE must be a whole number of MB, at least 256 (got ${get('DOCKERLITE_LOOPSIZE')})`);
  }
  const debug = get('DOCKERLITE_DEBUG');
  const cfg: Config = {
    root,
    loopFile: get('DOCKERLITE_LOOPFILE') || `${root}.img`,
    loopSizeMB: size,
    bridge: get('DOCKERLITE_BRIDGE') || 'dockerlite0',
    subnet: get('DOCKERLITE_SUBNET') || '10.1.1.0/24',
    pool: get('DOCKERLITE_POOL') || '10.2.0.0/16',
    debug: !!debug && debug !== '0' && debug !== 'false',
    dnsUpstream: get('DOCKERLITE_DNS_UPSTREAM') || undefined,
  };
  if (env === process.env) cached = cfg;
  return cfg;
}
