import { startTransition, useEffect, useRef, useState } from 'react';
import { capLines, LogStream, mergeByTime, type LogLine, type LogStreamState } from '../../api/logs';

export interface LogSource {
  pod: string;
  container?: string;
}

export interface LogSettings {
  follow: boolean;
  previous: boolean;
  tailLines: number;
}

export interface LogLinesState {
  lines: LogLine[];
  /** Older lines dropped to keep at most `max`. */
  dropped: number;
  /** Per pod. */
  streams: Record<string, LogStreamState>;
}

/** The most lines kept (and rendered): the DOM stays bounded however long the log runs. */
export const MAX_LINES = 5000;
/** Lines render in blocks of this many (see LogViewer); the cap drops whole blocks. */
export const LOG_BLOCK = 100;
/** New lines are rendered at most this often, whatever their rate. */
const FLUSH_MS = 100;

/**
 * Streams the logs of one or more pods (one LogStream each) into one bounded list of lines, in
 * time order. Lines arriving between renders are batched, so a chatty log costs one render per
 * FLUSH_MS, not one per line.
 */
export function useLogLines(prefix: string, namespace: string, sources: LogSource[], settings: LogSettings, reloadKey: number): LogLinesState {
  const [state, setState] = useState<LogLinesState>({ lines: [], dropped: 0, streams: {} });
  // Following on or off does not start over: the streams pause and go on (see LogStream.setFollow).
  const key = JSON.stringify([prefix, namespace, sources, settings.previous, settings.tailLines, reloadKey]);
  const streamsRef = useRef<LogStream[]>([]);
  const sourcesRef = useRef(sources);
  sourcesRef.current = sources;
  const settingsRef = useRef(settings);
  settingsRef.current = settings;

  useEffect(() => {
    const current = sourcesRef.current;
    const { follow, previous, tailLines } = settingsRef.current;
    const multi = current.length > 1;
    let seq = 0;
    let pending: LogLine[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    setState({ lines: [], dropped: 0, streams: {} });
    const flush = () => {
      timer = null;
      const batch = pending;
      pending = [];
      // A transition: rendering thousands of new lines is interruptible, so typing and scrolling
      // are not held up by a chatty log.
      startTransition(() =>
        setState((s) => {
          const merged = multi ? mergeByTime(s.lines, batch) : s.lines.concat(batch);
          const capped = capLines(merged, MAX_LINES, LOG_BLOCK);
          return { ...s, lines: capped.lines, dropped: s.dropped + capped.dropped };
        }),
      );
    };
    const streams = current.map(
      (source) =>
        new LogStream({
          prefix,
          namespace,
          pod: source.pod,
          container: source.container,
          follow,
          previous,
          tailLines,
          onLines: (lines) => {
            for (const l of lines) pending.push({ ...l, seq: seq++, pod: multi ? source.pod : undefined });
            // Keep the pending batch bounded too, should rendering fall behind.
            if (pending.length > MAX_LINES * 2) pending = pending.slice(pending.length - MAX_LINES);
            if (!timer) timer = setTimeout(flush, FLUSH_MS);
          },
          onState: (streamState) => setState((s) => ({ ...s, streams: { ...s.streams, [source.pod]: streamState } })),
        }),
    );
    for (const stream of streams) stream.start();
    streamsRef.current = streams;
    return () => {
      if (timer) clearTimeout(timer);
      for (const stream of streams) stream.stop();
    };
  }, [key, prefix, namespace]);

  const { follow } = settings;
  useEffect(() => {
    for (const stream of streamsRef.current) stream.setFollow(follow);
  }, [follow]);

  return state;
}
