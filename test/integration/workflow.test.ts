// The original dockerlite's whole workflow, with Docker's names and the
// original ones: init -> run -> commit -> run from the commit -> diff -> rm -> rmi.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'mkfs.btrfs', 'busybox'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

test('init makes a loopback BTRFS store with the empty and busybox images', { skip }, async () => {
  const mounts = (await import('node:fs')).readFileSync('/proc/self/mounts', 'utf8');
  assert.match(mounts, new RegExp(`${env.root} btrfs`));
  const images = await env.ok(['images', '-a']);
  assert.match(images, /^busybox\s+latest\s+[0-9a-f]{12}/m);
  assert.match(images, /^empty\s+latest/m);
  // Idempotent: a second init changes nothing.
  const ids = await env.ok(['images', '-aq']);
  await env.ok(['init']);
  assert.equal(await env.ok(['images', '-aq']), ids);
});

test('run, commit, run the commit, diff, rm, rmi', { skip }, async () => {
  const r = await env.dl(['run', '--name', 'first', 'busybox', 'sh', '-c', 'echo hello > /greeting; rm /bin/vi; chmod 700 /home; echo done']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'done\n');

  const diff = await env.ok(['diff', 'first']);
  assert.deepEqual(
    diff.split('\n'),
    ['C /bin', 'D /bin/vi', 'C /home', 'A /greeting'].sort((a, b) => a.slice(2).localeCompare(b.slice(2))),
  );

  const id = await env.ok(['commit', '-m', 'greeting added', 'first', 'greeter:v1']);
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await env.ok(['run', '--rm', 'greeter:v1', 'cat', '/greeting']), 'hello');
  assert.equal((await env.dl(['run', '--rm', 'greeter:v1', 'ls', '/bin/vi'])).status, 1, 'the deletion is in the image too');
  const inspect = JSON.parse(await env.ok(['inspect', 'greeter:v1']));
  assert.equal(inspect[0].Comment, 'greeting added');
  // The managed /etc files are mounted over placeholders: those are dockerlite's, not the container's change.
  assert.equal(existsSync(`${inspect[0].GraphDriver.Data.Rootfs}/etc/hostname`), false, 'no mount-point placeholder in the image');
  assert.deepEqual(inspect[0].RepoTags, ['greeter:v1']);

  // rmi refuses while a container uses the image, then works.
  await env.ok(['create', '--name', 'user', 'greeter:v1']);
  const refused = await env.dl(['rmi', 'greeter:v1']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^dockerlite: error: .*in use by container/m);
  await env.ok(['rm', 'user']);
  await env.ok(['rm', 'first']);
  const rmi = await env.ok(['rmi', 'greeter:v1']);
  assert.match(rmi, /Untagged: greeter:v1\nDeleted: sha256:/);
  assert.equal(await env.ok(['ps', '-aq']), '');
  assert.doesNotMatch(await env.ok(['images']), /greeter/);
});

test("the original's command names and usage still work", { skip }, async () => {
  const cid = await env.ok(['mkc', 'busybox', 'oldstyle']);
  assert.match(cid, /^[0-9a-f]{64}$/);
  assert.match(await env.ok(['lsc']), /oldstyle/);
  assert.equal(await env.ok(['runc', 'oldstyle', 'sh', '-c', 'echo ran > /ran; cat /ran']), 'ran');
  assert.match(await env.ok(['ps', '-a', '--no-trunc']), /"sh -c 'echo ran > \/ran; cat \/ran'"/, 'runc records its command (quoted as docker ps quotes it)');
  assert.equal((await env.dl(['running', 'oldstyle'])).stdout, 'N\n');
  assert.equal((await env.dl(['running', 'oldstyle'])).status, 1);
  const img = await env.ok(['mki', 'oldstyle', 'oldimage']);
  assert.match(await env.ok(['lsi']), /^oldimage\s+latest\s+/m);
  assert.equal(await env.ok(['runi', '--rm', 'oldimage', 'cat', '/ran']), 'ran');
  const rootfs = await env.ok(['rootfs', 'oldstyle']);
  assert.ok(existsSync(`${rootfs}/ran`));
  // chroot: the debugging aid, with no isolation.
  assert.equal(await env.ok(['chroot', 'oldstyle', 'cat', '/ran']), 'ran');
  // LAST is the newest container; ids resolve by prefix.
  assert.equal(await env.ok(['rootfs', 'LAST']), rootfs);
  assert.equal(await env.ok(['rootfs', cid.slice(0, 10)]), rootfs);
  await env.ok(['rmc', 'oldstyle']);
  await env.ok(['rmi', img.slice(7, 19)]);
  assert.match(await env.ok(['alias']), /^alias dl='sudo \/.*bin\/dockerlite'$/);
  const help = await env.ok(['help']);
  for (const c of [
    'create',
    'run',
    'start',
    'commit',
    'ps',
    'images',
    'rm',
    'rmi',
    'diff',
    'inspect',
    'kill',
    'running',
    'findpid',
    'rootfs',
    'chroot',
    'alias',
    'import',
    'deinit',
  ]) {
    assert.match(help, new RegExp(`^  ${c}\\s+\\S`, 'm'), `help lists ${c}`);
  }
  assert.match(help, /^ {2}lsc\s+= ps -a$/m);
});

/** Bytes of data the store's filesystem holds (btrfs filesystem df -b). */
async function dataUsed(root: string): Promise<number> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('btrfs', ['filesystem', 'df', '-b', root], { encoding: 'utf8' });
  return Number(/^Data.*used=(\d+)/m.exec(out)![1]);
}

test('commit is a snapshot: it copies none of the data written', { skip }, async () => {
  await env.ok(['run', '--name', 'big', 'busybox', 'sh', '-c', 'dd if=/dev/urandom of=/big bs=1M count=64 2>/dev/null; sync']);
  const before = await dataUsed(env.root);
  await env.ok(['commit', 'big', 'bigimg']);
  await env.ok(['run', '--name', 'fromcommit', 'bigimg', 'sync']);
  const grew = (await dataUsed(env.root)) - before;
  assert.ok(grew < 8 * 1024 * 1024, `committing and running 64 MB grew the data by ${grew} bytes (expected ~0: snapshots share extents)`);
  const layers = JSON.parse(await env.ok(['inspect', '-f', '{{json .GraphDriver.Data.Layers}}', 'bigimg']));
  assert.equal(layers.length, 2);
  await env.ok(['rm', 'big', 'fromcommit']);
  await env.ok(['rmi', 'bigimg']);
});
