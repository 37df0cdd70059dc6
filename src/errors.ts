// Errors carry a kind. Callers decide by class (instanceof), never by message
// text; the CLI prints one line, and the API server will map kinds to status codes.

export class DockerliteError extends Error {
  /** Stable machine-readable kind, e.g. "NotFound". */
  readonly kind: string = 'Error';
  /** Process exit status the CLI uses when this error ends a command. */
  exitCode = 1;
  /** dockerd's wording of the same error, which the API sends (clients match on it); the CLI keeps its own. */
  dockerMessage?: string;
  override name = 'DockerliteError';
}

/** Give an error dockerd's wording for the API. */
export function dockerWording<T extends DockerliteError>(e: T, message: string): T {
  e.dockerMessage = message;
  return e;
}

/** An image, container, volume, network... that does not exist. */
export class NotFound extends DockerliteError {
  override readonly kind = 'NotFound';
}

/** The request clashes with current state: a name in use, a running container, an image in use. */
export class Conflict extends DockerliteError {
  override readonly kind = 'Conflict';
}

/** The user (or a registry, or a tarball) handed over something malformed. */
export class InvalidArgument extends DockerliteError {
  override readonly kind = 'InvalidArgument';
}

/** A state file in the store (a container's config.json, an image record...) is not what dockerlite wrote: garbage, empty or the wrong shape. */
export class CorruptState extends DockerliteError {
  override readonly kind = 'CorruptState';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`corrupt state file ${path}: ${problem}`);
  }
}

/** A prefix matched several objects. */
export class Ambiguous extends InvalidArgument {
  override readonly kind = 'InvalidArgument';
}

/** The host lacks something dockerlite needs (a tool, a kernel feature, permissions). */
export class Unavailable extends DockerliteError {
  override readonly kind = 'Unavailable';
}

/** The user may not do this here: the store is root's. */
export class PermissionDenied extends DockerliteError {
  override readonly kind = 'PermissionDenied';
}

/** A registry refused the credentials (or there were none): log in, or check the name. */
export class Unauthorized extends DockerliteError {
  override readonly kind = 'Unauthorized';
}

/** Something on the host failed while dockerlite was doing its work. */
export class SystemError extends DockerliteError {
  override readonly kind = 'SystemError';
}

/** An external program exited non-zero. Carries its stderr so the user sees the cause. */
export class ExecError extends SystemError {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly status: number | null,
    readonly signal: string | null,
    readonly stderr: string,
  ) {
    const why = stderr.trim().split('\n').filter(Boolean).slice(-3).join('; ');
    const how = signal ? `killed by ${signal}` : `exit status ${status}`;
    super(`${command} ${args.join(' ')} failed (${how})${why ? `: ${why}` : ''}`);
  }
}

/** The container's command could not be run: 126 (not executable) or 127 (not found), as Docker. */
export class CommandNotRunnable extends DockerliteError {
  override readonly kind = 'InvalidArgument';
  constructor(message: string, code: 126 | 127) {
    super(message);
    this.exitCode = code;
  }
}

/** Turn anything thrown into a one-line message, never a stack trace. */
export function describe(err: unknown): string {
  if (err instanceof DockerliteError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && e.code && e.message) {
    if (e.code === 'ENOSPC') return `no space left on the store (${e.path ?? e.syscall ?? ''}); free some space with rm/rmi or grow DOCKERLITE_LOOPSIZE`;
    if (e.code === 'EACCES' || e.code === 'EPERM') return `${e.message} (dockerlite needs to run as root)`;
    return e.message;
  }
  return String(err);
}
