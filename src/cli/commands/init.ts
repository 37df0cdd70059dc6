import { defineCommand } from '../command.js';
import { init } from '../../engine/system/store.js';

export default defineCommand({
  summary: 'Set up the store: a BTRFS root (a loopback image when needed) with the empty and busybox images',
  usage: '',
  flags: {},
  async run(_a, ctx) {
    await init(ctx.cfg, (line) => ctx.warn(`${line}\n`));
    ctx.out(`dockerlite store ready at ${ctx.cfg.root}\n`);
  },
});
