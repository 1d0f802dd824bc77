import { memo, useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { countMatches, highlightParts, lineText, type LogLine } from '../../api/logs';
import { ErrorBox } from '../common';
import { LOG_BLOCK, MAX_LINES, useLogLines, type LogSource } from './useLogLines';
import './logs.css';

export interface ContainerChoice {
  name: string;
  /** 'init' / 'ephemeral' containers are labelled so in the picker. */
  kind: 'container' | 'init' | 'ephemeral';
  restarts?: number;
}

const TAILS = [100, 500, 1000, 5000, -1];
const BLOCK = LOG_BLOCK;

/**
 * The logs of a pod, or of several pods merged by time (each line prefixed by its pod): follow,
 * container, previous container, tail lines, timestamps, wrap, search (highlight and count, or only
 * the matching lines), download of what is shown. At most MAX_LINES lines are kept.
 */
export function LogViewer({
  prefix,
  namespace,
  pods,
  containers,
  downloadName,
}: {
  prefix: string;
  namespace: string;
  /** One pod, or every pod of a workload. */
  pods: string[];
  containers: ContainerChoice[];
  downloadName: string;
}) {
  const [container, setContainer] = useState(containers[0]?.name ?? '');
  const [follow, setFollow] = useState(true);
  const [previous, setPrevious] = useState(false);
  const [tailLines, setTailLines] = useState(500);
  const [timestamps, setTimestamps] = useState(false);
  const [wrap, setWrap] = useState(true);
  const [search, setSearch] = useState('');
  const [onlyMatching, setOnlyMatching] = useState(false);
  const [reload, setReload] = useState(0);
  const query = useDeferredValue(search.trim());

  const chosen = containers.some((c) => c.name === container) ? container : (containers[0]?.name ?? '');
  const podsKey = pods.join('\n');
  const sources: LogSource[] = useMemo(() => (podsKey ? podsKey.split('\n') : []).map((pod) => ({ pod, container: chosen || undefined })), [podsKey, chosen]);
  const settings = useMemo(() => ({ follow: follow && !previous, previous, tailLines }), [follow, previous, tailLines]);
  const { lines, dropped, streams } = useLogLines(prefix, namespace, sources, settings, reload);
  const multi = pods.length > 1;

  const display = useMemo(() => ({ timestamps, pod: multi }), [timestamps, multi]);
  const texts = useMemo(() => lines.map((l) => lineText(l, display)), [lines, display]);
  const counts = useMemo(() => countMatches(texts, query), [texts, query]);
  const shown = useMemo(() => {
    if (!onlyMatching || !query) return lines;
    const q = query.toLowerCase();
    return lines.filter((_, i) => texts[i].toLowerCase().includes(q));
  }, [lines, texts, onlyMatching, query]);

  const download = () => {
    const body = shown.map((l) => lineText(l, display)).join('\n') + (shown.length ? '\n' : '');
    const url = URL.createObjectURL(new Blob([body], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${downloadName}${chosen && !multi ? '-' + chosen : ''}${previous ? '-previous' : ''}.log`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const states = Object.values(streams);
  const errors = Object.entries(streams).filter(([, s]) => s.error);
  const streaming = states.some((s) => s.phase === 'streaming');
  const reconnecting = states.some((s) => s.phase === 'reconnecting');
  const chosenInfo = containers.find((c) => c.name === chosen);

  return (
    <div className="logs" data-testid="logs">
      <div className="logs-toolbar" role="toolbar" aria-label="Log options">
        {containers.length > 0 && (
          <label>
            Container{' '}
            <select value={chosen} onChange={(e) => setContainer(e.target.value)} data-testid="logs-container">
              {containers.map((c) => (
                <option key={`${c.kind}/${c.name}`} value={c.name}>
                  {c.name}
                  {c.kind === 'init' ? ' (init)' : c.kind === 'ephemeral' ? ' (ephemeral)' : ''}
                </option>
              ))}
            </select>
          </label>
        )}
        <label title="Lines from the end of the log to start with">
          Tail{' '}
          <select value={tailLines} onChange={(e) => setTailLines(Number(e.target.value))} data-testid="logs-tail">
            {TAILS.map((n) => (
              <option key={n} value={n}>
                {n < 0 ? 'all' : n}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={follow && !previous} disabled={previous} onChange={(e) => setFollow(e.target.checked)} data-testid="logs-follow" /> Follow
        </label>
        <label title={chosenInfo?.restarts === 0 ? 'This container has not restarted: there is no previous log' : "The previous (terminated) container's log"}>
          <input type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} data-testid="logs-previous" /> Previous
        </label>
        <label>
          <input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} data-testid="logs-timestamps" /> Timestamps
        </label>
        <label>
          <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} data-testid="logs-wrap" /> Wrap
        </label>
        <span className="logs-search">
          <input
            type="search"
            placeholder="Search the log"
            aria-label="Search the log"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="logs-search"
          />
          {query && (
            <span className="logs-count" data-testid="logs-count" aria-live="polite">
              {counts.matches} {counts.matches === 1 ? 'match' : 'matches'} in {counts.lines} {counts.lines === 1 ? 'line' : 'lines'}
            </span>
          )}
          <label>
            <input type="checkbox" checked={onlyMatching} onChange={(e) => setOnlyMatching(e.target.checked)} data-testid="logs-only-matching" /> Only matching
          </label>
        </span>
        <span className="logs-actions">
          <button type="button" onClick={download} data-testid="logs-download" disabled={shown.length === 0}>
            Download
          </button>
          <button type="button" onClick={() => setReload((n) => n + 1)} data-testid="logs-reload">
            Reload
          </button>
        </span>
      </div>
      <div className="logs-status" data-testid="logs-status">
        {streaming && settings.follow ? (
          <span className="live" data-testid="logs-live">
            <span className="dot" aria-hidden="true" /> Following
          </span>
        ) : reconnecting ? (
          <span className="muted" data-testid="logs-reconnecting">
            Reconnecting…
          </span>
        ) : states.length > 0 && states.every((s) => s.phase === 'paused') ? (
          <span className="muted" data-testid="logs-paused">
            Paused
          </span>
        ) : states.length > 0 && states.every((s) => s.phase === 'ended') ? (
          <span className="muted">End of log</span>
        ) : states.some((s) => s.phase === 'connecting') ? (
          <span className="muted">Connecting…</span>
        ) : null}{' '}
        <span className="muted" data-testid="logs-line-count">
          · {lines.length.toLocaleString('en-US')} {lines.length === 1 ? 'line' : 'lines'}
          {multi ? ` from ${pods.length} pods` : ''}
        </span>
        <span className="muted" data-testid="logs-cap">
          {' '}
          · {dropped > 0 ? `${dropped.toLocaleString('en-US')} older lines dropped: ` : ''}the newest {MAX_LINES.toLocaleString('en-US')} are kept
        </span>
      </div>
      {errors.map(([pod, s]) => (
        <div key={pod}>
          <ErrorBox error={s.error!} what={`reading the log of ${pod}${chosen ? ` (${chosen})` : ''}`} />
          {s.phase === 'reconnecting' && s.retryAt !== undefined && <p className="muted small">Trying again…</p>}
        </div>
      ))}
      <LogLines lines={shown} query={query} display={display} wrap={wrap} />
    </div>
  );
}

/** The lines, in blocks of BLOCK memoized by content, so an append re-renders only the last block. */
function LogLines({ lines, query, display, wrap }: { lines: LogLine[]; query: string; display: { timestamps: boolean; pod: boolean }; wrap: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const blocks = useMemo(() => {
    const out: LogLine[][] = [];
    for (let i = 0; i < lines.length; i += BLOCK) out.push(lines.slice(i, i + BLOCK));
    return out;
  }, [lines]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines, wrap, display]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onScroll = () => {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <div ref={ref} className={`logs-lines${wrap ? ' wrap' : ''}`} data-testid="logs-lines" tabIndex={0} role="log" aria-live="off" aria-label="Log lines">
      {lines.length === 0 ? (
        <div className="muted logs-empty">No log lines (yet).</div>
      ) : (
        blocks.map((block) => <Block key={block[0].seq} lines={block} query={query} display={display} />)
      )}
    </div>
  );
}

const Block = memo(
  function Block({ lines, query, display }: { lines: LogLine[]; query: string; display: { timestamps: boolean; pod: boolean } }) {
    return (
      <div className="log-block">
        {lines.map((line) => (
          <div key={line.seq} className="log-line" data-testid="log-line">
            {display.timestamps && line.ts && (
              <span className="log-ts">
                <Highlighted text={line.ts} query={query} />{' '}
              </span>
            )}
            {display.pod && line.pod && (
              <span className="log-pod">
                <Highlighted text={line.pod} query={query} />{' '}
              </span>
            )}
            <Highlighted text={line.text} query={query} />
          </div>
        ))}
      </div>
    );
  },
  (a, b) =>
    a.query === b.query &&
    a.display === b.display &&
    a.lines.length === b.lines.length &&
    a.lines[0] === b.lines[0] &&
    a.lines[a.lines.length - 1] === b.lines[b.lines.length - 1],
);

function Highlighted({ text, query }: { text: string; query: string }) {
  if (!query) return <>{text}</>;
  return (
    <>
      {highlightParts(text, query).map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </>
  );
}
