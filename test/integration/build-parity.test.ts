// What builds produce, compared with Docker's classic builder (dockerd 20.10,
// DOCKER_BUILDKIT=0): the default PATH, COPY --from owners, WORKDIR, step
// numbering, the tar context's .dockerignore, build flags; commit and import -c.
// The expected values were recorded from the real dockerd and are written beside each check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'tar'] });
const env = new TestEnv();
let n = 0;
function context(files: Record<string, string>): string {
  const dir = join(env.dir, `ctx${n++}`);
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}
const steps = (out: string) => out.split('\n').filter((l) => l.startsWith('Step ') || l.startsWith(' ---> Using cache'));

before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

test('the busybox image has PATH; a stage gets the default PATH when its base has none', { skip }, async () => {
  const cfg = JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .Config.Env}}', 'busybox']));
  assert.deepEqual(cfg, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  // An image without PATH (imported): ENV PATH=/opt/venv/bin:$PATH then gives Docker's
  // "PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  const rootfs = JSON.parse(await env.ok(['image', 'inspect', 'busybox']))[0].GraphDriver.Data.Rootfs as string;
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1 << 26 });
  assert.equal(tar.status, 0);
  await env.ok(['import', '-', 'nopath'], { input: tar.stdout });
  assert.equal(await env.ok(['image', 'inspect', '-f', '{{json .Config.Env}}', 'nopath']), 'null');
  const dir = context({ Dockerfile: 'FROM nopath\nENV PATH=/opt/venv/bin:$PATH\nRUN echo "PATH=$PATH"\n' });
  const r = await env.dl(['build', '-t', 'withpath', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^PATH=\/opt\/venv\/bin:\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
  // FROM scratch + ENV A=1: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=1"]
  await env.ok(['build', '-t', 'scr', context({ Dockerfile: 'FROM scratch\nENV A=1\n' })]);
  assert.deepEqual(JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .Config.Env}}', 'scr'])), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'A=1',
  ]);
  // A Dockerfile of FROM alone is the base image itself.
  const only = await env.ok(['build', '-q', context({ Dockerfile: 'FROM nopath\n' })]);
  assert.equal(only, (await env.ok(['images', '-q', '--no-trunc', 'nopath'])).trim());
});

test('step numbering counts ARGs before FROM; ARG steps are cached; COPY --from keeps owners; WORKDIR is made at once', { skip }, async () => {
  const dir = context({
    Dockerfile: [
      'ARG BASE=busybox',
      'ARG X=1',
      'FROM $BASE AS src',
      'RUN mkdir /o && echo a > /o/f && chown -R 123:456 /o && chmod 0700 /o',
      'FROM ${BASE}',
      'ARG Y=2',
      'USER nobody',
      'WORKDIR /w/x',
      'COPY --from=src /o /copied',
      'USER root',
      `RUN stat -c '%n %a %u %g' /w /w/x /copied /copied/f`,
      '',
    ].join('\n'),
  });
  const first = await env.dl(['build', dir]);
  assert.equal(first.status, 0, first.stderr);
  // dockerd 20.10: /w 755 0 0, /w/x 755 0 0, /copied 755 0 0, /copied/f 644 123 456
  assert.match(first.stdout, /^\/w 755 0 0\n\/w\/x 755 0 0\n\/copied 755 0 0\n\/copied\/f 644 123 456$/m);
  assert.deepEqual(steps(first.stdout).slice(0, 3), ['Step 1/11 : ARG BASE=busybox', 'Step 2/11 : ARG X=1', 'Step 3/11 : FROM $BASE AS src']);
  const again = await env.dl(['build', dir]);
  // dockerd 20.10 prints "Using cache" for every step after FROM, the ARG included.
  assert.deepEqual(steps(again.stdout), [
    'Step 1/11 : ARG BASE=busybox',
    'Step 2/11 : ARG X=1',
    'Step 3/11 : FROM $BASE AS src',
    'Step 4/11 : RUN mkdir /o && echo a > /o/f && chown -R 123:456 /o && chmod 0700 /o',
    ' ---> Using cache',
    'Step 5/11 : FROM ${BASE}',
    'Step 6/11 : ARG Y=2',
    ' ---> Using cache',
    'Step 7/11 : USER nobody',
    ' ---> Using cache',
    'Step 8/11 : WORKDIR /w/x',
    ' ---> Using cache',
    'Step 9/11 : COPY --from=src /o /copied',
    ' ---> Using cache',
    'Step 10/11 : USER root',
    ' ---> Using cache',
    `Step 11/11 : RUN stat -c '%n %a %u %g' /w /w/x /copied /copied/f`,
    ' ---> Using cache',
  ]);
  // WORKDIR alone, with nothing copied into it, still makes the directory (root's, 0755).
  await env.ok(['build', '-t', 'wd', context({ Dockerfile: 'FROM busybox\nUSER nobody\nWORKDIR /made/here\n' })]);
  // (run as the image's user, nobody: a directory made only at start would be nobody's)
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'wd', 'stat', '-c', '%a %u %g', '/made/here']), '755 0 0');
});

