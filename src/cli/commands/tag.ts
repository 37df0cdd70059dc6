import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getImage, tagImage } from '../../engine/image/images.js';

export default defineCommand({
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('tag', positionals, 2);
    const store = await ctx.store();
    const img = await getImage(store, positionals[0]);
    await tagImage(store, img.id, positionals[1]);
  },
});
