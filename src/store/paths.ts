// Where everything lives under DOCKERLITE_ROOT. Plain files you can cat.
import { join } from 'node:path';

/** A full container id: joins by concatenation, as path.join would give it (ps -a asks two files of each container, and join's normalising costs more than the read's JS). */
const FULL_ID = /^[0-9a-f]{64}$/;

export class Paths {
  private readonly containersDir: string;
  constructor(readonly root: string) {
    this.containersDir = join(root, 'containers');
  }
  private containerFile(id: string, name: string): string {
    return FULL_ID.test(id) ? `${this.containersDir}/${id}/${name}` : join(this.containersDir, id, name);
  }
  /** Written last by init; its presence means the store is ready. */
  /** Space kept for removals on a full store (store/reserve.ts). */
  get reserve() {
    return join(this.root, '.reserve');
  }
  get marker() {
    return join(this.root, '.dockerlite');
  }
  get layers() {
    return join(this.root, 'layers');
  }
  layer(key: string) {
    return join(this.root, 'layers', key);
  }
  layerMeta(key: string) {
    return join(this.root, 'layers', `${key}.json`);
  }
  get images() {
    return join(this.root, 'images');
  }
  image(id: string) {
    return join(this.root, 'images', `${id}.json`);
  }
  get refs() {
    return join(this.root, 'refs.json');
  }
  get blobs() {
    return join(this.root, 'blobs', 'sha256');
  }
  blob(hex: string) {
    return join(this.root, 'blobs', 'sha256', hex);
  }
  get containers() {
    return join(this.root, 'containers');
  }
  container(id: string) {
    return join(this.root, 'containers', id);
  }
  rootfs(id: string) {
    return join(this.root, 'containers', id, 'rootfs');
  }
  containerConfig(id: string) {
    return this.containerFile(id, 'config.json');
  }
  containerState(id: string) {
    return this.containerFile(id, 'state.json');
  }
  /** dl-mon's exit file (store/containers.ts ExitFile). */
  containerExit(id: string) {
    return this.containerFile(id, 'exit');
  }
  lxcConf(id: string) {
    return join(this.root, 'containers', id, 'lxc.conf');
  }
  get volumes() {
    return join(this.root, 'volumes');
  }
  get networks() {
    return join(this.root, 'networks');
  }
  /** LXC's -P path: our container names never collide with other LXC users. */
  get lxc() {
    return join(this.root, 'lxc');
  }
  /** Half-made things live here under temporary names until renamed into place. */
  get tmp() {
    return join(this.root, 'tmp');
  }
  get locks() {
    return join(this.root, 'locks');
  }
  /** A mark per container whose state a crash could leave abandoned (store/containers.ts writeState). */
  get active() {
    return join(this.root, 'active');
  }
}
