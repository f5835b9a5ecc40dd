import { once } from 'node:events';

/**
 * Writes `text` to `stream` and, when the stream asks the writer to wait (backpressure), waits for
 * its 'drain' — or its 'error', or the signal — with listeners that are removed once one of them
 * fires (events.once): a job writing hundreds of thousands of lines waits thousands of times, and
 * a listener left behind by each wait would pile up (MaxListenersExceededWarning, and a leak).
 *
 * Rejects with the stream's error, or the signal's reason when aborted.
 */
export async function writeWithBackpressure(
  stream: NodeJS.WritableStream,
  text: string,
  signal?: AbortSignal | undefined,
): Promise<void> {
  if (text === '' || stream.write(text)) return;
  await once(stream, 'drain', signal === undefined ? {} : { signal });
}
