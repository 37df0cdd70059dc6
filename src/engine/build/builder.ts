// The builder: runs a parsed Dockerfile step by step, as Docker's classic
// builder does, over BTRFS snapshots:
//   - a stage starts from its base image's top layer (or nothing, for scratch);
//   - RUN runs in a container on a snapshot of the current layer; COPY and ADD
//     write into a writable snapshot of it; either way the result is frozen
//     into a new read-only layer (an O(1) snapshot) that records its parent;
//   - the other instructions only change the image config;
//   - every step's result is kept in the build cache (cache.ts), keyed by its
//     parent and the step, so a rebuild reuses whatever did not change.
// The result is a normal image: its layers record their parents, and its
// history lists the instructions.
import { namesRegistry } from '../distribution/ensure.js';
import { pullImage } from '../distribution/pull.js';
import { silent } from '../progress.js';
import { join } from 'node:path';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { resolveInRoot } from '../../oci/securejoin.js';
import { createHash } from 'node:crypto';
import type { Store } from '../../store/store.js';
import type { ImageConfig, ImageRecord, RunConfig } from '../../store/types.js';
import { CommandNotRunnable, DockerliteError, InvalidArgument, NotFound, Unavailable } from '../../errors.js';
import { randomId, sha256, shortId } from '../../store/ids.js';
import { scratchName } from '../../store/scratch.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { getImage, saveTagged, canonicalConfig, topLayer, type ImageView } from '../image/images.js';
import { EMPTY_LAYER, holdLayers, layerPath, scratchLayer, sealLayer } from '../content/layers.js';
import { Lease } from '../content/leases.js';
import { hostPlatform } from '../image/importer.js';
import { mergeEnv } from '../container/spec/command.js';
import { EMPTY_IMAGE_REF } from '../system/store.js';
import { familiar, parseReference } from '../../oci/reference.js';
import { shellJoin } from '../../util/human.js';
import { parseDockerfile, parseHeredocWord, parseTrigger, type CopyInstr, type Dockerfile, type Instruction, type RunInstr } from './parser.js';
import { buildOrder, findStage, splitStages, type Dependency, type Stage } from './stages.js';
import { LexError, expandHeredoc, processWord, type Lookup } from './lexer.js';
import { DockerfileError, Interrupted, StepFailed } from './errors.js';
import * as cache from './cache.js';
import { checkSignal, commandArgv, envLookup, exposedPorts, healthcheck, setEnv, withDefaultPath, workdir } from './config.js';
import { digestSources, isUrl, makeTmpDir, selectSources, type BuildContext, type SourceEntry, type SourceItem } from './context.js';
import { copyInto, destination, makeDirs, resolveChown, type CopySource } from './copy.js';
import { runStep, sweepBuildContainers } from './runstep.js';

export interface BuildOptions {
  context: BuildContext;
  /** -t: names to give the image. */
  tags?: string[];
  /** --build-arg values. */
  buildArgs?: Record<string, string>;
  /** --target: build up to this stage. */
  target?: string;
  /** --no-cache: run every step (the results still go into the cache). */
  noCache?: boolean;
  /** --label: added to the final image. */
  labels?: Record<string, string>;
  /** --network: the network mode RUN containers get (default: whatever `run` gets). */
  network?: string;
  /** --add-host: host:ip lines RUN containers get in /etc/hosts. */
  extraHosts?: string[];
  /** --pull: pull base images that name a registry even when present. */
  pull?: boolean;
  /** --platform: must be this host's (a FROM --platform wins for its stage). */
  platform?: string;
  /** Progress lines (Step N/M, Using cache, ...). */
  log: (text: string) => void;
  /** RUN output, as it comes. */
  output: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  image: ImageRecord;
  /** The -t names, normalised. */
  tags: string[];
  warnings: string[];
}

/** Build args every build knows without an ARG for them (BuildKit's automatic platform args). */
function automaticArgs(): Map<string, string> {
  const { os, architecture } = hostPlatform();
  const platform = `${os}/${architecture}`;
  return new Map([
    ['TARGETPLATFORM', platform],
    ['TARGETOS', os],
    ['TARGETARCH', architecture],
    ['TARGETVARIANT', ''],
    ['BUILDPLATFORM', platform],
    ['BUILDOS', os],
    ['BUILDARCH', architecture],
    ['BUILDVARIANT', ''],
  ]);
}

/** Proxy args may be passed without an ARG; RUN sees them, the cache key does not (as Docker). */
const PROXY_ARGS = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

