import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineCommand } from '../command.js';

export default defineCommand({
  summary: 'Print a shell alias line for dockerlite',
  usage: '',
  flags: { name: { type: 'string', help: 'Alias name (default: dl)' } },
  async run({ flags }, ctx) {
    const bin = realpathSync(fileURLToPath(new URL('../../../../bin/dockerlite', import.meta.url)));
    ctx.out(`alias ${flags.name ?? 'dl'}='sudo ${bin}'\n`);
  },
});
