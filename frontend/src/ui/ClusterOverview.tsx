import { routeToUrl } from '../api/routes';
import { useCluster } from './cluster';
import { Spinner } from './common';
import { useTitle } from './hooks';
import { Link } from './router';

/** Every resource the cluster serves, grouped like `kubectl api-resources`. */
export function ClusterOverview() {
  const { cluster, info, discovery, ns } = useCluster();
  useTitle('API resources', cluster);
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{cluster}</h1>
          <p className="muted small">
            {info?.server && <>API server {info.server}</>}
            {info?.meta_data?.source && <> · from {info.meta_data.source}</>}
          </p>
        </div>
      </div>
      {!discovery ? (
        <Spinner label="Reading API discovery…" />
      ) : (
        <table className="grid" data-testid="api-resources">
          <caption className="sr-only">API resources of {cluster}</caption>
          <thead>
            <tr>
              <th scope="col">Resource</th>
              <th scope="col">Short names</th>
              <th scope="col">API version</th>
              <th scope="col">Namespaced</th>
              <th scope="col">Kind</th>
            </tr>
          </thead>
          {discovery.groups.map((group) => (
            <tbody key={group.name}>
              <tr className="group-row">
                <th scope="rowgroup" colSpan={5}>
                  {group.label}
                  {group.error && <span className="error-text"> — discovery failed: {group.error}</span>}
                </th>
              </tr>
              {group.resources.map((r) => (
                <tr key={r.resource}>
                  <td>
                    <Link to={routeToUrl({ page: 'list', cluster, group: r.group, version: r.version, resource: r.resource, ns })}>{r.resource}</Link>
                  </td>
                  <td>{r.shortNames.join(',')}</td>
                  <td>{r.group ? `${r.group}/${r.version}` : r.version}</td>
                  <td>{r.namespaced ? 'true' : 'false'}</td>
                  <td>{r.kind}</td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      )}
    </div>
  );
}
