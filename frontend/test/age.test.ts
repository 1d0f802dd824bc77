import { describe, expect, it } from 'vitest';
import { ageOf, humanDuration } from '../src/api/age';

describe('humanDuration (kubectl)', () => {
  it.each([
    [0, '0s'],
    [-500, '0s'],
    [-5000, '<invalid>'],
    [119_000, '119s'],
    [120_000, '2m'],
    [185_000, '3m5s'],
    [11 * 60_000, '11m'],
    [179 * 60_000, '179m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [20 * 3600_000, '20h'],
    [3 * 86400_000 + 4 * 3600_000, '3d4h'],
    [100 * 86400_000, '100d'],
    [3 * 365 * 86400_000 + 12 * 86400_000, '3y12d'],
    [9 * 365 * 86400_000, '9y'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('ages a timestamp', () => {
    expect(ageOf('2024-01-01T00:00:00Z', Date.parse('2024-01-01T00:05:00Z'))).toBe('5m');
    expect(ageOf(undefined, 0)).toBe('');
    expect(ageOf('nonsense', 0)).toBe('');
  });
});
