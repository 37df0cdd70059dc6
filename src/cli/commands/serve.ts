import { readFileSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { InvalidArgument } from '../../errors.js';
import { ApiServer, type TlsOptions } from '../../api/server.js';
import { checkTcpAllowed, DEFAULT_SOCKET, parseAddress, prepareSocket, secureSocket } from '../../api/listen.js';

export default defineCommand({
  summary: 'Serve the Docker Engine API, so the docker CLI, Compose, the SDKs and Testcontainers drive dockerlite (also: system service)',
  usage: '[OPTIONS]',
  flags: {
    host: {
      type: 'string',
      short: 'H',
      multiple: true,
      help: `Address to listen on: unix:///path or tcp://127.0.0.1:PORT (default unix://${DEFAULT_SOCKET})`,
      arg: 'list',
    },
    timeout: { type: 'string', short: 't', help: 'Exit after this many idle seconds with no request in flight (0 = never, the default)', arg: 'int' },
    tlscert: { type: 'string', help: 'TLS certificate (PEM) for TCP addresses', arg: 'file' },
    tlskey: { type: 'string', help: 'TLS key (PEM) for TCP addresses', arg: 'file' },
    tlscacert: { type: 'string', help: 'Only accept clients with a certificate signed by this CA (PEM)', arg: 'file' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('serve', positionals, 0, 0, '');
    const idle = flags.timeout === undefined ? 0 : Number(flags.timeout);
    if (!/^\d+$/.test(flags.timeout ?? '0')) throw new InvalidArgument(`invalid --timeout '${flags.timeout}': give whole seconds`);
    if (!!flags.tlscert !== !!flags.tlskey) throw new InvalidArgument('--tlscert and --tlskey go together');
    const tls: TlsOptions | undefined = flags.tlscert
      ? { cert: readFileSync(flags.tlscert), key: readFileSync(flags.tlskey!), ca: flags.tlscacert ? readFileSync(flags.tlscacert) : undefined }
      : undefined;
    const addresses = (flags.host?.length ? flags.host : [`unix://${DEFAULT_SOCKET}`]).map(parseAddress);
    for (const a of addresses) checkTcpAllowed(a, !!tls);

    const store = await ctx.store();
    const log = (line: string) => ctx.warn(`dockerlite serve: ${line}\n`);
    store.warn = (w) => log(`warning: ${w}`);
    const server = await ApiServer.create({ store, log, trace: ctx.cfg.debug });
    const sockets: string[] = [];
    // Only our own socket is removed at exit: a server started meanwhile on the same path keeps its own.
    const inodes = new Map<string, number>();
    for (const a of addresses) {
      if (a.kind === 'unix') {
        await prepareSocket(a.path);
        await server.listen({ path: a.path });
        sockets.push(a.path);
        await secureSocket(a.path);
        inodes.set(a.path, statSync(a.path).ino);
        log(`API listening on unix://${a.path}`);
      } else if (a.kind === 'fd') {
        // Sockets systemd made (and keeps): their mode and group are the socket unit's.
        for (const fd of a.fds) await server.listen({ fd });
        log(`API listening on ${a.fds.length} socket(s) from systemd`);
      } else {
        // tls applies to TCP only; a unix socket is guarded by its mode.
        await server.listen({ host: a.host, port: a.port });
        log(`API listening on ${tls ? 'https' : 'tcp'}://${a.host}:${a.port}`);
      }
    }

    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = (why: string) => {
        log(why);
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onTerm);
        if (timer) clearTimeout(timer);
        void server.close().then(resolve);
      };
      const onTerm = (sig: string) => stop(`${sig}: shutting down (containers keep running)`);
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onTerm);
      if (idle > 0) {
        const arm = () => (timer = setTimeout(() => stop(`idle for ${idle}s: exiting`), idle * 1000));
        server.onIdle((isIdle) => {
          if (timer) clearTimeout(timer);
          timer = undefined;
          if (isIdle) arm();
        });
        arm();
      }
    });
    for (const p of sockets) if (statSync(p, { throwIfNoEntry: false })?.ino === inodes.get(p)) await unlink(p).catch(() => {});
    return 0;
  },
});
