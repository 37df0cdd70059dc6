// dockerlite build on busybox, as root with real LXC containers: multi-stage
// builds, the snapshot cache (hits, misses, --no-cache, prune), .dockerignore,
// run-time settings, heredocs, ADD, stdin contexts, and failures that must
// leave nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TestEnv, missingPrereq, BIN, eventually } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'mkfs.btrfs', 'busybox', 'tar'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

let n = 0;
/** A fresh context directory with these files. */
function context(files: Record<string, string>): string {
  const dir = join(env.dir, `ctx${n++}`);
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

const build = (dir: string, ...args: string[]) => env.dl(['build', ...args, dir]);
const builtId = (out: string) => /Successfully built ([0-9a-f]{12})$/m.exec(out)?.[1];
const cacheHits = (out: string) => out.split('\n').filter((l) => l === ' ---> Using cache').length;
/** The steps that ran (not from the cache) in a classic-builder log. */
function ranSteps(out: string): number[] {
  const ran: number[] = [];
  const blocks = out.split(/^Step /m).slice(1);
  for (const b of blocks) {
    const step = Number(b.split('/')[0]);
    const kind = b.split(' : ')[1]?.split(' ')[0];
    if (kind === 'FROM' || kind === 'ARG') continue;
    if (!b.includes(' ---> Using cache')) ran.push(step);
  }
  return ran;
}

/** Nothing half-made may stay: scratch layers, containers, LXC state. */
function assertNoLeftovers() {
  assert.deepEqual(
    readdirSync(join(env.root, 'layers')).filter((x) => x.startsWith('.tmp-')),
    [],
    'no scratch layers',
  );
  assert.deepEqual(readdirSync(join(env.root, 'containers')), [], 'no containers');
  assert.deepEqual(readdirSync(join(env.root, 'lxc')), [], 'no LXC state');
}

test('a multi-stage build: the final stage copies an artefact from the first', { skip }, async () => {
  const dir = context({
    'src/main.txt': 'source code\n',
    Dockerfile: [
      'FROM busybox AS builder',
      'WORKDIR /build',
      'COPY src/ ./src/',
      'RUN mkdir -p /out && tr a-z A-Z < src/main.txt > /out/app && echo compiled >> /out/app',
      '',
      'FROM busybox',
      'COPY --from=builder /out/app /usr/local/bin/app.txt',
      'CMD ["cat", "/usr/local/bin/app.txt"]',
    ].join('\n'),
  });
  const r = await build(dir, '-t', 'multi:1');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Step 1\/7 : FROM busybox AS builder$/m);
  assert.match(r.stdout, /^ ---> Running in [0-9a-f]{12}$/m);
  assert.match(r.stdout, /^Removing intermediate container [0-9a-f]{12}$/m);
  assert.match(r.stdout, /^Successfully tagged multi:1$/m);
  assert.equal(await env.ok(['run', '--rm', 'multi:1']), 'SOURCE CODE\ncompiled');
  assert.equal((await env.dl(['run', '--rm', 'multi:1', 'ls', '/build'])).status, 1, 'nothing of the first stage but the artefact');

  // A normal image: layers that record their parents, and the instructions in its history.
  const inspect = JSON.parse(await env.ok(['inspect', 'multi:1']))[0];
  assert.equal(inspect.Id.slice(7, 19), builtId(r.stdout));
  const layers: string[] = inspect.GraphDriver.Data.Layers;
  const top = JSON.parse(readFileSync(join(env.root, 'layers', `${layers.at(-1)}.json`), 'utf8'));
  assert.equal(top.parent, layers.at(-2), 'the built layer records its parent');
  assert.deepEqual(inspect.Config.Cmd, ['cat', '/usr/local/bin/app.txt']);
  const history = await env.ok(['history', '--no-trunc', 'multi:1']);
  assert.match(history, /CMD \["cat", "\/usr\/local\/bin\/app.txt"\]/);
  assert.match(history, /COPY --from=builder \/out\/app \/usr\/local\/bin\/app.txt\s+\d+B/);
  assert.doesNotMatch(history, /WORKDIR \/build/, 'the first stage is not in the final history');
  assertNoLeftovers();
});

