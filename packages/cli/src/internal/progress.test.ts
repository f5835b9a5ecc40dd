import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

/** A stream that keeps what is written, with a settable isTTY. */
function sink(tty: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  stream.isTTY = tty;
  stream.text = () => chunks.join('');
  return stream;
}

/** A clock the test moves. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('createProgress', () => {
  it('says nothing about a phase shorter than the delay', () => {
    const out = sink(false);
    const c = clock();
    const p = createProgress({ stream: out, quiet: false, now: c.now });
    p.phase('loading', 100);
    c.advance(500);
    p.update(50);
    p.done('fast');
    expect(out.text()).toBe('');
  });

  it('prints a line per tenth in a log, then the phase’s duration and summary', () => {
    const out = sink(false);
    const c = clock();
    const p = createProgress({ stream: out, quiet: false, now: c.now });
    p.phase('loading data.csv', 1000);
    c.advance(1500);
    p.update(250);
    p.update(260); // same tenth: nothing new
    p.update(1000);
    c.advance(500);
    p.done('10 events');
    expect(out.text()).toBe(
      ['loading data.csv 20%', 'loading data.csv 100%', 'loading data.csv: done in 2.0s (10 events)', ''].join('\n'),
    );
  });

  it('redraws one bar on a terminal, at most every 100 ms, and clears it at the end', () => {
    const out = sink(true);
    const c = clock();
    const p = createProgress({ stream: out, quiet: false, now: c.now });
    p.phase('scoring', 10);
    c.advance(2000);
    p.update(5);
    c.advance(60);
    p.update(6); // within 100 ms of the last draw
    const drawn = out.text();
    expect(drawn.startsWith('\rscoring [###############...............]  50% 2.0s, eta 2.0s')).toBe(true);
    expect(drawn.split('\r')).toHaveLength(2);
    p.done();
    expect(out.text().endsWith('\r\u001b[Kscoring: done in 2.1s\n')).toBe(true);
  });

  it('writes nothing at all when quiet', () => {
    const out = sink(true);
    const c = clock();
    const p = createProgress({ stream: out, quiet: true, now: c.now });
    p.phase('training', 10);
    c.advance(5000);
    p.update(5);
    p.done('slow');
    expect(out.text()).toBe('');
  });

  it('starts each phase afresh', () => {
    const out = sink(false);
    const c = clock();
    const p = createProgress({ stream: out, quiet: false, now: c.now });
    p.phase('a', 10);
    c.advance(1500);
    p.update(10);
    p.done();
    p.phase('b', 10);
    c.advance(1500);
    p.update(10);
    p.done();
    expect(out.text()).toBe(['a 100%', 'a: done in 1.5s', 'b 100%', 'b: done in 1.5s', ''].join('\n'));
  });
});
