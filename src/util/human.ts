// Human-readable times, sizes and command lines, as Docker prints them.

/** "2 seconds", "About a minute", "3 hours" — the same steps as Docker's units.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.floor(ms / 3_600_000 + 0.5);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

export function ago(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t) || t <= 0) return 'N/A';
  return `${humanDuration(now - t)} ago`;
}

/** Go's fmt "%.<prec>g": shortest of fixed and exponent form, trailing zeros dropped ("1e+03"). */
export function goG(v: number, prec: number): string {
  const s = v.toPrecision(prec);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  const trim = (x: string) => (x.includes('.') ? x.replace(/\.?0+$/, '') : x);
  if (!m) return trim(s);
  return `${trim(m[1])}e${m[2]}${m[3].padStart(2, '0')}`;
}

function unitSize(bytes: number, base: number, units: string[], prec: number): string {
  let v = bytes;
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${goG(v, prec)}${units[i]}`;
}

/** Decimal units, as go-units' HumanSizeWithPrecision: 3 significant digits for docker images' SIZE ("4.26MB"), 4 for HumanSize. */
export function humanSize(bytes: number | undefined, precision = 3): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return 'N/A';
  return unitSize(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'], precision);
}

/** Binary units, as go-units' BytesSize ("12.34MiB"): docker stats' memory. */
export function bytesSize(bytes: number): string {
  return unitSize(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'], 4);
}

/** The daemon's Command of a container list entry: path, then args, each arg with a space in single quotes. */
export function dockerCommand(path: string, args: string[]): string {
  return args.length ? `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}` : path;
}

/** The CLI's Ellipsis: at most n characters, the last one … when cut. */
export function ellipsis(s: string, n: number): string {
  const chars = [...s];
  return chars.length <= n ? s : chars.slice(0, n - 1).join('') + '…';
}

/** Join argv for display, quoting words that need it. */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

const hrBase = process.hrtime.bigint();
const msBase = BigInt(Date.now()) * 1_000_000n;

/** Now as RFC 3339 with nanoseconds, as Docker records times ("2026-12-01T22:59:30.611588184Z"). */
export function nowRfc3339Nano(): string {
  const ns = msBase + (process.hrtime.bigint() - hrBase);
  const whole = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  return `${whole}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}
