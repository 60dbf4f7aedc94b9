/** Errors that carry a stable code and, where there is one, the error that caused them. */

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'FILE_UNREADABLE'
  | 'NO_LOG_FOUND'
  | 'LISTEN_FAILED'
  | 'STATE_IO'
  | 'SOURCE_FAILED'
  | 'PROBE_FAILED';

export class ExporterError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExporterError';
    this.code = code;
  }
}

/** Configuration or usage errors: the process exits with status 2. */
export class ConfigError extends ExporterError {
  readonly problems: string[];
  constructor(problems: string[], options?: { cause?: unknown }) {
    super('CONFIG_INVALID', problems.join('\n'), options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export class UsageError extends ExporterError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

/** The message of anything thrown, for one-line logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
