// docs/commands.md is generated from the commands' own summaries, usages and flags
// (src/cli/commands-doc.ts); this fails when someone changed a command and not the doc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandsDoc, COMMANDS_DOC_PATH, REGENERATE } from '../../src/cli/commands-doc.js';
import { COMMANDS, ALIASES } from '../../src/cli/commands.js';

// This test runs from dist/test/unit/: the repository is three levels up.
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('docs/commands.md matches the commands as they are', async () => {
  const path = REPO + COMMANDS_DOC_PATH;
  assert.ok(existsSync(path), `${COMMANDS_DOC_PATH} is missing; run \`${REGENERATE}\``);
  const want = await commandsDoc();
  const have = readFileSync(path, 'utf8');
  if (have === want) return;
  const a = have.split('\n');
  const b = want.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  assert.fail(
    `${COMMANDS_DOC_PATH} is stale (first difference at line ${i + 1}: has ${JSON.stringify(a[i] ?? '<end>')}, ` +
      `should be ${JSON.stringify(b[i] ?? '<end>')}); run \`${REGENERATE}\` and commit the result`,
  );
});

test('every command and every original alias is documented', async () => {
  const doc = await commandsDoc();
  for (const { name } of COMMANDS) assert.ok(doc.includes(`\n## ${name}\n`), `no section for ${name}`);
  for (const alias of Object.keys(ALIASES)) assert.ok(doc.includes(`| \`${alias}\` |`), `alias ${alias} missing`);
});

test('each command appears once, even if the table lists it twice', async () => {
  const doc = await commandsDoc();
  for (const { name } of COMMANDS) assert.equal(doc.split(`\n## ${name}\n`).length, 2, `${name} documented more than once`);
});
