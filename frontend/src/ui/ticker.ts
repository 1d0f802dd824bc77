import { useSyncExternalStore } from 'react';

/**
 * One clock for every live age on the page: a single interval while anything listens, and each
 * subscriber re-renders only when its own text changes (useSyncExternalStore compares snapshots),
 * so a 5,000-row list does not re-render every second.
 */
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

export function tickerNow(): number {
  return now;
}

/** `format(now)`, re-rendering only when the text changes. */
export function useTicking(format: (now: number) => string): string {
  return useSyncExternalStore(
    subscribe,
    () => format(now),
    () => format(now),
  );
}
