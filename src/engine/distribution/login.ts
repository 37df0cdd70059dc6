// login / logout: check credentials against a registry (Basic, or the token
// server for Bearer) and keep them in Docker's config.json.
import { InvalidArgument } from '../../errors.js';
import { Registry } from '../../registry/client.js';
import { DOCKER_HUB, registrySettings } from '../../registry/settings.js';
import { eraseCredentials, serverKey, storeCredentials, type Credentials } from '../../registry/credentials.js';

/** The registry a login names: a host[:port], a URL, or nothing (Docker Hub). */
export function loginDomain(server?: string): string {
  if (!server) return DOCKER_HUB;
  const host = server
    .replace(/^https?:\/\//, '')
    .split('/')[0]
    .toLowerCase();
  if (!host || !/^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:]+\](:\d+)?$/.test(host))
    throw new InvalidArgument(`invalid registry address '${server}': expected host[:port]`);
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(host) ? DOCKER_HUB : host;
}

export async function login(server: string | undefined, creds: Credentials): Promise<{ server: string; configFile: string }> {
  const domain = loginDomain(server);
  const settings = registrySettings();
  const reg = await Registry.connect(domain, { settings, credentials: creds });
  await reg.authenticate([]);
  const configFile = await storeCredentials(settings, domain, creds);
  return { server: serverKey(domain), configFile };
}

export async function logout(server: string | undefined): Promise<{ server: string; removed: boolean }> {
  const domain = loginDomain(server);
  return { server: serverKey(domain), removed: await eraseCredentials(registrySettings(), domain) };
}
