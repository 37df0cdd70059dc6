// Compose (Debian's docker-compose 1.29) against `dockerlite serve`: a
// two-service project where web reaches db by name, then ps, logs and
// down -v, after which nothing of the project is left.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { TestEnv, missingPrereq, eventually, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['docker-compose', 'docker', 'lxc-execute', 'btrfs'] });
const env = new TestEnv();
const sock = join(env.dir, 'api.sock');
const proj = join(env.dir, 'proj');
let server: ChildProcess | undefined;

const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, {
    cwd: proj,
    encoding: 'utf8',
    timeout: 180_000,
    env: { PATH: process.env.PATH, HOME: env.dir, DOCKER_CONFIG: join(env.dir, 'docker-config'), DOCKER_HOST: `unix://${sock}` },
  });
const compose = (...args: string[]) => {
  const r = run('docker-compose', ['-p', 'dlapi', ...args]);
  assert.equal(r.status, 0, `docker-compose ${args.join(' ')}: ${r.stderr}`);
  return r.stdout + r.stderr;
};

before(async () => {
  if (skip) return;
  await env.ok(['init']);
  server = spawn(process.execPath, [BIN, 'serve', '-H', `unix://${sock}`], { env: env.env, stdio: 'ignore' });
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect(sock);
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      }),
    'the API socket',
  );
  mkdirSync(proj, { recursive: true });
  writeFileSync(
    join(proj, 'docker-compose.yml'),
    `version: "3"
services:
  db:
    image: busybox
    command: sh -c 'mkdir -p /www && echo db-answer > /www/index.html && httpd -f -p 8080 -h /www'
    volumes:
      - dbdata:/data
  web:
    image: busybox
    command: sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://db:8080/ && break; sleep 1; done; sleep 300'
    depends_on: [db]
volumes:
  dbdata:
`,
  );
});
after(async () => {
  if (!skip) run('docker-compose', ['-p', 'dlapi', 'down', '-v', '-t', '1']);
  if (server?.pid && server.exitCode === null) {
    const gone = new Promise((r) => server!.once('exit', r));
    process.kill(server.pid, 'SIGTERM');
    await gone;
  }
  await env.cleanup();
});

test('compose up: web reaches db by name; ps, logs, down -v leave nothing behind', { skip }, async () => {
  const up = compose('up', '-d');
  assert.match(up, /Creating volume "dlapi_dbdata"/);
  const ps = compose('ps');
  assert.match(ps, /dlapi_db_1\s.*Up/);
  // Once each, and web is the first of its service (label filters AND, as dockerd's).
  assert.match(ps, /dlapi_web_1\s.*Up/);
  assert.equal(ps.match(/dlapi_\w+_\d/g)?.length, 2, ps);
  await eventually(() => compose('logs', 'web').includes('db-answer'), 'web to print what db served', 30_000);
  const down = compose('down', '-v', '-t', '1');
  assert.match(down, /Removing network dlapi_default/);
  assert.match(down, /Removing volume dlapi_dbdata/);
  assert.equal(await env.ok(['ps', '-a', '-q']), '');
  assert.doesNotMatch(await env.ok(['network', 'ls']), /dlapi/);
  assert.doesNotMatch(await env.ok(['volume', 'ls']), /dlapi/);
});
