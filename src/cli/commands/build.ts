import { parseAddHost } from '../../network/etcfiles.js';
import { writeFile } from 'node:fs/promises';
import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { labels } from '../runflags.js';
import { openContext } from '../../engine/build/context.js';
import { build } from '../../engine/build/builder.js';
import { InvalidArgument } from '../../errors.js';

/** The tail of RUN output kept under -q, shown if the build fails. */
const QUIET_KEEP = 64 * 1024;

export default defineCommand({
  summary: 'Build an image from a Dockerfile; every step is cached as a BTRFS snapshot',
  usage: '[OPTIONS] PATH | -',
  flags: {
    tag: { type: 'string', short: 't', multiple: true, help: "Name and optionally a tag ('name:tag'); may be repeated", arg: 'name' },
    file: { type: 'string', short: 'f', help: "Name of the Dockerfile (default: 'PATH/Dockerfile'; - reads it from stdin)", arg: 'string' },
    'build-arg': { type: 'string', multiple: true, help: 'Set a build-time variable (KEY=VALUE, or KEY to take it from the environment)' },
    target: { type: 'string', help: 'Build the stage of this name (or index) and what it needs' },
    'no-cache': { type: 'boolean', help: 'Run every step instead of using the build cache' },
    label: { type: 'string', multiple: true, help: 'Set metadata on the image (KEY=VALUE)' },
    quiet: { type: 'boolean', short: 'q', help: 'Print only the image id' },
    iidfile: { type: 'string', help: 'Write the image id to this file', arg: 'file' },
    network: { type: 'string', help: 'Network mode for RUN (default: what run gets)' },
    'add-host': { type: 'string', multiple: true, help: 'Add a custom host-to-IP mapping (host:ip) for RUN', arg: 'list' },
    pull: { type: 'boolean', help: 'Always attempt to pull a newer version of base images that name a registry' },
    platform: { type: 'string', help: "Set platform (only this host's is built)", arg: 'string' },
    rm: { type: 'boolean', help: 'Remove intermediate containers after a successful build (always done)' },
    'force-rm': { type: 'boolean', help: 'Always remove intermediate containers (always done)' },
    'cache-from': { type: 'string', multiple: true, help: 'Accepted for scripts; the local build cache is what is used', arg: 'strings' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('build', positionals, 1, 1, 'a context directory, or - for a tar or Dockerfile on stdin');
    const buildArgs: Record<string, string> = {};
    for (const a of flags['build-arg'] ?? []) {
      const eq = a.indexOf('=');
      if (eq === 0) throw new InvalidArgument(`invalid --build-arg '${a}': it needs a name`);
      if (eq > 0) buildArgs[a.slice(0, eq)] = a.slice(eq + 1);
      else if (process.env[a] !== undefined) buildArgs[a] = process.env[a]!;
    }
    const store = await ctx.store();
    const context = await openContext(store, { context: positionals[0], file: flags.file, stdin: process.stdin });
    const quiet = !!flags.quiet;
    let tail: Buffer[] = [];
    let kept = 0;
    const aborter = new AbortController();
    const onSignal = () => aborter.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const res = await build(store, {
        context,
        tags: flags.tag,
        buildArgs,
        target: flags.target,
        noCache: !!flags['no-cache'],
        labels: labels(flags.label),
        network: flags.network,
        extraHosts: (flags['add-host'] ?? []).map((h) => parseAddHost(h).join(':')),
        pull: !!flags.pull,
        platform: flags.platform,
        log: (t) => (quiet ? undefined : ctx.out(t)),
        output: (b) => {
          if (!quiet) return void process.stdout.write(b);
          tail.push(b);
          kept += b.length;
          while (kept > QUIET_KEEP && tail.length > 1) kept -= tail.shift()!.length;
        },
        signal: aborter.signal,
      });
      if (quiet) ctx.out(`sha256:${res.image.id}\n`);
      if (flags.iidfile) await writeFile(flags.iidfile, `sha256:${res.image.id}`);
    } catch (e) {
      // Quiet builds still show why a step failed.
      if (quiet && tail.length) process.stderr.write(Buffer.concat(tail));
      tail = [];
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await context.close();
    }
  },
});
