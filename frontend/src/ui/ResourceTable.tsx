import { memo, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { findByKind } from '../api/discovery';
import { problemFor } from '../api/health';
import { routeToUrl } from '../api/routes';
import { inNamespaces } from '../api/namespaces';
import { sortRows } from '../api/sort';
import { resourceOfUrl, statusColumnName, statusTone, TONE_WORDS, WORKLOAD_WORDS } from '../api/status';
import { cellText, filterRows, visibleColumns, type Row } from '../api/table';
import { cellInstant, timeCellText, timeColumnKind, type TimeColumnKind } from '../api/time';
import { ClusterContext } from './cluster';
import { ErrorBox } from './common';
import { useWatchedTable, type WatchSpec } from './hooks';
import { Link } from './router';
import { tickerNow, useTicking } from './ticker';

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
  /** One of the overview's filters (`?problem=`, see api/health.ts); the spec must carry whole objects. */
  problem?: string;
  /** Events tables: the "Warnings only" switch changes `?problem=` through this (else it is local). */
  onProblemChange?: (problem: string | undefined) => void;
  /** Several namespaces picked: the spec lists all namespaces and only these rows are kept. */
  namespaces?: string[] | null;
}

type Sort = { column: number; descending: boolean } | null;

const NAMESPACE_COLUMN = -1;
/** Lists longer than this render only the rows in view (and a few more). */
const VIRTUALIZE_FROM = 150;
const OVERSCAN = 12;
const EVENTS_URL = /\/api\/v1\/(namespaces\/[^/]+\/)?events$/;

/** Row renders, for the browser test's "only changed rows update" check. */
export const tableStats = { rowRenders: 0 };
if (typeof window !== 'undefined') (window as unknown as { lamplightTableStats?: typeof tableStats }).lamplightTableStats = tableStats;

/** A live age: re-renders once a second only when its own text changes. */
function TimeText({ instant, fallback }: { instant: number; fallback: string }) {
  const text = useTicking((now) => timeCellText(instant, fallback, now));
  return <>{text}</>;
}

interface RowProps {
  row: Row;
  index: number;
  columns: { index: number }[];
  showNamespace: boolean;
  nameColumn: number;
  link: string | null;
  /** Column index → kind, for time columns. */
  timeKinds: Map<number, TimeColumnKind>;
  objectColumn: number;
  objectLink: string | null;
  /** Events' Type column: "Warning" in the warning colour. */
  typeColumn: number;
  /** The column with the row's status (colour and icon, see api/status.ts), and the list's resource. */
  statusColumn: number;
  resource: string;
}

const WORKLOADS = new Set(['deployments', 'statefulsets', 'replicasets', 'daemonsets']);

/** A status cell: an icon whose shape says the tone (✓ ok, ◷ in progress, ✕ failing), then the text. */
function StatusCell({ resource, text }: { resource: string; text: string }) {
  const tone = statusTone(resource, text);
  if (tone === 'neutral') return <>{text}</>;
  const workload = WORKLOADS.has(resource);
  return (
    <span className={`status status-${tone}`} data-tone={tone}>
      <span className={`status-icon status-icon-${tone}`} aria-hidden="true" title={workload ? WORKLOAD_WORDS[tone] : TONE_WORDS[tone]} />
      {text}
      {workload && <span className="status-word">{WORKLOAD_WORDS[tone]}</span>}
    </span>
  );
}

