/**
 * Errors a user can cause (bad config, bad data, missing files, corrupt checkpoints, network
 * failures). The CLI prints `message` without a stack trace and exits with `exitCode`;
 * anything that is not a HyperloaderError is a bug and keeps its stack.
 */
export class HyperloaderError extends Error {
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HyperloaderError';
    this.exitCode = options.exitCode ?? 1;
  }
}
