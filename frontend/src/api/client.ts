/** A Kubernetes `Status` object (the body of every API error). */
export interface K8sStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { message?: string }[] };
  // Lamplight's /me adds these to its 401/403.
  authMode?: string;
  loginUrl?: string | null;
  logoutUrl?: string | null;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** An HTTP or Kubernetes API failure, with the server's own words. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  readonly status: K8sStatus | undefined;
  readonly url: string;

  constructor(code: number, url: string, status?: K8sStatus, text?: string) {
    const what = status?.message || text?.trim() || STATUS_TEXT[code] || 'request failed';
    super(what);
    this.name = 'ApiError';
    this.code = code;
    this.reason = status?.reason;
    this.status = status;
    this.url = url;
  }

  /** "403 Forbidden" */
  get title(): string {
    if (this.code === 0) return 'Network error';
    return `${this.code} ${STATUS_TEXT[this.code] ?? this.reason ?? ''}`.trim();
  }
}

/** Reads a failed response into an ApiError (Status JSON when the server sent one). */
export async function errorFromResponse(response: Response, url: string): Promise<ApiError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // the body may be gone; the status code still tells
  }
  let status: K8sStatus | undefined;
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && (parsed.kind === 'Status' || 'message' in parsed)) status = parsed;
  } catch {
    // not JSON
  }
  if (text.length > 500) text = text.slice(0, 500) + '…';
  return new ApiError(response.status, url, status, text);
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';

export interface GetOptions {
  accept?: string;
  signal?: AbortSignal;
  fetch?: FetchLike;
}

/** GET a JSON document; throws ApiError on a non-2xx answer or a network failure. */
export async function getJson<T>(url: string, options: GetOptions = {}): Promise<T> {
  const doFetch = options.fetch ?? ((u, i) => fetch(u, i));
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: { Accept: options.accept ?? 'application/json' },
      signal: options.signal,
      credentials: 'same-origin',
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, url, undefined, `Could not reach the server: ${String((error as Error)?.message ?? error)}`);
  }
  if (!response.ok) throw await errorFromResponse(response, url);
  return (await response.json()) as T;
}

export function isAbort(error: unknown): boolean {
  return (error as { name?: string })?.name === 'AbortError';
}

/** The URL of a path on a cluster's API server, through Lamplight's proxy. */
export function clusterUrl(basePath: string, cluster: string, path: string): string {
  return `${basePath}clusters/${encodeURIComponent(cluster)}${path}`;
}
