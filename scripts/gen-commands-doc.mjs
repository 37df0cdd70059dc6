#!/usr/bin/env node
// Writes docs/commands.md from each command's own summary, usage and flags.
// The text comes from src/cli/commands-doc.ts, compiled: run `npm run build` first.
// Usage: node scripts/gen-commands-doc.mjs [--check]
//   --check  write nothing; exit 1 if docs/commands.md differs from what would be written
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(repo, 'dist', 'src', 'cli', 'commands-doc.js');
if (!existsSync(compiled)) {
  console.error(`gen-commands-doc: ${compiled} is missing; run 'npm run build' first`);
  process.exit(1);
}
const { commandsDoc, COMMANDS_DOC_PATH } = await import(pathToFileURL(compiled).href);
const text = await commandsDoc();
const target = join(repo, COMMANDS_DOC_PATH);

if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error(`gen-commands-doc: ${COMMANDS_DOC_PATH} is stale; run 'npm run build && node scripts/gen-commands-doc.mjs'`);
    process.exit(1);
  }
  console.log(`${COMMANDS_DOC_PATH} is up to date`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${COMMANDS_DOC_PATH} (${text.split('\n').length - 1} lines)`);
}
