import { describe, expect, it } from 'vitest';
import { apiPath, parseRoute, routeToUrl, type Route } from '../src/api/routes';

describe('routes', () => {
  const cases: [string, Route][] = [
    ['', { page: 'home' }],
    ['c/demo', { page: 'cluster', cluster: 'demo' }],
    ['c/demo/core/v1/pods', { page: 'list', cluster: 'demo', group: '', version: 'v1', resource: 'pods' }],
    [
      'c/demo/core/v1/pods?ns=default&q=web',
      { page: 'list', cluster: 'demo', group: '', version: 'v1', resource: 'pods', ns: 'default', q: 'web' },
    ],
    [
      'c/demo/core/v1/pods?ns=team-a&l=app%3Dweb%2Ctier%21%3Ddb',
      { page: 'list', cluster: 'demo', group: '', version: 'v1', resource: 'pods', ns: 'team-a', l: 'app=web,tier!=db' },
    ],
    [
      'c/demo/apps/v1/deployments/default/web',
      { page: 'detail', cluster: 'demo', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'web' },
    ],
    ['c/demo/core/v1/nodes/node-1', { page: 'detail', cluster: 'demo', group: '', version: 'v1', resource: 'nodes', name: 'node-1' }],
    [
      'c/my%20cluster/example.com/v1alpha1/widgets?ns=team-a',
      { page: 'list', cluster: 'my cluster', group: 'example.com', version: 'v1alpha1', resource: 'widgets', ns: 'team-a' },
    ],
  ];

  it.each(cases)('parses %s', (url, route) => {
    const [path, search] = url.split('?');
    expect(parseRoute(path, search ? `?${search}` : '')).toEqual(route);
  });

  it.each(cases)('writes %s', (url, route) => {
    expect(routeToUrl(route)).toBe(url);
  });

  it('round-trips names that need escaping', () => {
    const route: Route = { page: 'detail', cluster: 'a/b', group: '', version: 'v1', resource: 'configmaps', namespace: 'ns', name: 'x?y#z' };
    const url = routeToUrl(route);
    expect(url).toBe('c/a%2Fb/core/v1/configmaps/ns/x%3Fy%23z');
    expect(parseRoute(url)).toEqual(route);
  });

  it('rejects paths that are not the app', () => {
    expect(parseRoute('x/demo').page).toBe('notfound');
    expect(parseRoute('c/demo/core').page).toBe('notfound');
    expect(parseRoute('c/demo/core/v1/pods/a/b/c').page).toBe('notfound');
    expect(parseRoute('c/%E0%A4%A').page).toBe('notfound');
  });

  it('tolerates a trailing slash', () => {
    expect(parseRoute('c/demo/core/v1/pods/')).toEqual({ page: 'list', cluster: 'demo', group: '', version: 'v1', resource: 'pods' });
  });

  it('maps to Kubernetes API paths', () => {
    expect(apiPath({ group: '', version: 'v1', resource: 'pods' })).toBe('/api/v1/pods');
    expect(apiPath({ group: '', version: 'v1', resource: 'pods' }, 'default')).toBe('/api/v1/namespaces/default/pods');
    expect(apiPath({ group: 'apps', version: 'v1', resource: 'deployments' }, 'default', 'web')).toBe('/apis/apps/v1/namespaces/default/deployments/web');
    expect(apiPath({ group: '', version: 'v1', resource: 'nodes' }, undefined, 'n1')).toBe('/api/v1/nodes/n1');
  });
});
