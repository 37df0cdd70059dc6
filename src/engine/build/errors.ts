// Build errors. Bad input in a Dockerfile names the file and the line, like a
// compiler; a failing step names the step, its command and its exit status.
import { DockerliteError, InvalidArgument } from '../../errors.js';

/** Something wrong in the Dockerfile (or what it refers to): "Dockerfile:7: cause". */
export class DockerfileError extends InvalidArgument {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** A RUN step whose command failed: the build exits with the command's status, as Docker's classic builder. */
export class StepFailed extends DockerliteError {
  override readonly kind = 'StepFailed';
  constructor(message: string, status: number) {
    super(message);
    this.exitCode = status > 0 && status < 256 ? status : 1;
  }
}

/** The build was stopped (Ctrl-C): exit 130, as a shell reports SIGINT. */
export class Interrupted extends DockerliteError {
  override readonly kind = 'Interrupted';
  constructor(message: string) {
    super(message);
    this.exitCode = 130;
  }
}
