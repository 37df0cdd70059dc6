// The literal list of commands. Docker's name first; the original
// dockerlite's names are aliases (some with flags, e.g. lsc = ps -a).
// Modules load lazily: a command pays only for what it uses.
import type { Catalog, Entry } from './command.js';

export const COMMANDS: Entry[] = [
  { name: 'init', load: () => import('./commands/init.js') },
  { name: 'deinit', load: () => import('./commands/deinit.js') },
  { name: 'create', load: () => import('./commands/create.js') },
  { name: 'run', load: () => import('./commands/run.js') },
  { name: 'start', load: () => import('./commands/start.js') },
  { name: 'commit', load: () => import('./commands/commit.js') },
  { name: 'ps', load: () => import('./commands/ps.js') },
  { name: 'images', load: () => import('./commands/images.js') },
  { name: 'rm', load: () => import('./commands/rm.js') },
  { name: 'rmi', load: () => import('./commands/rmi.js') },
  { name: 'tag', load: () => import('./commands/tag.js') },
  { name: 'import', load: () => import('./commands/import.js') },
  { name: 'debootstrap', load: () => import('./commands/debootstrap.js') },
  { name: 'inspect', load: () => import('./commands/inspect.js') },
  { name: 'diff', load: () => import('./commands/diff.js') },
  { name: 'kill', load: () => import('./commands/kill.js') },
  { name: 'running', load: () => import('./commands/running.js') },
  { name: 'findpid', load: () => import('./commands/findpid.js') },
  { name: 'rootfs', load: () => import('./commands/rootfs.js') },
  { name: 'chroot', load: () => import('./commands/chroot.js') },
  { name: 'port', load: () => import('./commands/port.js') },
  { name: 'network', load: () => import('./commands/network.js') },
  { name: 'network create', load: () => import('./commands/network-create.js') },
  { name: 'network ls', load: () => import('./commands/network-ls.js') },
  { name: 'network inspect', load: () => import('./commands/network-inspect.js') },
  { name: 'network rm', load: () => import('./commands/network-rm.js') },
  { name: 'network connect', load: () => import('./commands/network-connect.js') },
  { name: 'network disconnect', load: () => import('./commands/network-disconnect.js') },
  { name: 'network prune', load: () => import('./commands/network-prune.js') },
  { name: 'lsa', load: () => import('./commands/lsa.js') },
  { name: 'seta', load: () => import('./commands/seta.js') },
  { name: 'alias', load: () => import('./commands/alias.js') },
  { name: 'version', load: () => import('./commands/version.js') },
  { name: 'logs', load: () => import('./commands/logs.js') },
  { name: 'stop', load: () => import('./commands/stop.js') },
  { name: 'restart', load: () => import('./commands/restart.js') },
  { name: 'wait', load: () => import('./commands/wait.js') },
  { name: 'pause', load: () => import('./commands/pause.js') },
  { name: 'unpause', load: () => import('./commands/unpause.js') },
  { name: 'rename', load: () => import('./commands/rename.js') },
  { name: 'update', load: () => import('./commands/update.js') },
  { name: 'container update', load: () => import('./commands/update.js') },
  { name: 'attach', load: () => import('./commands/attach.js') },
  { name: 'exec', load: () => import('./commands/exec.js') },
  { name: 'top', load: () => import('./commands/top.js') },
  { name: 'stats', load: () => import('./commands/stats.js') },
  { name: 'cp', load: () => import('./commands/cp.js') },
  { name: 'export', load: () => import('./commands/export.js') },
  { name: 'volume create', load: () => import('./commands/volume-create.js') },
  { name: 'volume ls', load: () => import('./commands/volume-ls.js') },
  { name: 'volume inspect', load: () => import('./commands/volume-inspect.js') },
  { name: 'volume rm', load: () => import('./commands/volume-rm.js') },
  { name: 'volume prune', load: () => import('./commands/volume-prune.js') },
  { name: 'help', load: () => import('./commands/help.js') },
  { name: 'build', load: () => import('./commands/build.js') },
  { name: 'builder prune', load: () => import('./commands/builder-prune.js') },
  { name: 'history', load: () => import('./commands/history.js') },
  { name: 'pull', load: () => import('./commands/pull.js') },
  { name: 'push', load: () => import('./commands/push.js') },
  { name: 'login', load: () => import('./commands/login.js') },
  { name: 'logout', load: () => import('./commands/logout.js') },
  { name: 'save', load: () => import('./commands/save.js') },
  { name: 'load', load: () => import('./commands/load.js') },
  { name: 'search', load: () => import('./commands/search.js') },
  { name: 'image inspect', load: () => import('./commands/image-inspect.js') },
  { name: 'image prune', load: () => import('./commands/image-prune.js') },
  { name: 'system', load: () => import('./commands/system.js') },
  { name: 'system df', load: () => import('./commands/system-df.js') },
  { name: 'info', load: () => import('./commands/info.js') },
  { name: 'system info', load: () => import('./commands/info.js') },
  { name: 'system prune', load: () => import('./commands/system-prune.js') },
  { name: 'container', load: () => import('./commands/container.js') },
  { name: 'container prune', load: () => import('./commands/container-prune.js') },
  { name: 'image', load: () => import('./commands/image.js') },
  { name: 'volume', load: () => import('./commands/volume.js') },
  { name: 'events', load: () => import('./commands/events.js') },
  { name: 'serve', load: () => import('./commands/serve.js') },
  { name: 'system service', load: () => import('./commands/serve.js') },
];

