// docs/commands.md, generated from the command table (commands.ts) and each
// command's own summary, usage and flags, exactly as `dockerlite COMMAND --help`
// prints them (args.ts helpText). scripts/gen-commands-doc.mjs writes the file;
// test/unit/commands-doc.test.ts fails when it is stale. Nothing here runs a command.
import type { Catalog } from './command.js';
import { catalog as defaultCatalog } from './commands.js';
import { helpText } from './args.js';

export const COMMANDS_DOC_PATH = 'docs/commands.md';
export const REGENERATE = 'npm run build && node scripts/gen-commands-doc.mjs';

/** A fence longer than any run of backticks in text, so the text shows as it is. */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Markdown table cell: pipes escaped, one line. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** GitHub's anchor for a heading: lower case, spaces to dashes, most punctuation dropped. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

/** The whole of docs/commands.md. */
export async function commandsDoc(catalog: Catalog = defaultCatalog): Promise<string> {
  // A name listed twice in the table is one command (find() returns the first).
  const seen = new Set<string>();
  const entries = catalog.commands.filter((e) => !seen.has(e.name) && seen.add(e.name)).sort((a, b) => a.name.localeCompare(b.name));
  const commands = await Promise.all(entries.map(async (e) => ({ name: e.name, cmd: (await e.load()).default })));

  const lines: string[] = [
    '# dockerlite commands',
    '',
    `<!-- Generated from src/cli/commands.ts and each file in src/cli/commands/ by scripts/gen-commands-doc.mjs. Do not edit: change the command's summary, usage or flags, then run \`${REGENERATE}\`. -->`,
    '',
    "Every command, with its usage and flags as `dockerlite COMMAND --help` prints them. `dockerlite help` lists them all with their one-line summaries. Docker's command names come first; the original dockerlite's names are kept as aliases (below).",
    '',
    '| command | what it does |',
    '|---|---|',
  ];
  for (const { name, cmd } of commands) lines.push(`| [\`${name}\`](#${anchor(name)}) | ${cell(cmd.summary)} |`);
  lines.push(
    '',
    '## Original dockerlite names',
    '',
    'These names of the original shell dockerlite run the Docker-named command, with the flags shown.',
    '',
    '| alias | runs |',
    '|---|---|',
  );
  for (const [alias, to] of Object.entries(catalog.aliases).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`| \`${alias}\` | \`dockerlite ${[to.to, ...(to.args ?? [])].join(' ')}\` |`);
  }
  const forms = Object.entries(catalog.forms ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (forms.length) {
    lines.push('', '## Management forms', '', "Docker's management forms run the same command.", '', '| form | runs |', '|---|---|');
    for (const [f, to] of forms) lines.push(`| \`${f}\` | \`dockerlite ${[to.to, ...(to.args ?? [])].join(' ')}\` |`);
  }
  for (const { name, cmd } of commands) {
    const help = helpText(name, cmd.usage, cmd.summary, cmd.flags, catalog.aliasesOf(name)).trimEnd();
    const f = fence(help);
    lines.push('', `## ${name}`, '', `${f}text`, help, f);
  }
  return lines.join('\n') + '\n';
}