test('a RUN layer holds only what the command changed, not the managed /etc files', { skip }, async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nRUN echo made > /made\n' });
  const r = await build(dir, '-t', 'runonly:1');
  assert.equal(r.status, 0, r.stderr);
  const rootfs = JSON.parse(await env.ok(['inspect', 'runonly:1']))[0].GraphDriver.Data.Rootfs;
  assert.equal(readFileSync(join(rootfs, 'made'), 'utf8'), 'made\n');
  for (const f of ['hostname', 'hosts', 'resolv.conf']) assert.equal(existsSync(join(rootfs, 'etc', f)), false, `/etc/${f} is not in the layer`);
  await env.ok(['rmi', 'runonly:1']);
});

test('the cache: a rebuild reuses every step; a changed file re-runs from its COPY on; --no-cache re-runs all', { skip }, async () => {
  const dir = context({
    'a.txt': 'one\n',
    'b.txt': 'two\n',
    Dockerfile: [
      'FROM busybox',
      'ENV X=1',
      'RUN echo first > /first',
      'COPY a.txt /a.txt',
      'RUN cat /a.txt > /copy-of-a',
      'COPY b.txt /b.txt',
      'RUN cat /b.txt > /copy-of-b',
      'CMD ["sh"]',
    ].join('\n'),
  });
  const cold = await build(dir, '-t', 'cached');
  assert.equal(cold.status, 0, cold.stderr);
  assert.equal(cacheHits(cold.stdout), 0);
  const id = builtId(cold.stdout);

  const warm = await build(dir, '-t', 'cached');
  assert.equal(warm.status, 0, warm.stderr);
  assert.equal(cacheHits(warm.stdout), 7, 'every step after FROM is a hit');
  assert.doesNotMatch(warm.stdout, /Running in/);
  assert.equal(builtId(warm.stdout), id, 'the same image');

  writeFileSync(join(dir, 'b.txt'), 'TWO\n');
  const changed = await build(dir, '-t', 'cached');
  assert.equal(changed.status, 0, changed.stderr);
  assert.deepEqual(ranSteps(changed.stdout), [6, 7, 8], 'from the COPY of the changed file on, and no earlier');
  assert.equal(await env.ok(['run', '--rm', 'cached', 'cat', '/copy-of-b']), 'TWO');

  const none = await build(dir, '--no-cache', '-t', 'cached');
  assert.equal(none.status, 0, none.stderr);
  assert.equal(cacheHits(none.stdout), 0);
  assert.deepEqual(ranSteps(none.stdout), [2, 3, 4, 5, 6, 7, 8]);

  // A build arg a RUN sees is part of its key; an unused --build-arg is a warning.
  const argDir = context({ Dockerfile: 'FROM busybox\nARG V=1\nRUN echo $V > /v\n' });
  assert.equal((await build(argDir)).status, 0);
  // The ARG step is cached by its text, as in Docker's classic builder (dockerd 20.10: 2 hits, then 1).
  const same = await build(argDir, '--build-arg', 'V=1');
  assert.equal(cacheHits(same.stdout), 2);
  const other = await build(argDir, '--build-arg', 'V=2', '-t', 'argimg', '--build-arg', 'UNUSED=x');
  assert.equal(cacheHits(other.stdout), 1);
  assert.match(other.stdout, /\[Warning\] One or more build-args \[UNUSED\] were not consumed/);
  assert.equal(await env.ok(['run', '--rm', 'argimg', 'cat', '/v']), '2');
});

