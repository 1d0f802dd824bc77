/**
 * Pod logs: the log URL, lines with their timestamps, a bounded buffer, merging several pods'
 * streams by time, search, and `LogStream`, which follows one container's log and reconnects.
 *
 * Logs are always asked for with `timestamps=true`: the timestamp orders lines from several pods,
 * lets a reconnect skip the lines already shown (`sinceTime` + "not after the last one seen"),
 * and the "Timestamps" switch only changes what is displayed.
 *
 * Streams go over a WebSocket (`binary.k8s.io` / `base64.binary.k8s.io`, which the API server
 * speaks for `pods/log`): browsers allow only 6 HTTP/1.1 connections per host, which a detail
 * page's watches already use half of, and a deployment's logs open one stream per pod. When the
 * WebSocket cannot open, a plain GET of the same URL tells why (the API server's Status) or, when
 * it works, streams the log over HTTP instead.
 */
import { Backoff } from './backoff';
import { ApiError, errorFromResponse, isAbort } from './client';

export interface LogOptions {
  container?: string;
  previous?: boolean;
  follow?: boolean;
  /** Lines from the end; undefined or negative: the whole log. */
  tailLines?: number;
  /** Only lines at or after this RFC 3339 time (used when reconnecting). */
  sinceTime?: string;
  limitBytes?: number;
}

/** `{prefix}/api/v1/namespaces/{ns}/pods/{name}/log?...` (prefix: `{base}clusters/{cluster}`). */
export function logUrl(prefix: string, namespace: string, pod: string, options: LogOptions = {}): string {
  const params = new URLSearchParams();
  if (options.container) params.set('container', options.container);
  if (options.follow) params.set('follow', 'true');
  if (options.previous) params.set('previous', 'true');
  params.set('timestamps', 'true');
  if (options.tailLines !== undefined && options.tailLines >= 0 && !options.sinceTime) params.set('tailLines', String(options.tailLines));
  if (options.sinceTime) params.set('sinceTime', options.sinceTime);
  if (options.limitBytes) params.set('limitBytes', String(options.limitBytes));
  return `${prefix}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${params}`;
}

