// The Dockerfile parser: every construct of Docker's reference, and the
// errors bad input gets (they name the file and the line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, parseTrigger, type Instruction } from '../../src/engine/build/parser.js';
import { DockerfileError } from '../../src/engine/build/errors.js';

const parse = (text: string) => parseDockerfile(text, 'Dockerfile');
const one = (text: string): Instruction => parse(`FROM busybox\n${text}`).instructions[1];

function fails(text: string, line: number, cause: RegExp, file = 'Dockerfile') {
  assert.throws(
    () => parseDockerfile(text, file),
    (e: unknown) => {
      assert.ok(e instanceof DockerfileError, `a DockerfileError, got ${String(e)}`);
      assert.equal(e.line, line);
      assert.match(e.message, new RegExp(`^${file}:${line}: `));
      assert.match(e.reason, cause);
      return true;
    },
  );
}

test('parser directives: escape and syntax, only at the top', () => {
  const df = parse('# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN echo a `\n  b\n');
  assert.equal(df.syntax, 'docker/dockerfile:1');
  assert.equal(df.escape, '`');
  assert.deepEqual((df.instructions[1] as { cmd: unknown }).cmd, { form: 'shell', text: 'echo a   b' });
  // After a comment (or anything else) a directive is just a comment.
  const late = parse('# hello\n# escape=`\nFROM busybox\nRUN echo a \\\n b\n');
  assert.equal(late.escape, '\\');
  assert.deepEqual((late.instructions[1] as { cmd: unknown }).cmd, { form: 'shell', text: 'echo a  b' });
  fails('# escape=\\\n# escape=`\nFROM x\n', 2, /only one escape parser directive/);
  fails('# escape=x\nFROM x\n', 1, /invalid escape character/);
});

test('comments, blank lines, continuations, a BOM and CRLF line ends', () => {
  const df = parse('\uFEFF# comment\r\n\r\nFROM busybox\r\n  # indented comment\r\nRUN echo one \\\r\n# a comment inside\r\n    two \\\r\n\r\n    three\r\n');
  assert.equal(df.instructions.length, 2);
  const run = df.instructions[1];
  assert.equal(run.kind, 'RUN');
  assert.equal(run.line, 5);
  assert.equal(run.endLine, 9);
  assert.deepEqual((run as { cmd: unknown }).cmd, { form: 'shell', text: 'echo one     two     three' });
  assert.match(df.warnings[0], /Dockerfile:5: empty continuation line/);
  assert.equal(parse('from busybox\nrun true\n').instructions[1].kind, 'RUN', 'keywords are case-insensitive');
});

test('JSON and shell forms, and malformed JSON', () => {
  assert.deepEqual((one('CMD ["echo", "a b"]') as { cmd: unknown }).cmd, { form: 'exec', argv: ['echo', 'a b'] });
  assert.deepEqual((one('ENTRYPOINT exec top -b') as { cmd: unknown }).cmd, { form: 'shell', text: 'exec top -b' });
  assert.deepEqual(
    (one('RUN [ -f /etc/passwd ] && echo yes') as { cmd: unknown }).cmd,
    { form: 'shell', text: '[ -f /etc/passwd ] && echo yes' },
    'the shell [ command is not JSON',
  );
  assert.deepEqual((one('RUN [ "$A" = "b" ]') as { cmd: unknown }).cmd, { form: 'shell', text: '[ "$A" = "b" ]' });
  assert.deepEqual((one('CMD []') as { cmd: unknown }).cmd, { form: 'exec', argv: [] });
  fails(`FROM x\nCMD ['echo', 'hi']\n`, 2, /malformed JSON form .*double quotes/);
  fails('FROM x\nRUN ["echo" "hi"]\n', 2, /malformed JSON form/);
  fails('FROM x\nRUN ["echo", 1]\n', 2, /every element must be a string/);
  fails('FROM x\nCOPY ["a", "b",]\n', 2, /malformed JSON form/);
  assert.deepEqual(one('SHELL ["/bin/bash", "-o", "pipefail", "-c"]'), {
    kind: 'SHELL',
    argv: ['/bin/bash', '-o', 'pipefail', '-c'],
    line: 2,
    endLine: 2,
    text: 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
  });
  fails('FROM x\nSHELL /bin/bash -c\n', 2, /SHELL requires the arguments to be in JSON form/);
});