test('cache entries outlive the image; builder prune removes them and their layers', { skip }, async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nRUN echo kept > /kept\n' });
  const first = await build(dir, '-t', 'prunable');
  assert.equal(first.status, 0, first.stderr);
  const layer = JSON.parse(await env.ok(['inspect', 'prunable']))[0].GraphDriver.Data.Layers.at(-1);
  await env.ok(['rmi', 'prunable']);
  assert.ok(existsSync(join(env.root, 'layers', layer)), 'the layer stays as cache');
  const again = await build(dir, '-t', 'prunable');
  assert.equal(cacheHits(again.stdout), 1, 'and is used again');
  await env.ok(['rmi', 'prunable']);

  const pruned = await env.ok(['builder', 'prune', '-f']);
  assert.match(pruned, /^Deleted build cache objects:\n[0-9a-f]{12}\n/);
  assert.match(pruned, /Total reclaimed space: \d+(\.\d+)?[kM]?B$/);
  assert.ok(!existsSync(join(env.root, 'layers', layer)), 'the layer went with its entry');
  const cold = await build(dir);
  assert.equal(cacheHits(cold.stdout), 0, 'a cold build after prune');
  // Layers an image still uses are the image's: prune keeps them.
  await env.ok(['tag', builtId(cold.stdout)!, 'stays']);
  await env.ok(['builder', 'prune', '-f']);
  assert.equal(await env.ok(['run', '--rm', 'stays', 'cat', '/kept']), 'kept');
  await env.ok(['rmi', 'stays']);
  // Without -f it asks, and a "no" (or no answer) removes nothing.
  await build(dir);
  const asked = await env.dl(['builder', 'prune'], { input: 'n\n' });
  assert.equal(asked.status, 0);
  assert.match(asked.stderr, /Are you sure you want to continue\? \[y\/N\]/);
  assert.equal(cacheHits((await build(dir)).stdout), 1);
});

test('.dockerignore: excluded files never reach the image, ! brings some back', { skip }, async () => {
  const dir = context({
    'app.js': 'app',
    '.env': 'SECRET=1',
    'node_modules/dep/index.js': 'dep',
    'logs/a.log': 'a',
    'logs/keep.log': 'k',
    'src/x.tmp': 't',
    'src/y.js': 'y',
    '.dockerignore': '# local files\n.env\nnode_modules\nlogs\n!logs/keep.log\n**/*.tmp\n',
    Dockerfile: 'FROM busybox\nCOPY . /ctx/\n',
  });
  const r = await build(dir, '-t', 'ignored');
  assert.equal(r.status, 0, r.stderr);
  const files = (await env.ok(['run', '--rm', 'ignored', 'find', '/ctx'])).split('\n').sort();
  assert.deepEqual(files, ['/ctx', '/ctx/.dockerignore', '/ctx/Dockerfile', '/ctx/app.js', '/ctx/logs', '/ctx/logs/keep.log', '/ctx/src', '/ctx/src/y.js']);
  // An ignored file is not in the context at all.
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY .env /\n');
  const refused = await build(dir);
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /^dockerlite: error: Dockerfile:2: COPY: \.env: no such file or directory in the build context \(or it is excluded by \.dockerignore\)$/m,
  );
  // Changing an ignored file keeps the cache.
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY . /ctx/\n');
  writeFileSync(join(dir, '.env'), 'SECRET=2');
  assert.equal(cacheHits((await build(dir)).stdout), 1);
});

test('USER, WORKDIR and ENV take effect at run time; COPY rules for owners and modes', { skip }, async () => {
  const dir = context({
    'conf/app.conf': 'x=1\n',
    'bin/tool': '#!/bin/sh\necho tool\n',
    Dockerfile: [
      'FROM busybox',
      'ENV APP_HOME=/srv/app GREETING="hello world"',
      'WORKDIR $APP_HOME',
      'COPY conf ./conf/',
      'COPY --chmod=755 bin/tool /usr/local/bin/',
      'COPY --chown=www-data:www-data conf/app.conf data/',
      'WORKDIR sub',
      'USER nobody',
      'LABEL org.example.name="demo app" version=1',
      'EXPOSE 8080 53/udp',
      'VOLUME /data',
      'STOPSIGNAL SIGINT',
      'ENTRYPOINT ["sh", "-c"]',
      'CMD ["echo \\"$GREETING from $(pwd) as $(id -u)\\""]',
    ].join('\n'),
  });
  const r = await build(dir, '-t', 'settings', '--label', 'built.by=test');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await env.ok(['run', '--rm', 'settings']), 'hello world from /srv/app/sub as 65534');
  assert.equal(
    await env.ok(['run', '--rm', 'settings', "stat -c '%u:%g %a %n' /srv/app/conf/app.conf /srv/app/data/app.conf /usr/local/bin/tool && tool"]),
    ['0:0 644 /srv/app/conf/app.conf', '33:33 644 /srv/app/data/app.conf', '0:0 755 /usr/local/bin/tool', 'tool'].join('\n'),
  );
  const cfg = JSON.parse(await env.ok(['inspect', 'settings']))[0].Config;
  assert.equal(cfg.User, 'nobody');
  assert.equal(cfg.WorkingDir, '/srv/app/sub');
  assert.ok(cfg.Env.includes('GREETING=hello world'));
  assert.deepEqual(cfg.Labels, { 'org.example.name': 'demo app', version: '1', 'built.by': 'test' });
  assert.deepEqual(cfg.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });
  assert.deepEqual(cfg.Volumes, { '/data': {} });
  assert.equal(cfg.StopSignal, 'SIGINT');
  assert.deepEqual(cfg.Entrypoint, ['sh', '-c']);
});

