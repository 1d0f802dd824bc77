import { Backoff } from './backoff';
import { ApiError, TABLE_ACCEPT, errorFromResponse, getJson, isAbort, type FetchLike } from './client';
import { applyWatchEvent, asTableWire, wireFromObject, removeRow, rowFromWire, rowKey, tableFromList, upsertRow, type TableState, type TableWire, type WatchEvent } from './table';

export type WatchPhase = 'loading' | 'live' | 'reconnecting' | 'stopped';

export interface WatchSnapshot {
  table: TableState | null;
  error: ApiError | null;
  phase: WatchPhase;
}

export interface ListWatcherOptions {
  /** The list URL, without a query string. */
  url: string;
  /** Extra query parameters for both list and watch (fieldSelector, labelSelector). */
  params?: Record<string, string>;
  /** The URL of one object, to fetch its row when a watch event carries a plain object. */
  rowUrl?: (namespace: string | undefined, name: string) => string;
  onChange: (snapshot: WatchSnapshot) => void;
  fetch?: FetchLike;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  backoff?: Backoff;
  now?: () => number;
  /** A watch that lasted this long or delivered an event was healthy: the backoff starts over. */
  healthyAfterMs?: number;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException('Aborted', 'AbortError'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DOMException('Aborted', 'AbortError'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Thrown inside the loop when a watch asks for a relist because of an ERROR event. */
class RelistNeeded extends Error {
  constructor(
    message: string,
    readonly expired: boolean,
  ) {
    super(message);
  }
}

/**
 * Keeps a server-side Table current: list (Table format), then watch from the list's
 * resourceVersion, applying events as they stream in. A stream end or an ERROR event (410 Expired
 * included) relists and watches again; failures back off exponentially (500 ms doubling to 30 s),
 * and the error stays visible until a list succeeds again.
 */
export class ListWatcher {
  private readonly options: ListWatcherOptions;
  private readonly controller = new AbortController();
  private readonly doFetch: FetchLike;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  readonly backoff: Backoff;
  private snapshot: WatchSnapshot = { table: null, error: null, phase: 'loading' };
  private running: Promise<void> | null = null;
  /** How many lists were made (for tests and diagnostics). */
  lists = 0;
  /** How many watches were opened. */
  watches = 0;

  constructor(options: ListWatcherOptions) {
    this.options = options;
    this.doFetch = options.fetch ?? ((u, i) => fetch(u, i));
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? (() => Date.now());
    this.backoff = options.backoff ?? new Backoff({ jitter: 0.2 });
  }

  start(): Promise<void> {
    if (!this.running) this.running = this.loop();
    return this.running;
  }

  /** Stops listing and watching; no more onChange calls after this. */
  stop(): void {
    this.controller.abort();
    this.snapshot = { ...this.snapshot, phase: 'stopped' };
  }

  get current(): WatchSnapshot {
    return this.snapshot;
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private update(patch: Partial<WatchSnapshot>): void {
    if (this.signal.aborted) return;
    this.snapshot = { ...this.snapshot, ...patch };
    this.options.onChange(this.snapshot);
  }

  private query(extra: Record<string, string>): string {
    const params = new URLSearchParams({ ...(this.options.params ?? {}), ...extra });
    const s = params.toString();
    return s ? `?${s}` : '';
  }

  private async loop(): Promise<void> {
    const healthyAfter = this.options.healthyAfterMs ?? 10_000;
    while (!this.signal.aborted) {
      let healthy = false;
      try {
        const table = await this.list();
        const started = this.now();
        const events = await this.watch(table.resourceVersion);
        healthy = events > 0 || this.now() - started >= healthyAfter;
      } catch (error) {
        if (this.signal.aborted || isAbort(error)) break;
        if (error instanceof RelistNeeded) {
          healthy = false;
          if (!error.expired) this.update({ error: new ApiError(500, this.options.url, { message: error.message }) });
        } else {
          const apiError = error instanceof ApiError ? error : new ApiError(0, this.options.url, undefined, String((error as Error)?.message ?? error));
          this.update({ error: apiError, phase: this.snapshot.table ? 'reconnecting' : 'loading' });
        }
      }
      if (this.signal.aborted) break;
      if (healthy) {
        this.backoff.reset();
        continue;
      }
      try {
        await this.sleep(this.backoff.next(), this.signal);
      } catch {
        break;
      }
    }
  }

  private async list(): Promise<TableState> {
    this.lists += 1;
    const body = await getJson<unknown>(this.options.url + this.query({}), {
      accept: TABLE_ACCEPT,
      signal: this.signal,
      fetch: this.doFetch,
    });
    const wire = asTableWire(body);
    if (!wire) throw new ApiError(500, this.options.url, { message: 'the server answered neither a Table nor a list' });
    const table = tableFromList(wire);
    this.update({ table, error: null, phase: 'live' });
    return table;
  }

  /** Watches until the stream ends; returns how many events arrived. Throws RelistNeeded on ERROR. */
  private async watch(resourceVersion: string): Promise<number> {
    this.watches += 1;
    const url = this.options.url + this.query({ watch: 'true', resourceVersion, allowWatchBookmarks: 'true' });
    let response: Response;
    try {
      response = await this.doFetch(url, {
        headers: { Accept: TABLE_ACCEPT },
        signal: this.signal,
        credentials: 'same-origin',
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(0, url, undefined, `Watch failed: ${String((error as Error)?.message ?? error)}`);
    }
    if (!response.ok) throw await errorFromResponse(response, url);
    if (!response.body) return 0;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let events = 0;
    const cancel = () => void reader.cancel().catch(() => {});
    this.signal.addEventListener('abort', cancel, { once: true });
    try {
      for (;;) {
        if (this.signal.aborted) throw new DOMException('Aborted', 'AbortError');
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line && (await this.handleLine(line))) events += 1;
        }
      }
      buffer += decoder.decode();
      const rest = buffer.trim();
      if (rest && (await this.handleLine(rest))) events += 1;
    } finally {
      this.signal.removeEventListener('abort', cancel);
    }
    return events;
  }

  /** Applies one line of the stream; true when it was a regular (non-error) event. */
  private async handleLine(line: string): Promise<boolean> {
    let event: WatchEvent;
    try {
      event = JSON.parse(line) as WatchEvent;
    } catch {
      throw new RelistNeeded('the watch sent a line that is not JSON', false);
    }
    const table = this.snapshot.table;
    if (!table) return false;
    const { state, followUp } = applyWatchEvent(table, event);
    this.update({ table: state, error: null, phase: 'live' });
    if (followUp.kind === 'relist') throw new RelistNeeded(followUp.reason, followUp.expired);
    if (followUp.kind === 'fetchRow') await this.fetchRow(followUp.namespace, followUp.name);
    return true;
  }

  /** A plain-object event has no cells: fetch that object's row as a one-row Table. */
  private async fetchRow(namespace: string | undefined, name: string): Promise<void> {
    if (!this.options.rowUrl) throw new RelistNeeded('a watch event without Table cells', true);
    const url = this.options.rowUrl(namespace, name);
    let wire: TableWire;
    try {
      const body = await getJson<{ kind?: string; metadata?: object }>(url, { accept: TABLE_ACCEPT, signal: this.signal, fetch: this.doFetch });
      wire = body?.kind === 'Table' ? (body as TableWire) : wireFromObject(body ?? {});
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) {
        const table = this.snapshot.table!;
        this.update({ table: { ...table, rows: removeRow(table.rows, rowKey(namespace, name)) } });
        return;
      }
      throw error;
    }
    let table = this.snapshot.table!;
    if (!table.columns.length && wire.columnDefinitions) table = { ...table, columns: wire.columnDefinitions };
    let rows = table.rows;
    for (const w of wire.rows ?? []) {
      const row = rowFromWire(w);
      if (row) rows = upsertRow(rows, row);
    }
    this.update({ table: { ...table, rows } });
  }
}