const TableRow = memo(function TableRow({ row, index, columns, showNamespace, nameColumn, link, timeKinds, objectColumn, objectLink, typeColumn, statusColumn, resource }: RowProps) {
  tableStats.rowRenders += 1;
  return (
    <tr className={row.deleting ? 'deleting' : undefined} data-name={row.name} aria-rowindex={index + 2}>
      {showNamespace && <td className="ns">{row.namespace}</td>}
      {columns.map(({ index: c }) => {
        const kind = timeKinds.get(c);
        const text = cellText(row.cells[c]);
        let content: ReactNode = text;
        let title: string | undefined;
        if (kind) {
          const instant = cellInstant(kind, row, row.cells[c], row.receivedAt ?? tickerNow());
          if (!Number.isNaN(instant)) title = new Date(instant).toISOString();
          content = <TimeText instant={instant} fallback={text} />;
        }
        if (c === statusColumn && !kind) content = <StatusCell resource={resource} text={text} />;
        if (c === nameColumn && link) content = <Link to={link}>{content}</Link>;
        else if (c === objectColumn && objectLink) content = <Link to={objectLink}>{content}</Link>;
        return (
          <td key={c} className={[c === nameColumn ? 'name' : '', kind ? 'time' : '', c === typeColumn && text === 'Warning' ? 'bad' : ''].join(' ').trim() || undefined} title={title}>
            {content}
          </td>
        );
      })}
    </tr>
  );
});

