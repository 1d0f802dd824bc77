import { useMemo, useState, type ReactNode } from 'react';
import { ageOf } from '../api/age';
import { cellText, filterRows, visibleColumns, type Row } from '../api/table';
import { ErrorBox } from './common';
import { useNow, useWatchedTable, type WatchSpec } from './hooks';
import { Link } from './router';

export interface ResourceTableProps {
  spec: WatchSpec | null;
  /** Label for screen readers and error messages, e.g. "pods in default". */
  what: string;
  showNamespace?: boolean;
  filter?: string;
  linkFor?: (row: Row) => string | null;
  emptyText?: string;
  toolbar?: ReactNode;
  testId?: string;
}

type Sort = { column: number; descending: boolean } | null;

const NAMESPACE_COLUMN = -1;

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a.localeCompare(b, undefined, { numeric: true });
}

/** A live `kubectl get` table: the server's columns (priority 0), kept current by a watch. */
export function ResourceTable({ spec, what, showNamespace, filter = '', linkFor, emptyText, toolbar, testId = 'resource-table' }: ResourceTableProps) {
  const snapshot = useWatchedTable(spec);
  const now = useNow(1000);
  const [sort, setSort] = useState<Sort>(null);
  const table = snapshot.table;
  const columns = useMemo(() => (table ? visibleColumns(table.columns) : []), [table]);
  const nameColumn = columns.find((c) => c.column.format === 'name')?.index ?? columns[0]?.index ?? 0;
  const ageColumns = useMemo(() => new Set(columns.filter((c) => c.column.name.toLowerCase() === 'age').map((c) => c.index)), [columns]);

  const cell = (row: Row, index: number): string => {
    if (index === NAMESPACE_COLUMN) return row.namespace ?? '';
    if (ageColumns.has(index)) return ageOf(row.creationTimestamp, now) || cellText(row.cells[index]);
    return cellText(row.cells[index]);
  };

  const rows = useMemo(() => {
    if (!table) return [];
    const filtered = filterRows(table.rows, filter);
    if (!sort) return filtered;
    const key = (row: Row) =>
      sort.column === NAMESPACE_COLUMN
        ? (row.namespace ?? '')
        : ageColumns.has(sort.column)
          ? String(-(Date.parse(row.creationTimestamp ?? '') || 0))
          : cellText(row.cells[sort.column]);
    const sorted = filtered.slice().sort((a, b) => compare(key(a), key(b)));
    return sort.descending ? sorted.reverse() : sorted;
  }, [table, ageColumns, filter, sort]);

  const header = (label: string, index: number, description?: string) => {
    const active = sort?.column === index;
    const ariaSort = active ? (sort!.descending ? 'descending' : 'ascending') : 'none';
    return (
      <th scope="col" key={index} aria-sort={ariaSort} title={description}>
        <button
          type="button"
          className="sort"
          onClick={() => setSort(active ? (sort!.descending ? null : { column: index, descending: true }) : { column: index, descending: false })}
        >
          {label}
          <span aria-hidden="true" className="sort-mark">
            {active ? (sort!.descending ? '▼' : '▲') : ''}
          </span>
        </button>
      </th>
    );
  };

  const status =
    snapshot.phase === 'live' ? (
      <span className="live" data-testid="live">
        <span className="dot" aria-hidden="true" /> Live
      </span>
    ) : snapshot.phase === 'reconnecting' || snapshot.error ? (
      <span className="reconnecting">{table ? 'Reconnecting…' : 'Retrying…'}</span>
    ) : (
      <span className="muted">Loading…</span>
    );

  return (
    <div className="resource-table">
      <div className="toolbar">
        {toolbar}
        <div className="toolbar-status" aria-live="polite">
          {table && (
            <span data-testid="row-count">
              {filter.trim() ? `${rows.length} of ${table.rows.length}` : `${table.rows.length}`} {table.rows.length === 1 ? 'item' : 'items'}
            </span>
          )}
          {status}
        </div>
      </div>
      {snapshot.error && <ErrorBox error={snapshot.error} what={`listing ${what}`} />}
      {table && table.rows.length === 0 && (
        <p className="empty-row boxed" data-testid="empty">
          {emptyText ?? `No ${what}.`}
        </p>
      )}
      {table && table.rows.length > 0 && (
        <div className="table-scroll">
          <table className="grid" data-testid={testId}>
            <caption className="sr-only">{what}</caption>
            <thead>
              <tr>
                {showNamespace && header('Namespace', NAMESPACE_COLUMN)}
                {columns.map(({ column, index }) => header(column.name, index, column.description))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const link = linkFor?.(row) ?? null;
                return (
                  <tr key={row.key} className={row.deleting ? 'deleting' : undefined} data-name={row.name}>
                    {showNamespace && <td className="ns">{row.namespace}</td>}
                    {columns.map(({ index }) => (
                      <td key={index} className={index === nameColumn ? 'name' : undefined} title={ageColumns.has(index) ? row.creationTimestamp : undefined}>
                        {index === nameColumn && link ? <Link to={link}>{cell(row, index)}</Link> : cell(row, index)}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.length === 0 && (
            <p className="empty-row" data-testid="empty">
              Nothing matches “{filter}”.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
