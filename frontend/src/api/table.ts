import type { K8sStatus } from './client';
import type { ObjectMeta } from './types';

/** meta.k8s.io/v1 Table, as `kubectl get` receives it. */
export interface TableColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface TableRowWire {
  cells: unknown[];
  object?: { kind?: string; apiVersion?: string; metadata?: Partial<ObjectMeta> } & Record<string, unknown>;
}

export interface TableWire {
  kind: 'Table';
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  columnDefinitions?: TableColumn[];
  rows?: TableRowWire[];
}

export interface Row {
  /** `namespace/name` (`/name` when cluster-scoped). */
  key: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deleting?: boolean;
  cells: unknown[];
  /** The whole object, when the list asked for it (`includeObject=Object`, e.g. events). */
  object?: Record<string, unknown>;
  /** When this row arrived (ms): duration cells such as `5m` count from then. */
  receivedAt?: number;
}

export interface TableState {
  columns: TableColumn[];
  rows: Row[];
  resourceVersion: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  object: unknown;
}

/** What the watcher must do after an event beyond using the new state. */
export type FollowUp =
  | { kind: 'none' }
  | { kind: 'relist'; reason: string; expired: boolean }
  | { kind: 'fetchRow'; namespace?: string; name: string };

export function rowKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function isTable(value: unknown): value is TableWire {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'Table';
}

function metaOf(value: unknown): Partial<ObjectMeta> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const meta = (value as { metadata?: unknown }).metadata;
  return meta && typeof meta === 'object' ? (meta as Partial<ObjectMeta>) : undefined;
}

export function rowFromWire(wire: TableRowWire): Row | null {
  const meta = metaOf(wire.object);
  const name = meta?.name ?? (typeof wire.cells?.[0] === 'string' ? (wire.cells[0] as string) : undefined);
  if (!name) return null;
  const row: Row = { key: rowKey(meta?.namespace, name), name, cells: Array.isArray(wire.cells) ? wire.cells : [] };
  if (meta?.namespace) row.namespace = meta.namespace;
  if (meta?.uid) row.uid = meta.uid;
  if (meta?.resourceVersion) row.resourceVersion = meta.resourceVersion;
  if (meta?.creationTimestamp) row.creationTimestamp = meta.creationTimestamp;
  if (meta?.deletionTimestamp) row.deleting = true;
  // A full object (includeObject=Object) has more than kind, apiVersion and metadata.
  const object = wire.object;
  if (object && Object.keys(object).some((k) => k !== 'kind' && k !== 'apiVersion' && k !== 'metadata')) row.object = object;
  row.receivedAt = Date.now();
  return row;
}

/** Columns for a server that answered a plain list instead of a Table: kubectl's default for unknown kinds. */
export const FALLBACK_COLUMNS: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name of the object', priority: 0 },
  { name: 'Age', type: 'string', description: 'Time since creation', priority: 0 },
];

/** A one-row Table for a plain object (Name and Age cells). */
export function wireFromObject(object: { metadata?: Partial<ObjectMeta> }): TableWire {
  const meta = object.metadata ?? {};
  return {
    kind: 'Table',
    columnDefinitions: FALLBACK_COLUMNS,
    rows: [{ cells: [meta.name ?? '', ''], object: { metadata: meta } }],
  };
}

/**
 * The Table of a list answer: a Table as is, or a plain `*List` (a server without Table support)
 * turned into Name/Age rows. Anything else is null.
 */
export function asTableWire(body: unknown): TableWire | null {
  if (isTable(body)) return body;
  if (body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items)) {
    const list = body as { metadata?: { resourceVersion?: string }; items: { metadata?: Partial<ObjectMeta> }[] };
    return {
      kind: 'Table',
      metadata: { resourceVersion: list.metadata?.resourceVersion },
      columnDefinitions: FALLBACK_COLUMNS,
      rows: list.items.map((item) => wireFromObject(item).rows![0]),
    };
  }
  return null;
}

/** The state of a freshly listed Table. */
export function tableFromList(table: TableWire): TableState {
  const rows = (table.rows ?? []).map(rowFromWire).filter((r): r is Row => r !== null);
  return {
    columns: table.columnDefinitions ?? [],
    rows,
    resourceVersion: table.metadata?.resourceVersion ?? '',
  };
}

function compareRows(a: Row, b: Row): number {
  return (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name);
}

