// Issue 6's benchmark: a 10-step Dockerfile on busybox (2 RUN, 2 COPY, 6
// config steps), on a throwaway store:
//   - a cold build (--no-cache), against one `dockerlite run --rm busybox true`
//   - a rebuild with everything cached, against `node -e 0` (the floor of any CLI call)
//   - a rebuild after changing the file the second COPY copies (steps 6-10
//     re-run, one of them a RUN), against `dockerlite run --rm busybox true`
// The target is a cached rebuild well under a second.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, BIN } from '../test/helpers/env.js';
import { measure, report, timeCmd } from './lib.js';

export const DOCKERFILE = `FROM busybox
ENV APP=/app
WORKDIR /app
COPY config.txt ./
RUN echo setup > /setup && cat config.txt >> /setup
COPY data.txt ./
RUN cat data.txt > /data.out
LABEL bench=build
EXPOSE 8080
CMD ["cat", "/data.out"]
`;

export async function buildBench(n = 9): Promise<void> {
  const env = new TestEnv();
  const dl = (args: string[]) => timeCmd(process.execPath, [BIN, ...args], { env: env.env });
  const ctx = join(env.dir, 'ctx');
  try {
    dl(['init']);
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
    writeFileSync(join(ctx, 'config.txt'), 'mode=bench\n');
    writeFileSync(join(ctx, 'data.txt'), 'data 0\n');

    const node0 = await measure(n, () => timeCmd(process.execPath, ['-e', '0']));
    const run = await measure(n, () => dl(['run', '--rm', 'busybox', 'true']));
    const cold = await measure(n, () => dl(['build', '--no-cache', '-q', '-t', 'bench', ctx]));
    dl(['build', '-q', '-t', 'bench', ctx]);
    const cached = await measure(n, () => dl(['build', '-q', '-t', 'bench', ctx]));
    let k = 1;
    const changed = await measure(n, () => {
      writeFileSync(join(ctx, 'data.txt'), `data ${k++}\n`);
      return dl(['build', '-q', '-t', 'bench', ctx]);
    });
    report('build (10 steps: 2 RUN, 2 COPY, 6 config)', [
      { name: 'cold build (--no-cache)', median: cold.median, baseline: 'run --rm busybox true', baselineMedian: run.median },
      { name: 'rebuild, everything cached', median: cached.median, baseline: 'node -e 0', baselineMedian: node0.median },
      { name: 'rebuild after changing one copied file (steps 6-10)', median: changed.median, baseline: 'run --rm busybox true', baselineMedian: run.median },
    ]);
  } finally {
    await env.cleanup();
  }
}
