import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { login } from '../../engine/distribution/login.js';
import { InvalidArgument } from '../../errors.js';
import { readLine, readStdin } from '../prompt.js';

export default defineCommand({
  summary: "Log in to a registry; credentials go to Docker's config.json ($DOCKER_CONFIG or ~/.docker)",
  usage: '[OPTIONS] [SERVER]',
  flags: {
    username: { type: 'string', short: 'u', help: 'Username' },
    password: { type: 'string', short: 'p', help: 'Password (prefer --password-stdin)' },
    'password-stdin': { type: 'boolean', help: 'Take the password from stdin' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('login', positionals, 0, 1, 'a registry');
    if (flags.password !== undefined && flags['password-stdin']) throw new InvalidArgument('--password and --password-stdin are mutually exclusive');
    if (flags['password-stdin'] && !flags.username) throw new InvalidArgument('must provide --username with --password-stdin');
    if (flags.password !== undefined) ctx.warn('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    const interactive = !!process.stdin.isTTY;
    let username = flags.username;
    let password = flags['password-stdin'] ? await readStdin() : flags.password;
    if (username === undefined || password === undefined) {
      if (!interactive) throw new InvalidArgument('cannot perform an interactive login from a non-TTY device; use --username and --password-stdin');
      username ??= (await readLine('Username: ')).trim();
      password ??= await readLine('Password: ', true);
    }
    if (!username) throw new InvalidArgument('a username is required');
    if (!password) throw new InvalidArgument('a password is required');
    const res = await login(positionals[0], { username, password });
    ctx.warn(`Your password is stored unencrypted in ${res.configFile}.\n`);
    ctx.out('Login Succeeded\n');
  },
});
