import type { Redis } from 'ioredis';

/**
 * What the stores on one ioredis client know of its connection, from the client's events: the
 * last connection error since it was last ready. ioredis does not keep it, and a command that
 * fails while disconnected says only "Connection is closed." or "Stream isn't writeable …"; the
 * error that says why (`connect ECONNREFUSED 127.0.0.1:6379`, `connect ETIMEDOUT`, `WRONGPASS …`)
 * went to the 'error' event.
 *
 * One per client, shared by every store made on it (a server or a test makes many stores on one
 * client; listeners per store would pile up). The listeners stay for the client's life: a store's
 * `close()` may leave the client open to its caller, and the caller's own 'error' listener, if
 * any, still gets every event.
 */
export interface ConnectionWatch {
  /** The last connection error since the client was last ready; null while none was seen. */
  readonly lastError: Error | null;
}

const watches = new WeakMap<object, ConnectionWatch>();

/** The watch of `client`, made (and its listeners added) on first use; clients without `on` (test doubles) get one that never learns anything. */
export function watchConnection(client: Redis): ConnectionWatch {
  let watch = watches.get(client);
  if (watch !== undefined) return watch;
  const state: { lastError: Error | null } = { lastError: null };
  watch = state;
  watches.set(client, watch);
  if (typeof client.on !== 'function') return watch;
  client.on('error', (error: unknown) => {
    state.lastError = error instanceof Error ? error : new Error(String(error));
  });
  client.on('ready', () => {
    state.lastError = null;
  });
  // A server that dies closes the socket, often with no error event; the reconnect attempts that
  // follow report theirs (ECONNREFUSED …), which then replace this one.
  client.on('close', () => {
    state.lastError ??= new Error(`the connection to ${describeServer(client)} closed`);
  });
  return watch;
}

function describeServer(client: Redis): string {
  const { host, port, path } = (client.options ?? {}) as { host?: string; port?: number; path?: string };
  if (typeof path === 'string' && path !== '') return path;
  return `${host ?? 'localhost'}:${port ?? 6379}`;
}
