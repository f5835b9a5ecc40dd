import { afterEach, describe, expect, it, vi } from 'vitest';
import { selectTfjsBackend } from './tfjs.js';

describe('selectTfjsBackend', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("says nothing on stderr: tfjs' 'install our node backend' notice is not printed", async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const { tf, backend } = await selectTfjsBackend({ prefer: 'cpu' });
    expect(backend).toBe('cpu');
    // The cpu backend prints its notice on the first tensor it stores.
    const t = tf.tensor1d([1, 2, 3]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    t.dispose();
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });
});
