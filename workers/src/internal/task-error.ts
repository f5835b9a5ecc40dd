/**
 * Typed errors across a thread boundary. A structured clone keeps an Error's message but not its
 * class, `code` or `details`, so a task returns a typed error as data and the calling thread
 * rebuilds the EncoreError from it. Imports nothing: the task modules load only their kernels.
 */
export interface TaskError {
  readonly code: string;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * `error` as a TaskError when it is typed (an EncoreError, or anything with a string `code`);
 * anything else is thrown again, to reject the task as the bug or failure it is.
 */
export function taskError(error: unknown): TaskError {
  const e = error as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof e?.code !== 'string') throw error;
  return {
    code: e.code,
    message: String(e.message),
    details: (e.details ?? {}) as Readonly<Record<string, unknown>>,
  };
}
