// src/cli/stdio.ts writes to fd 1 and 2 without node's streams. These check
// the cases where a plain writeSync would go wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const stdio = fileURLToPath(new URL('../../src/cli/stdio.js', import.meta.url));
const LINES = 300; // 300 kB: well over a pipe's 64 KiB
const expected = Array.from({ length: LINES }, (_, i) => String(i).padStart(6, '0') + 'x'.repeat(993) + '\n').join('');

/** A node child that writes SIZE bytes with stdio.ts, in chunks, then exits as the CLI does. */
const writer = `
const { write, exitAfterOutput } = await import(${JSON.stringify(stdio)});
for (let i = 0; i < ${LINES}; i++) write(1, String(i).padStart(6, '0') + 'x'.repeat(993) + '\\n');
exitAfterOutput(0);
`;
const child = (script: string) => `${JSON.stringify(process.execPath)} --input-type=module -e ${shellQuote(script)}`;
const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

test('a reader that goes away ends the writer with status 141 and no stack trace', () => {
  const r = spawnSync('bash', ['-c', `${child(writer)} | head -c 10 >/dev/null; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
  assert.match(r.stderr, /^status 141\n$/);
});

test('a full non-blocking pipe: the rest goes through the stream, all of it and in order', () => {
  // A parent may hand over a stdout it made non-blocking (libuv clears the
  // flag for its children, other runtimes do not): writeSync then meets
  // EAGAIN as soon as the reader falls behind.
  const parent = `import fcntl, os, subprocess, sys
fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK)
r = subprocess.run(sys.argv[1:])
sys.stderr.write(f"child {r.returncode}\\n")`;
  const r = spawnSync('bash', ['-c', `python3 -c ${shellQuote(parent)} ${child(writer)} | (sleep 0.3; cat)`], { encoding: 'utf8', maxBuffer: 4 << 20 });
  assert.equal(r.stderr, 'child 0\n');
  assert.ok(r.stdout === expected, `got ${r.stdout.length} bytes, not the ${expected.length} written in order`);
});
