/**
 * Several namespaces at once: `?ns=a,b` in the URL. A list then asks for all namespaces (one
 * watch, as the page's connection budget wants) and keeps the rows of the picked ones.
 */

/** `"a, b,a"` → `["a", "b"]`; undefined or "" → [] (all namespaces). */
export function parseNamespaces(raw: string | undefined): string[] {
  const out: string[] = [];
  for (const part of (raw ?? '').split(',')) {
    const name = part.trim();
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/** The `?ns=` value of a choice ([] → undefined: all namespaces). */
export function formatNamespaces(names: string[]): string | undefined {
  const list = parseNamespaces(names.join(','));
  return list.length ? list.join(',') : undefined;
}

/** The namespace to ask the API for: the one picked, or undefined (all) for none or several. */
export function queryNamespace(raw: string | undefined): string | undefined {
  const list = parseNamespaces(raw);
  return list.length === 1 ? list[0] : undefined;
}

/** The namespaces to keep rows of after an all-namespaces list, or null to keep every row. */
export function namespaceFilter(raw: string | undefined): string[] | null {
  const list = parseNamespaces(raw);
  return list.length > 1 ? list : null;
}

/** Whether an object (or row) of namespace `namespace` is in the choice (cluster-scoped ones always are). */
export function inNamespaces(filter: string[] | null, namespace: string | undefined): boolean {
  return !filter || !namespace || filter.includes(namespace);
}

/** The namespace new objects go to by default: the first picked, else `default`. */
export function defaultNamespace(raw: string | undefined): string {
  return parseNamespaces(raw)[0] ?? 'default';
}

/** "default", "default and team-a", "default, team-a and kube-system", or "all namespaces". */
export function describeNamespaces(raw: string | undefined): string {
  const list = parseNamespaces(raw);
  if (list.length === 0) return 'all namespaces';
  if (list.length === 1) return list[0];
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}
