import { defineCommand } from '../command.js';
import { version } from '../version.js';

export default defineCommand({
  summary: 'Show the dockerlite version',
  usage: '',
  flags: {},
  async run(_a, ctx) {
    ctx.out(`dockerlite version ${version()}\nnode ${process.version}\n`);
  },
});
