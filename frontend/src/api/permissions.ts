/**
 * What the current user may do, asked of the API server: a `SelfSubjectAccessReview` per action
 * and a `SelfSubjectRulesReview` per namespace (for the sidebar), each cached briefly. Through
 * Lamplight's proxy the reviews are made with the user's own credentials, or as the impersonated
 * user in impersonation mode, so the answers are about whoever the API server sees.
 *
 * Only a hint for the UI: the API server still decides every request (and its 403 is shown).
 * A review that cannot be made (network, an old server) counts as allowed, so a button is never
 * hidden by mistake; the action then gets the server's own answer.
 */
import { useContext, useEffect, useState } from 'react';
import { ClusterContext } from '../ui/cluster';
import { ApiError, type FetchLike } from './client';
import { sendJson } from './write';

/** `resourceAttributes` of an access review (`kubectl auth can-i VERB RESOURCE`). */
export interface AccessCheck {
  verb: string;
  /** API group; '' (or absent) for core. */
  group?: string;
  /** Plural resource, e.g. `deployments`. */
  resource: string;
  /** e.g. `scale`, `exec`, `eviction`, `log`. */
  subresource?: string;
  /** Absent: all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  name?: string;
}

export interface Decision {
  allowed: boolean;
  /** Why not, in words for a tooltip ('' when allowed). */
  reason: string;
}

export interface CanResult extends Decision {
  loading: boolean;
}

/** The cache key of a check on a cluster: every attribute, in a fixed order. */
export function accessKey(prefix: string, check: AccessCheck): string {
  return JSON.stringify([prefix, check.verb, check.group ?? '', check.resource, check.subresource ?? '', check.namespace ?? '', check.name ?? '']);
}

/** "patch deployments/scale in namespace default" */
export function describeAccess(check: AccessCheck): string {
  const resource = (check.subresource ? `${check.resource}/${check.subresource}` : check.resource) + (check.group ? `.${check.group}` : '');
  const what = check.name ? `${resource} “${check.name}”` : resource;
  const where = check.namespace ? `in namespace ${check.namespace}` : 'cluster-wide';
  return `${check.verb} ${what} ${where}`;
}

interface ReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** The decision a review's status means, with the words a tooltip shows. */
export function decisionOf(check: AccessCheck, status: ReviewStatus | undefined): Decision {
  if (status?.allowed) return { allowed: true, reason: '' };
  const extra = [status?.reason, status?.evaluationError].filter(Boolean).join('; ');
  return { allowed: false, reason: `You cannot ${describeAccess(check)}${extra ? ` (${extra})` : ''}.` };
}

/** The review a check is sent as. */
export function accessReview(check: AccessCheck): unknown {
  const attributes: Record<string, string> = { verb: check.verb, group: check.group ?? '', resource: check.resource };
  if (check.subresource) attributes.subresource = check.subresource;
  if (check.namespace) attributes.namespace = check.namespace;
  if (check.name) attributes.name = check.name;
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } };
}

interface Entry<T> {
  expires: number;
  value: Promise<T>;
  settled?: T;
}

export interface PermissionCacheOptions {
  /** How long an answer is kept (30 s: permissions change rarely, and a wrong hint costs little). */
  ttlMs?: number;
  /** How long a failed review is kept before asking again. */
  errorTtlMs?: number;
  now?: () => number;
  fetch?: FetchLike;
}

/** Reviews are answered, not stored: no field manager to name. */
const NO_FIELD_MANAGER = { fieldManager: undefined };

export const ACCESS_REVIEWS = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
export const RULES_REVIEWS = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';

