// commit -c/--change and import -c: Dockerfile instructions applied to an
// image's run config. Docker allows only the ones that change the config.
import { InvalidArgument } from '../../errors.js';
import type { RunConfig } from '../../store/types.js';
import { parseDockerfile } from './parser.js';
import { commandArgv, exposedPorts, setEnv, workdir } from './config.js';

const ALLOWED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'USER', 'VOLUME', 'WORKDIR']);

export function applyChanges(base: RunConfig, changes: string[] = []): RunConfig {
  const c: RunConfig = structuredClone(base);
  let cmdSet = false;
  for (const text of changes) {
    // Parsed as the line after a FROM, so the Dockerfile parser's rules and messages apply.
    const df = parseDockerfile(`FROM scratch\n${text}\n`, '--change');
    if (df.instructions.length !== 2) throw new InvalidArgument(`invalid change '${text}': give one instruction`);
    const i = df.instructions[1];
    if (!ALLOWED.has(i.kind)) throw new InvalidArgument(`${i.kind.toLowerCase()} is not a valid change command`); // dockerd's message
    switch (i.kind) {
      case 'ENV':
        c.Env = setEnv(c.Env, i.pairs);
        break;
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(i.pairs) };
        break;
      case 'WORKDIR':
        c.WorkingDir = workdir(c.WorkingDir, i.value);
        break;
      case 'USER':
        c.User = i.value;
        break;
      case 'EXPOSE':
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}), ...exposedPorts(i.values) };
        break;
      case 'VOLUME':
        c.Volumes = { ...(c.Volumes ?? {}), ...Object.fromEntries(i.values.map((v) => [v, {}])) };
        break;
      case 'CMD':
        c.Cmd = commandArgv(i.cmd, c.Shell);
        cmdSet = true;
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = commandArgv(i.cmd, c.Shell);
        if (!cmdSet) c.Cmd = null;
        break;
      case 'ONBUILD':
        c.OnBuild = [...(c.OnBuild ?? []), i.trigger];
        break;
    }
  }
  return c;
}
