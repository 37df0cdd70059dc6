// Docker credential helpers (docker-credential-<name>), for config.json's
// credsStore / credHelpers: the server URL or a JSON document on stdin,
// JSON on stdout.
import { run } from './exec.js';
import { ExecError } from '../errors.js';

export interface HelperCredentials {
  Username: string;
  Secret: string;
}

/** echo SERVER | docker-credential-NAME get -> {"Username":...,"Secret":...}, or undefined when it has none. */
export async function get(helper: string, server: string): Promise<HelperCredentials | undefined> {
  const r = await run(`docker-credential-${helper}`, ['get'], { input: server, allowFail: true });
  if (r.status !== 0) {
    if (/credentials not found/i.test(r.stdout + r.stderr)) return undefined;
    throw new ExecError(`docker-credential-${helper}`, ['get'], r.status, null, r.stderr || r.stdout);
  }
  const doc = JSON.parse(r.stdout) as HelperCredentials;
  return doc.Username || doc.Secret ? doc : undefined;
}

/** echo '{"ServerURL":...,"Username":...,"Secret":...}' | docker-credential-NAME store */
export async function store(helper: string, server: string, username: string, secret: string): Promise<void> {
  await run(`docker-credential-${helper}`, ['store'], { input: JSON.stringify({ ServerURL: server, Username: username, Secret: secret }) });
}

/** echo SERVER | docker-credential-NAME erase */
export async function erase(helper: string, server: string): Promise<void> {
  await run(`docker-credential-${helper}`, ['erase'], { input: server });
}