/** Access and rules reviews, deduplicated while in flight and kept for `ttlMs`. */
export class PermissionCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  private readonly ttlMs: number;
  private readonly errorTtlMs: number;
  private readonly now: () => number;
  private readonly fetch: FetchLike | undefined;

  constructor(options: PermissionCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.errorTtlMs = options.errorTtlMs ?? 5_000;
    this.now = options.now ?? (() => Date.now());
    this.fetch = options.fetch;
  }

  private cached<T>(key: string, load: () => Promise<{ value: T; ok: boolean }>): Promise<T> {
    const now = this.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && hit.expires > now) return hit.value;
    const entry: Entry<T> = { expires: now + this.ttlMs, value: Promise.resolve(undefined as T) };
    entry.value = load().then(({ value, ok }) => {
      entry.settled = value;
      entry.expires = this.now() + (ok ? this.ttlMs : this.errorTtlMs);
      return value;
    });
    this.entries.set(key, entry as Entry<unknown>);
    return entry.value;
  }

  /** The answer already known (and fresh) for a check, without asking. */
  peek(prefix: string, check: AccessCheck): Decision | undefined {
    const hit = this.entries.get(accessKey(prefix, check));
    return hit && hit.expires > this.now() ? (hit.settled as Decision | undefined) : undefined;
  }

  /** May the user do this? (`prefix`: the cluster's API URL through Lamplight). */
  can(prefix: string, check: AccessCheck): Promise<Decision> {
    return this.cached(accessKey(prefix, check), async () => {
      try {
        const review = await sendJson<{ status?: ReviewStatus }>('POST', prefix + ACCESS_REVIEWS, accessReview(check), { fetch: this.fetch, params: NO_FIELD_MANAGER });
        return { value: decisionOf(check, review?.status), ok: true };
      } catch (error) {
        const why = error instanceof ApiError ? `${error.title}: ${error.message}` : String(error);
        return { value: { allowed: true, reason: `Could not check the permission (${why}).` }, ok: false };
      }
    });
  }

  /** The rules of a namespace (null when the server could not say). */
  rules(prefix: string, namespace: string): Promise<RulesReview | null> {
    return this.cached(JSON.stringify([prefix, 'rules', namespace]), async () => {
      try {
        const review = await sendJson<{ status?: RulesReview }>(
          'POST',
          prefix + RULES_REVIEWS,
          { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
          { fetch: this.fetch, params: NO_FIELD_MANAGER },
        );
        return { value: review?.status ?? null, ok: true };
      } catch {
        return { value: null, ok: false };
      }
    });
  }

  /** Forget everything (after a change of user or permissions). */
  clear(): void {
    this.entries.clear();
  }
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface RulesReview {
  resourceRules?: ResourceRule[];
  incomplete?: boolean;
  evaluationError?: string;
}

/**
 * Whether rules grant `verb` on every object of a resource (rules limited to resourceNames do
 * not). An incomplete review (an authorizer that cannot list its rules, e.g. a webhook) proves
 * nothing, so it allows.
 */
export function rulesAllow(review: RulesReview | null | undefined, verb: string, group: string, resource: string): boolean {
  if (!review || review.incomplete) return true;
  const matches = (values: string[] | undefined, value: string) => !!values && (values.includes('*') || values.includes(value));
  return (review.resourceRules ?? []).some(
    (rule) =>
      matches(rule.verbs, verb) &&
      matches(rule.apiGroups, group) &&
      (matches(rule.resources, resource) || matches(rule.resources, `${resource}/*`)) &&
      !(rule.resourceNames && rule.resourceNames.length > 0),
  );
}

/** The app's cache (one per page load). */
export const permissions = new PermissionCache();

/**
 * May the current user do this on the current cluster? `null`: nothing to check (allowed).
 * While the review is on its way, `loading` is true and `allowed` false.
 */
export function useCan(check: AccessCheck | null): CanResult {
  const prefix = useContext(ClusterContext)?.prefix ?? null;
  const key = check && prefix !== null ? accessKey(prefix, check) : '';
  const [state, setState] = useState<{ key: string; decision: Decision } | null>(null);
  useEffect(() => {
    if (!key) return;
    const [p, verb, group, resource, subresource, namespace, name] = JSON.parse(key) as string[];
    const attrs: AccessCheck = { verb, group, resource, subresource: subresource || undefined, namespace: namespace || undefined, name: name || undefined };
    let live = true;
    void permissions.can(p, attrs).then((decision) => live && setState({ key, decision }));
    return () => {
      live = false;
    };
  }, [key]);
  if (!key) return { allowed: true, reason: '', loading: false };
  if (state?.key === key) return { ...state.decision, loading: false };
  return { allowed: false, reason: 'Checking your permissions…', loading: true };
}

/** The `SelfSubjectRulesReview` of a namespace on the current cluster (null while unknown). */
export function useRules(namespace: string | null): RulesReview | null {
  const prefix = useContext(ClusterContext)?.prefix ?? null;
  const key = prefix !== null && namespace !== null ? JSON.stringify([prefix, namespace]) : '';
  const [state, setState] = useState<{ key: string; review: RulesReview | null } | null>(null);
  useEffect(() => {
    if (!key) return;
    const [p, ns] = JSON.parse(key) as string[];
    let live = true;
    void permissions.rules(p, ns).then((review) => live && setState({ key, review }));
    return () => {
      live = false;
    };
  }, [key]);
  return state?.key === key ? state.review : null;
}
