// --security-opt seccomp=PROFILE.json: a Docker seccomp profile turned into
// LXC's v2 text format. Docker keeps the profile's text in SecurityOpt
// (seccomp=<json>), so does dockerlite; each start converts it for the
// container's capabilities, as Docker's includes/excludes.caps ask.
import { InvalidArgument } from '../../../errors.js';

interface Arg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}
interface Rule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: Arg[] | null;
  includes?: Filter;
  excludes?: Filter;
}
interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  syscalls?: Rule[] | null;
}

const OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
/** The names Docker profiles give this host's architectures. */
const HOST_ARCHES = process.arch === 'x64' ? ['amd64', 'x86_64', 'x86', '386', 'x32'] : process.arch === 'arm64' ? ['arm64', 'aarch64', 'arm'] : [process.arch];

function bad(why: string): InvalidArgument {
  return new InvalidArgument(`invalid seccomp profile: ${why}`);
}

/** LXC's spelling of a Docker action. */
function action(a: string, errnoRet: number | undefined, dflt: number | undefined): string {
  switch (a) {
    case 'SCMP_ACT_ALLOW':
      return 'allow';
    case 'SCMP_ACT_ERRNO': {
      const n = errnoRet ?? dflt ?? 1; // EPERM, as Docker
      if (!Number.isInteger(n) || n < 0 || n > 4095) throw bad(`errnoRet ${n} is out of range`);
      return `errno ${n}`;
    }
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
    case 'SCMP_ACT_KILL_PROCESS':
      return 'kill';
    case 'SCMP_ACT_TRAP':
      return 'trap';
    default:
      throw bad(
        `action ${JSON.stringify(a)} is not supported by dockerlite's runtime (LXC): use SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL or SCMP_ACT_TRAP`,
      );
  }
}

/** Check the text of a profile (at create, so a bad file fails at once). */
export function parseSeccompProfile(text: string): Profile {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw bad('expected a JSON object');
  const prof = p as Profile;
  if (typeof prof.defaultAction !== 'string') throw bad('defaultAction is missing');
  if (prof.syscalls != null && !Array.isArray(prof.syscalls)) throw bad('syscalls must be a list');
  // Convert once with every capability, so every error shows now.
  toLxcSeccomp(prof, []);
  return prof;
}

const applies = (f: Filter | undefined, caps: Set<string>, include: boolean): boolean => {
  if (!f) return include;
  const capHit = f.caps?.length ? f.caps.some((c) => caps.has(c.toLowerCase().replace(/^cap_/, ''))) : undefined;
  const archHit = f.arches?.length ? f.arches.some((a) => HOST_ARCHES.includes(a)) : undefined;
  if (include) return capHit !== false && archHit !== false;
  return capHit === true || archHit === true;
};

/** The LXC profile text for a container holding caps (lower-case names without cap_). */
export function toLxcSeccomp(p: Profile, caps: readonly string[]): string {
  const held = new Set(caps);
  const dflt = action(p.defaultAction, p.defaultErrnoRet, p.defaultErrnoRet);
  const lines = ['2', `allowlist ${dflt}`];
  for (const [i, r] of (p.syscalls ?? []).entries()) {
    if (!r || typeof r !== 'object' || typeof r.action !== 'string') throw bad(`syscalls[${i}] needs an action`);
    const names = r.names ?? (r.name ? [r.name] : []);
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || !/^[a-z0-9_]+$/.test(n))) throw bad(`syscalls[${i}] has a bad name`);
    if (!applies(r.includes, held, true) || applies(r.excludes, held, false)) continue;
    const act = action(r.action, r.errnoRet, p.defaultErrnoRet);
    if (act === dflt) continue; // libseccomp refuses a rule that repeats the default action
    const args = (r.args ?? []).map((a, j) => {
      if (!a || !Number.isInteger(a.index) || a.index < 0 || a.index > 5 || !OPS.includes(a.op) || !Number.isInteger(a.value) || a.value < 0)
        throw bad(`syscalls[${i}].args[${j}] is not {index 0-5, value, op SCMP_CMP_*}`);
      const two = a.valueTwo ?? 0;
      if (!Number.isInteger(two) || two < 0) throw bad(`syscalls[${i}].args[${j}].valueTwo must be a whole number`);
      // Docker's MASKED_EQ takes the mask as value and the datum as valueTwo; LXC's line is [index,datum,op,mask].
      return a.op === 'SCMP_CMP_MASKED_EQ' ? `[${a.index},${two},${a.op},${a.value}]` : `[${a.index},${a.value},${a.op}]`;
    });
    if (args.length > 6) throw bad(`syscalls[${i}] has more than 6 args`);
    for (const n of names) lines.push(`${n} ${act}${args.length ? ' ' + args.join('') : ''}`);
  }
  return lines.join('\n') + '\n';
}
