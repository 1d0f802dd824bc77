import { describe, expect, it } from 'vitest';
import { Backoff } from '../src/api/backoff';

describe('Backoff', () => {
  it('doubles from 500 ms and caps at 30 s', () => {
    const b = new Backoff();
    const delays = Array.from({ length: 9 }, () => b.next());
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(b.attempts).toBe(9);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ initial: 100, max: 1000 });
    b.next();
    b.next();
    expect(b.next()).toBe(400);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('adds bounded jitter', () => {
    const high = new Backoff({ jitter: 0.2, random: () => 0.999 });
    const low = new Backoff({ jitter: 0.2, random: () => 0 });
    expect(low.next()).toBe(500);
    const j = high.next();
    expect(j).toBeGreaterThan(500);
    expect(j).toBeLessThanOrEqual(600);
    const capped = new Backoff({ initial: 30000, jitter: 0.5, random: () => 1 });
    expect(capped.next()).toBe(30000);
  });
});
