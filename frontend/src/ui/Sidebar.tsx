import { curatedFor, customResourcesFor, type ResourceInfo } from '../api/discovery';
import { defaultNamespace } from '../api/namespaces';
import { rulesAllow, useRules } from '../api/permissions';
import { routeToUrl, type Route } from '../api/routes';
import { useCluster } from './cluster';
import { Link } from './router';

type ClusterRoute = Extract<Route, { cluster: string }>;

function isCurrent(route: ClusterRoute, info: ResourceInfo): boolean {
  return (route.page === 'list' || route.page === 'detail') && route.group === info.group && route.resource === info.resource;
}

export function Sidebar({ route, unavailable }: { route: ClusterRoute; unavailable?: boolean }) {
  const { cluster, discovery, discoveryError, ns } = useCluster();
  const listUrl = (info: ResourceInfo) => routeToUrl({ page: 'list', cluster, group: info.group, version: info.version, resource: info.resource, ns });
  // Kinds the user may not list are left out (a SelfSubjectRulesReview of the picked namespace,
  // `default` for all namespaces; everything shows until it answers or when it cannot say).
  const rules = useRules(discovery ? defaultNamespace(ns) : null);
  const listable = (info: ResourceInfo) => rulesAllow(rules, 'list', info.group, info.resource);
  const curated = curatedFor(discovery)
    .map((s) => ({ ...s, items: s.items.filter((item) => listable(item.info)) }))
    .filter((s) => s.items.length > 0);
  const custom = customResourcesFor(discovery).filter(listable);
  return (
    <nav className="sidebar" aria-label="Resources" data-testid="sidebar">
      {!discovery && (
        <p className="muted small pad">
          {unavailable ? 'This cluster is not available.' : discoveryError ? 'Could not read the cluster’s resources; retrying…' : 'Reading the cluster’s resources…'}
        </p>
      )}
      {discovery && (
        <ul className="nav-top">
          <li>
            <Link to={routeToUrl({ page: 'cluster', cluster, ns })} aria-current={route.page === 'cluster' ? 'page' : undefined} data-testid="nav-overview">
              Overview
            </Link>
          </li>
        </ul>
      )}
      {curated.map((section) => (
        <div className="nav-section" key={section.section}>
          <h2 className="nav-title">{section.section}</h2>
          <ul>
            {section.items.map(({ label, info }) => (
              <li key={info.resource}>
                <Link to={listUrl(info)} aria-current={isCurrent(route, info) ? 'page' : undefined} data-testid={`nav-${info.resource}`}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      ))}
      {custom.length > 0 && (
        <div className="nav-section" data-testid="nav-custom">
          <h2 className="nav-title">Custom resources</h2>
          <ul>
            {custom.map((info) => (
              <li key={`${info.group}/${info.resource}`}>
                <Link to={listUrl(info)} title={`${info.kind} (${info.group}/${info.version})`} aria-current={isCurrent(route, info) ? 'page' : undefined} data-testid={`nav-custom-${info.resource}.${info.group}`}>
                  {info.kind}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
      {discovery && (
        <div className="nav-section">
          <h2 className="nav-title">
            <Link to={routeToUrl({ page: 'cluster', cluster, ns })} aria-current={route.page === 'cluster' ? 'page' : undefined}>
              API resources
            </Link>
          </h2>
          {discovery.groups.map((group) => {
            const open = (route.page === 'list' || route.page === 'detail') && route.group === group.name;
            return (
              <details key={group.name} open={open} className="nav-group" data-testid={`group-${group.label}`}>
                <summary>
                  {group.label}
                  <span className="count">{group.error ? '!' : group.resources.length}</span>
                </summary>
                {group.error && <p className="error-text small pad">{group.error}</p>}
                <ul>
                  {group.resources.filter(listable).map((info) => (
                    <li key={info.resource}>
                      <Link to={listUrl(info)} title={`${info.kind} (${group.name ? group.name + '/' : ''}${info.version})`} aria-current={isCurrent(route, info) ? 'page' : undefined}>
                        {info.resource}
                      </Link>
                    </li>
                  ))}
                </ul>
              </details>
            );
          })}
        </div>
      )}
    </nav>
  );
}
