import { describe, expect, it } from 'vitest';
import { applyWatchEvent, filterRows, tableFromList, visibleColumns, type TableWire } from '../src/api/table';

const columns = [
  { name: 'Name', type: 'string', format: 'name', priority: 0 },
  { name: 'Ready', type: 'string', priority: 0 },
  { name: 'IP', type: 'string', priority: 1 },
  { name: 'Age', type: 'string', priority: 0 },
];

function row(name: string, ns: string, rv: string, ready = '1/1') {
  return {
    cells: [name, ready, '10.0.0.1', '5m'],
    object: { kind: 'PartialObjectMetadata', metadata: { name, namespace: ns, resourceVersion: rv, uid: `uid-${name}`, creationTimestamp: '2024-01-01T00:00:00Z' } },
  };
}

const list: TableWire = {
  kind: 'Table',
  metadata: { resourceVersion: '100' },
  columnDefinitions: columns,
  rows: [row('a', 'default', '90'), row('c', 'default', '95')],
};

describe('table state', () => {
  it('reads a listed table', () => {
    const t = tableFromList(list);
    expect(t.resourceVersion).toBe('100');
    expect(t.rows.map((r) => r.key)).toEqual(['default/a', 'default/c']);
    expect(t.rows[0]).toMatchObject({ name: 'a', namespace: 'default', uid: 'uid-a', creationTimestamp: '2024-01-01T00:00:00Z' });
  });

  it('shows priority-0 columns only', () => {
    expect(visibleColumns(columns).map((c) => c.column.name)).toEqual(['Name', 'Ready', 'Age']);
    expect(visibleColumns(columns).map((c) => c.index)).toEqual([0, 1, 3]);
  });

  it('applies ADDED in order, MODIFIED in place and DELETED', () => {
    let t = tableFromList(list);
    t = applyWatchEvent(t, { type: 'ADDED', object: { kind: 'Table', rows: [row('b', 'default', '101')] } }).state;
    expect(t.rows.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(t.resourceVersion).toBe('101');
    t = applyWatchEvent(t, { type: 'MODIFIED', object: { kind: 'Table', rows: [row('a', 'default', '102', '0/1')] } }).state;
    expect(t.rows[0].cells[1]).toBe('0/1');
    expect(t.rows).toHaveLength(3);
    const deleted = applyWatchEvent(t, { type: 'DELETED', object: { kind: 'Table', rows: [row('b', 'default', '103')] } });
    expect(deleted.state.rows.map((r) => r.name)).toEqual(['a', 'c']);
    expect(deleted.state.resourceVersion).toBe('103');
    expect(deleted.followUp.kind).toBe('none');
  });

  it('applies DELETED of a plain object', () => {
    const t = tableFromList(list);
    const next = applyWatchEvent(t, { type: 'DELETED', object: { kind: 'Pod', metadata: { name: 'c', namespace: 'default', resourceVersion: '104' } } });
    expect(next.state.rows.map((r) => r.name)).toEqual(['a']);
  });

  it('does not delete a same-named row of another namespace', () => {
    const t = tableFromList({ ...list, rows: [row('a', 'default', '1'), row('a', 'team-a', '2')] });
    const next = applyWatchEvent(t, { type: 'DELETED', object: { kind: 'Pod', metadata: { name: 'a', namespace: 'team-a' } } });
    expect(next.state.rows.map((r) => r.key)).toEqual(['default/a']);
  });

  it('asks for the row of a plain ADDED/MODIFIED object', () => {
    const next = applyWatchEvent(tableFromList(list), {
      type: 'ADDED',
      object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'd', namespace: 'default', resourceVersion: '110' } },
    });
    expect(next.followUp).toEqual({ kind: 'fetchRow', namespace: 'default', name: 'd' });
    expect(next.state.resourceVersion).toBe('110');
  });

  it('relists on ERROR 410 Expired, and on other errors', () => {
    const t = tableFromList(list);
    const expired = applyWatchEvent(t, { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (100)' } });
    expect(expired.followUp).toEqual({ kind: 'relist', reason: 'too old resource version: 1 (100)', expired: true });
    expect(expired.state).toBe(t);
    const other = applyWatchEvent(t, { type: 'ERROR', object: { kind: 'Status', code: 500, message: 'boom' } });
    expect(other.followUp).toMatchObject({ kind: 'relist', expired: false });
  });

  it('moves the resourceVersion on BOOKMARK', () => {
    const t = applyWatchEvent(tableFromList(list), { type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '150' } } }).state;
    expect(t.resourceVersion).toBe('150');
    expect(t.rows).toHaveLength(2);
  });

  it('filters on every word', () => {
    const t = tableFromList({ ...list, rows: [row('web-1', 'default', '1'), row('db-1', 'team-a', '2', '0/1')] });
    expect(filterRows(t.rows, 'web').map((r) => r.name)).toEqual(['web-1']);
    expect(filterRows(t.rows, 'TEAM 0/1').map((r) => r.name)).toEqual(['db-1']);
    expect(filterRows(t.rows, '  ').length).toBe(2);
    expect(filterRows(t.rows, 'nothing')).toEqual([]);
  });
});

describe('servers without the Table format', () => {
  it('turns a plain list into Name/Age rows', async () => {
    const { asTableWire } = await import('../src/api/table');
    const wire = asTableWire({
      kind: 'WidgetList',
      metadata: { resourceVersion: '7' },
      items: [{ metadata: { name: 'w1', namespace: 'team-a', creationTimestamp: '2024-01-01T00:00:00Z' } }],
    });
    const t = tableFromList(wire!);
    expect(t.columns.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(t.rows[0]).toMatchObject({ key: 'team-a/w1', cells: ['w1', ''], creationTimestamp: '2024-01-01T00:00:00Z' });
    expect(t.resourceVersion).toBe('7');
    expect(asTableWire({ kind: 'Status' })).toBeNull();
  });
});
