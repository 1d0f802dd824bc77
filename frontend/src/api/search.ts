/**
 * Global search (Ctrl+K): objects found by name or label across the kinds the user may list,
 * recent items first. Pure parts: parsing the query, matching, ranking, and the recent items
 * kept in localStorage.
 */

import { curatedFor, type Discovery, type ResourceInfo } from './discovery';

export interface SearchItem {
  /** Where it lives (the route's parts). */
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespace?: string;
  name: string;
  labels?: Record<string, string>;
}

export type Query =
  | { type: 'empty' }
  | { type: 'name'; text: string }
  /** `app=web` (value given) or `app` alone written as `app=` / `label:app`. */
  | { type: 'label'; key: string; value?: string };

/** `web` → name; `app=web`, `app==web` → label with value; `app=` or `label:app` → label key. */
export function parseQuery(raw: string): Query {
  const text = raw.trim();
  if (!text) return { type: 'empty' };
  if (text.startsWith('label:')) {
    const rest = text.slice('label:'.length).trim();
    return rest ? parseQuery(rest.includes('=') ? rest : `${rest}=`) : { type: 'empty' };
  }
  const eq = text.indexOf('=');
  if (eq > 0) {
    const key = text.slice(0, eq).trim();
    const value = text
      .slice(eq + 1)
      .replace(/^=/, '')
      .trim();
    return value ? { type: 'label', key, value } : { type: 'label', key };
  }
  return { type: 'name', text: text.toLowerCase() };
}

/** 0 = no match; higher is better (exact name 3, prefix 2, substring 1; a label match 2). */
export function matchScore(query: Query, item: SearchItem): number {
  switch (query.type) {
    case 'empty':
      return 1;
    case 'name': {
      const name = item.name.toLowerCase();
      if (name === query.text) return 3;
      if (name.startsWith(query.text)) return 2;
      if (name.includes(query.text)) return 1;
      return 0;
    }
    case 'label': {
      const labels = item.labels ?? {};
      if (!(query.key in labels)) return 0;
      if (query.value === undefined) return 2;
      return labels[query.key] === query.value ? 2 : 0;
    }
  }
}

export function itemKey(item: Pick<SearchItem, 'group' | 'resource' | 'namespace' | 'name'>): string {
  return `${item.group}/${item.resource}/${item.namespace ?? ''}/${item.name}`;
}

/**
 * Recent items that match first (most recent first), then the others by score, kind and name;
 * at most `limit`. Recent items no longer in `items` are still offered (they may be in a kind not
 * read yet) only when the query is empty or matches their name.
 */
export function rankResults(query: Query, items: SearchItem[], recent: SearchItem[], limit = 50): { item: SearchItem; recent: boolean }[] {
  const seen = new Set<string>();
  const out: { item: SearchItem; recent: boolean }[] = [];
  const byKey = new Map(items.map((i) => [itemKey(i), i]));
  for (const r of recent) {
    const key = itemKey(r);
    const current = byKey.get(key) ?? r;
    if (seen.has(key) || matchScore(query, current) === 0) continue;
    seen.add(key);
    out.push({ item: current, recent: true });
  }
  if (query.type === 'empty') return out.slice(0, limit);
  const scored = items
    .filter((i) => !seen.has(itemKey(i)))
    .map((item) => ({ item, score: matchScore(query, item) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.item.kind.localeCompare(b.item.kind) || a.item.name.localeCompare(b.item.name) || (a.item.namespace ?? '').localeCompare(b.item.namespace ?? ''));
  for (const { item } of scored) out.push({ item, recent: false });
  return out.slice(0, limit);
}

export const RECENT_LIMIT = 10;

export function recentStorageKey(cluster: string): string {
  return `lamplight.recent.${cluster}`;
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function storage(): StorageLike | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function isItem(value: unknown): value is SearchItem {
  const v = value as SearchItem;
  return !!v && typeof v.name === 'string' && typeof v.resource === 'string' && typeof v.kind === 'string' && typeof v.version === 'string' && typeof v.group === 'string';
}

export function readRecent(cluster: string, store: StorageLike | null = storage()): SearchItem[] {
  try {
    const parsed: unknown = JSON.parse(store?.getItem(recentStorageKey(cluster)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isItem).slice(0, RECENT_LIMIT) : [];
  } catch {
    return [];
  }
}

/** Puts `item` first in the cluster's recent items (no labels kept: they change). */
export function rememberRecent(cluster: string, item: SearchItem, store: StorageLike | null = storage()): SearchItem[] {
  const entry: SearchItem = { group: item.group, version: item.version, resource: item.resource, kind: item.kind, namespace: item.namespace, name: item.name };
  const list = [entry, ...readRecent(cluster, store).filter((r) => itemKey(r) !== itemKey(entry))].slice(0, RECENT_LIMIT);
  try {
    store?.setItem(recentStorageKey(cluster), JSON.stringify(list));
  } catch {
    // A full or disabled storage only loses the recent items.
  }
  return list;
}

/** Items of a PartialObjectMetadataList (or any list) of one kind. */
export function itemsOfList(list: { items?: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } }[] } | null | undefined, kind: { group: string; version: string; resource: string; kind: string }): SearchItem[] {
  return (list?.items ?? []).flatMap((o) =>
    o.metadata?.name ? [{ group: kind.group, version: kind.version, resource: kind.resource, kind: kind.kind, namespace: o.metadata.namespace || undefined, name: o.metadata.name, labels: o.metadata.labels }] : [],
  );
}

/** The Accept header that asks for names and labels only. */
export const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io, application/json';

/**
 * Kinds searched: every listable kind the cluster serves, the sidebar's everyday kinds first (their
 * answers come back first). Events are left out: they are many, short-lived, and named after
 * their object. A kind served by two groups (events in core and events.k8s.io) is searched once.
 */
export function searchableKinds(discovery: Discovery | null): ResourceInfo[] {
  const curated = curatedFor(discovery).flatMap((s) => s.items.map((i) => i.info));
  const rest = (discovery?.groups ?? []).flatMap((g) => g.resources);
  const seen = new Set<string>();
  return [...curated, ...rest].filter((info) => {
    const key = `${info.group}/${info.resource}`;
    if (info.resource === 'events' || seen.has(key)) return false;
    seen.add(key);
    return info.verbs.includes('list');
  });
}
