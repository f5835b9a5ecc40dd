import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeWithBackpressure } from './output.js';

/** A stream that accepts 16 bytes at a time and drains on a later turn: every write waits. */
function slowStream(): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { stream, written };
}

describe('writeWithBackpressure', () => {
  it('waits for drain as often as asked, leaving no listener behind (no MaxListenersExceededWarning)', async () => {
    const { stream, written } = slowStream();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 200; i++) await writeWithBackpressure(stream, `line ${i} of a long export\n`);
      expect(written).toHaveLength(200);
      expect(stream.listenerCount('error')).toBeLessThanOrEqual(1);
      expect(stream.listenerCount('drain')).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("rejects with the stream's error and with an abort, instead of waiting for ever", async () => {
    const { stream } = slowStream();
    const waiting = writeWithBackpressure(stream, 'more than sixteen bytes of text\n');
    stream.emit('error', new Error('disk full'));
    await expect(waiting).rejects.toThrow(/disk full/);
    const controller = new AbortController();
    const { stream: other } = slowStream();
    const aborted = writeWithBackpressure(other, 'more than sixteen bytes of text\n', controller.signal);
    controller.abort(new Error('interrupted'));
    await expect(aborted).rejects.toThrow();
  });
});
