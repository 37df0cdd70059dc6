// Build stages: a Dockerfile is ARGs (global, for FROM lines) and then one
// stage per FROM. A stage may start FROM another stage, and COPY --from one;
// only the stages the target needs are built, dependencies first, and a
// cycle is an error that names the line that closes it.
import type { ArgInstr, Dockerfile, FromInstr, Instruction } from './parser.js';
import { DockerfileError } from './errors.js';

export interface Stage {
  index: number;
  /** The AS name, lower-cased. */
  name?: string;
  from: FromInstr;
  instructions: Instruction[];
}

export interface Stages {
  /** ARGs before the first FROM: usable in FROM lines only. */
  globalArgs: ArgInstr[];
  stages: Stage[];
}

export function splitStages(df: Dockerfile): Stages {
  const globalArgs: ArgInstr[] = [];
  const stages: Stage[] = [];
  for (const i of df.instructions) {
    if (i.kind === 'FROM') {
      if (i.stage && stages.some((s) => s.name === i.stage)) {
        throw new DockerfileError(
          df.file,
          i.line,
          `duplicate stage name "${i.stage}" (first used on line ${stages.find((s) => s.name === i.stage)!.from.line})`,
        );
      }
      stages.push({ index: stages.length, name: i.stage, from: i, instructions: [] });
    } else if (!stages.length) {
      if (i.kind !== 'ARG')
        throw new DockerfileError(
          df.file,
          i.line,
          `${i.kind} before the first FROM: a Dockerfile must start with FROM (only ARG, comments and parser directives may come before it)`,
        );
      globalArgs.push(i);
    } else stages.at(-1)!.instructions.push(i);
  }
  if (!stages.length) throw new DockerfileError(df.file, df.instructions.at(-1)!.line, 'the Dockerfile has no FROM instruction');
  return { globalArgs, stages };
}

/** A stage by AS name (case-insensitive) or by index. */
export function findStage(stages: Stage[], ref: string): Stage | undefined {
  const r = ref.toLowerCase();
  const byName = stages.find((s) => s.name === r);
  if (byName) return byName;
  return /^\d+$/.test(ref) ? stages[Number(ref)] : undefined;
}

export interface Dependency {
  stage: Stage;
  /** Where the dependency is stated, for the error on a cycle. */
  line: number;
  what: string;
}

/**
 * The stages to build for target, each after the stages it depends on.
 * depsOf names a stage's dependencies (FROM stage, COPY --from=stage).
 */
export function buildOrder(file: string, target: Stage, depsOf: (s: Stage) => Dependency[]): Stage[] {
  const order: Stage[] = [];
  const state = new Map<Stage, 'visiting' | 'done'>();
  const name = (x: Stage) => x.name ?? String(x.index);
  const visit = (s: Stage, path: Stage[]) => {
    if (state.get(s) === 'done') return;
    state.set(s, 'visiting');
    const here = [...path, s];
    for (const d of depsOf(s)) {
      if (state.get(d.stage) === 'visiting') {
        const cycle = [...here.slice(here.indexOf(d.stage)), d.stage].map(name);
        throw new DockerfileError(file, d.line, `${d.what}: circular dependency between stages (${cycle.join(' -> ')})`);
      }
      visit(d.stage, here);
    }
    state.set(s, 'done');
    order.push(s);
  };
  visit(target, []);
  return order;
}
