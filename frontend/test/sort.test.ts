import { describe, expect, it } from 'vitest';
import { sortRows } from '../src/api/sort';
import type { Row } from '../src/api/table';

const row = (name: string, cell: string): Row => ({ key: name, name, cells: [cell] });

describe('sortRows', () => {
  it('sorts numbers as numbers and text naturally', () => {
    const rows = [row('a', '10'), row('b', '9'), row('c', '100')];
    expect(sortRows(rows, (r) => String(r.cells[0]), false).map((r) => r.name)).toEqual(['b', 'a', 'c']);
    const names = [row('pod-10', ''), row('pod-2', ''), row('pod-1', '')];
    expect(sortRows(names, (r) => r.name, false).map((r) => r.name)).toEqual(['pod-1', 'pod-2', 'pod-10']);
    expect(sortRows(names, (r) => r.name, true).map((r) => r.name)).toEqual(['pod-10', 'pod-2', 'pod-1']);
  });

  it('puts unknown times last and computes each key once', () => {
    let calls = 0;
    const rows = [row('x', ''), row('y', ''), row('z', '')];
    const keys: Record<string, number> = { x: 3, y: NaN, z: 1 };
    const sorted = sortRows(rows, (r) => (calls++, keys[r.name]), false);
    expect(sorted.map((r) => r.name)).toEqual(['z', 'x', 'y']);
    expect(calls).toBe(3);
  });
});