test('FROM: image, AS name, --platform; stage names are checked', () => {
  const f = parse('FROM --platform=linux/amd64 busybox:1 AS Build\n').instructions[0];
  assert.deepEqual(
    { ...f },
    { kind: 'FROM', image: 'busybox:1', stage: 'build', platform: 'linux/amd64', line: 1, endLine: 1, text: 'FROM --platform=linux/amd64 busybox:1 AS Build' },
  );
  fails('FROM a b\n', 1, /one argument, or three/);
  fails('FROM a AS 1x\n', 1, /invalid name for build stage/);
  fails('FROM\n', 1, /FROM requires an image/);
});

test('COPY and ADD: sources, destination, flags', () => {
  const c = one('COPY --from=build --chown=app:app --chmod=0755 a "b c" /dest/');
  assert.equal(c.kind, 'COPY');
  if (c.kind !== 'COPY') return;
  assert.deepEqual(c.sources, ['a', '"b c"']);
  assert.equal(c.dest, '/dest/');
  assert.equal(c.from, 'build');
  assert.equal(c.chown, 'app:app');
  assert.equal(c.chmod, '0755');
  const j = one('ADD --checksum=sha256:00 ["http://x/y z", "/d"]');
  assert.ok(j.kind === 'ADD' && j.sources[0] === 'http://x/y z' && j.dest === '/d' && j.checksum === 'sha256:00');
  assert.ok(one('COPY --link a b').kind === 'COPY', '--link is accepted (every layer is already independent)');
  fails('FROM x\nCOPY onlyone\n', 2, /at least two arguments/);
  fails('FROM x\nCOPY --chmod=u+x a b\n', 2, /invalid --chmod/);
  fails('FROM x\nCOPY --nope a b\n', 2, /unknown flag --nope \(COPY accepts --from, --chown, --chmod, --link\)/);
  fails('FROM x\nADD --from=a b c\n', 2, /unknown flag --from/);
  fails('FROM x\nCOPY --from a b\n', 2, /needs a value/);
  fails('FROM x\nRUN --mount=type=cache,target=/x make\n', 2, /BuildKit feature/);
  fails('FROM x\nENV --x=1 a=b\n', 2, /ENV takes no flags/);
});

