import { useEffect, useMemo, useState } from 'react';
import { relativeToBase } from '../api/base';
import { authGate } from '../api/auth';
import { ApiError, clusterUrl, getJson } from '../api/client';
import { prefetchDiscovery } from '../api/discovery';
import { parseRoute, routeToUrl } from '../api/routes';
import type { AppConfig, UserInfo } from '../api/types';
import { AuthRefused, OidcSignIn, ProxyUnidentified } from './AuthPages';
import { ErrorBox } from './common';
import { AppContext } from './context';
import { navigateTo, useFocusHeadingOnNavigation, useLocation } from './router';
import { Shell } from './Shell';

type Boot =
  | { phase: 'loading' }
  | { phase: 'failed'; error: ApiError }
  | { phase: 'ready'; config: AppConfig; user: UserInfo | null; meError: ApiError | null };

/**
 * `/config` and `/me` together, and the addressed cluster's discovery beside them: the first data
 * is then two round trips away (these, then the list) instead of five one after the other.
 */
async function boot(basePath: string): Promise<Boot> {
  const route = parseRoute(relativeToBase(window.location.pathname, basePath) ?? '', window.location.search);
  if ('cluster' in route) prefetchDiscovery(clusterUrl(basePath, route.cluster, ''));
  const me = getJson<UserInfo>(basePath + 'me').then(
    (user) => ({ user, meError: null }),
    (error: unknown) => {
      if (error instanceof ApiError) return { user: null, meError: error };
      throw error;
    },
  );
  // Whatever happens to /config, /me's answer is awaited or ignored, never left unhandled.
  me.catch(() => undefined);
  const config = await getJson<AppConfig>(basePath + 'config');
  return { phase: 'ready', config, ...(await me) };
}

export function App({ basePath }: { basePath: string }) {
  const [state, setState] = useState<Boot>({ phase: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const location = useLocation();
  useFocusHeadingOnNavigation();

  useEffect(() => {
    let live = true;
    boot(basePath).then(
      (s) => live && setState(s),
      (error) => live && setState({ phase: 'failed', error: error instanceof ApiError ? error : new ApiError(0, basePath + 'config', undefined, String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [basePath, attempt]);

  const relative = relativeToBase(location.pathname, basePath) ?? '';
  const route = useMemo(() => parseRoute(relative, location.search), [relative, location.search]);

  // '' → the first usable cluster's pods.
  const first = state.phase === 'ready' ? (state.config.clusters.find((c) => !c.error) ?? state.config.clusters[0]) : undefined;
  const firstCluster = first?.name;
  // The kubeconfig context's namespace (`/config` gives it as `meta_data.namespace` to a signed-in
  // user) is the initial choice; without one, all namespaces.
  const firstNamespace = first?.meta_data?.namespace || undefined;
  useEffect(() => {
    if (route.page === 'home' && firstCluster) {
      navigateTo(basePath + routeToUrl({ page: 'list', cluster: firstCluster, group: '', version: 'v1', resource: 'pods', ns: firstNamespace }), { replace: true });
    }
  }, [route.page, firstCluster, firstNamespace, basePath]);

  if (state.phase === 'loading') return <div className="boot" role="status">Loading Lamplight…</div>;
  if (state.phase === 'failed') {
    return (
      <main className="boot">
        <h1>Lamplight could not start</h1>
        <ErrorBox error={state.error} what="reading the server's configuration" />
        <button type="button" onClick={() => setAttempt((a) => a + 1)}>
          Try again
        </button>
      </main>
    );
  }

  const { config, user, meError } = state;
  const context = { basePath, config, user };
  const clusterForLogin = route.page !== 'home' && route.page !== 'notfound' ? route.cluster : firstCluster;

  const gate = authGate(config, user ? null : meError);
  if (gate.kind === 'oidc-sign-in') return <OidcSignIn basePath={basePath} cluster={clusterForLogin} />;
  if (gate.kind === 'proxy-unidentified') return <ProxyUnidentified error={meError!} loginUrl={gate.loginUrl} logoutUrl={gate.logoutUrl} />;
  if (gate.kind === 'refused') return <AuthRefused error={meError!} logoutUrl={gate.logoutUrl} />;
  // 'user', or 'anonymous' (mode none): the dashboard works; the user menu shows only with a user.

  return (
    <AppContext.Provider value={context}>
      <Shell route={route} />
    </AppContext.Provider>
  );
}
