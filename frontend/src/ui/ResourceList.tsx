import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { findResource, wellKnownResource } from '../api/discovery';
import { problemFor } from '../api/health';
import { apiPath, routeToUrl, type Route } from '../api/routes';
import type { Row } from '../api/table';
import { describeNamespaces, namespaceFilter, queryNamespace } from '../api/namespaces';
import { CreateButton } from './actions/ActionBar';
import { useCluster } from './cluster';
import { Spinner } from './common';
import { useTitle } from './hooks';
import { ResourceTable } from './ResourceTable';
import { useNavigate } from './router';

type ListRoute = Extract<Route, { page: 'list' }>;

export function ResourceList({ route }: { route: ListRoute }) {
  const { cluster, prefix, discovery, discoveryError, ns } = useCluster();
  const navigate = useNavigate();
  const filterId = useId();
  // Before discovery answers, an everyday kind is listed at once (see wellKnownResource).
  const info = discovery ? findResource(discovery, route) : wellKnownResource(route);
  const [filter, setFilter] = useState(route.q ?? '');
  const written = useRef(route.q ?? '');

  // Keep ?q= in the URL (replace: typing is not history)...
  useEffect(() => {
    const handle = setTimeout(() => {
      if ((route.q ?? '') !== filter) {
        written.current = filter;
        navigate(routeToUrl({ ...route, q: filter || undefined }), { replace: true });
      }
    }, 250);
    return () => clearTimeout(handle);
  }, [filter, route, navigate]);
  // ...and follow the URL when it changes by itself (back, forward, a pasted link).
  useEffect(() => {
    const q = route.q ?? '';
    if (q !== written.current) {
      written.current = q;
      setFilter(q);
    }
  }, [route.q]);

  const namespace = info?.namespaced ? queryNamespace(ns) : undefined;
  const nsKey = info?.namespaced ? (namespaceFilter(ns)?.join(',') ?? '') : '';
  const namespaces = useMemo(() => (nsKey ? nsKey.split(',') : null), [nsKey]);
  useTitle(route.resource, namespace, cluster);
  const filterRef = useRef<HTMLInputElement>(null);

  // "/" focuses the filter, as in many consoles.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      e.preventDefault();
      filterRef.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const [labels, setLabels] = useState(route.l ?? '');
  const labelsId = useId();
  useEffect(() => setLabels(route.l ?? ''), [route.l]);
  const selector = route.l;
  // `?problem=` (the overview's links) filters on whole objects: the list asks for them.
  const problem = problemFor(route.problem, route);
  const wholeObjects = !!problem;
  const spec = useMemo(() => {
    if (!info) return null;
    const params: Record<string, string> = {};
    if (selector) params.labelSelector = selector;
    if (wholeObjects) params.includeObject = 'Object';
    return {
      url: prefix + apiPath(route, namespace),
      params: Object.keys(params).length ? params : undefined,
      rowUrl: (rowNs: string | undefined, name: string) => prefix + apiPath(route, info.namespaced ? rowNs : undefined, name),
    };
  }, [info, prefix, route, namespace, selector, wholeObjects]);

  if (!discovery && !info) return discoveryError ? null : <Spinner label="Reading the cluster's resources…" />;
  const gv = route.group ? `${route.group}/${route.version}` : route.version;
  if (!info) {
    return (
      <div className="page">
        <h1>{route.resource}</h1>
        <div className="error-box" role="alert" data-testid="error">
          <strong className="error-title">Not served</strong>
          <div className="error-message">
            Cluster {cluster} does not serve a listable resource “{route.resource}” in {gv}.
          </div>
        </div>
      </div>
    );
  }

  const linkFor = (row: Row) =>
    routeToUrl({
      page: 'detail',
      cluster,
      group: route.group,
      version: route.version,
      resource: route.resource,
      namespace: info.namespaced ? row.namespace : undefined,
      name: row.name,
      ns,
    });
  const where =
    (info.namespaced ? (namespace ? `in ${namespace}` : namespaces ? `in ${describeNamespaces(ns)}` : 'in all namespaces') : '(cluster-scoped)') + (selector ? ` with labels ${selector}` : '');

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 data-testid="page-title">{info.kind === 'Event' && info.resource === 'events' ? 'Events' : plural(info.kind)}</h1>
          <p className="muted small">
            {info.resource}.{route.group || 'core'}/{route.version} {where}
          </p>
        </div>
        <div className="page-actions">
          <CreateButton info={info} />
        </div>
      </div>
      {problem && route.problem !== 'warning' && (
        <p className="problem-banner" data-testid="problem-filter">
          Showing only: <strong>{problem.label}</strong>{' '}
          <button type="button" className="small-button" onClick={() => navigate(routeToUrl({ ...route, problem: undefined }))}>
            Show all
          </button>
        </p>
      )}
      <ResourceTable
        spec={spec}
        what={`${info.resource} ${where}`}
        showNamespace={info.namespaced && !namespace}
        namespaces={namespaces}
        filter={filter}
        problem={problem ? route.problem : undefined}
        onProblemChange={(p) => navigate(routeToUrl({ ...route, problem: p, q: filter || undefined }))}
        linkFor={linkFor}
        emptyText={`No ${info.resource} ${where}.`}
        toolbar={
          <div className="filters">
            <div className="filter">
              <label htmlFor={filterId}>Filter</label>
              <input
                id={filterId}
                ref={filterRef}
                type="search"
                value={filter}
                placeholder="name, status, any column…  ( / )"
                onChange={(e) => setFilter(e.target.value)}
                data-testid="filter"
                autoComplete="off"
                spellCheck={false}
              />
            </div>
            <form
              className="filter"
              onSubmit={(e) => {
                e.preventDefault();
                navigate(routeToUrl({ ...route, l: labels.trim() || undefined, q: filter || undefined }));
              }}
            >
              <label htmlFor={labelsId}>Labels</label>
              <input
                id={labelsId}
                className="labels-input"
                value={labels}
                placeholder="app=web,tier!=db  (Enter)"
                onChange={(e) => setLabels(e.target.value)}
                data-testid="label-selector"
                autoComplete="off"
                spellCheck={false}
                title="A label selector, applied by the server"
              />
            </form>
          </div>
        }
      />
    </div>
  );
}

/** Deployment → Deployments, Ingress → Ingresses, NetworkPolicy → NetworkPolicies. */
export function plural(kind: string): string {
  if (/(s|x|z|ch|sh)$/.test(kind)) return kind + 'es';
  if (/[^aeiou]y$/.test(kind)) return kind.slice(0, -1) + 'ies';
  return kind + 's';
}
