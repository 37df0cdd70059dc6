// Platforms (os/architecture/variant) and picking one image out of a
// multi-platform index, as Docker does: the host's platform by default,
// attestation entries (build provenance, SBOMs) skipped.
import { InvalidArgument, NotFound } from '../errors.js';
import type { Descriptor, ImageIndex, Platform } from './manifest.js';

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386', i686: '386' };

/** Canonical form: aliases resolved, arm64's implied v8 variant dropped. */
export function normalisePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const raw = p.architecture.toLowerCase();
  const architecture = ARCH_ALIASES[raw] ?? raw;
  let variant = p.variant?.toLowerCase() || undefined;
  if (raw === 'armhf' && !variant) variant = 'v7';
  if (raw === 'armel' && !variant) variant = 'v6';
  if (architecture === 'arm64' && variant === 'v8') variant = undefined;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** "linux/arm64/v8", "linux/amd64", or just "arm64" (os linux). */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().split('/');
  if (!parts[0] || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9][\w.-]*$/.test(p)))
    throw new InvalidArgument(`invalid platform '${s}': expected os/arch[/variant], e.g. linux/arm64`);
  if (parts.length === 1) return normalisePlatform({ os: 'linux', architecture: parts[0] });
  return normalisePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

export function formatPlatform(p: Platform): string {
  const n = normalisePlatform(p);
  return [n.os, n.architecture, n.variant].filter(Boolean).join('/');
}

/** The platform this host runs. */
export function hostPlatform(): Platform {
  const arch =
    ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ??
    process.arch;
  return { os: 'linux', architecture: arch, ...(arch === 'arm' ? { variant: 'v7' } : {}) };
}

/** Build attestations and other non-runnable entries of an index. */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || d.platform?.os === 'unknown' || d.platform?.architecture === 'unknown';
}

export function platformMatches(have: Platform, want: Platform): boolean {
  const h = normalisePlatform(have);
  const w = normalisePlatform(want);
  if (h.os !== w.os || h.architecture !== w.architecture) return false;
  return !w.variant || h.variant === w.variant;
}

/** The index entry for a platform; an error that lists what there is when none fits. */
export function selectManifest(index: ImageIndex, want: Platform, where: string): Descriptor {
  const candidates = index.manifests.filter((d) => d.platform && !isAttestation(d));
  const hits = candidates.filter((d) => platformMatches(d.platform!, want));
  // With no variant asked for, an entry without one is the better fit.
  const best = hits.find((d) => !d.platform!.variant || normalisePlatform(d.platform!).variant === normalisePlatform(want).variant) ?? hits[0];
  if (best) return best;
  // An index whose single entry names no platform: take it (some tools write these).
  const unnamed = index.manifests.filter((d) => !d.platform && !isAttestation(d));
  if (!candidates.length && unnamed.length === 1) return unnamed[0];
  const have = [...new Set(candidates.map((d) => formatPlatform(d.platform!)))];
  throw new NotFound(
    `no matching manifest for ${formatPlatform(want)} in ${where}${have.length ? ` (it has: ${have.join(', ')})` : ''}; choose one with --platform`,
  );
}
