// Name resolution through DNS on user networks, as Docker's embedded server
// does: container names, --network-alias names (also ones added to a running
// container by `network connect --alias`), short ids and NAME.NETWORK answer
// from the store; other names are forwarded. busybox's nslookup asks the
// server in resolv.conf directly, so it proves DNS, not /etc/hosts.
// Forwarding goes only to a dnsmasq this test starts on loopback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { missingPrereq, TestEnv } from '../helpers/env.js';
import { ipOf } from '../helpers/net.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'iptables', 'ip', 'dnsmasq'] });

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const port = skip ? 0 : await freePort();
const env = new TestEnv({ DOCKERLITE_DNS_UPSTREAM: `127.0.0.1:${port}` });
// A real resolver on loopback stands for the host's: it knows one outside name.
const dnsmasq = skip
  ? undefined
  : spawn(
      'dnsmasq',
      ['--no-daemon', '--no-resolv', '--no-hosts', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--address=/outside.test/192.0.2.77'],
      {
        stdio: 'ignore',
      },
    );

after(async () => {
  await env.cleanup();
  dnsmasq?.kill('SIGTERM');
  assert.deepEqual(env.leaks(), [], 'nothing of this store is left on the host');
});

/** The address nslookup printed for the name (not the server's), or undefined. */
function answered(out: string, name: string): string | undefined {
  const at = out.indexOf(`Name:\t${name}`);
  return at < 0 ? undefined : /Address:\s*(\d+\.\d+\.\d+\.\d+)/.exec(out.slice(at))?.[1];
}

function resolverPid(): number | undefined {
  const f = `${env.root}/dnsd.json`;
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { pid: number }).pid : undefined;
}

function alive(pid: number | undefined): boolean {
  return !!pid && spawnSync('kill', ['-0', String(pid)]).status === 0;
}

test('containers on a user network resolve each other through DNS; other names are forwarded', { skip }, async () => {
  await env.ok(['init']);
  await env.ok(['network', 'create', '--subnet', env.freeSubnet(), 'app']);
  await env.ok(['run', '-d', '--name', 'db', '--network', 'app', '--network-alias', 'database', 'busybox', 'sleep', '300']);
  const dbIp = await ipOf(env, 'db');
  const gw = JSON.parse(await env.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'db'])).app.Gateway as string;

  // Docker writes "nameserver 127.0.0.11" and "options ndots:0"; ours is the same server role on the gateway.
  const conf = await env.ok(['run', '--rm', '--network', 'app', 'busybox', 'cat', '/etc/resolv.conf']);
  assert.match(conf, new RegExp(`^nameserver ${gw.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(conf, /^options ndots:0$/m);

  const dbId = await env.ok(['inspect', '-f', '{{.Id}}', 'db']);
  const r = await env.dl([
    'run',
    '--rm',
    '--network',
    'app',
    'busybox',
    'sh',
    '-c',
    `nslookup db; nslookup database; nslookup ${dbId.slice(0, 12)}; nslookup db.app`,
  ]);
  assert.equal(r.status, 0, r.stderr);
  for (const name of ['db', 'database', dbId.slice(0, 12), 'db.app']) assert.equal(answered(r.stdout, name), dbIp, `${name}:\n${r.stdout}`);
  assert.match(r.stdout, new RegExp(`Server:\\s+${gw.replace(/\./g, '\\.')}`));

  // Forwarded: a name the store does not know goes to the upstream resolver.
  const out = await env.dl(['run', '--rm', '--network', 'app', 'busybox', 'nslookup', '-type=a', 'outside.test']);
  assert.equal(answered(out.stdout, 'outside.test'), '192.0.2.77', out.stdout + out.stderr);
  // Not a name on this network: the default bridge's containers are not answered.
  await env.ok(['run', '-d', '--name', 'lonely', 'busybox', 'sleep', '300']);
  const miss = await env.dl(['exec', 'db', 'nslookup', '-type=a', 'lonely']);
  assert.equal(answered(miss.stdout, 'lonely'), undefined, miss.stdout);

  // An alias added to a running container resolves at once in a running peer, through DNS.
  await env.ok(['network', 'connect', '--alias', 'late-alias', 'app', 'lonely']);
  const lonelyIp = await ipOf(env, 'lonely', 'app');
  const late = await env.dl(['exec', 'db', 'nslookup', '-type=a', 'late-alias']);
  assert.equal(answered(late.stdout, 'late-alias'), lonelyIp, late.stdout + late.stderr);
  // Also over TCP (a 20-byte query for 'db' behind its length; nc hangs up at its input's end, hence the sleep).
  const tcp = await env.dl([
    'exec',
    'db',
    'sh',
    '-c',
    `(printf '\\000\\024\\022\\064\\001\\000\\000\\001\\000\\000\\000\\000\\000\\000\\002db\\000\\000\\001\\000\\001'; sleep 1) | nc ${gw} 53 | od -An -tu1 | tr -s ' \\n' ' '`,
  ]);
  const bytes = tcp.stdout.trim().split(' ').map(Number);
  assert.deepEqual(bytes.slice(-4), dbIp.split('.').map(Number), `TCP answer: ${tcp.stdout}${tcp.stderr}`);

  // The resolver lives only while a container uses it.
  const pid = resolverPid();
  assert.ok(alive(pid), 'the resolver runs');
  await env.ok(['rm', '-f', 'db', 'lonely']);
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((res) => setTimeout(res, 100));
  assert.ok(!alive(pid), 'the resolver ended with the last container on a user network');
});
