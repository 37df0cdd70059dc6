// Build the C helpers in native/ with the system compiler (install.sh installs gcc):
// each native/NAME.c becomes dist/native/NAME (NAME.node.c: the addon NAME.node).
// Part of `npm run build`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'native');
mkdirSync(out, { recursive: true });
for (const f of readdirSync(join(root, 'native')).filter((n) => n.endsWith('.c'))) {
  const cc = process.env.CC || 'cc';
  // dl-init runs inside containers, whose images may have no libc: static.
  // NAME.node.c is a Node-API addon, built against the headers of the node that builds it (its prefix's include/node).
  const extra =
    f === 'dl-init.c' ? ['-static'] : f.endsWith('.node.c') ? ['-shared', '-fPIC', `-I${join(dirname(process.execPath), '..', 'include', 'node')}`] : [];
  // cc -O2 -Wall -Wextra -Werror [-static] -o dist/native/NAME native/NAME.c
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', ...extra, '-o', join(out, f.slice(0, -2)), join(root, 'native', f)], { stdio: 'inherit' });
}
