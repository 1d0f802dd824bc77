import { useEffect, useRef, useState } from 'react';
import { ApiError, getJson, isAbort } from '../api/client';
import { ListWatcher, type WatchSnapshot } from '../api/watch';

/** The current time, refreshed every `intervalMs` (for live ages). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export interface WatchSpec {
  url: string;
  params?: Record<string, string>;
  rowUrl?: (namespace: string | undefined, name: string) => string;
}

/** Whether the tab is visible. */
export function useVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

/**
 * A live Table: list + watch until unmounted or the spec changes. `null` spec: nothing.
 * A hidden tab stops watching (browsers allow 6 HTTP/1.1 connections per host, shared by all
 * tabs) and relists when shown again, keeping the old rows on screen meanwhile.
 */
export function useWatchedTable(spec: WatchSpec | null): WatchSnapshot {
  const [snapshot, setSnapshot] = useState<WatchSnapshot>({ table: null, error: null, phase: 'loading' });
  const key = spec ? spec.url + '?' + new URLSearchParams(spec.params ?? {}).toString() : '';
  const specRef = useRef(spec);
  specRef.current = spec;
  const lastKey = useRef<string | null>(null);
  const visible = useVisible();
  useEffect(() => {
    const current = specRef.current;
    if (lastKey.current !== key) {
      lastKey.current = key;
      setSnapshot({ table: null, error: null, phase: 'loading' });
    }
    if (!current || !visible) return;
    // At most one render per frame: a busy watch (100 events a second) sends many snapshots
    // between two frames, and only the last one is worth rendering.
    let latest: WatchSnapshot | null = null;
    let frame = 0;
    const flush = () => {
      frame = 0;
      if (latest) setSnapshot(latest);
      latest = null;
    };
    const onChange = (next: WatchSnapshot) => {
      latest = next;
      if (!frame) frame = requestAnimationFrame(flush);
    };
    const watcher = new ListWatcher({ ...current, onChange });
    void watcher.start();
    return () => {
      watcher.stop();
      cancelAnimationFrame(frame);
    };
  }, [key, visible]);
  return snapshot;
}

export interface AsyncState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
}

/** GET a JSON document; `reloadKey` changes fetch it again (keeping the old data meanwhile). */
export function useJson<T>(url: string | null, reloadKey: unknown = 0): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ data: null, error: null, loading: !!url });
  const [tick, setTick] = useState(0);
  const lastUrl = useRef<string | null>(null);
  useEffect(() => {
    if (!url) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const controller = new AbortController();
    const sameUrl = lastUrl.current === url;
    lastUrl.current = url;
    setState((s) => ({ data: sameUrl ? s.data : null, error: null, loading: true }));
    getJson<T>(url, { signal: controller.signal }).then(
      (data) => setState({ data, error: null, loading: false }),
      (error) => {
        if (isAbort(error)) return;
        setState((s) => ({ data: s.data, error: error instanceof ApiError ? error : new ApiError(0, url, undefined, String(error)), loading: false }));
      },
    );
    return () => controller.abort();
  }, [url, reloadKey, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** Sets the tab title: "pods · demo · Lamplight". */
export function useTitle(...parts: (string | undefined)[]): void {
  const title = [...parts.filter(Boolean), 'Lamplight'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
