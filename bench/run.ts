// npm run bench [-- NAME...]: run benchmarks; each prints medians and ratios
// against a baseline measured in the same invocation.
import { foundation } from './foundation.js';
import { lifecycle } from './lifecycle.js';
import { buildBench } from './build.js';
import { network } from './network.js';
import { registry } from './registry.js';
import { peers } from './peers.js';
import { memory } from './memory.js';
import { apiBench } from './api.js';

// This development machine sets NODE_EXTRA_CA_CERTS for its own tools; with it,
// every node process (dockerlite's commands and the `node -e 0` baseline alike)
// builds a certificate store before any JavaScript runs, ~48 ms here, which a
// user's machine does not pay and Go's docker and podman never do. The
// benchmarks talk to registries on loopback over plain HTTP and need no CA.
delete process.env.NODE_EXTRA_CA_CERTS;

const all: Record<string, () => Promise<void>> = {
  foundation: () => foundation(),
  lifecycle: () => lifecycle(),
  build: () => buildBench(),
  network: () => network(),
  registry: () => registry(),
  memory: () => memory(),
  api: () => apiBench(),
};

// --peers: the same operations on docker and podman too (bench/peers.ts);
// --runs=N and --many=N change its repetitions and the big `ps -a` count.
const opt = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
if (process.argv.includes('--peers')) {
  const runs = opt('runs');
  const many = opt('many');
  await peers({ n: runs ? Number(runs) : undefined, many: many ? Number(many) : undefined });
  process.exit(0);
}
const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : Object.keys(all)) {
  const b = all[name];
  if (!b) {
    console.error(`unknown benchmark ${name}; have: ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
  console.log(`# benchmark: ${name}`);
  await b();
}
