import type { CacheMissReason } from '../envelope.js';
import type { ReadPlan, ReadPlanKind, ReadRequest } from '../reader.js';
import type { CacheReceiver } from '../store.js';
import type { Deadlines, Expiring } from './deadlines.js';

/**
 * A cache hit, a server's most frequent call, as one object: the store's receiver of the read
 * (CacheStore.getTo), its entry in the deadline ring, and the request it answers. With closures,
 * a hit made six of them, their contexts, and two promises more than this does; every byte of
 * that is young-generation garbage, and the collections it brings pause every request in flight.
 */

/** The reader's side of every read (made once per reader): its events and its skip-on-failure state. */
export interface ReadHost {
  /** The shared deadlines of the reader's store calls. */
  readonly deadlines: Deadlines;
  /** The store answered: reports a recovery when it was failing. */
  answered(operation: string): void;
  /** The store failed or timed out: reported, the cache skipped a while; throws again under errors 'throw'. */
  failed(operation: string, error: unknown): void;
  /** The error of a read that ran out of time. */
  timeout(operation: string): Error;
  /** The value was absent or did not decode (reported as a 'cache-miss' event). */
  missed(kind: ReadPlanKind, id: unknown, reason: CacheMissReason): void;
}

/**
 * One read in flight, settled by whichever comes first: the store's value (`resolve`), its error
 * (`reject`) or the deadline (`expire`); the others are ignored. `answer` resolves to the plan's
 * hit, else its miss; it rejects only when the plan does (bad state) or the host rethrows
 * (errors 'throw', or an onEvent that throws).
 */
export class CachedRead<Id, Options, Value, Answer> implements ReadRequest<Id, Options>, CacheReceiver, Expiring {
  readonly answer: Promise<Answer>;
  readonly #plan: ReadPlan<Id, Options, Value, Answer>;
  readonly #version: number;
  readonly #settleAnswer: (answer: Answer | Promise<Answer>) => void;
  readonly #failAnswer: (error: unknown) => void;
  readonly #ticket: number;
  #settled = false;

  /** Starts the read's deadline; the caller then asks the store, with this as the receiver. */
  constructor(
    plan: ReadPlan<Id, Options, Value, Answer>,
    readonly id: Id,
    readonly limit: number,
    readonly options: Options,
    version: number,
  ) {
    this.#plan = plan;
    this.#version = version;
    this.answer = new Promise<Answer>(captureSettlers);
    this.#settleAnswer = capturedResolve as (answer: Answer | Promise<Answer>) => void;
    this.#failAnswer = capturedReject as (error: unknown) => void;
    capturedResolve = capturedReject = null;
    this.#ticket = plan.host.deadlines.start(this);
  }

  /** The store's value (null: none). */
  resolve(bytes: Buffer | null): void {
    if (!this.#settle()) return;
    const plan = this.#plan;
    try {
      plan.host.answered(plan.operation);
      const decoded = bytes === null ? null : plan.decode(plan.kind, bytes, this.limit);
      if (decoded?.ok === true) {
        this.#settleAnswer(plan.hit(decoded.value, this, this.#version));
        return;
      }
      plan.host.missed(plan.kind, this.id, decoded === null ? 'absent' : decoded.reason);
      this.#settleAnswer(plan.miss(this));
    } catch (thrown) {
      this.#failAnswer(thrown);
    }
  }

  /** The store failed. */
  reject(error: unknown): void {
    if (!this.#settle()) return;
    const plan = this.#plan;
    try {
      plan.host.failed(plan.operation, error);
      this.#settleAnswer(plan.miss(this));
    } catch (thrown) {
      this.#failAnswer(thrown);
    }
  }

  /** The deadline passed first. */
  expire(): void {
    this.reject(this.#plan.host.timeout(this.#plan.operation));
  }

  /** True for the first outcome only; it ends the deadline. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#plan.host.deadlines.settle(this.#ticket);
    return true;
  }
}

/**
 * The settlers of the promise made last: `new Promise(captureSettlers)` runs its executor at once,
 * so one executor serves every read instead of a closure per read.
 */
let capturedResolve: ((value: never) => void) | null = null;
let capturedReject: ((error: unknown) => void) | null = null;

function captureSettlers(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}