test('heredocs, SHELL, ONBUILD, scratch, and a Dockerfile on stdin', { skip }, async () => {
  const dir = context({
    Dockerfile: [
      'FROM busybox',
      'ARG WHO=builder',
      'RUN <<EOF',
      'set -e',
      'echo "line one" > /h1',
      'echo "by $WHO" >> /h1',
      'EOF',
      "RUN <<'SCRIPT'",
      '#!/bin/sh',
      'echo "a script: $0" > /h2',
      'SCRIPT',
      'COPY <<EOF /etc/motd',
      'welcome, $WHO',
      'EOF',
      'SHELL ["/bin/sh", "-ec"]',
      'RUN false || echo shell-form-uses-SHELL > /h3',
      'ONBUILD RUN echo triggered > /onbuild',
    ].join('\n'),
  });
  const r = await build(dir, '-t', 'docs');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await env.ok(['run', '--rm', 'docs', 'cat', '/h1', '/etc/motd', '/h3']), 'line one\nby builder\nwelcome, builder\nshell-form-uses-SHELL');
  assert.match(await env.ok(['run', '--rm', 'docs', 'cat', '/h2']), /^a script: \/\S+$/);
  assert.equal((await env.dl(['run', '--rm', 'docs', 'ls', '/onbuild'])).status, 1, 'ONBUILD waits for a child build');

  // The Dockerfile alone on stdin: no context; the child runs the trigger.
  const child = await env.dl(['build', '-t', 'child', '-'], { input: 'FROM docs\nCMD ["cat", "/onbuild"]\n' });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /# Executing 1 build trigger/);
  assert.equal(await env.ok(['run', '--rm', 'child']), 'triggered');
  assert.deepEqual(JSON.parse(await env.ok(['inspect', 'child']))[0].Config.OnBuild, null, 'triggers are not inherited');

  // FROM scratch with files only.
  const s = context({ 'hello.txt': 'hi\n', Dockerfile: 'FROM scratch\nCOPY hello.txt /\nCMD ["/hello.txt"]\n' });
  const sr = await build(s, '-q', '-t', 'scratchy');
  assert.equal(sr.status, 0, sr.stderr);
  assert.match(sr.stdout, /^sha256:[0-9a-f]{64}\n$/, '-q prints the id only');
  const root = await env.ok(['inspect', '-f', '{{.GraphDriver.Data.Rootfs}}', 'scratchy']);
  assert.deepEqual(readdirSync(root), ['hello.txt']);
});

test('a tar context on stdin, -f inside it, --target and --iidfile', { skip }, async () => {
  const dir = context({
    'docker/Dockerfile.test': 'FROM busybox AS one\nCOPY data /one\nFROM one AS two\nRUN cp /one /two\nFROM busybox\nCOPY --from=two /two /three\n',
    data: 'payload\n',
  });
  const tar = spawnSync('tar', ['-C', dir, '-cf', '-', '.']).stdout;
  const iid = join(env.dir, 'iid');
  const r = await env.dl(['build', '-f', 'docker/Dockerfile.test', '--target', 'two', '--iidfile', iid, '-t', 'fromtar', '-'], { input: tar });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Step 4\/4 : RUN cp \/one \/two$/m, 'only the stages the target needs');
  assert.match(readFileSync(iid, 'utf8'), /^sha256:[0-9a-f]{64}$/);
  assert.equal(await env.ok(['run', '--rm', 'fromtar', 'cat', '/two']), 'payload');
  assert.deepEqual(readdirSync(join(env.root, 'tmp', 'build')), [], 'the extracted context is gone');
});