/**
 * The image a FROM or COPY --from names. A missing one is pulled, as docker
 * build does, when its reference names a registry (dockerlite never contacts
 * Docker Hub unless asked): otherwise it is NotFound.
 */
export async function ensureBaseImage(store: Store, ref: string, o: { pull?: boolean } = {}): Promise<ImageView> {
  if (o.pull && namesRegistry(ref)) await pullImage(store, ref, { progress: silent });
  try {
    return await getImage(store, ref);
  } catch (e) {
    if (!(e instanceof NotFound)) throw e;
    if (!namesRegistry(ref)) throw new NotFound(`image ${ref} is not in the store; pull it first`);
    await pullImage(store, ref, { progress: silent });
    return getImage(store, ref);
  }
}

/** A built image's id: Docker's config digest when every layer's digest is known, else a digest of config and layer keys. */
export function imageIdFor(config: ImageConfig, layers: string[]): string {
  if (config.rootfs.diff_ids.length === layers.length) return sha256(canonicalConfig(config));
  return sha256(`${canonicalConfig(config)}\n${layers.join('\n')}`);
}

interface State {
  /** The cache key of the last step (the chain so far). */
  key: string;
  layers: string[];
  config: ImageConfig;
}

interface StageRun {
  stage: Stage;
  /** Image id for build containers (the base image; the empty image for scratch). */
  baseImage?: string;
  state: State;
  /** ARGs declared in this stage: their value, or undefined when they have none. */
  args: Map<string, string | undefined>;
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  /** The base image's own config, before the default PATH: the result while no step has changed it. */
  baseConfig?: ImageConfig;
}

type Source = { stage: Stage } | { image: string };

class Builder {
  private df!: Dockerfile;
  private stages: Stage[] = [];
  private globals = new Map<string, string | undefined>();
  private auto = automaticArgs();
  private buildArgs: Map<string, string>;
  private consumed = new Set<string>();
  private fromOf = new Map<Instruction, Source>();
  private done = new Map<Stage, StageRun>();
  private step = 0;
  private total = 0;
  private midLine = false;
  private tmp?: string;
  private emptyImage?: string;
  /**
   * Every layer the build uses or makes, held from before it is used (or
   * sealed) until the image that names it is saved. A cache entry alone does
   * not hold a layer for its build: a parallel build of the same step
   * replaces the entry, and any collection (its own build container's
   * removal included) may then take the layer.
   */
  private lease: Lease;

  constructor(
    private store: Store,
    private o: BuildOptions,
  ) {
    this.buildArgs = new Map(Object.entries(o.buildArgs ?? {}));
    this.lease = new Lease(store);
  }

  /** Lease an image's layers; NotFound if it was removed since it was read. */
  private async holdImage(img: ImageView, what: string): Promise<void> {
    if ((await holdLayers(this.store, this.lease, img.layers)).length) throw new NotFound(`${what} was removed during the build; build again`);
  }

  private log(text: string) {
    if (this.midLine) this.o.log('\n');
    this.midLine = false;
    this.o.log(text + '\n');
  }

  private output = (b: Buffer) => {
    if (!b.length) return;
    this.midLine = b[b.length - 1] !== 0x0a;
    this.o.output(b);
  };

  private fail(line: number, cause: string): never {
    throw new DockerfileError(this.df.file, line, cause);
  }

  /** Expand a word: lenient (ENV, LABEL, ARG: empty is a value) or strict (a name, a path: a used ARG must have a value). */
  private expand(word: string, lookup: Lookup, line: number, strict: StageRun | 'global' | null): string {
    try {
      return processWord(word, lookup, {
        escape: this.df.escape,
        onUnset: (name) => {
          if (strict === 'global') {
            if (this.globals.has(name)) this.missingArg(line, name);
            this.fail(line, `$${name} is used here, but no ARG ${name} is declared before the first FROM (FROM lines can use only those)`);
          }
          if (strict && strict.args.has(name) && strict.args.get(name) === undefined) this.missingArg(line, name);
        },
      });
    } catch (e) {
      if (e instanceof LexError) this.fail(line, e.message);
      throw e;
    }
  }

  private missingArg(line: number, name: string): never {
    this.fail(line, `build arg ${name} is used here but has no value: pass --build-arg ${name}=<value>, or give it a default (ARG ${name}=<default>)`);
  }

  private lookupGlobal: Lookup = (n) => (this.globals.has(n) ? this.globals.get(n) : this.auto.get(n));

  private lookupIn(sr: StageRun): Lookup {
    return (n) => envLookup(sr.state.config.config?.Env, n) ?? (sr.args.has(n) ? sr.args.get(n) : undefined);
  }

