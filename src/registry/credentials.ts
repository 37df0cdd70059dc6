// Registry credentials in Docker's config.json ($DOCKER_CONFIG/config.json or
// ~/.docker/config.json), so `docker login` and `dockerlite login` share
// them: auths.<server>.auth = base64("user:password"), or a credential
// helper named by credHelpers.<server> / credsStore.
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/json.js';
import { InvalidArgument } from '../errors.js';
import * as helper from '../sys/credhelper.js';
import { DOCKER_HUB, type RegistrySettings } from './settings.js';

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token a token server handed out at login, used instead of the password. */
  identityToken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [k: string]: unknown;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

/** The config.json key for a registry domain: Docker Hub keeps its historical URL. */
export function serverKey(domain: string): string {
  return domain === DOCKER_HUB ? 'https://index.docker.io/v1/' : domain;
}

/** "https://host:port/v1/" -> "host:port", as Docker compares config.json keys. */
function keyHost(key: string): string {
  const h = key.replace(/^https?:\/\//, '').split('/')[0];
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(h) ? 'index.docker.io' : h;
}

function configPath(s: RegistrySettings): string {
  return join(s.dockerConfigDir, 'config.json');
}

async function readConfig(s: RegistrySettings): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(configPath(s), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  try {
    const doc = JSON.parse(text) as DockerConfig;
    return doc && typeof doc === 'object' ? doc : {};
  } catch {
    throw new InvalidArgument(`${configPath(s)} is not valid JSON; fix or remove it`);
  }
}

async function writeConfig(s: RegistrySettings, doc: DockerConfig): Promise<void> {
  await mkdir(s.dockerConfigDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(configPath(s), JSON.stringify(doc, null, '\t') + '\n', 0o600);
}

function findKey(auths: Record<string, AuthEntry>, domain: string): string | undefined {
  const want = keyHost(serverKey(domain));
  return Object.keys(auths).find((k) => k === serverKey(domain)) ?? Object.keys(auths).find((k) => keyHost(k) === want);
}

function helperFor(doc: DockerConfig, domain: string): string | undefined {
  const helpers = doc.credHelpers ?? {};
  const key = Object.keys(helpers).find((k) => keyHost(k) === keyHost(serverKey(domain)));
  return key ? helpers[key] : doc.credsStore || undefined;
}

/** The credentials stored for a registry domain, if any. */
export async function getCredentials(s: RegistrySettings, domain: string): Promise<Credentials | undefined> {
  const doc = await readConfig(s);
  const h = helperFor(doc, domain);
  if (h) {
    const c = await helper.get(h, serverKey(domain));
    if (!c) return undefined;
    return c.Username === '<token>' ? { username: '', password: '', identityToken: c.Secret } : { username: c.Username, password: c.Secret };
  }
  const auths = doc.auths ?? {};
  const key = findKey(auths, domain);
  if (!key) return undefined;
  const e = auths[key];
  let username = e.username ?? '';
  let password = e.password ?? '';
  if (e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i === -1) throw new InvalidArgument(`the credentials for ${key} in ${configPath(s)} are malformed; log in again`);
    username = plain.slice(0, i);
    password = plain.slice(i + 1);
  }
  if (!username && !password && !e.identitytoken) return undefined;
  return { username, password, ...(e.identitytoken ? { identityToken: e.identitytoken } : {}) };
}

/** Remember credentials for a domain (in the credential helper when one is configured). */
export async function storeCredentials(s: RegistrySettings, domain: string, c: Credentials): Promise<string> {
  const doc = await readConfig(s);
  const h = helperFor(doc, domain);
  const auths = (doc.auths ??= {});
  const key = findKey(auths, domain) ?? serverKey(domain);
  if (h) {
    await helper.store(h, serverKey(domain), c.identityToken ? '<token>' : c.username, c.identityToken ?? c.password);
    auths[key] = {}; // Docker keeps an empty entry so `docker info` lists the login
  } else {
    auths[key] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64'), ...(c.identityToken ? { identitytoken: c.identityToken } : {}) };
  }
  await writeConfig(s, doc);
  return configPath(s);
}

/** Forget a domain's credentials. Returns false when there were none. */
export async function eraseCredentials(s: RegistrySettings, domain: string): Promise<boolean> {
  const doc = await readConfig(s);
  const auths = doc.auths ?? {};
  const key = findKey(auths, domain);
  const h = helperFor(doc, domain);
  let had = false;
  if (h) {
    had = (await helper.get(h, serverKey(domain)).catch(() => undefined)) !== undefined;
    if (had) await helper.erase(h, serverKey(domain));
  }
  if (key) {
    delete auths[key];
    had = true;
    await writeConfig(s, doc);
  }
  return had;
}