/** Inserts or replaces a row; new rows go in namespace/name order, as the API server lists them. */
export function upsertRow(rows: Row[], row: Row): Row[] {
  const index = rows.findIndex((r) => r.key === row.key);
  if (index >= 0) {
    const next = rows.slice();
    next[index] = row;
    return next;
  }
  const next = rows.slice();
  let at = next.findIndex((r) => compareRows(row, r) < 0);
  if (at < 0) at = next.length;
  next.splice(at, 0, row);
  return next;
}

export function removeRow(rows: Row[], key: string, uid?: string): Row[] {
  return rows.filter((r) => !(r.key === key && (!uid || !r.uid || r.uid === uid)));
}

function newerVersion(current: string, candidate: string | undefined): string {
  return candidate ? candidate : current;
}

/**
 * Applies one watch event to a table. Event objects are Tables of one (or more) rows when the
 * watch asked for the Table format, or plain objects otherwise: a plain ADDED/MODIFIED object has
 * no cells, so the caller fetches that row (`fetchRow`). An ERROR (410 Expired or any other)
 * asks for a relist.
 */
export function applyWatchEvent(state: TableState, event: WatchEvent): { state: TableState; followUp: FollowUp } {
  const none: FollowUp = { kind: 'none' };
  switch (event.type) {
    case 'ADDED':
    case 'MODIFIED': {
      if (isTable(event.object)) {
        let rows = state.rows;
        let rv = state.resourceVersion;
        for (const wire of event.object.rows ?? []) {
          const row = rowFromWire(wire);
          if (!row) continue;
          rows = upsertRow(rows, row);
          rv = newerVersion(rv, row.resourceVersion);
        }
        const columns = state.columns.length ? state.columns : event.object.columnDefinitions ?? [];
        return { state: { columns, rows, resourceVersion: rv }, followUp: none };
      }
      const meta = metaOf(event.object);
      if (!meta?.name) return { state, followUp: { kind: 'relist', reason: 'watch event without a name', expired: false } };
      const rv = newerVersion(state.resourceVersion, meta.resourceVersion);
      return {
        state: { ...state, resourceVersion: rv },
        followUp: { kind: 'fetchRow', namespace: meta.namespace, name: meta.name },
      };
    }
    case 'DELETED': {
      let rows = state.rows;
      let rv = state.resourceVersion;
      const metas: Partial<ObjectMeta>[] = isTable(event.object)
        ? (event.object.rows ?? []).map((r) => metaOf(r.object) ?? {})
        : [metaOf(event.object) ?? {}];
      for (const meta of metas) {
        if (!meta.name) continue;
        rows = removeRow(rows, rowKey(meta.namespace, meta.name), meta.uid);
        rv = newerVersion(rv, meta.resourceVersion);
      }
      return { state: { ...state, rows, resourceVersion: rv }, followUp: none };
    }
    case 'BOOKMARK': {
      const meta = isTable(event.object) ? metaOf(event.object.rows?.[0]?.object) ?? event.object.metadata : metaOf(event.object);
      return { state: { ...state, resourceVersion: newerVersion(state.resourceVersion, meta?.resourceVersion) }, followUp: none };
    }
    case 'ERROR': {
      const status = (event.object ?? {}) as K8sStatus;
      const expired = status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone';
      return {
        state,
        followUp: { kind: 'relist', reason: status.message || `watch error ${status.code ?? ''}`.trim(), expired },
      };
    }
    default:
      return { state, followUp: none };
  }
}

/** Priority-0 columns (what `kubectl get` prints without `-o wide`), with their indexes. */
export function visibleColumns(columns: TableColumn[]): { column: TableColumn; index: number }[] {
  return columns.map((column, index) => ({ column, index })).filter(({ column }) => !column.priority);
}

/** Renders a cell as text. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Each row's lower-cased text, computed once per row object (a watch event makes a new row). */
const haystacks = new WeakMap<Row, string>();

function haystackOf(row: Row): string {
  let text = haystacks.get(row);
  if (text === undefined) {
    text = [row.name, row.namespace ?? '', ...row.cells.map(cellText)].join('\u0000').toLowerCase();
    haystacks.set(row, text);
  }
  return text;
}

/** Rows whose cells, name or namespace contain every word of the filter (case-insensitive). */
export function filterRows(rows: Row[], filter: string): Row[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter((row) => {
    const haystack = haystackOf(row);
    return words.every((w) => haystack.includes(w));
  });
}