  async build(): Promise<BuildResult> {
    const { context } = this.o;
    this.df = parseDockerfile(context.dockerfile.text, context.dockerfile.name);
    const { globalArgs, stages } = splitStages(this.df);
    this.stages = stages;
    const tags = (this.o.tags ?? []).map((t) => {
      const r = parseReference(t);
      if (r.digest) throw new InvalidArgument(`invalid tag ${t}: a tag cannot hold a digest`);
      return t;
    });
    for (const a of globalArgs) {
      for (const { name, value } of a.args) {
        if (this.buildArgs.has(name)) this.consumed.add(name);
        const v = this.buildArgs.get(name) ?? (value !== undefined ? this.expand(value, this.lookupGlobal, a.line, null) : undefined);
        this.globals.set(name, v);
      }
    }
    let target = stages.at(-1)!;
    if (this.o.target) {
      const t = findStage(stages, this.o.target);
      if (!t)
        throw new InvalidArgument(
          `${this.df.file}: target stage "${this.o.target}" could not be found (its stages: ${stages.map((s) => s.name ?? s.index).join(', ')})`,
        );
      target = t;
    }
    const order = buildOrder(this.df.file, target, (s) => this.dependencies(s));
    // ARGs before the first FROM are steps too, as Docker numbers them.
    this.total = globalArgs.length + order.reduce((n, s) => n + 1 + s.instructions.length, 0);

    await sweepBuildContainers(this.store);
    try {
      for (const a of globalArgs) this.header(a);
      for (const s of order) await this.buildStage(s);
      return await this.finish(this.done.get(target)!, tags);
    } finally {
      await this.lease.release();
      if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
    }
  }

  /** The stages s needs: FROM an earlier stage, COPY --from a stage (found before anything runs, to order them and catch cycles). */
  private dependencies(s: Stage): Dependency[] {
    const deps: Dependency[] = [];
    const image = this.expand(s.from.image, this.lookupGlobal, s.from.line, 'global');
    const base = image.toLowerCase() === 'scratch' ? undefined : findStage(this.stages.slice(0, s.index), image);
    if (base) deps.push({ stage: base, line: s.from.line, what: `FROM ${image}` });
    this.fromOf.set(s.from, base ? { stage: base } : { image });
    // ARG values as the stage will see them, to expand --from (ENV aside).
    const args = new Map<string, string | undefined>();
    const lookup: Lookup = (n) => (args.has(n) ? args.get(n) : undefined);
    for (const i of s.instructions) {
      if (i.kind === 'ARG') for (const a of i.args) args.set(a.name, this.argValue(a, lookup, i.line));
      if ((i.kind === 'COPY' || i.kind === 'ADD') && i.from !== undefined) {
        const sr = { args } as StageRun;
        const from = this.expand(i.from, lookup, i.line, sr);
        const st = findStage(this.stages, from);
        if (st === s) this.fail(i.line, `COPY --from=${from}: circular dependency: a stage cannot copy from itself`);
        if (st) deps.push({ stage: st, line: i.line, what: `COPY --from=${from}` });
        this.fromOf.set(i, st ? { stage: st } : { image: from });
      }
    }
    return deps;
  }

  private argValue(a: { name: string; value?: string }, lookup: Lookup, line: number): string | undefined {
    if (this.buildArgs.has(a.name)) return this.buildArgs.get(a.name);
    if (a.value !== undefined) return this.expand(a.value, lookup, line, null);
    if (this.globals.has(a.name)) return this.globals.get(a.name);
    return this.auto.get(a.name);
  }

  private header(i: Instruction, trigger = false) {
    if (this.o.signal?.aborted) throw new Interrupted('the build was interrupted');
    if (trigger) return;
    this.step++;
    this.log(`Step ${this.step}/${this.total} : ${i.text}`);
  }