/** A live `kubectl get` table: the server's columns (priority 0), kept current by a watch. */
export function ResourceTable({ spec, what, showNamespace = false, filter = '', linkFor, emptyText, toolbar, testId = 'resource-table', problem, onProblemChange, namespaces = null }: ResourceTableProps) {
  const cluster = useContext(ClusterContext);
  const isEvents = !!spec && EVENTS_URL.test(spec.url);
  // Events carry their whole object: times for Last Seen / First Seen, and the involved object's link.
  const fullSpec = useMemo(
    () => (spec && isEvents && spec.params?.includeObject === undefined ? { ...spec, params: { ...(spec.params ?? {}), includeObject: 'Object' } } : spec),
    [spec, isEvents],
  );
  const snapshot = useWatchedTable(fullSpec);
  const [localProblem, setLocalProblem] = useState<string | undefined>(undefined);
  const activeProblem = onProblemChange ? problem : (problem ?? localProblem);
  const table = snapshot.table;
  // On the column definitions, not the table: a watch event keeps them, and the rows (memoized)
  // then keep their props.
  const columnDefs = table?.columns;
  const columns = useMemo(() => (columnDefs ? visibleColumns(columnDefs) : []), [columnDefs]);
  const nameColumn = columns.find((c) => c.column.format === 'name')?.index ?? columns[0]?.index ?? 0;

  // Time columns, decided from the column and a sample of cells; kept stable while unchanged so
  // that rows (memoized) do not re-render on every watch event.
  const sample = table?.rows.slice(0, 50);
  const kindsKey = JSON.stringify(columns.map(({ column, index }) => [index, timeColumnKind(column, (sample ?? []).map((r) => r.cells[index]))]).filter(([, k]) => k));
  const timeKinds = useMemo(() => new Map<number, TimeColumnKind>(JSON.parse(kindsKey) as [number, TimeColumnKind][]), [kindsKey]);
  const objectColumn = isEvents ? (columns.find((c) => c.column.name === 'Object')?.index ?? -2) : -2;
  const lastSeenColumn = isEvents ? columns.find((c) => c.column.name === 'Last Seen')?.index : undefined;
  const typeColumn = isEvents ? (columns.find((c) => c.column.name === 'Type')?.index ?? -2) : -2;
  const resource = spec ? resourceOfUrl(spec.url) : '';
  const statusName = statusColumnName(resource);
  const statusColumn = statusName ? (columns.find((c) => c.column.name === statusName)?.index ?? -2) : -2;

  // Events: newest first until the user sorts otherwise.
  const [sort, setSort] = useState<Sort>(null);
  const [sorted, setSorted] = useState(false);
  const effectiveSort: Sort = sorted ? sort : lastSeenColumn !== undefined ? { column: lastSeenColumn, descending: false } : null;
  const sortColumn = effectiveSort?.column;
  const sortDescending = !!effectiveSort?.descending;

  // Sort keys per row object, kept while the sort column is the same: a watch event brings a new
  // object for its row only, so a re-sort of 5,000 rows computes one key, not 5,000.
  const keyCache = useRef<{ column: number | undefined; kind: TimeColumnKind | undefined; keys: WeakMap<Row, string | number> }>({
    column: undefined,
    kind: undefined,
    keys: new WeakMap(),
  });
  const rows = useMemo(() => {
    if (!table) return [];
    const info = activeProblem && spec ? problemForUrl(activeProblem, spec.url) : null;
    const now = Date.now();
    let filtered = info ? table.rows.filter((r) => info.test(r.object ?? {}, now)) : table.rows;
    if (namespaces) filtered = filtered.filter((r) => inNamespaces(namespaces, r.namespace));
    filtered = filterRows(filtered, filter);
    if (sortColumn === undefined) return filtered;
    const column = sortColumn;
    const kind = timeKinds.get(column);
    // Times sort newest first when ascending (smallest age first), as kubectl's ages read.
    const compute = (row: Row): string | number =>
      column === NAMESPACE_COLUMN ? (row.namespace ?? '') : kind ? -cellInstant(kind, row, row.cells[column], row.receivedAt ?? now) : cellText(row.cells[column]);
    const cache = keyCache.current;
    if (cache.column !== column || cache.kind !== kind) keyCache.current = { column, kind, keys: new WeakMap() };
    const keys = keyCache.current.keys;
    const key = (row: Row): string | number => {
      let k = keys.get(row);
      if (k === undefined) {
        k = compute(row);
        keys.set(row, k);
      }
      return k;
    };
    return sortRows(filtered, key, sortDescending);
  }, [table, timeKinds, filter, sortColumn, sortDescending, activeProblem, spec, namespaces]);

  // Virtualization: only the rows in the scroll box's view (plus OVERSCAN each side) are rendered;
  // spacer rows keep the scroll height. The box is also the sticky header's scroll container.
  const scrollRef = useRef<HTMLDivElement>(null);
  const [rowHeight, setRowHeight] = useState(27);
  const [first, setFirst] = useState(0);
  const [viewHeight, setViewHeight] = useState(900);
  const virtual = rows.length >= VIRTUALIZE_FROM;
  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    setFirst(Math.max(0, Math.floor(el.scrollTop / rowHeight) - OVERSCAN));
  }, [rowHeight]);
  const hasTable = !!table && table.rows.length > 0;
  // A new scroll box (the table came back after a relist) or a list that just became long: start
  // from where the box really is.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    onScroll();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setViewHeight(el.clientHeight || 900));
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasTable, virtual, onScroll]);
  const count = Math.ceil(viewHeight / rowHeight) + 2 * OVERSCAN;
  const start = virtual ? Math.min(first, Math.max(0, rows.length - count)) : 0;
  const end = virtual ? Math.min(rows.length, start + count) : rows.length;
  const shown = rows.slice(start, end);
  const hasRows = shown.length > 0;
  // Rows are one line high (white-space: nowrap): measure one to place the spacers exactly.
  useLayoutEffect(() => {
    const tr = scrollRef.current?.querySelector<HTMLTableRowElement>('tbody tr[data-name]');
    const height = tr?.getBoundingClientRect().height ?? 0;
    if (height > 0 && Math.abs(height - rowHeight) > 0.01) setRowHeight(height);
  }, [rowHeight, hasRows]);

  const objectLinkFor = (row: Row): string | null => {
    if (objectColumn < 0 || !cluster) return null;
    const involved = (row.object?.involvedObject ?? null) as { apiVersion?: string; kind?: string; name?: string; namespace?: string } | null;
    if (!involved?.kind || !involved.name) return null;
    const info = findByKind(cluster.discovery, involved.apiVersion ?? 'v1', involved.kind);
    if (!info) return null;
    return routeToUrl({
      page: 'detail',
      cluster: cluster.cluster,
      group: info.group,
      version: info.version,
      resource: info.resource,
      namespace: info.namespaced ? (involved.namespace ?? row.namespace) : undefined,
      name: involved.name,
      ns: cluster.ns,
    });
  };

  const header = (label: string, index: number, description?: string) => {
    const active = effectiveSort?.column === index;
    const ariaSort = active ? (effectiveSort!.descending ? 'descending' : 'ascending') : 'none';
    return (
      <th scope="col" key={index} aria-sort={ariaSort} title={description}>
        <button
          type="button"
          className="sort"
          onClick={() => {
            setSorted(true);
            setSort(active ? (effectiveSort!.descending ? null : { column: index, descending: true }) : { column: index, descending: false });
          }}
        >
          {label}
          <span aria-hidden="true" className="sort-mark">
            {active ? (effectiveSort!.descending ? '▼' : '▲') : ''}
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
  const narrowed = !!filter.trim() || !!activeProblem;
  // With several namespaces, the total is what those namespaces hold (the list read them all).
  const total = useMemo(() => (table && namespaces ? table.rows.filter((r) => inNamespaces(namespaces, r.namespace)).length : (table?.rows.length ?? 0)), [table, namespaces]);
  const colCount = columns.length + (showNamespace ? 1 : 0);
  const warningsOnly = activeProblem === 'warning';

  return (
    <div className="resource-table">
      <div className="toolbar">
        {toolbar}
        {isEvents && (
          <label className="switch">
            <input
              type="checkbox"
              checked={warningsOnly}
              onChange={(e) => (onProblemChange ? onProblemChange(e.target.checked ? 'warning' : undefined) : setLocalProblem(e.target.checked ? 'warning' : undefined))}
              data-testid="warnings-only"
            />
            Warnings only
          </label>
        )}
        <div className="toolbar-status" aria-live="polite">
          {table && (
            <span data-testid="row-count">
              {narrowed ? `${rows.length} of ${total}` : `${total}`} {total === 1 ? 'item' : 'items'}
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
        <div className="table-scroll" ref={scrollRef} onScroll={onScroll} tabIndex={0} role="region" aria-label={what} data-testid={`${testId}-scroll`}>
          <table className="grid" data-testid={testId} aria-rowcount={rows.length + 1}>
            <caption className="sr-only">{what}</caption>
            <thead>
              <tr aria-rowindex={1}>
                {showNamespace && header('Namespace', NAMESPACE_COLUMN)}
                {columns.map(({ column, index }) => header(column.name, index, column.description))}
              </tr>
            </thead>
            <tbody>
              {virtual && start > 0 && (
                <tr className="spacer" aria-hidden="true">
                  <td colSpan={colCount} style={{ height: start * rowHeight }} />
                </tr>
              )}
              {shown.map((row, i) => (
                <TableRow
                  key={row.key}
                  row={row}
                  index={start + i}
                  columns={columns}
                  showNamespace={showNamespace}
                  nameColumn={nameColumn}
                  link={linkFor?.(row) ?? null}
                  timeKinds={timeKinds}
                  objectColumn={objectColumn}
                  objectLink={objectLinkFor(row)}
                  typeColumn={typeColumn}
                  statusColumn={statusColumn}
                  resource={resource}
                />
              ))}
              {virtual && end < rows.length && (
                <tr className="spacer" aria-hidden="true">
                  <td colSpan={colCount} style={{ height: (rows.length - end) * rowHeight }} />
                </tr>
              )}
            </tbody>
          </table>
          {rows.length === 0 && (
            <p className="empty-row" data-testid="empty">
              {filter.trim() ? `Nothing matches “${filter}”.` : 'Nothing matches.'}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

/** The problem filter for a list URL (`…/api/v1/namespaces/x/pods` → pods). */
function problemForUrl(problem: string, url: string) {
  const m = /\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/[^/]+)?\/([^/?]+)$/.exec(url);
  if (!m) return null;
  return problemFor(problem, { group: m[2] ? decodeURIComponent(m[2]) : '', resource: decodeURIComponent(m[4]) });
}
