import { ApiError, errorFromResponse, isAbort, type FetchLike } from './client';

/** The content types of the API server's PATCH flavours. */
export const PATCH = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

export interface SendOptions {
  /** Content-Type of the body (JSON by default). */
  contentType?: string;
  /** Query parameters, e.g. `{ dryRun: 'All' }`. */
  params?: Record<string, string | undefined>;
  signal?: AbortSignal;
  fetch?: FetchLike;
}

/** Field manager Lamplight's writes are recorded under (`metadata.managedFields`). */
export const FIELD_MANAGER = 'lamplight';

/** The URL with query parameters (undefined values left out). */
export function withParams(url: string, params: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, v);
  const s = search.toString();
  if (!s) return url;
  return url + (url.includes('?') ? '&' : '?') + s;
}

/**
 * A write (POST, PUT, PATCH, DELETE) with a JSON body; returns the parsed answer and throws an
 * ApiError with the server's Status (409 conflicts, 422 causes, 403 messages) otherwise.
 */
export async function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: unknown, options: SendOptions = {}): Promise<T> {
  const doFetch = options.fetch ?? ((u, i) => fetch(u, i));
  const target = withParams(url, { fieldManager: method === 'DELETE' ? undefined : FIELD_MANAGER, ...options.params });
  let response: Response;
  try {
    response = await doFetch(target, {
      method,
      headers: { Accept: 'application/json', 'Content-Type': options.contentType ?? 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, target, undefined, `Could not reach the server: ${String((error as Error)?.message ?? error)}`);
  }
  if (!response.ok) throw await errorFromResponse(response, target);
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** The `causes` of a Status (422 Invalid), as "field: message" lines. */
export function statusCauses(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [];
  const causes = (error.status?.details?.causes ?? []) as { field?: string; message?: string; reason?: string }[];
  return causes.map((c) => [c.field, c.message ?? c.reason].filter(Boolean).join(': ')).filter(Boolean);
}