  private async buildStage(s: Stage): Promise<void> {
    this.header(s.from);
    const src = this.fromOf.get(s.from)!;
    let sr: StageRun;
    const fresh = (state: State, baseImage?: string): StageRun => ({
      stage: s,
      baseImage,
      state: { ...state, config: structuredClone(state.config) },
      args: new Map(),
      cmdSet: false,
    });
    if (s.from.platform || this.o.platform) {
      const p = s.from.platform ? this.expand(s.from.platform, this.lookupGlobal, s.from.line, 'global') : this.o.platform!;
      const host = `${hostPlatform().os}/${hostPlatform().architecture}`;
      if (p !== host && !p.startsWith(`${host}/`)) this.fail(s.from.line, `FROM --platform=${p}: dockerlite builds for this host only (${host})`);
    }
    if ('stage' in src) {
      const prev = this.done.get(src.stage)!;
      sr = fresh(prev.state, prev.baseImage);
      this.log(` ---> ${shortId(imageIdFor(sr.state.config, sr.state.layers))}`);
    } else if (src.image.toLowerCase() === 'scratch') {
      const created = new Date(0).toISOString();
      sr = fresh({ key: 'scratch', layers: [], config: { ...hostPlatform(), created, config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] } });
      sr.baseConfig = sr.state.config;
      sr.state.config = withDefaultPath(sr.state.config);
    } else {
      const img = await this.at(s.from, () => ensureBaseImage(this.store, src.image, { pull: this.o.pull }));
      await this.at(s.from, () => this.holdImage(img, `the base image ${src.image}`));
      sr = fresh({ key: `image:${img.id}`, layers: [...img.layers], config: withDefaultPath(img.config) }, img.id);
      sr.baseConfig = img.config;
      this.log(` ---> ${shortId(img.id)}`);
    }
    // ONBUILD triggers of the base run first, and are not passed on.
    const triggers = sr.state.config.config?.OnBuild ?? [];
    if (triggers.length) {
      sr.state.config.config = { ...sr.state.config.config, OnBuild: null };
      this.log(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}`);
      for (const t of triggers) {
        const instr = this.at(s.from, () => parseTrigger(t, this.df.file, s.from.line, this.df.escape));
        this.header(instr, true);
        await this.dispatch(sr, instr);
      }
    }
    for (const i of s.instructions) {
      this.header(i);
      await this.dispatch(sr, i);
    }
    this.done.set(s, sr);
  }

  /** Run fn; errors that do not already say where they come from get the file and line. */
  private at<T>(i: Instruction, fn: () => T): T {
    const wrap = (e: unknown): never => {
      if (e instanceof DockerfileError || e instanceof StepFailed || e instanceof Interrupted) throw e;
      if (e instanceof DockerliteError) {
        e.message = `${this.df.file}:${i.line}: ${i.kind === 'FROM' ? '' : `${i.kind}: `}${e.message}`;
        throw e;
      }
      if (e instanceof LexError || (e instanceof Error && !(e as NodeJS.ErrnoException).code)) this.fail(i.line, `${i.kind}: ${e.message}`);
      throw e;
    };
    try {
      const r = fn();
      return r instanceof Promise ? (r.catch(wrap) as T) : r;
    } catch (e) {
      return wrap(e);
    }
  }

  private async dispatch(sr: StageRun, i: Instruction): Promise<void> {
    await this.at(i, () => this.dispatchUnwrapped(sr, i));
  }

  private async dispatchUnwrapped(sr: StageRun, i: Instruction): Promise<void> {
    const look = this.lookupIn(sr);
    const strict = (w: string) => this.expand(w, look, i.line, sr);
    const lenient = (w: string) => this.expand(w, look, i.line, null);
    switch (i.kind) {
      case 'ARG':
        for (const a of i.args) {
          if (this.buildArgs.has(a.name)) this.consumed.add(a.name);
          sr.args.set(a.name, this.argValue(a, look, i.line));
        }
        // A step of its own, cached by its text as Docker's classic builder does (the values reach RUN's key).
        return this.meta(sr, i, ['ARG', i.text], () => {});
      case 'ENV': {
        const pairs = i.pairs.map(([k, v]) => [lenient(k), lenient(v)] as [string, string]);
        for (const [k] of pairs) if (!k) this.fail(i.line, 'ENV names can not be blank');
        return this.meta(sr, i, ['ENV', pairs], (c) => void (c.Env = setEnv(c.Env, pairs)));
      }
      case 'LABEL': {
        const pairs = i.pairs.map(([k, v]) => [lenient(k), lenient(v)] as [string, string]);
        return this.meta(sr, i, ['LABEL', pairs], (c) => void (c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs) }));
      }
      case 'WORKDIR': {
        const dir = workdir(sr.state.config.config?.WorkingDir, strict(i.value));
        if (await this.hasDir(sr, dir)) return this.meta(sr, i, ['WORKDIR', dir], (c) => void (c.WorkingDir = dir));
        return this.makeWorkdir(sr, i, dir);
      }
      case 'USER': {
        const user = strict(i.value);
        return this.meta(sr, i, ['USER', user], (c) => void (c.User = user));
      }
      case 'EXPOSE': {
        const ports = exposedPorts(i.values.map(strict));
        return this.meta(sr, i, ['EXPOSE', Object.keys(ports)], (c) => void (c.ExposedPorts = { ...(c.ExposedPorts ?? {}), ...ports }));
      }
      case 'VOLUME': {
        const vols = i.values.map(strict);
        if (vols.some((v) => !v.trim())) this.fail(i.line, 'VOLUME specified can not be an empty string');
        return this.meta(sr, i, ['VOLUME', vols], (c) => void (c.Volumes = { ...(c.Volumes ?? {}), ...Object.fromEntries(vols.map((v) => [v, {}])) }));
      }
      case 'STOPSIGNAL': {
        const sig = checkSignal(strict(i.value));
        return this.meta(sr, i, ['STOPSIGNAL', sig], (c) => void (c.StopSignal = sig));
      }
      case 'CMD': {
        const argv = commandArgv(i.cmd, sr.state.config.config?.Shell);
        sr.cmdSet = true;
        return this.meta(sr, i, ['CMD', argv], (c) => void (c.Cmd = argv));
      }
      case 'ENTRYPOINT': {
        const argv = commandArgv(i.cmd, sr.state.config.config?.Shell);
        // A new ENTRYPOINT drops the base image's CMD, unless this stage set one.
        const keepCmd = sr.cmdSet;
        return this.meta(sr, i, ['ENTRYPOINT', argv, keepCmd], (c) => {
          c.Entrypoint = argv;
          if (!keepCmd) c.Cmd = null;
        });
      }
      case 'SHELL':
        return this.meta(sr, i, ['SHELL', i.argv], (c) => void (c.Shell = i.argv));
      case 'HEALTHCHECK': {
        const hc = healthcheck(i.cmd, i.options);
        return this.meta(sr, i, ['HEALTHCHECK', hc], (c) => void (c.Healthcheck = hc));
      }
      case 'ONBUILD':
        return this.meta(sr, i, ['ONBUILD', i.trigger], (c) => void (c.OnBuild = [...(c.OnBuild ?? []), i.trigger]));
      case 'MAINTAINER':
        return this.meta(sr, i, ['MAINTAINER', i.value], (_c, cfg) => void (cfg.author = i.value));
      case 'RUN':
        return this.run(sr, i);
      case 'COPY':
      case 'ADD':
        return this.copy(sr, i, strict);
      case 'FROM':
        return this.fail(i.line, 'FROM cannot be an ONBUILD trigger');
    }
  }

  private stateId(s: State): string {
    return imageIdFor(s.config, s.layers);
  }

  /** Try the cache for a step. */
  private async hit(sr: StageRun, key: string): Promise<boolean> {
    if (this.o.noCache) return false;
    const e = await cache.lookup(this.store, key);
    // A prune may take the entry's layers between the lookup and the hold: then it is a miss.
    if (!e || (await holdLayers(this.store, this.lease, e.layers)).length) return false;
    sr.state = { key, layers: e.layers, config: e.config };
    this.log(' ---> Using cache');
    this.log(` ---> ${shortId(this.stateId(sr.state))}`);
    return true;
  }

  /** The config after a step, with its history entry. */
  private nextConfig(sr: StageRun, i: Instruction, emptyLayer: boolean, change?: (c: RunConfig, cfg: ImageConfig) => void): ImageConfig {
    const created = new Date().toISOString();
    const cfg = structuredClone(sr.state.config);
    cfg.config ??= {};
    change?.(cfg.config, cfg);
    cfg.created = created;
    cfg.history = [...(cfg.history ?? []), { created, created_by: i.text, ...(emptyLayer ? { empty_layer: true } : {}) }];
    return cfg;
  }

  /** A step that changes only the config. */
  private async meta(sr: StageRun, i: Instruction, descriptor: unknown, change: (c: RunConfig, cfg: ImageConfig) => void): Promise<void> {
    const key = cache.stepKey(sr.state.key, descriptor);
    if (await this.hit(sr, key)) return;
    const config = this.nextConfig(sr, i, true, change);
    await cache.put(this.store, { key, parent: sr.state.key, created: config.created!, step: i.text, layers: sr.state.layers, config });
    sr.state = { key, layers: sr.state.layers, config };
    this.log(` ---> ${shortId(this.stateId(sr.state))}`);
  }

  /**
   * Record a step that made a layer: the cache entry first (so it holds the
   * layer from the moment it exists), then the subvolume sealed into place.
   */
  private async commitLayer(
    sr: StageRun,
    i: Instruction,
    key: string,
    subvol: string,
    announce = true,
    change?: (c: RunConfig, cfg: ImageConfig) => void,
  ): Promise<void> {
    const layer = randomId();
    const config = this.nextConfig(sr, i, false, change);
    const top = topLayer({ layers: sr.state.layers } as ImageRecord);
    const entry: cache.CacheEntry = { key, parent: sr.state.key, created: config.created!, step: i.text, layer, layers: [...sr.state.layers, layer], config };
    await this.lease.hold({ layers: [layer] });
    await cache.put(this.store, entry);
    try {
      await sealLayer(this.store, subvol, { key: layer, parent: top === EMPTY_LAYER ? null : top, created: config.created! });
    } catch (e) {
      await cache.drop(this.store, key);
      throw e;
    }
    sr.state = { key, layers: entry.layers, config };
    if (announce) this.log(` ---> ${shortId(this.stateId(sr.state))}`);
  }

  /** Whether the current layer has dir (a directory, symlinks followed inside it). */
  private async hasDir(sr: StageRun, dir: string): Promise<boolean> {
    const top = topLayer({ layers: sr.state.layers } as ImageRecord);
    if (top === EMPTY_LAYER) return dir === '/';
    const st = await stat(await resolveInRoot(layerPath(this.store, top), dir)).catch(() => undefined);
    return !!st?.isDirectory();
  }

  /** WORKDIR of a directory the image lacks: made at once, root's and 0755, in a layer of its own (as Docker does). */
  private async makeWorkdir(sr: StageRun, i: Instruction, dir: string): Promise<void> {
    const key = cache.stepKey(sr.state.key, ['WORKDIR', dir, 'mkdir']);
    if (await this.hit(sr, key)) return;
    const scratch = await scratchLayer(this.store, topLayer({ layers: sr.state.layers } as ImageRecord));
    try {
      await makeDirs(scratch, dir, { uid: 0, gid: 0 });
      await this.commitLayer(sr, i, key, scratch, true, (c) => void (c.WorkingDir = dir));
    } catch (e) {
      await btrfs.remove(scratch).catch(() => {});
      throw e;
    }
  }

  private async containerImage(sr: StageRun): Promise<string> {
    if (sr.baseImage) return sr.baseImage;
    this.emptyImage ??= (
      await getImage(this.store, EMPTY_IMAGE_REF).catch(() => {
        throw new NotFound(`the empty base image (${EMPTY_IMAGE_REF}) is missing; run 'dockerlite init' again`);
      })
    ).id;
    return this.emptyImage;
  }

  private async run(sr: StageRun, i: RunInstr): Promise<void> {
    const run = sr.state.config.config ?? {};
    let argv = commandArgv(i.cmd, run.Shell);
    let script: string | undefined;
    if (i.heredocs.length && i.cmd.form === 'shell') {
      const only = i.heredocs.length === 1 && parseHeredocWord(i.cmd.text.trim(), this.df.escape) ? i.heredocs[0] : undefined;
      if (only && only.content.startsWith('#!')) script = only.content;
      else if (only) argv = [...(run.Shell?.length ? run.Shell : ['/bin/sh', '-c']), only.content];
      else argv = [...argv.slice(0, -1), i.cmd.text + i.heredocs.map((d) => `\n${d.content}${d.name}`).join('')];
    }
    // Build args reach RUN as environment (ENV wins); they are part of the step's key.
    const argEnv = [...sr.args].filter(([k, v]) => v !== undefined && envLookup(run.Env, k) === undefined).map(([k, v]) => `${k}=${v}`);
    const proxies = [...this.buildArgs]
      .filter(([k]) => PROXY_ARGS.has(k) && !sr.args.has(k))
      .map(([k, v]) => {
        this.consumed.add(k);
        return `${k}=${v}`;
      });
    const key = cache.stepKey(sr.state.key, ['RUN', argv, argEnv, script ?? null, this.o.network ?? null]);
    if (await this.hit(sr, key)) return;
    let containerId = '';
    let result: { status: number; kept?: void };
    try {
      result = await runStep(
        this.store,
        {
          image: await this.containerImage(sr),
          layer: topLayer({ layers: sr.state.layers } as ImageRecord),
          env: mergeEnv(proxies, argEnv, run.Env),
          user: run.User ?? '',
          workdir: run.WorkingDir ?? '',
          argv: script !== undefined ? [] : argv,
          script,
          hostConfig: {
            ...(this.o.network ? { NetworkMode: this.o.network } : {}),
            ...(this.o.extraHosts?.length ? { ExtraHosts: this.o.extraHosts } : {}),
          },
          output: this.output,
          started: (c) => {
            containerId = c.id;
            this.log(` ---> Running in ${shortId(c.id)}`);
          },
          signal: this.o.signal,
        },
        async (rootfs) => {
          const snap = this.store.paths.layer(scratchName());
          await btrfs.snapshot(rootfs, snap, { readonly: true });
          try {
            await this.commitLayer(sr, i, key, snap, false);
          } catch (e) {
            await btrfs.remove(snap).catch(() => {});
            throw e;
          }
        },
      );
    } catch (e) {
      if (e instanceof CommandNotRunnable) throw new StepFailed(this.stepFailure(i, argv, `could not run: ${e.message}`), e.exitCode);
      throw e;
    } finally {
      if (containerId) this.log(`Removing intermediate container ${shortId(containerId)}`);
    }
    if (this.o.signal?.aborted) throw new Interrupted('the build was interrupted');
    if (result.status !== 0)
      throw new StepFailed(
        this.stepFailure(i, script !== undefined ? ['<heredoc script>'] : argv, `returned a non-zero code: ${result.status}`),
        result.status,
      );
    this.log(` ---> ${shortId(this.stateId(sr.state))}`);
  }

  private stepFailure(i: Instruction, argv: string[], what: string): string {
    return `${this.df.file}:${i.line}: step ${this.step}/${this.total} (${i.text.split('\n')[0]}): the command '${shellJoin(argv)}' ${what}`;
  }

  private async copy(sr: StageRun, i: CopyInstr, strict: (w: string) => string): Promise<void> {
    const run = sr.state.config.config ?? {};
    const add = i.kind === 'ADD';
    const dest = destination(strict(i.dest), run.WorkingDir ?? '/');
    const chown = i.chown !== undefined ? strict(i.chown) : undefined;
    const chmod = i.chmod !== undefined ? parseInt(strict(i.chmod), 8) : undefined;
    const checksum = i.checksum !== undefined ? strict(i.checksum) : undefined;
    const sources: CopySource[] = [];
    const items: SourceItem[] = [];
    const walked = new Map<SourceItem, SourceEntry[]>();
    const parts: unknown[] = [];
    const from = this.fromOf.get(i);
    let root: string | null;
    let what: string;
    let ignore = null as BuildContext['ignore'] | null;
    if (from) {
      let layer: string;
      if ('stage' in from) {
        const st = this.done.get(from.stage)!;
        layer = topLayer({ layers: st.state.layers } as ImageRecord);
        what = `stage ${from.stage.name ?? from.stage.index}`;
      } else {
        const img = await ensureBaseImage(this.store, from.image).catch((e) => {
          if (e instanceof NotFound)
            throw new NotFound(`--from=${from.image}: no build stage has that name, and there is no such image in the store (pull it first)`);
          throw e;
        });
        await this.holdImage(img, `image ${from.image}`);
        layer = topLayer(img);
        what = `image ${from.image}`;
      }
      root = layerPath(this.store, layer);
      // Layers never change, so the source layer stands for its content.
      parts.push(['layer', layer]);
    } else {
      root = this.o.context.dir;
      ignore = this.o.context.ignore;
      what = 'build context';
    }
    for (const s of i.sources) {
      if (typeof s !== 'string') {
        const content = s.expand ? expandHeredoc(s.content, this.lookupIn(sr), { escape: this.df.escape }) : s.content;
        sources.push({ kind: 'data', name: s.name, data: Buffer.from(content), mode: 0o644 });
        parts.push(['heredoc', s.name, sha256(content)]);
        continue;
      }
      const src = strict(s);
      if (isUrl(src)) {
        if (!add) this.fail(i.line, `COPY cannot fetch ${src}: use ADD for URLs`);
        const d = await this.download(src, dest.isDir, checksum);
        sources.push({ kind: 'data', name: d.name, path: d.path, mode: 0o600, mtime: d.mtime });
        parts.push(['url', src, d.digest]);
        continue;
      }
      if (checksum !== undefined) this.fail(i.line, 'ADD --checksum works with URL sources only');
      if (root === null) this.fail(i.line, `${i.kind} ${src}: there is no build context (the Dockerfile came on stdin); pass a context directory or tar`);
      const found = await selectSources(root, src, from ? null : ignore, what);
      if (!found.length) this.fail(i.line, `${i.kind} ${src}: no source files were specified (the pattern matches nothing in the ${what})`);
      items.push(...found);
      for (const it of found) sources.push({ kind: 'item', item: it, ignore: from ? null : ignore });
    }
    if (sources.length > 1 && !dest.isDir) {
      this.fail(i.line, `when using ${i.kind} with more than one source file, the destination must be a directory and end with a / (${i.dest})`);
    }
    if (!from && items.length) parts.push(['context', await digestSources(items, ignore, walked)]);
    else if (items.length) parts.push(['paths', items.map((x) => x.rel)]);
    // 'owners' marks entries made since COPY --from keeps the source's uid and gid.
    const key = cache.stepKey(sr.state.key, [i.kind, parts, dest, chown ?? null, chmod ?? null, run.WorkingDir ?? null, ...(from ? ['owners'] : [])]);
    if (await this.hit(sr, key)) return;
    for (const s of sources) if (s.kind === 'item') s.entries = walked.get(s.item);
    const scratch = await scratchLayer(this.store, topLayer({ layers: sr.state.layers } as ImageRecord));
    try {
      const owner = await resolveChown(scratch, chown);
      await copyInto(sources, { rootfs: scratch, dest, owner, mode: chmod, extract: add, keepOwner: !!from && chown === undefined });
      await this.commitLayer(sr, i, key, scratch);
    } catch (e) {
      await btrfs.remove(scratch).catch(() => {});
      throw e;
    }
  }

  /** ADD <url>: fetch it into the build's scratch directory, hashing as it comes. */
  private async download(url: string, destIsDir: boolean, checksum?: string): Promise<{ path: string; name: string; digest: string; mtime?: Date }> {
    this.tmp ??= await makeTmpDir(this.store);
    const dir = join(this.tmp, randomId().slice(0, 12));
    await mkdir(dir);
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'follow', signal: this.o.signal });
    } catch (e) {
      const cause = (e as { cause?: Error }).cause;
      throw new Unavailable(`cannot fetch ${url}: ${cause?.message ?? (e as Error).message}`);
    }
    if (!res.ok || !res.body) throw new Unavailable(`cannot fetch ${url}: the server answered ${res.status} ${res.statusText}`);
    let name = decodeURIComponent(new URL(res.url || url).pathname.split('/').pop() ?? '');
    if (!name || name === '.' || name === '..') {
      if (destIsDir) throw new InvalidArgument(`cannot tell a file name from ${url}; give the destination as a file path`);
      name = 'download';
    }
    const path = join(dir, 'data');
    const h = createHash('sha256');
    const fh = await open(path, 'wx', 0o600);
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        h.update(chunk);
        await fh.write(chunk);
      }
    } finally {
      await fh.close();
    }
    const digest = `sha256:${h.digest('hex')}`;
    if (checksum && checksum !== digest) throw new InvalidArgument(`checksum mismatch for ${url}: expected ${checksum}, got ${digest}`);
    const lm = res.headers.get('last-modified');
    const mtime = lm ? new Date(lm) : undefined;
    return { path, name, digest, mtime: mtime && !Number.isNaN(mtime.getTime()) ? mtime : undefined };
  }

  private async finish(sr: StageRun, tags: string[]): Promise<BuildResult> {
    const warnings: string[] = [];
    const unused = [...this.buildArgs.keys()].filter((k) => !this.consumed.has(k));
    if (unused.length) {
      const w = `[Warning] One or more build-args [${unused.join(' ')}] were not consumed`;
      warnings.push(w);
      this.log(w);
    }
    // Nothing after FROM changed it: the result is the base image as it is (without the default PATH).
    let config = sr.baseConfig && sr.state.key.startsWith('image:') ? sr.baseConfig : sr.state.config;
    if (this.o.labels && Object.keys(this.o.labels).length) {
      config = structuredClone(config);
      config.config = { ...(config.config ?? {}), Labels: { ...(config.config?.Labels ?? {}), ...this.o.labels } };
    }
    const layers = sr.state.layers;
    const id = imageIdFor(config, layers);
    // Saved and tagged in one step: a prune running meanwhile never sees it dangling.
    const { image, refs: named } = await saveTagged(
      this.store,
      { id, created: config.created ?? new Date().toISOString(), config, layers, ...(sr.baseImage ? { parent: sr.baseImage } : {}) },
      tags,
    );
    this.log(`Successfully built ${shortId(id)}`);
    for (const ref of named) this.log(`Successfully tagged ${familiar(parseReference(ref))}`);
    return { image, tags: named, warnings };
  }
}

export async function build(store: Store, o: BuildOptions): Promise<BuildResult> {
  return new Builder(store, o).build();
}
