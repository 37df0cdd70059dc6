// setfattr(1)/getfattr(1) from the attr package: Node has no xattr calls.
// Used only for the few files that carry xattrs (file capabilities, mostly).
import { run } from './exec.js';

/** setfattr -h -n NAME -v 0sBASE64 PATH  (-h: act on a symlink itself) */
export async function set(path: string, name: string, value: Buffer): Promise<void> {
  await run('setfattr', ['-h', '-n', name, '-v', `0s${value.toString('base64')}`, '--', path]);
}

/** getfattr -h -d -m - -e base64 --absolute-names PATH -> name -> value */
export async function list(path: string): Promise<Map<string, Buffer>> {
  const { stdout } = await run('getfattr', ['-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', '--', path], { allowFail: true });
  const out = new Map<string, Buffer>();
  for (const line of stdout.split('\n')) {
    const m = /^([^#=][^=]*)=(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2];
    out.set(m[1], v.startsWith('0s') ? Buffer.from(v.slice(2), 'base64') : Buffer.from(v.replace(/^"|"$/g, '')));
  }
  return out;
}

/**
 * getfattr -h -d -m - -e base64 --absolute-names PATH... for many paths at
 * once (in batches): relative path -> name -> value, only for paths with xattrs.
 */
export async function dumpMany(root: string, rel: string[]): Promise<Map<string, Map<string, Buffer>>> {
  const out = new Map<string, Map<string, Buffer>>();
  const prefix = root.endsWith('/') ? root : root + '/';
  for (let i = 0; i < rel.length; i += 500) {
    const batch = rel.slice(i, i + 500).map((p) => prefix + p);
    const { stdout } = await run('getfattr', ['-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', '--', ...batch], { allowFail: true });
    let current: Map<string, Buffer> | undefined;
    for (const line of stdout.split('\n')) {
      if (line.startsWith('# file: ')) {
        current = new Map();
        out.set(unescapeName(line.slice(8)).replace(prefix, ''), current);
        continue;
      }
      const m = /^([^#=][^=]*)=(.*)$/.exec(line);
      if (m && current) current.set(m[1], m[2].startsWith('0s') ? Buffer.from(m[2].slice(2), 'base64') : Buffer.from(m[2].replace(/^"|"$/g, '')));
    }
  }
  return out;
}

/** getfattr writes odd bytes in names as \ooo octal escapes: undo them, then read UTF-8. */
function unescapeName(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(...Buffer.from(s[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
