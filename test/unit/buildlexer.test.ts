// Docker's word processing: substitutions, quoting and escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processWord, processWords, splitRaw, expandHeredoc, referencedNames, LexError } from '../../src/engine/build/lexer.js';

const vars: Record<string, string> = { NAME: 'world', EMPTY: '', PATH_: '/usr/local/bin:/usr/bin', FILE: 'archive.tar.gz', SPACED: 'a b' };
const look = (n: string) => vars[n];
const w = (s: string, o = {}) => processWord(s, look, o);

test('$VAR and ${VAR}; unset names are empty', () => {
  assert.equal(w('hello $NAME'), 'hello world');
  assert.equal(w('${NAME}s'), 'worlds');
  assert.equal(w('$NAMEs'), '', 'the name runs to the last name character');
  assert.equal(w('x${MISSING}y'), 'xy');
  assert.equal(w('cost: $5'), 'cost: ', 'positional parameters are empty');
  assert.equal(w('a$'), 'a$', 'a lone $ is literal');
  assert.equal(w('$-x'), 'x');
});

test('${VAR:-default}, ${VAR-default}, ${VAR:+alt}, ${VAR+alt}', () => {
  assert.equal(w('${MISSING:-def}'), 'def');
  assert.equal(w('${EMPTY:-def}'), 'def', ':- also replaces an empty value');
  assert.equal(w('${EMPTY-def}'), '', '- only replaces an unset one');
  assert.equal(w('${NAME:-def}'), 'world');
  assert.equal(w('${NAME:+alt}'), 'alt');
  assert.equal(w('${EMPTY:+alt}'), '');
  assert.equal(w('${EMPTY+alt}'), 'alt');
  assert.equal(w('${MISSING+alt}'), '');
  assert.equal(w('${MISSING:-${NAME}-nested}'), 'world-nested', 'the default is itself expanded');
  assert.equal(w('${MISSING:-"quoted default"}'), 'quoted default');
});

test('${VAR:?msg} and ${VAR?msg} fail with the message', () => {
  assert.throws(
    () => w('${MISSING:?must be set}'),
    (e: Error) => e instanceof LexError && /MISSING: must be set/.test(e.message),
  );
  assert.throws(() => w('${EMPTY:?}'), /EMPTY: is not allowed to be unset or empty/);
  assert.equal(w('${EMPTY?x}'), '');
  assert.throws(() => w('${MISSING?}'), /MISSING: is not allowed to be unset/);
});

test('pattern removal and replacement', () => {
  assert.equal(w('${FILE#*.}'), 'tar.gz');
  assert.equal(w('${FILE##*.}'), 'gz');
  assert.equal(w('${FILE%.*}'), 'archive.tar');
  assert.equal(w('${FILE%%.*}'), 'archive');
  assert.equal(w('${PATH_/usr/opt}'), '/opt/local/bin:/usr/bin');
  assert.equal(w('${PATH_//usr/opt}'), '/opt/local/bin:/opt/bin');
});

test('quotes: single quotes are literal, double quotes expand, escapes', () => {
  assert.equal(w(`'$NAME'`), '$NAME');
  assert.equal(w(`"$NAME"`), 'world');
  assert.equal(w(`"it's"`), "it's");
  assert.equal(w('\\$NAME'), '$NAME');
  assert.equal(w('"\\$NAME \\"q\\" \\x"'), '$NAME "q" \\x', 'inside double quotes only \\ " $ are escapes');
  assert.equal(w('a\\ b'), 'a b');
  assert.equal(w('`$NAME', { escape: '`' }), '$NAME', 'the escape directive changes the escape character');
  assert.equal(w('C:\\path', { escape: '`' }), 'C:\\path');
  assert.throws(() => w(`'open`), /matching single-quote/);
  assert.throws(() => w(`"open`), /matching double-quote/);
  assert.throws(() => w('${NAME'), LexError);
  assert.throws(() => w('${}'), /bad substitution/);
  assert.throws(() => w('${NAME^}'), /unsupported modifier/);
});

test('words split on unquoted whitespace, expansions split too', () => {
  assert.deepEqual(processWords(`a "b c" 'd e' f\\ g`, look), ['a', 'b c', 'd e', 'f g']);
  assert.deepEqual(processWords('x $SPACED y', look), ['x', 'a', 'b', 'y']);
  assert.deepEqual(processWords('"$SPACED"', look), ['a b']);
  assert.deepEqual(processWords('"" x', look), ['', 'x'], 'an empty quoted word is a word');
  assert.deepEqual(splitRaw(`COPY "a b" <<'EOF' $X`), ['COPY', '"a b"', "<<'EOF'", '$X'], 'raw splitting keeps quotes and does not expand');
});

test('the unset hook sees plain references only', () => {
  const seen: string[] = [];
  processWord('$A ${B} ${C:-x} ${D:+y} $NAME', look, { onUnset: (n) => seen.push(n) });
  assert.deepEqual(seen, ['A', 'B']);
  assert.deepEqual(referencedNames('img:${TAG} ${X:-d}'), ['TAG']);
});

test('heredoc bodies expand variables but keep quotes', () => {
  assert.equal(expandHeredoc(`say "hi" to '$NAME' \${MISSING:-you} \\$HOME\n`, look), `say "hi" to 'world' you $HOME\n`);
});
