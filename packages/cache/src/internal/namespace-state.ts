import { MAX_VERSION } from '../keyspace.js';

/**
 * Publish bookkeeping of a namespace, kept as JSON under `{ns}:state` (small, and readable with
 * redis-cli). Written only by the holder of the publish lock, always in the same transact as the
 * change it records.
 */
export interface NamespaceState {
  /** The last version number handed out; versions are never reused, so a dead job's keys never mix with a later version. */
  readonly seq: number;
  /** Versions being written (or whose writer died): swept by the next lock holder. */
  readonly pending: readonly number[];
  /** Replaced versions whose keys must expire (their grace TTL is (re)applied by the next lock holder). */
  readonly retiring: readonly number[];
}

export const EMPTY_STATE: NamespaceState = Object.freeze({ seq: 0, pending: [], retiring: [] });

export function encodeState(state: NamespaceState): Buffer {
  return Buffer.from(JSON.stringify({ seq: state.seq, pending: state.pending, retiring: state.retiring }));
}

/** The state in `bytes` (EMPTY_STATE when null), or null when the bytes are not a state. */
export function parseState(bytes: Buffer | null): NamespaceState | null {
  if (bytes === null) return EMPTY_STATE;
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const { seq, pending, retiring } = (data ?? {}) as Partial<Record<keyof NamespaceState, unknown>>;
  const isVersionList = (list: unknown): list is number[] => Array.isArray(list) && list.every(isVersion);
  if (!(isVersion(seq) || seq === 0) || !isVersionList(pending) || !isVersionList(retiring)) return null;
  return { seq, pending, retiring };
}

export function encodeVersion(version: number): Buffer {
  return Buffer.from(String(version), 'ascii');
}

const DECIMAL = /^[1-9][0-9]{0,15}$/;

/** The version in pointer bytes, or null when they are not a version number. */
export function parseVersion(bytes: Buffer): number | null {
  const text = bytes.length <= 16 ? bytes.toString('latin1') : '';
  if (!DECIMAL.test(text)) return null;
  const version = Number(text);
  return isVersion(version) ? version : null;
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_VERSION;
}
