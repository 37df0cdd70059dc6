// The store side of a container's monitor. The monitor itself is
// native/dl-mon (C, one per running container, stays alive with lxc-start
// under it: stdio, log, attach socket, exit status, OOM count). What needs
// the store runs here, as a short-lived node process that dl-mon starts at
// the edges of a run (the "hook"; protocol in native/dl-mon.c's header):
//
//   node monitor.js CFG-JSON ID exit STATUS OOMKILLS DROPPED STARTED LASTWAIT
//     the exit work (exitwork.ts); prints "done [START-ERROR]" or "restart WAIT_MS".
//   node monitor.js CFG-JSON ID started PID
//     records the start, when the starter died before it could.
//   node monitor.js CFG-JSON ID restart
//     after the back-off: unless stopped meanwhile, prepares the next run,
//     writes restart.argv for dl-mon and prints "go"; then reads "started
//     PID" and records the start (started.ts). Prints "done" if stopped.
//
// dl-mon runs it as `node bin/dockerlite --dl-monitor-hook CFG-JSON ID ...`:
// the launcher then loads the bundle dist/monitor.cjs with its code cache
// (scripts/bundle.mjs), several times faster than the ES modules behind it,
// and `wait` waits for this hook. Run as `node monitor.js ...` it still works
// (a container started by an older build calls it so).
import { existsSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { Store } from '../../store/store.js';
import { readContainer, readState, updateState } from '../../store/containers.js';
import { identify } from '../../sys/proc.js';
import { startArgv } from '../../runtime/lxc.js';
import { storeOf } from '../system/subsystems.js';
import { monitorEnv, recordStart } from './started.js';
import { exitWork } from './exitwork.js';

const [cfgJson, id, mode, ...rest] = process.argv.slice(2);
const warn = (m: string) => void process.stderr.write(`${m}\n`);

/** One line of stdin (dl-mon's answer), or '' at its end. */
function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', () => resolve(''));
  });
}

async function onRestart(store: Store, dir: string): Promise<string | undefined> {
  const rec = await readContainer(store, id);
  const st = await readState(store, id).catch(() => undefined);
  if (!st || st.stopRequested || !existsSync(dir)) {
    await updateState(store, id, (s) => ({ ...s, status: 'exited' })).catch(() => {});
    return 'done';
  }
  let words: string[];
  try {
    const { prepare } = await import('./spec/prepare.js');
    const { argv, passEnv } = await prepare(store, rec);
    const lxc = startArgv({ lxcPath: store.paths.lxc, name: id, configFile: store.paths.lxcConf(id), argv, logFile: join(dir, 'lxc.log') });
    writeFileSync(join(dir, 'lxc.log'), '');
    words = [...lxc, '', ...Object.entries(monitorEnv(passEnv)).map(([k, v]) => `${k}=${v}`)];
  } catch (e) {
    await updateState(store, id, (s) => ({ ...s, status: 'exited', error: (e as Error).message })).catch(() => {});
    return 'done';
  }
  writeFileSync(join(dir, 'restart.argv.tmp'), words.map((w) => w + '\0').join(''));
  renameSync(join(dir, 'restart.argv.tmp'), join(dir, 'restart.argv'));
  process.stdout.write('go\n');
  const line = await readLine();
  const m = /^started (\d+)$/.exec(line);
  if (m) await recordStart(store, rec, identify(Number(m[1])), identify(process.ppid));
  process.stdin.destroy(); // dl-mon waits for our end of the pipe to close, and our exit status
  return undefined;
}

/** The starter died before it recorded the start: record it for it. */
async function onStarted(store: Store): Promise<undefined> {
  await recordStart(store, await readContainer(store, id), identify(Number(rest[0])), identify(process.ppid));
  return undefined;
}

// No top-level await: the bundle is CommonJS.
async function main(): Promise<void> {
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  // `--dl-code-cache`: only load (npm run build makes the code cache so).
  if (cfgJson === '--dl-code-cache') return;
  const store = storeOf(JSON.parse(cfgJson) as Config);
  store.warn = warn;
  let answer: string | undefined = 'done';
  try {
    answer =
      mode === 'restart'
        ? await onRestart(store, store.paths.container(id))
        : mode === 'started'
          ? await onStarted(store)
          : await exitWork(store, id, rest, warn);
  } catch (e) {
    warn(`monitor hook ${mode}: ${(e as Error).stack}`);
  }
  if (answer) process.stdout.write(answer + '\n');
}
void main();
