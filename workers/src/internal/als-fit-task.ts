/**
 * Pool side of `fitAlsParallel`: one task per thread that runs a whole ALS fit together with the
 * others, synchronised through a few shared Int32 words — no message crosses threads between the
 * first half-iteration and the last, and the calling thread is needed by none of them. Imports only
 * factorization's kernels subpath (no tfjs, no other model code).
 *
 * The protocol (all words of `control`, read and written with Atomics):
 * - Generation g is the fit's g-th half-iteration (0-based: even g solve customers, odd g items);
 *   it has `parts` row ranges, and ticket t is range t mod parts of generation ⌊t / parts⌋.
 *   Tickets are taken with one atomic add on TICKET and never reset, so a thread never takes a
 *   range of a generation it did not mean: a ticket of a generation not yet published is held
 *   until it is. Tickets are taken in order, so every range of the generations before a held one
 *   is in the hands of a running thread: no thread waits on one that has not started.
 * - DONE counts finished ranges over the whole fit. The thread that brings it to (g + 1)·parts
 *   finishes generation g (`finishAlsHalf`: the Gramian reduction, after an item half the loss
 *   and the iteration's end time) and publishes g + 1 by incrementing PUBLISHED. The fit itself
 *   publishes generation 0 (PUBLISHED 0 → 1) once it has filled the layout, after starting the
 *   tasks, which wait for it as for any generation.
 * - ITERATIONS counts finished iterations; STATE leaves RUNNING when the last generation is
 *   finished (FINISHED), a thread meets an error (FAILED) or the fit is stopped (STOPPED). Each
 *   of these bumps EVENTS afterwards, which the calling thread waits on; a change of STATE also
 *   bumps PUBLISHED, so no thread sleeps through it.
 */
import { type AlsFitLayout, alsSolveRows, finishAlsHalf } from '@encore/factorization/internal/kernels';
import { type TaskError, taskError } from './task-error.js';

/** Indices of the control words. */
export const STATE = 0;
export const PUBLISHED = 1;
export const TICKET = 2;
export const DONE = 3;
export const ITERATIONS = 4;
export const EVENTS = 5;
export const CONTROL_WORDS = 6;

/** Values of control[STATE]. */
export const RUNNING = 0;
export const FINISHED = 1;
export const FAILED = 2;
export const STOPPED = 3;

/** One thread's share of a fit. */
export interface AlsFitTask {
  /** CONTROL_WORDS words on a SharedArrayBuffer. */
  readonly control: Int32Array;
  /** The fit, every array of it shared. */
  readonly layout: AlsFitLayout;
  /** Cut points of the `parts` row ranges of the user half and of the item half. */
  readonly cuts: readonly [Int32Array, Int32Array];
  /** Ranges per half-iteration. */
  readonly parts: number;
  /** This task's scratch slot (distinct among the fit's tasks). */
  readonly slot: number;
  /** Shared: when each iteration ended, ms since the epoch (performance.timeOrigin + now()). */
  readonly ends: Float64Array;
}

/** What a task ends with: nothing, or the typed error it met (errors lose their class across threads). */
export type AlsTaskResult = null | TaskError;

/**
 * How long a thread that has run out of ranges spins before it sleeps. The next half comes after
 * the other threads' last ranges and one Gramian reduction, usually well within this; waking a
 * sleeping thread costs more than that on a virtual machine (the idle vCPU has to be woken).
 */
const SPIN_MS = 0.5;
/** Milliseconds a sleeping thread waits before it looks at STATE again on its own (a safety net only). */
const WAKE_MS = 1000;

/**
 * Waits until generation `gen` is published (true) or the fit has left RUNNING (false).
 * PUBLISHED is read before STATE: whoever changes STATE bumps PUBLISHED after it, so a thread that
 * sees the bump also sees the new STATE, and one that does not is woken by the bump.
 */
function awaitGeneration(control: Int32Array, gen: number): boolean {
  let spinUntil = Number.NaN;
  for (;;) {
    const published = Atomics.load(control, PUBLISHED);
    if (Atomics.load(control, STATE) !== RUNNING) return false;
    if (published > gen) return true;
    const now = performance.now();
    if (Number.isNaN(spinUntil)) spinUntil = now + SPIN_MS;
    if (now >= spinUntil) Atomics.wait(control, PUBLISHED, published, WAKE_MS);
  }
}

/** Moves STATE from RUNNING to `state` and wakes everyone (the threads and the fit); false if it had left RUNNING. */
export function endFit(control: Int32Array, state: typeof FINISHED | typeof FAILED | typeof STOPPED): boolean {
  if (Atomics.compareExchange(control, STATE, RUNNING, state) !== RUNNING) return false;
  Atomics.add(control, PUBLISHED, 1);
  Atomics.notify(control, PUBLISHED);
  Atomics.add(control, EVENTS, 1);
  Atomics.notify(control, EVENTS);
  return true;
}

/** Generation `gen` is solved: reduce it, record the iteration when it ends one, publish the next. */
function finishGeneration(task: AlsFitTask, gen: number): void {
  const { control, layout, ends } = task;
  const iteration = gen >> 1;
  if ((gen & 1) === 0) {
    finishAlsHalf(layout, 'user', iteration);
  } else {
    finishAlsHalf(layout, 'item', iteration);
    ends[iteration] = performance.timeOrigin + performance.now();
    Atomics.store(control, ITERATIONS, iteration + 1);
    if (gen + 1 === 2 * layout.iterations) {
      endFit(control, FINISHED);
      return;
    }
    Atomics.add(control, EVENTS, 1);
    Atomics.notify(control, EVENTS);
  }
  Atomics.add(control, PUBLISHED, 1);
  Atomics.notify(control, PUBLISHED);
}

export default function runAlsFit(task: AlsFitTask): AlsTaskResult {
  const { control, layout, cuts, parts, slot } = task;
  const generations = 2 * layout.iterations;
  try {
    for (;;) {
      const ticket = Atomics.add(control, TICKET, 1);
      const gen = Math.floor(ticket / parts);
      if (gen >= generations || !awaitGeneration(control, gen)) return null;
      const side = (gen & 1) as 0 | 1;
      const range = ticket - gen * parts;
      const from = cuts[side][range] as number;
      const to = cuts[side][range + 1] as number;
      if (to > from) alsSolveRows(side === 0 ? layout.user : layout.item, from, to, slot);
      if (Atomics.add(control, DONE, 1) + 1 === (gen + 1) * parts) finishGeneration(task, gen);
    }
  } catch (error) {
    endFit(control, FAILED);
    return taskError(error);
  }
}
