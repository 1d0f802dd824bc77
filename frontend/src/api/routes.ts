/**
 * The app's URLs, relative to the base path (see README.md):
 *
 *   ''                                                   → the first cluster
 *   c/{cluster}                                          → the cluster's overview (every API resource)
 *   c/{cluster}/{group|core}/{version}/{resource}        → a list   (?ns=, ?q=)
 *   c/{cluster}/{group|core}/{version}/{resource}/{name}             → a cluster-scoped object
 *   c/{cluster}/{group|core}/{version}/{resource}/{namespace}/{name} → a namespaced object
 *
 * `ns` is the namespace picked in the header (absent: all namespaces), `q` the list's text filter
 * `l` a label selector sent to the server (`app=web,tier!=db`) and `problem` one of the overview's
 * filters (`crashloop`, `notready`, `warning`, … see `api/health.ts`).
 */

export interface ResourceRef {
  /** '' for the core (legacy) group. */
  group: string;
  version: string;
  /** The plural resource name, e.g. `pods`. */
  resource: string;
}

export type Route =
  | { page: 'home' }
  | { page: 'cluster'; cluster: string; ns?: string }
  | ({ page: 'list'; cluster: string; ns?: string; q?: string; l?: string; problem?: string } & ResourceRef)
  | ({ page: 'detail'; cluster: string; ns?: string; namespace?: string; name: string } & ResourceRef)
  | { page: 'notfound'; path: string };

const CORE = 'core';

function seg(value: string): string {
  return encodeURIComponent(value);
}

function decode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Parses an app-relative path (no leading slash) and its query string into a route. */
export function parseRoute(path: string, search = ''): Route {
  const params = new URLSearchParams(search);
  const ns = params.get('ns') || undefined;
  const q = params.get('q') || undefined;
  const l = params.get('l') || undefined;
  const problem = params.get('problem') || undefined;
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return { page: 'home' };
  const raw = trimmed.split('/');
  const parts = raw.map(decode);
  if (parts.some((p) => p === null || p === '')) return { page: 'notfound', path };
  const p = parts as string[];
  if (p[0] !== 'c' || p.length < 2) return { page: 'notfound', path };
  const cluster = p[1];
  if (p.length === 2) return withDefined({ page: 'cluster', cluster, ns });
  if (p.length < 5 || p.length > 7) return { page: 'notfound', path };
  const group = p[2] === CORE ? '' : p[2];
  const version = p[3];
  const resource = p[4];
  if (p.length === 5) return withDefined({ page: 'list', cluster, group, version, resource, ns, q, l, problem });
  if (p.length === 6) return withDefined({ page: 'detail', cluster, group, version, resource, name: p[5], ns });
  return withDefined({ page: 'detail', cluster, group, version, resource, namespace: p[5], name: p[6], ns });
}

/** The app-relative URL (path and query, no leading slash) of a route. */
export function routeToUrl(route: Route): string {
  switch (route.page) {
    case 'home':
      return '';
    case 'notfound':
      return route.path;
    case 'cluster':
      return `c/${seg(route.cluster)}` + query({ ns: route.ns });
    case 'list':
      return `${resourceBase(route.cluster, route)}` + query({ ns: route.ns, l: route.l, q: route.q, problem: route.problem });
    case 'detail': {
      const where = route.namespace ? `${seg(route.namespace)}/${seg(route.name)}` : seg(route.name);
      return `${resourceBase(route.cluster, route)}/${where}` + query({ ns: route.ns });
    }
  }
}

function resourceBase(cluster: string, ref: ResourceRef): string {
  return `c/${seg(cluster)}/${seg(ref.group || CORE)}/${seg(ref.version)}/${seg(ref.resource)}`;
}

function query(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}

function withDefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** The Kubernetes API path of a resource (optionally in a namespace, optionally one object). */
export function apiPath(ref: ResourceRef, namespace?: string, name?: string): string {
  let path = ref.group ? `/apis/${seg(ref.group)}/${seg(ref.version)}` : `/api/${seg(ref.version)}`;
  if (namespace) path += `/namespaces/${seg(namespace)}`;
  path += `/${seg(ref.resource)}`;
  if (name) path += `/${seg(name)}`;
  return path;
}

/** `apps/v1` → {group:'apps', version:'v1'}; `v1` → {group:'', version:'v1'}. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