test('HEALTHCHECK --retries=0 is refused as Docker refuses it', { skip }, async () => {
  const r = await env.dl(['build', context({ Dockerfile: 'FROM busybox\nHEALTHCHECK --retries=0 CMD true\n' })]);
  // dockerd 20.10: "dockerfile parse error line 2: --retries must be at least 1 (not 0)", exit 1
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Dockerfile:2: --retries must be at least 1 \(not 0\)/);
});

test("a tar context on stdin: .dockerignore takes out only itself and the Dockerfile (dockerd's rule)", { skip }, async () => {
  const dir = context({
    '.dockerignore': 'secret\n*.log\n.dockerignore\n',
    secret: 's\n',
    'a.log': 'l\n',
    Dockerfile: 'FROM busybox\nCOPY . /ctx/\nRUN ls -a /ctx\n',
  });
  const tar = spawnSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 1 << 24 });
  const r = await env.dl(['build', '-'], { input: tar.stdout });
  assert.equal(r.status, 0, r.stderr);
  // dockerd 20.10 lists ., .., Dockerfile, a.log, secret
  assert.match(r.stdout, /^\.\n\.\.\nDockerfile\na\.log\nsecret\n/m);
  // The same as a directory: the client's filter applies, leaving only the Dockerfile
  const d = await env.dl(['build', dir]);
  assert.match(d.stdout, /^\.\n\.\.\nDockerfile\nRemoving/m);
});

test('build accepts --pull, --rm, --force-rm, --platform, --add-host and --cache-from', { skip }, async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nRUN grep foo /etc/hosts\n' });
  const r = await env.dl(['build', '--pull', '--rm', '--force-rm', '--platform', 'linux/amd64', '--cache-from', 'x', '--add-host', 'foo:1.2.3.4', dir]);
  if (process.arch === 'x64') {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^1\.2\.3\.4\s+foo$/m);
  }
  const other = await env.dl(['build', '--platform', 'linux/s390x', dir]);
  assert.equal(other.status, 1);
});

test('commit -c and import -c take the instructions Docker allows', { skip }, async () => {
  await env.ok(['create', '--name', 'cc', '--network', 'none', 'busybox', 'true']);
  const bad = await env.dl(['commit', '-c', 'RUN true', 'cc']);
  // dockerd 20.10: "run is not a valid change command", exit 1
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'dockerlite: error: run is not a valid change command\n');
  const changes = [
    'CMD ["sh","-c","echo hi"]',
    'ENV A=1 B=2',
    'EXPOSE 80',
    'WORKDIR /w',
    'USER nobody',
    'LABEL x=y',
    'VOLUME /v',
    'ENTRYPOINT ["/bin/sh"]',
    'ONBUILD RUN true',
  ];
  await env.ok(['commit', ...changes.flatMap((c) => ['-c', c]), 'cc', 'cimg']);
  const c = JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .Config}}', 'cimg']));
  // dockerd 20.10 (its busybox has no PATH; ours does)
  assert.equal(c.User, 'nobody');
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {} });
  assert.deepEqual(c.Env.slice(-2), ['A=1', 'B=2']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh']);
  assert.deepEqual(c.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(c.Volumes, { '/v': {} });
  assert.equal(c.WorkingDir, '/w');
  assert.deepEqual(c.Labels, { x: 'y' });
  assert.deepEqual(c.OnBuild, ['RUN true']);
  await env.ok(['commit', '-c', 'CMD echo hi', 'cc', 'cimg2']);
  assert.equal(await env.ok(['image', 'inspect', '-f', '{{json .Config.Cmd}}', 'cimg2']), '["/bin/sh","-c","echo hi"]');
  await env.ok(['rm', 'cc']);
  const rootfs = JSON.parse(await env.ok(['image', 'inspect', 'busybox']))[0].GraphDriver.Data.Rootfs as string;
  const tar = spawnSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 1 << 26 });
  await env.ok(['import', '-c', 'CMD ["sh"]', '-c', 'ENV X=1', '-', 'imp'], { input: tar.stdout });
  // dockerd 20.10: {"Env":["X=1"],"Cmd":["sh"]}
  const i = JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .Config}}', 'imp']));
  assert.deepEqual(i.Env, ['X=1']);
  assert.deepEqual(i.Cmd, ['sh']);
  const badImport = await env.dl(['import', '-c', 'COPY a b', '-', 'imp2'], { input: tar.stdout });
  assert.equal(badImport.status, 1);
  assert.equal(badImport.stderr, 'dockerlite: error: copy is not a valid change command\n');
});
