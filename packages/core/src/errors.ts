/**
 * The one error class of Encore. Callers and tests branch on `code`, never on the message.
 *
 * Messages read `package/function: what was wrong, what was expected`; `details` holds the
 * offending value (and, for input files, the line number).
 */
export const ErrorCode = Object.freeze({
  /** An argument or option has the wrong type, range or shape. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** An event failed schema validation. */
  INVALID_EVENT: 'INVALID_EVENT',
  /** A catalog item failed schema validation. */
  INVALID_CATALOG_ITEM: 'INVALID_CATALOG_ITEM',
  /** A line of an input file could not be parsed (strict mode; otherwise it is counted). */
  PARSE_ERROR: 'PARSE_ERROR',
  /** An input file or directory does not exist or cannot be read. */
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  /** Reading or writing a file or stream failed for a reason other than its absence (permissions, disk full). */
  IO_ERROR: 'IO_ERROR',
  /** A model file is truncated, corrupt, of another format version, or not a model file at all. */
  MODEL_FORMAT: 'MODEL_FORMAT',
  /** A data format name is not one Encore knows. */
  UNKNOWN_FORMAT: 'UNKNOWN_FORMAT',
  /** An algorithm name is not one Encore knows. */
  UNKNOWN_ALGORITHM: 'UNKNOWN_ALGORITHM',
  /** An id (customer, item) that a model or dataset does not know, where one is required. */
  UNKNOWN_ID: 'UNKNOWN_ID',
  /** Input is well-formed but holds nothing to work on (e.g. no interactions after filtering). */
  EMPTY_INPUT: 'EMPTY_INPUT',
  /** A command-line invocation is malformed (unknown flag, missing value). */
  USAGE: 'USAGE',
  /** A numerical method diverged or produced NaN / Infinity (e.g. a learning rate too large). */
  DIVERGED: 'DIVERGED',
  /** A capacity limit was reached (e.g. more than 2^31 - 1 rows in one matrix). */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** Another writer holds a cache namespace (publish lock taken, or this writer's lease lost). */
  CACHE_CONFLICT: 'CACHE_CONFLICT',
  /** A cache's own bookkeeping (version pointer, publish state) is unreadable or foreign. */
  CACHE_FORMAT: 'CACHE_FORMAT',
  /** A worker task failed for good (its thread died on every retry). */
  WORKER_FAILED: 'WORKER_FAILED',
} as const);

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class EncoreError extends Error {
  override readonly name = 'EncoreError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is an EncoreError, optionally with the given code. */
export function isEncoreError(error: unknown, code?: ErrorCode): error is EncoreError {
  return error instanceof EncoreError && (code === undefined || error.code === code);
}

/** Shorthand for `throw new EncoreError(INVALID_ARGUMENT, …)` used by boundary checks. */
export function invalidArgument(where: string, what: string, value: unknown): EncoreError {
  return new EncoreError(ErrorCode.INVALID_ARGUMENT, `${where}: ${what}`, { value });
}