test('ADD: local archives are extracted; URLs are fetched, or a clear error', { skip }, async () => {
  const dir = context({ 'pkg/bin/hello': 'hello\n', 'pkg/README': 'readme\n' });
  spawnSync('tar', ['-C', join(dir, 'pkg'), '-czf', join(dir, 'pkg.tar.gz'), '.']);
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    if (req.url === '/files/data.txt') res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end('fetched\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  try {
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM busybox\nADD pkg.tar.gz /opt/pkg/\nADD http://127.0.0.1:${port}/files/data.txt /downloads/\nCOPY pkg.tar.gz /kept/\n`,
    );
    const r = await build(dir, '-t', 'added');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      await env.ok([
        'run',
        '--rm',
        'added',
        'sh',
        '-c',
        'cat /opt/pkg/bin/hello /opt/pkg/README /downloads/data.txt; ls /kept; stat -c %a /downloads/data.txt',
      ]),
      'hello\nreadme\nfetched\npkg.tar.gz\n600',
    );
    assert.equal(hits, 1);

    writeFileSync(join(dir, 'Dockerfile'), `FROM busybox\nADD http://127.0.0.1:${port}/missing /x\n`);
    const missing = await build(dir);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^dockerlite: error: Dockerfile:2: ADD: cannot fetch http:\/\/127\.0\.0\.1:\d+\/missing: the server answered 404 Not Found$/m);
  } finally {
    await new Promise((ok) => server.close(ok));
  }
  // The port is closed now: nothing answers there.
  writeFileSync(join(dir, 'Dockerfile'), `FROM busybox\nCOPY pkg /pkg\nADD http://127.0.0.1:${port}/files/data.txt /x\n`);
  const down = await build(dir);
  assert.equal(down.status, 1);
  assert.match(
    down.stderr,
    /^dockerlite: error: Dockerfile:3: ADD: cannot fetch http:\/\/127\.0\.0\.1:\d+\/files\/data\.txt: connect ECONNREFUSED 127\.0\.0\.1:\d+$/m,
  );
  assertNoLeftovers();
});

test('a failing RUN names the step, the command and the status, and leaves nothing behind', { skip }, async () => {
  const images = await env.ok(['images', '-aq']);
  const dir = context({ Dockerfile: 'FROM busybox\nRUN echo partial > /p\nRUN echo about to fail; exit 3\nRUN echo never\n' });
  const r = await build(dir, '-t', 'broken');
  assert.equal(r.status, 3, 'the build exits with the command status');
  assert.match(r.stdout, /about to fail/);
  assert.match(
    r.stderr,
    /^dockerlite: error: Dockerfile:3: step 3\/4 \(RUN echo about to fail; exit 3\): the command '\/bin\/sh -c "echo about to fail; exit 3"' returned a non-zero code: 3$/m,
  );
  assert.doesNotMatch(r.stdout, /never/);
  assert.equal(await env.ok(['images', '-aq']), images, 'no new image');
  assert.equal(await env.ok(['ps', '-aq']), '', 'no container');
  assertNoLeftovers();
  // The step before the failure is cached; the failure is not.
  const again = await build(dir, '-q');
  assert.equal(again.status, 3);
  assert.match(again.stderr, /about to fail\n/, '-q still shows why it failed');
  assert.equal(cacheHits((await build(dir)).stdout), 1);

  // A command that cannot be run at all.
  const s = context({ Dockerfile: 'FROM scratch\nRUN true\n' });
  const nosh = await build(s);
  assert.equal(nosh.status, 127);
  assert.match(
    nosh.stderr,
    /Dockerfile:2: step 2\/2 \(RUN true\): the command '\/bin\/sh -c true' could not run: exec: "\/bin\/sh": no such file or directory/,
  );
  assertNoLeftovers();
});

