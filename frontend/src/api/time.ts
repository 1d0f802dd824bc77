import { ageOf } from './age';
import { cellText, type Row, type TableColumn } from './table';

/**
 * Time columns of a Table: what instant a cell stands for, so that it is shown as a live age and
 * sorted as a time (newest first), not as text ("10m" before "9s").
 */

/** `5m3s`, `3d4h`, `2y10d`, `45s` (kubectl's HumanDuration) → milliseconds; NaN when not one. */
export function parseHumanDuration(text: string): number {
  const t = text.trim();
  if (!/^(\d+[ydhms])+$/.test(t)) return NaN;
  const unit: Record<string, number> = { y: 365 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
  let ms = 0;
  for (const [, n, u] of t.matchAll(/(\d+)([ydhms])/g)) ms += Number(n) * unit[u];
  return ms;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

type Obj = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** When an event last happened: series.lastObservedTime, lastTimestamp, eventTime, creation. */
export function eventLastSeen(event: Obj | undefined): string | undefined {
  if (!event) return undefined;
  const series = event.series as Obj | undefined;
  const meta = event.metadata as Obj | undefined;
  return str(series?.lastObservedTime) ?? str(event.lastTimestamp) ?? str(event.eventTime) ?? str(event.firstTimestamp) ?? str(meta?.creationTimestamp);
}

/** When an event first happened: firstTimestamp, eventTime, creation. */
export function eventFirstSeen(event: Obj | undefined): string | undefined {
  if (!event) return undefined;
  const meta = event.metadata as Obj | undefined;
  return str(event.firstTimestamp) ?? str(event.eventTime) ?? str(meta?.creationTimestamp);
}

export type TimeColumnKind = 'created' | 'lastSeen' | 'firstSeen' | 'date' | 'duration';

/**
 * Which columns hold times: `Age` (creationTimestamp), events' `Last Seen`/`First Seen` (from the
 * row's object when the list carries it), `date` columns holding RFC 3339 timestamps (CRDs'
 * `Created At`, custom `date` printer columns) and any other column whose cells all read as
 * kubectl durations (sorted as durations, since the instant is unknown).
 */
export function timeColumnKind(column: TableColumn, cells: unknown[]): TimeColumnKind | null {
  const name = column.name.toLowerCase();
  if (name === 'age') return 'created';
  if (name === 'last seen') return 'lastSeen';
  if (name === 'first seen') return 'firstSeen';
  const texts = cells.map(cellText).filter((t) => t !== '' && t !== '<unknown>' && t !== '<none>');
  if (texts.length === 0) return column.type === 'date' ? 'date' : null;
  if (texts.every((t) => RFC3339.test(t) && !Number.isNaN(Date.parse(t)))) return 'date';
  if (texts.every((t) => !Number.isNaN(parseHumanDuration(t)))) return 'duration';
  return null;
}

/**
 * The instant (ms since the epoch) a time cell stands for; NaN when unknown. A duration cell
 * without a better source counts from when the row was received (`receivedAt`).
 */
export function cellInstant(kind: TimeColumnKind, row: Row, cell: unknown, receivedAt: number): number {
  const object = row.object as Obj | undefined;
  switch (kind) {
    case 'created': {
      const t = Date.parse(row.creationTimestamp ?? '');
      if (!Number.isNaN(t)) return t;
      break;
    }
    case 'lastSeen': {
      const t = Date.parse(eventLastSeen(object) ?? '');
      if (!Number.isNaN(t)) return t;
      break;
    }
    case 'firstSeen': {
      const t = Date.parse(eventFirstSeen(object) ?? '');
      if (!Number.isNaN(t)) return t;
      break;
    }
    case 'date': {
      const t = Date.parse(cellText(cell));
      if (!Number.isNaN(t)) return t;
      break;
    }
    case 'duration':
      break;
  }
  const d = parseHumanDuration(cellText(cell));
  return Number.isNaN(d) ? NaN : receivedAt - d;
}

/** A time cell's text at `now`: the live age of its instant, or the server's text. */
export function timeCellText(instant: number, fallback: string, now: number): string {
  if (Number.isNaN(instant)) return fallback;
  return ageOf(new Date(instant).toISOString(), now) || fallback;
}
