import { useCallback, useEffect, useState, type ReactElement } from 'react';
import { ApiError, clusterUrl, isAbort } from '../api/client';
import { fetchDiscovery, takePrefetchedDiscovery, type Discovery } from '../api/discovery';
import type { Route } from '../api/routes';
import { ClusterOverview } from './ClusterOverview';
import { ClusterContext, type ClusterContextValue } from './cluster';
import { ErrorBox } from './common';
import { useApp } from './context';
import { Header } from './Header';
import { useJson } from './hooks';
import { ResourceDetail } from './ResourceDetail';
import { ResourceList } from './ResourceList';
import { Link } from './router';
import { Sidebar } from './Sidebar';

/**
 * Maps every kind of route to its page. The switch is exhaustive: a route kind added to `Route`
 * without a case here fails to type-check (`never`); cluster routes go on to `Page`.
 */
export function Shell({ route }: { route: Route }): ReactElement {
  const { config } = useApp();
  switch (route.page) {
    case 'home':
      return (
        <div className="layout">
          <Header route={route} />
          <main className="content" id="content">
            {config.clusters.length === 0 ? (
              <div className="empty">
                <h1>No clusters</h1>
                <p>The server has no cluster configured: give it a kubeconfig (-kubeconfig) or run it in a cluster (-in-cluster).</p>
              </div>
            ) : (
              <p className="muted">Opening the first cluster…</p>
            )}
          </main>
        </div>
      );
    case 'notfound':
      return (
        <div className="layout">
          <Header route={route} />
          <main className="content" id="content">
            <h1>Page not found</h1>
            <p>
              Nothing lives at <code>{route.path}</code>. <Link to="">Go to the first cluster</Link>.
            </p>
          </main>
        </div>
      );
    case 'cluster':
    case 'list':
    case 'detail':
      return <ClusterShell route={route} key={route.cluster} />;
    default: {
      const unreachable: never = route;
      throw new Error(`No page for route ${JSON.stringify(unreachable)}`);
    }
  }
}

type ClusterRoute = Extract<Route, { cluster: string }>;

function ClusterShell({ route }: { route: ClusterRoute }) {
  const { basePath, config } = useApp();
  const cluster = route.cluster;
  const info = config.clusters.find((c) => c.name === cluster);
  const prefix = clusterUrl(basePath, cluster, '');
  const [discovery, setDiscovery] = useState<Discovery | null>(null);
  const [discoveryError, setDiscoveryError] = useState<ApiError | null>(null);
  const [discoveryAttempt, setDiscoveryAttempt] = useState(0);

  const usable = !!info && !info.error;
  useEffect(() => {
    if (!usable) return;
    const controller = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const pending = (discoveryAttempt === 0 && takePrefetchedDiscovery(prefix)) || fetchDiscovery(prefix, { signal: controller.signal });
    pending.then(
      (d) => {
        // The prefetched request cannot be aborted: an unmounted page ignores its answer.
        if (controller.signal.aborted) return;
        setDiscovery(d);
        setDiscoveryError(null);
      },
      (error) => {
        if (isAbort(error) || controller.signal.aborted) return;
        setDiscoveryError(error instanceof ApiError ? error : new ApiError(0, prefix, undefined, String(error)));
        // Try again later: the cluster may come back.
        retry = setTimeout(() => setDiscoveryAttempt((a) => a + 1), Math.min(30_000, 2000 * 2 ** Math.min(discoveryAttempt, 4)));
      },
    );
    return () => {
      controller.abort();
      clearTimeout(retry);
    };
  }, [prefix, discoveryAttempt, usable]);

  // Namespaces: listed once and again when the picker is opened (a watch would hold one of the
  // browser's few connections per host for little).
  const [nsTick, setNsTick] = useState(0);
  const nsList = useJson<{ items?: { metadata: { name: string } }[] }>(discovery ? prefix + '/api/v1/namespaces' : null, nsTick);
  const namespaces = nsList.data?.items ? nsList.data.items.map((n) => n.metadata.name).sort() : null;
  const refreshNamespaces = useCallback(() => setNsTick((t) => t + 1), []);

  const value: ClusterContextValue = {
    cluster,
    info,
    prefix,
    discovery,
    discoveryError,
    namespaces,
    namespacesError: nsList.error,
    refreshNamespaces,
    ns: route.ns,
  };

  return (
    <ClusterContext.Provider value={value}>
      <div className="layout">
        <Header route={route} />
        <div className="body">
          <Sidebar route={route} unavailable={!usable} />
          <main className="content" id="content">
            {info?.error && (
              <div className="error-box" role="alert" data-testid="cluster-error">
                <strong className="error-title">Cluster {cluster} is not usable</strong>
                <div className="error-message">{info.error}</div>
              </div>
            )}
            {!info && <ErrorBox error={new ApiError(404, '', { message: `The server has no cluster named "${cluster}".` })} />}
            {discoveryError && !discovery && <ErrorBox error={discoveryError} what="reading the cluster's API discovery" />}
            <Page route={route} />
          </main>
        </div>
      </div>
    </ClusterContext.Provider>
  );
}

/** The page of a cluster route, exhaustive like `Shell`: a new cluster route kind needs a case here. */
function Page({ route }: { route: ClusterRoute }): ReactElement {
  switch (route.page) {
    case 'cluster':
      return <ClusterOverview />;
    case 'list':
      return <ResourceList key={`${route.group}/${route.version}/${route.resource}`} route={route} />;
    case 'detail':
      return <ResourceDetail key={`${route.group}/${route.version}/${route.resource}/${route.namespace ?? ''}/${route.name}`} route={route} />;
    default: {
      const unreachable: never = route;
      throw new Error(`No page for route ${JSON.stringify(unreachable)}`);
    }
  }
}