test('bad input: each error names the file, the line and the cause', { skip }, async () => {
  const dir = context({ 'f.txt': 'f' });
  const cases: Array<[string, string, RegExp, string[]?]> = [
    ['unknown instruction', 'FROM busybox\nRUN true\nFORM x\n', /^Dockerfile:3: unknown instruction: FORM \(did you mean FROM\?\)$/],
    ['malformed JSON', 'FROM busybox\nCMD ["echo", hi]\n', /^Dockerfile:2: CMD: malformed JSON form \["echo", hi\]/],
    [
      'missing build arg',
      'FROM busybox\nARG VERSION\nCOPY f.txt /opt/$VERSION/\n',
      /^Dockerfile:3: build arg VERSION is used here but has no value: pass --build-arg VERSION=<value>/,
    ],
    [
      'outside the context',
      'FROM busybox\nCOPY ../../etc/passwd /x\n',
      /^Dockerfile:2: COPY: forbidden path outside the build context: \.\.\/\.\.\/etc\/passwd$/,
    ],
    ['missing file', 'FROM busybox\nCOPY nope.txt /x\n', /^Dockerfile:2: COPY: nope\.txt: no such file or directory in the build context$/],
    [
      'no such stage',
      'FROM busybox\nCOPY --from=bulider /out /out\n',
      /^Dockerfile:2: COPY: --from=bulider: no build stage has that name, and there is no such image in the store \(pull it first\)$/,
    ],
    ['no such target', 'FROM busybox AS a\n', /^Dockerfile: target stage "b" could not be found \(its stages: a\)$/, ['--target', 'b']],
    [
      'cyclic --from',
      'FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n',
      /^Dockerfile:2: COPY --from=b: circular dependency between stages \(b -> a -> b\)$/,
    ],
    ['empty Dockerfile', '', /^Dockerfile:1: the Dockerfile has no instructions/],
    ['missing base image', 'FROM nosuch:1\n', /^Dockerfile:1: image nosuch:1 is not in the store; pull it first$/],
  ];
  for (const [what, text, cause, args] of cases) {
    writeFileSync(join(dir, 'Dockerfile'), text);
    const r = await build(dir, ...(args ?? []));
    assert.equal(r.status, 1, what);
    const line = r.stderr.trim().split('\n').at(-1)!;
    assert.match(line.replace(/^dockerlite: error: /, ''), cause, `${what}: ${line}`);
    assert.ok(line.startsWith('dockerlite: error: '), what);
  }
  // -f names the file as given.
  writeFileSync(join(dir, 'other.df'), 'FROM busybox\nBOGUS\n');
  const f = await env.dl(['build', '-f', join(dir, 'other.df'), dir]);
  assert.match(f.stderr, new RegExp(`${join(dir, 'other.df')}:2: unknown instruction: BOGUS`));
  assertNoLeftovers();
});

test("an interrupted build cleans up; a killed builder's container goes at the next build", { skip }, async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nRUN echo started; sleep 60\n' });
  const start = () => {
    const child = spawn(process.execPath, [BIN, 'build', '--no-cache', dir], { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const exited = new Promise<number>((ok) => child.on('close', (code, sig) => ok(code ?? (sig ? 128 + 9 : 0))));
    return { child, exited, out: () => out };
  };
  // Ctrl-C (SIGINT): the command is stopped, its container removed, exit 130.
  const a = start();
  await eventually(() => /^started$/m.test(a.out()), 'the RUN to start', 30_000);
  a.child.kill('SIGINT');
  assert.equal(await a.exited, 130);
  assert.equal(await env.ok(['ps', '-aq']), '');
  assertNoLeftovers();

  // SIGKILL leaves the container running; the next build removes it and its processes.
  const b = start();
  await eventually(() => /^started$/m.test(b.out()), 'the RUN to start', 30_000);
  b.child.kill('SIGKILL');
  await b.exited;
  assert.notEqual(await env.ok(['ps', '-aq']), '', 'the orphan is there');
  const next = await env.dl(['build', '-q', '-'], { input: 'FROM busybox\nLABEL x=y\n' });
  assert.equal(next.status, 0, next.stderr);
  assert.equal(await env.ok(['ps', '-aq']), '', 'and gone');
  assertNoLeftovers();
});