/**
 * Docker's management forms: `container ls` is `ps`, `image rm` is `rmi`.
 * A form whose target is not in the table (yet) is not offered.
 */
export const FORMS: Record<string, { to: string; args?: string[] }> = {
  ...Object.fromEntries(
    [
      'attach',
      'commit',
      'cp',
      'create',
      'diff',
      'exec',
      'export',
      'kill',
      'logs',
      'pause',
      'port',
      'rename',
      'restart',
      'rm',
      'run',
      'start',
      'stats',
      'stop',
      'top',
      'unpause',
      'update',
      'wait',
    ].map((v) => [`container ${v}`, { to: v }]),
  ),
  'container ls': { to: 'ps' },
  'container list': { to: 'ps' },
  'container ps': { to: 'ps' },
  'container remove': { to: 'rm' },
  'container inspect': { to: 'inspect', args: ['--type', 'container'] },
  ...Object.fromEntries(['build', 'history', 'import', 'load', 'pull', 'push', 'save', 'tag'].map((v) => [`image ${v}`, { to: v }])),
  'image ls': { to: 'images' },
  'image list': { to: 'images' },
  'image rm': { to: 'rmi' },
  'image remove': { to: 'rmi' },
  'network list': { to: 'network ls' },
  'network remove': { to: 'network rm' },
  'volume list': { to: 'volume ls' },
  'volume remove': { to: 'volume rm' },
  'system info': { to: 'info' },
  'system events': { to: 'events' },
};

/** The form argv names (two words), if its target exists. */
export function form(a: string | undefined, b: string | undefined): { to: string; args?: string[] } | undefined {
  const f = FORMS[`${a} ${b}`];
  return f && find(f.to) ? f : undefined;
}

/** Original dockerlite names -> Docker's command (and the flags that make them equal). */
export const ALIASES: Record<string, { to: string; args?: string[] }> = {
  mkc: { to: 'create' },
  runi: { to: 'run' },
  runc: { to: 'start', args: ['-a'] },
  mki: { to: 'commit' },
  lsc: { to: 'ps', args: ['-a'] },
  lsi: { to: 'images' },
  rmc: { to: 'rm' },
};

export function find(name: string): Entry | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Every alias of a command, for help: the original's names and Docker's management forms. */
export function aliasesOf(name: string): string[] {
  return [...Object.entries(ALIASES), ...Object.entries(FORMS)]
    .filter(([, a]) => a.to === name)
    .map(([k, a]) => (a.args ? `${k} (= ${name} ${a.args.join(' ')})` : k));
}

/** The whole table, as commands that list commands (help) see it through their Context. */
export const catalog: Catalog = {
  commands: COMMANDS,
  aliases: ALIASES,
  find,
  aliasesOf,
  get forms() {
    return Object.fromEntries(Object.entries(FORMS).filter(([, f]) => find(f.to)));
  },
};
