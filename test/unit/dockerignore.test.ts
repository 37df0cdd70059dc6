// .dockerignore with Docker's rules, COPY's wildcards, and which files a
// COPY source selects from a context (and the digest that keys the cache).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, chmodSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IgnoreMatcher, readDockerignore } from '../../src/engine/build/dockerignore.js';
import { matchPath, patternToRegExp } from '../../src/engine/build/glob.js';
import { cleanSource, digestSources, selectSources, walkSource } from '../../src/engine/build/context.js';
import { InvalidArgument, NotFound } from '../../src/errors.js';

test('reading .dockerignore: comments, blanks, cleaning, leading /, exclusions', () => {
  const text = '\uFEFF# comment\n\n  node_modules/  \n/build\n./a/../tmp//\n! keep.txt\n #not a comment\n';
  assert.deepEqual(readDockerignore(text), ['node_modules', 'build', 'tmp', '!keep.txt', '#not a comment']);
});

test("matching: *, ?, ** and parent directories, Docker's way", () => {
  const m = (patterns: string[], path: string) => new IgnoreMatcher(patterns).excludes(path);
  assert.ok(m(['*.log'], 'a.log'));
  assert.ok(!m(['*.log'], 'dir/a.log'), '* does not cross /');
  assert.ok(m(['*/*.log'], 'dir/a.log'));
  assert.ok(m(['**/*.log'], 'a.log'), '** matches zero directories');
  assert.ok(m(['**/*.log'], 'x/y/z/a.log'));
  assert.ok(m(['dir/**'], 'dir/a/b'));
  assert.ok(m(['?.txt'], 'a.txt'));
  assert.ok(!m(['?.txt'], 'ab.txt'));
  assert.ok(m(['[a-c].txt'], 'b.txt'));
  assert.ok(!m(['[^a-c].txt'], 'b.txt'));
  assert.ok(m(['build'], 'build/out/app'), 'a matched directory excludes everything under it');
  assert.ok(m(['docs/*'], 'docs/api/index.html'));
  assert.ok(!m(['build'], 'rebuild'));
  assert.ok(m(['\\*literal'], '*literal'));
  assert.ok(!m(['Readme.md'], 'README.md'), 'case matters');
});

test('exclusions: the last matching pattern wins', () => {
  const ig = new IgnoreMatcher(readDockerignore('*.md\n!README.md\nREADME.md\n!docs/keep.md\ndocs\n!docs/important.md\n'));
  assert.ok(ig.excludes('CHANGES.md'));
  assert.ok(ig.excludes('README.md'), 're-excluded by a later line');
  assert.ok(ig.excludes('docs/x.txt'));
  assert.ok(!ig.excludes('docs/important.md'));
  assert.ok(ig.hasExclusions);
  assert.ok(!new IgnoreMatcher(['a']).hasExclusions);
  assert.throws(() => new IgnoreMatcher(['!']), InvalidArgument);
  assert.throws(() => new IgnoreMatcher(['[a-']), InvalidArgument);
});

test("COPY wildcards are Go's filepath.Match", () => {
  assert.ok(matchPath('*.go', 'main.go'));
  assert.ok(!matchPath('*.go', 'cmd/main.go'));
  assert.ok(matchPath('cmd/*.go', 'cmd/main.go'));
  assert.ok(matchPath('file[0-9].txt', 'file7.txt'));
  assert.ok(matchPath('a\\*b', 'a*b'));
  assert.ok(matchPath('a.b', 'a.b') && !matchPath('a.b', 'axb'), 'regex characters are literal');
  assert.ok(matchPath('(x)+', '(x)+'));
  assert.throws(() => patternToRegExp('[a/b]'), /cannot match \//);
});

function tree(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'ctx-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'src/lib'), { recursive: true });
  mkdirSync(join(d, 'logs'));
  writeFileSync(join(d, 'src/a.js'), 'a');
  writeFileSync(join(d, 'src/b.js'), 'b');
  writeFileSync(join(d, 'src/lib/c.js'), 'c');
  writeFileSync(join(d, 'src/notes.txt'), 'n');
  writeFileSync(join(d, 'logs/x.log'), 'x');
  writeFileSync(join(d, 'logs/keep.log'), 'k');
  writeFileSync(join(d, 'top.txt'), 't');
  symlinkSync('/etc/passwd', join(d, 'escape'));
  symlinkSync('src/a.js', join(d, 'link.js'));
  return d;
}

test('sources: literal paths, wildcards per component, .dockerignore, no way out', async (t) => {
  const d = tree(t);
  const ig = new IgnoreMatcher(readDockerignore('logs\n!logs/keep.log\n*.txt\n'));
  const rels = async (src: string) => (await selectSources(d, src, ig, 'build context')).map((s) => s.rel);
  assert.deepEqual(await rels('src/*.js'), ['src/a.js', 'src/b.js']);
  assert.deepEqual(await rels('*/*.js'), ['src/a.js', 'src/b.js']);
  assert.deepEqual(await rels('src/l?b'), ['src/lib']);
  assert.deepEqual(await rels('./src/../src/a.js'), ['src/a.js']);
  assert.deepEqual(await rels('/src'), ['src'], 'a leading / is the context root');
  assert.deepEqual(await rels('src/*.txt'), ['src/notes.txt'], '*.txt in .dockerignore is for the top level only');
  assert.deepEqual(await rels('*.txt'), [], 'excluded files do not match');
  await assert.rejects(selectSources(d, 'top.txt', ig, 'build context'), (e: Error) => e instanceof NotFound && /excluded by .dockerignore/.test(e.message));
  await assert.rejects(selectSources(d, 'nope', ig, 'build context'), NotFound);
  await assert.rejects(selectSources(d, '../x', ig, 'build context'), /forbidden path outside the build context/);
  await assert.rejects(selectSources(d, 'escape', null, 'build context'), NotFound, 'an absolute symlink resolves inside the context');
  const link = await selectSources(d, 'link.js', null, 'build context');
  assert.ok(link[0].st.isFile() && link[0].abs === join(d, 'src/a.js'), 'a named symlink is followed inside the context');
  assert.equal(cleanSource('.', 'x'), '.');
  assert.equal(cleanSource('a/b/', 'x'), 'a/b');

  const [all] = await selectSources(d, '.', ig, 'build context');
  const walked = (await walkSource(all, ig)).map((e) => e.rel);
  assert.deepEqual(
    walked,
    ['escape', 'link.js', 'logs', 'logs/keep.log', 'src', 'src/a.js', 'src/b.js', 'src/lib', 'src/lib/c.js', 'src/notes.txt'],
    'excluded files left out, an excluded directory kept for what ! brings back',
  );
});

test('the source digest follows content and permissions, not times', async (t) => {
  const d = tree(t);
  const digest = async () => digestSources(await selectSources(d, 'src', null, 'ctx'), null, new Map());
  const first = await digest();
  assert.equal(await digest(), first, 'stable');
  utimesSync(join(d, 'src/a.js'), new Date(1000), new Date(1000));
  assert.equal(await digest(), first, 'a new mtime alone keeps the cache');
  writeFileSync(join(d, 'src/lib/c.js'), 'changed');
  const second = await digest();
  assert.notEqual(second, first, 'content changes it');
  chmodSync(join(d, 'src/b.js'), 0o755);
  assert.notEqual(await digest(), second, 'permissions change it');
  writeFileSync(join(d, 'src/new.js'), '');
  assert.notEqual(await digest(), second, 'a new file changes it');
});