test('ENV and LABEL: key=value pairs with quotes, and the legacy form', () => {
  const e = one('ENV A=1 B="two words" C=three\\ words D=');
  assert.ok(e.kind === 'ENV');
  if (e.kind !== 'ENV') return;
  assert.deepEqual(
    e.pairs,
    [
      ['A', '1'],
      ['B', '"two words"'],
      ['C', 'three\\ words'],
      ['D', ''],
    ],
    'values stay raw until the builder expands them',
  );
  const legacy = one('ENV GREETING hello there world');
  assert.ok(legacy.kind === 'ENV' && legacy.pairs[0][0] === 'GREETING' && legacy.pairs[0][1] === 'hello there world');
  const l = one('LABEL "com.example.vendor"="ACME Inc" version=1.0');
  assert.ok(l.kind === 'LABEL' && l.pairs[0][0] === '"com.example.vendor"' && l.pairs[1][1] === '1.0');
  fails('FROM x\nENV A=1 B\n', 2, /can't find = in "B"/);
  fails('FROM x\nENV =1\n', 2, /names can not be blank/);
  fails('FROM x\nENV ONLYNAME\n', 2, /no value/);
});

test('ARG: names, defaults, several per line; ARG may precede FROM', () => {
  const df = parse('ARG V=1 W\nFROM busybox:$V\nARG X="a b"\n');
  assert.deepEqual(df.instructions[0], { kind: 'ARG', args: [{ name: 'V', value: '1' }, { name: 'W' }], line: 1, endLine: 1, text: 'ARG V=1 W' });
  assert.deepEqual((df.instructions[2] as { args: unknown }).args, [{ name: 'X', value: '"a b"' }]);
  fails('FROM x\nARG 1x\n', 2, /invalid name/);
});

test('WORKDIR, USER, STOPSIGNAL, EXPOSE, VOLUME, MAINTAINER', () => {
  assert.deepEqual({ ...one('WORKDIR /a b') }, { kind: 'WORKDIR', value: '/a b', line: 2, endLine: 2, text: 'WORKDIR /a b' });
  assert.ok(one('USER app:staff').kind === 'USER');
  assert.deepEqual((one('EXPOSE 80/tcp 53/udp') as { values: unknown }).values, ['80/tcp', '53/udp']);
  assert.deepEqual((one('VOLUME ["/data", "/logs"]') as { values: unknown }).values, ['/data', '/logs']);
  assert.deepEqual((one('VOLUME /data /logs') as { values: unknown }).values, ['/data', '/logs']);
  assert.deepEqual((one('MAINTAINER Jane <jane@example.com>') as { value: unknown }).value, 'Jane <jane@example.com>');
  fails('FROM x\nVOLUME [""]\n', 2, /VOLUME specified can not be an empty string/);
  fails('FROM x\nWORKDIR\n', 2, /WORKDIR requires/);
});

test('HEALTHCHECK: NONE, CMD in both forms, options', () => {
  const h = one('HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD curl -f http://localhost/');
  assert.ok(h.kind === 'HEALTHCHECK');
  if (h.kind !== 'HEALTHCHECK') return;
  assert.deepEqual(h.cmd, { form: 'shell', text: 'curl -f http://localhost/' });
  assert.equal(h.options.interval, '30s');
  assert.equal(h.options.timeout, '1m30s');
  assert.equal(h.options.retries, '3');
  const n = one('HEALTHCHECK NONE');
  assert.ok(n.kind === 'HEALTHCHECK' && n.cmd === null);
  fails('FROM x\nHEALTHCHECK --interval=soon CMD true\n', 2, /invalid --interval=soon/);
  fails('FROM x\nHEALTHCHECK --retries=3 NONE\n', 2, /NONE takes no other arguments/);
  fails('FROM x\nHEALTHCHECK RUN true\n', 2, /unknown type RUN/);
});

test('ONBUILD: the trigger is kept as written and checked now', () => {
  const o = one('ONBUILD COPY . /app');
  assert.ok(o.kind === 'ONBUILD' && o.trigger === 'COPY . /app' && o.inner.kind === 'COPY');
  fails('FROM x\nONBUILD ONBUILD RUN true\n', 2, /ONBUILD ONBUILD/);
  fails('FROM x\nONBUILD FROM y\n', 2, /FROM is not allowed as an ONBUILD trigger/);
  fails('FROM x\nONBUILD BOGUS\n', 2, /unknown instruction/);
  assert.equal(parseTrigger('RUN echo hi', 'Dockerfile', 3).kind, 'RUN');
  assert.throws(() => parseTrigger('MAINTAINER me', 'Dockerfile', 3), /not allowed as an ONBUILD trigger/);
});

test('heredocs: RUN <<EOF, <<-EOF, quoted delimiters, several, COPY <<EOF', () => {
  const df = parse(
    'FROM x\nRUN <<EOF\necho $HOME\necho two\nEOF\nRUN <<-"END" cat > /f\n\tindented\n\tEND\nRUN cat <<A <<B\na\nA\nb\nB\nCOPY <<EOF /etc/motd\nhi\nEOF\nCMD done\n',
  );
  const [, r1, r2, r3, c, last] = df.instructions;
  assert.ok(r1.kind === 'RUN' && r2.kind === 'RUN' && r3.kind === 'RUN' && c.kind === 'COPY');
  if (r1.kind !== 'RUN' || r2.kind !== 'RUN' || r3.kind !== 'RUN' || c.kind !== 'COPY') return;
  assert.deepEqual(r1.heredocs, [{ name: 'EOF', content: 'echo $HOME\necho two\n', expand: true, chomp: false }]);
  assert.equal(r1.line, 2);
  assert.equal(r1.endLine, 5);
  assert.deepEqual(r2.heredocs, [{ name: 'END', content: 'indented\n', expand: false, chomp: true }]);
  assert.deepEqual(
    r3.heredocs.map((d) => [d.name, d.content]),
    [
      ['A', 'a\n'],
      ['B', 'b\n'],
    ],
  );
  assert.deepEqual(c.sources, [{ name: 'EOF', content: 'hi\n', expand: true, chomp: false }]);
  assert.equal(c.dest, '/etc/motd');
  assert.equal(last.kind, 'CMD');
  assert.equal(last.line, 17);
  fails('FROM x\nRUN <<EOF\necho\n', 2, /unterminated heredoc/);
  assert.deepEqual((parse('FROM x\nRUN ["sh", "-c", "cat <<EOF"]\n').instructions[1] as { heredocs: unknown }).heredocs, [], 'no heredocs in the JSON form');
});

test('bad input: unknown instruction, empty file, missing arguments', () => {
  fails('FROM x\nFORM y\n', 2, /unknown instruction: FORM \(did you mean FROM\?\)/);
  fails('FROM x\nFROBNICATE y\n', 2, /^unknown instruction: FROBNICATE$/);
  fails('', 1, /no instructions/);
  fails('# only\n# comments\n\n', 3, /no instructions/);
  fails('FROM x\nRUN\n', 2, /RUN requires at least one argument/);
  fails('FROM x\n\nLABEL\n', 3, /LABEL requires/, 'sub/Dockerfile.dev');
});
