import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { logout } from '../../engine/distribution/login.js';

export default defineCommand({
  summary: 'Log out from a registry (forget its stored credentials)',
  usage: '[SERVER]',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('logout', positionals, 0, 1, 'a registry');
    const res = await logout(positionals[0]);
    ctx.out(res.removed ? `Removing login credentials for ${res.server}\n` : `Not logged in to ${res.server}\n`);
  },
});
