import { describe, expect, it } from 'vitest';
import { cellInstant, eventFirstSeen, eventLastSeen, parseHumanDuration, timeCellText, timeColumnKind } from '../src/api/time';
import { humanDuration } from '../src/api/age';
import type { Row } from '../src/api/table';

describe('time columns', () => {
  it('reads kubectl durations back', () => {
    expect(parseHumanDuration('45s')).toBe(45_000);
    expect(parseHumanDuration('5m3s')).toBe(303_000);
    expect(parseHumanDuration('3d4h')).toBe((3 * 24 + 4) * 3_600_000);
    expect(parseHumanDuration('2y10d')).toBe((2 * 365 + 10) * 86_400_000);
    expect(parseHumanDuration('Running')).toBeNaN();
    expect(parseHumanDuration('')).toBeNaN();
    for (const ms of [5_000, 130_000, 4_000_000, 90_000_000, 900_000_000]) {
      // Round trip within kubectl's precision.
      const back = parseHumanDuration(humanDuration(ms));
      expect(Math.abs(back - ms) / ms).toBeLessThan(0.05);
    }
  });

  it('finds time columns from names, types and cells', () => {
    const col = (name: string, type = 'string') => ({ name, type });
    expect(timeColumnKind(col('Age'), ['5m'])).toBe('created');
    expect(timeColumnKind(col('Last Seen'), ['5m'])).toBe('lastSeen');
    expect(timeColumnKind(col('First Seen'), ['5m'])).toBe('firstSeen');
    expect(timeColumnKind(col('Created At', 'date'), ['2024-01-01T00:00:00Z'])).toBe('date');
    expect(timeColumnKind(col('Last Schedule'), ['10m', '<none>', '2d'])).toBe('duration');
    expect(timeColumnKind(col('Status'), ['Running'])).toBeNull();
    expect(timeColumnKind(col('Restarts'), ['0'])).toBeNull();
  });

  it('sorts "9s" before "10m" as times, newest first', () => {
    const received = Date.parse('2024-06-01T12:00:00Z');
    const row = (cell: string): Row => ({ key: cell, name: cell, cells: [cell], receivedAt: received });
    const cells = ['10m', '9s', '2h', '45s'];
    const sorted = cells.map(row).sort((a, b) => cellInstant('duration', b, b.cells[0], received) - cellInstant('duration', a, a.cells[0], received));
    expect(sorted.map((r) => r.cells[0])).toEqual(['9s', '45s', '10m', '2h']);
  });

  it('takes an event\'s times from the event, and updates them live', () => {
    const event = { lastTimestamp: '2024-06-01T11:59:00Z', firstTimestamp: '2024-06-01T10:00:00Z', metadata: { creationTimestamp: '2024-06-01T10:00:00Z' } };
    expect(eventLastSeen(event)).toBe('2024-06-01T11:59:00Z');
    expect(eventFirstSeen(event)).toBe('2024-06-01T10:00:00Z');
    expect(eventLastSeen({ series: { lastObservedTime: '2024-06-01T11:59:30Z' }, eventTime: '2024-06-01T11:00:00Z' })).toBe('2024-06-01T11:59:30Z');
    const row: Row = { key: 'e', name: 'e', cells: ['1m'], object: event, receivedAt: 0 };
    const instant = cellInstant('lastSeen', row, '1m', 0);
    expect(instant).toBe(Date.parse('2024-06-01T11:59:00Z'));
    expect(timeCellText(instant, '1m', Date.parse('2024-06-01T12:00:00Z'))).toBe('60s');
    expect(timeCellText(instant, '1m', Date.parse('2024-06-01T12:05:00Z'))).toBe('6m');
    expect(timeCellText(NaN, '<unknown>', 0)).toBe('<unknown>');
  });
});
