// dockerlite build on the debootstrapped debian:bookworm image (made from the
// machine's apt mirror, the one sanctioned network use; builds themselves
// fetch nothing): real users from Debian's passwd, bash, multi-stage into busybox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'mkfs.btrfs', 'busybox', 'debootstrap'] });
const env = new TestEnv();
before(async () => {
  if (skip) return;
  await env.ok(['init']);
  await env.ok(['debootstrap', 'bookworm'], { timeoutMs: 600_000 });
});
after(() => env.cleanup());

test('a Debian build stage with its own user, and a busybox stage that takes its artefact', { skip }, async () => {
  const dir = join(env.dir, 'ctx');
  mkdirSync(dir);
  writeFileSync(join(dir, 'greet.sh'), '#!/bin/bash\nprintf "%s from %s in %s\\n" "$GREETING" "$(whoami)" "$PWD"\n');
  writeFileSync(
    join(dir, 'Dockerfile'),
    [
      'FROM debian:bookworm AS app',
      'RUN useradd --create-home --uid 1500 --shell /bin/bash app',
      'WORKDIR /home/app',
      'COPY --chown=app:app --chmod=755 greet.sh ./',
      'USER app',
      'ENV GREETING=bonjour',
      'RUN ./greet.sh > out.txt && sha256sum out.txt > out.sum',
      'CMD ["./greet.sh"]',
      '',
      'FROM busybox',
      'COPY --from=app /home/app/out.txt /home/app/out.sum /result/',
      'CMD ["cat", "/result/out.txt"]',
    ].join('\n'),
  );
  const r = await env.dl(['build', '-t', 'deb-app', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await env.ok(['run', '--rm', 'deb-app']), 'bonjour from app in /home/app');
  assert.match(await env.ok(['run', '--rm', 'deb-app', 'sh', '-c', 'cd /result && sha256sum -c out.sum']), /out.txt: OK/);

  // The first stage on its own: USER, WORKDIR and ENV hold at run time, and COPY --chown used Debian's passwd.
  const t = await env.dl(['build', '--target', 'app', '-t', 'deb-stage', dir]);
  assert.equal(t.status, 0, t.stderr);
  assert.equal(t.stdout.split('\n').filter((l) => l === ' ---> Using cache').length, 7, 'the stage comes from the cache');
  assert.equal(await env.ok(['run', '--rm', 'deb-stage']), 'bonjour from app in /home/app');
  assert.equal(await env.ok(['run', '--rm', 'deb-stage', 'stat', '-c', '%U:%G %a', 'greet.sh']), 'app:app 755');
  assert.equal(await env.ok(['run', '--rm', '-u', 'root', 'deb-stage', 'id', '-un']), 'root');

  // History lists the Debian base and the steps on top.
  const history = await env.ok(['history', 'deb-stage']);
  assert.match(history.split('\n')[1], /^[0-9a-f]{12}\s+.*CMD \["\.\/greet\.sh"\]/);
  assert.match(history, /RUN useradd --create-home --uid 1500 --sh…|RUN useradd --create-home --uid 1500 --shell/);
  assert.match(history, /debootstrap bookworm/);
  assert.equal(await env.ok(['ps', '-aq']), '', 'no intermediate container is left');
});