/** A path on this page's host as a WebSocket URL: ws: for an http: page, wss: for https:. */
export function toWebSocketUrl(path: string, location: { protocol: string; host: string }): string {
  if (/^wss?:/.test(path)) return path;
  if (/^https?:/.test(path)) return path.replace(/^http/, 'ws');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path.startsWith('/') ? path : '/' + path}`;
}

export interface LogLine {
  /** Increasing per buffer; React key and block id. */
  seq: number;
  /** The line's RFC 3339 timestamp as the API server sent it ('' when there was none). */
  ts: string;
  /** Sortable form of `ts` (fixed nanosecond digits, UTC). */
  key: string;
  text: string;
  /** The pod the line came from, in a multi-pod view. */
  pod?: string;
}

const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) /;

/**
 * A timestamp's sortable key: RFC 3339 with exactly 9 fractional digits in UTC. The API server's
 * RFC3339Nano drops trailing zeros, so "…:05.12Z" and "…:05.123Z" do not sort as text.
 */
export function timestampKey(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return '';
  const frac = (m[2] ?? '').padEnd(9, '0');
  if (m[3] === 'Z' || m[3] === '+00:00' || m[3] === '-00:00') return `${m[1]}.${frac}Z`;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return '';
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

/** Splits "2024-05-01T10:00:00.123456789Z message" into its timestamp and text. */
export function splitTimestamp(raw: string): { ts: string; key: string; text: string } {
  const m = TS.exec(raw);
  if (!m) return { ts: '', key: '', text: raw };
  const ts = raw.slice(0, m[0].length - 1);
  return { ts, key: timestampKey(ts), text: raw.slice(m[0].length) };
}

/** Turns chunks of a byte stream into whole lines (UTF-8, a line may span chunks). */
export class LineSplitter {
  private readonly decoder = new TextDecoder();
  private rest = '';

  /** The complete lines in this chunk (without their newline). */
  push(chunk: Uint8Array | string): string[] {
    this.rest += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = this.rest.split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map((p) => (p.endsWith('\r') ? p.slice(0, -1) : p));
  }

  /** The last, unterminated line when the stream ends. */
  end(): string[] {
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    return last ? [last] : [];
  }
}

/** Sorts a batch by timestamp, stable; lines without one go last. */
function sortBatch(batch: LogLine[]): LogLine[] {
  const last = '\uffff';
  return batch
    .map((line, i) => ({ line, i, key: line.key || last }))
    .sort((a, b) => (a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.i - b.i))
    .map((x) => x.line);
}

/**
 * Merges a batch of new lines (from any of several pods) into lines already in time order: the
 * batch is sorted, then placed where its timestamps fall, which touches only the tail for live
 * lines. Lines without a timestamp go to the end. Returns a new array.
 */
export function mergeByTime(lines: LogLine[], batch: LogLine[]): LogLine[] {
  if (batch.length === 0) return lines;
  const sorted = sortBatch(batch);
  const first = sorted.find((l) => l.key)?.key;
  // Where the batch's first timestamp fits: after every line not later than it.
  let at = lines.length;
  if (first) {
    while (at > 0 && lines[at - 1].key && lines[at - 1].key > first) at -= 1;
  }
  if (at === lines.length) return lines.concat(sorted);
  const tail = lines.slice(at);
  const merged: LogLine[] = lines.slice(0, at);
  let i = 0;
  let j = 0;
  while (i < tail.length && j < sorted.length) {
    const a = tail[i];
    const b = sorted[j];
    if (!b.key || (a.key && a.key <= b.key)) merged.push(tail[i++]);
    else merged.push(sorted[j++]);
  }
  while (i < tail.length) merged.push(tail[i++]);
  while (j < sorted.length) merged.push(sorted[j++]);
  return merged;
}

/**
 * Keeps at most `max` lines (the newest); says how many were dropped. With `step`, drops a
 * multiple of `step` lines, so blocks of `step` lines keep their boundaries (and stay memoized).
 */
export function capLines(lines: LogLine[], max: number, step = 1): { lines: LogLine[]; dropped: number } {
  if (lines.length <= max) return { lines, dropped: 0 };
  const drop = Math.min(lines.length, Math.ceil((lines.length - max) / step) * step);
  return { lines: lines.slice(drop), dropped: drop };
}

/** The text of a line as displayed and downloaded. */
export function lineText(line: LogLine, options: { timestamps: boolean; pod: boolean }): string {
  let text = line.text;
  if (options.pod && line.pod) text = `${line.pod} ${text}`;
  if (options.timestamps && line.ts) text = `${line.ts} ${text}`;
  return text;
}

/** Where `query` occurs in `text` (case-insensitive), as [start, end) pairs. */
export function findMatches(text: string, query: string): [number, number][] {
  if (!query) return [];
  const hay = text.toLowerCase();
  const needle = query.toLowerCase();
  const out: [number, number][] = [];
  let from = 0;
  for (;;) {
    const at = hay.indexOf(needle, from);
    if (at < 0) break;
    out.push([at, at + needle.length]);
    from = at + needle.length;
  }
  return out;
}

/** Text split into plain and matched parts, for highlighting. */
export function highlightParts(text: string, query: string): { text: string; match: boolean }[] {
  const matches = findMatches(text, query);
  if (matches.length === 0) return [{ text, match: false }];
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const [s, e] of matches) {
    if (s > at) parts.push({ text: text.slice(at, s), match: false });
    parts.push({ text: text.slice(s, e), match: true });
    at = e;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}

/** How many matches and matching lines a search finds among the displayed texts. */
export function countMatches(texts: string[], query: string): { matches: number; lines: number } {
  if (!query) return { matches: 0, lines: 0 };
  let matches = 0;
  let lines = 0;
  for (const t of texts) {
    const n = findMatches(t, query).length;
    matches += n;
    if (n) lines += 1;
  }
  return { matches, lines };
}

/** Reader sub-protocols of `pods/log` over WebSocket. */
export const LOG_PROTOCOLS = ['binary.k8s.io', 'base64.binary.k8s.io'];

function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

export type LogStreamPhase = 'connecting' | 'streaming' | 'ended' | 'reconnecting' | 'error' | 'paused' | 'stopped';

export interface LogStreamState {
  phase: LogStreamPhase;
  error: ApiError | null;
  /** When reconnecting: the time of the next attempt. */
  retryAt?: number;
  transport?: 'websocket' | 'http';
}

export interface LogStreamOptions extends LogOptions {
  prefix: string;
  namespace: string;
  pod: string;
  /** New lines, in order; called from socket events (the caller batches rendering). */
  onLines: (lines: { ts: string; key: string; text: string }[]) => void;
  onState: (state: LogStreamState) => void;
  location?: { protocol: string; host: string };
  WebSocket?: typeof WebSocket;
  fetch?: typeof fetch;
  backoff?: Backoff;
  /** A stream that lasted this long or delivered lines was healthy: the backoff starts over. */
  healthyAfterMs?: number;
}

/**
 * Streams one container's log. With `follow`, a stream that ends (the API server or a proxy
 * closed it, the network dropped) is opened again after a backoff (500 ms doubling to 30 s),
 * from the last timestamp seen, skipping lines already delivered.
 */
export class LogStream {
  private readonly o: LogStreamOptions;
  private readonly backoff: Backoff;
  private stopped = false;
  private socket: WebSocket | null = null;
  private abort: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The newest timestamp key delivered; a reconnect skips lines up to it. */
  private lastKey = '';
  private lastTs = '';
  private useHttp = false;
  private follow: boolean;

  constructor(options: LogStreamOptions) {
    this.o = options;
    this.follow = !!options.follow;
    this.backoff = options.backoff ?? new Backoff({ jitter: 0.2 });
  }

  /**
   * Following off: the stream closes and the lines shown stay. On again: it goes on from the last
   * line seen (`sinceTime`, skipping what was shown), so nothing is repeated.
   */
  setFollow(follow: boolean): void {
    if (this.stopped || follow === this.follow) return;
    this.follow = follow;
    this.disconnect();
    if (follow) {
      this.backoff.reset();
      this.connect();
    } else {
      this.o.onState({ phase: 'paused', error: null });
    }
  }

  private disconnect(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    this.abort = null;
    const s = this.socket;
    this.socket = null;
    if (s && s.readyState <= 1) s.close(1000);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.disconnect();
    this.o.onState({ phase: 'stopped', error: null });
  }

  private url(): string {
    const since = this.lastTs ? this.lastTs.replace(/\.\d+/, '') : undefined;
    return logUrl(this.o.prefix, this.o.namespace, this.o.pod, {
      container: this.o.container,
      previous: this.o.previous,
      follow: this.follow,
      tailLines: this.o.tailLines,
      sinceTime: since,
      limitBytes: this.o.limitBytes,
    });
  }

  /** Delivers whole lines, skipping those at or before the last timestamp already delivered. */
  private deliver(raw: string[]): number {
    const lines = [];
    for (const r of raw) {
      const line = splitTimestamp(r);
      if (line.key && this.lastKey && line.key <= this.lastKey) continue;
      if (line.key) {
        this.lastKey = line.key;
        this.lastTs = line.ts;
      }
      lines.push(line);
    }
    if (lines.length) this.o.onLines(lines);
    return lines.length;
  }

  private connect(): void {
    if (this.stopped) return;
    if (this.useHttp) {
      void this.connectHttp();
      return;
    }
    const WS = this.o.WebSocket ?? WebSocket;
    const location = this.o.location ?? window.location;
    this.o.onState({ phase: this.backoff.attempts ? 'reconnecting' : 'connecting', error: null, transport: 'websocket' });
    let socket: WebSocket;
    try {
      socket = new WS(toWebSocketUrl(this.url(), location), LOG_PROTOCOLS);
    } catch {
      this.useHttp = true;
      void this.connectHttp();
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    const splitter = new LineSplitter();
    const started = Date.now();
    let opened = false;
    let delivered = 0;
    socket.onopen = () => {
      opened = true;
      this.o.onState({ phase: 'streaming', error: null, transport: 'websocket' });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket) return;
      let bytes: Uint8Array | string;
      if (typeof event.data === 'string') {
        if (socket.protocol === 'base64.binary.k8s.io') {
          if (!event.data) return;
          bytes = base64ToBytes(event.data);
        } else bytes = event.data;
      } else bytes = new Uint8Array(event.data as ArrayBuffer);
      delivered += this.deliver(splitter.push(bytes));
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      delivered += this.deliver(splitter.end());
      if (!opened) {
        void this.diagnose();
        return;
      }
      this.ended(delivered > 0 || Date.now() - started >= (this.o.healthyAfterMs ?? 10_000), null);
    };
  }

  /** The WebSocket did not open: ask over HTTP why (a 400/403/404 Status), or use HTTP instead. */
  private async diagnose(): Promise<void> {
    const url = logUrl(this.o.prefix, this.o.namespace, this.o.pod, { container: this.o.container, previous: this.o.previous, tailLines: 0, limitBytes: 1 });
    const doFetch = this.o.fetch ?? fetch;
    this.abort = new AbortController();
    try {
      const response = await doFetch(url, { signal: this.abort.signal, credentials: 'same-origin' });
      if (this.stopped) return;
      if (!response.ok) {
        this.ended(false, await errorFromResponse(response, url));
        return;
      }
      void response.body?.cancel().catch(() => {});
      // The log is readable over HTTP but not over a WebSocket (a proxy in between): use HTTP.
      this.useHttp = true;
      void this.connectHttp();
    } catch (error) {
      if (this.stopped || isAbort(error)) return;
      this.ended(false, new ApiError(0, url, undefined, `Could not reach the server: ${String((error as Error)?.message ?? error)}`));
    }
  }

  private async connectHttp(): Promise<void> {
    const url = this.url();
    const doFetch = this.o.fetch ?? fetch;
    this.abort = new AbortController();
    this.o.onState({ phase: this.backoff.attempts ? 'reconnecting' : 'connecting', error: null, transport: 'http' });
    const started = Date.now();
    let delivered = 0;
    try {
      const response = await doFetch(url, { signal: this.abort.signal, credentials: 'same-origin' });
      if (!response.ok) {
        this.ended(false, await errorFromResponse(response, url));
        return;
      }
      this.o.onState({ phase: 'streaming', error: null, transport: 'http' });
      const splitter = new LineSplitter();
      const reader = response.body?.getReader();
      if (reader) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || this.stopped) break;
          delivered += this.deliver(splitter.push(value));
        }
      }
      delivered += this.deliver(splitter.end());
      this.ended(delivered > 0 || Date.now() - started >= (this.o.healthyAfterMs ?? 10_000), null);
    } catch (error) {
      if (this.stopped || isAbort(error)) return;
      this.ended(false, new ApiError(0, url, undefined, `The log stream failed: ${String((error as Error)?.message ?? error)}`));
    }
  }

  /** A stream ended: done unless following, else reconnect after the backoff. */
  private ended(healthy: boolean, error: ApiError | null): void {
    if (this.stopped) return;
    if (!this.follow) {
      this.o.onState({ phase: error ? 'error' : 'ended', error });
      return;
    }
    if (healthy) this.backoff.reset();
    const delay = healthy ? 0 : this.backoff.next();
    this.o.onState({ phase: 'reconnecting', error, retryAt: Date.now() + delay });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }
}
