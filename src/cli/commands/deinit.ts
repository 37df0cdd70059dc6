import { defineCommand } from '../command.js';
import { deinit } from '../../engine/system/store.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Stop every container, then unmount and delete the whole store (and its loopback image)',
  usage: '-f',
  flags: { force: { type: 'boolean', short: 'f', help: 'Really delete every image, container and volume in the store' } },
  async run({ flags }, ctx) {
    if (!flags.force) throw new InvalidArgument(`this deletes everything under ${ctx.cfg.root}; run 'dockerlite deinit -f' to confirm`);
    await deinit(ctx.cfg);
    ctx.out(`removed the store at ${ctx.cfg.root}\n`);
  },
});
