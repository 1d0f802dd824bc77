import { describe, expect, it } from 'vitest';
import { accessModesText, ingressRoutes, metricRows, podsText, policyTypes, roleRefLink, ruleRows, selectorText, subjectRows, trafficRows } from '../src/api/platform';

describe('access control in words', () => {
  it('links a binding to its role: a ClusterRole anywhere, a Role in the binding namespace', () => {
    expect(roleRefLink({ roleRef: { kind: 'ClusterRole', name: 'edit' }, metadata: { namespace: 'team-a' } })).toEqual({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', name: 'edit' });
    expect(roleRefLink({ roleRef: { kind: 'Role', name: 'reader' }, metadata: { namespace: 'team-a' } })).toEqual({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', namespace: 'team-a', name: 'reader' });
    // A ClusterRoleBinding cannot grant a Role: nothing to link to.
    expect(roleRefLink({ roleRef: { kind: 'Role', name: 'reader' }, metadata: {} })).toBeNull();
  });

  it('links service-account subjects, defaulting their namespace to the binding', () => {
    const rows = subjectRows({
      metadata: { namespace: 'team-a' },
      subjects: [{ kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'builder' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }],
    });
    expect(rows[0]).toEqual({ kind: 'Group', name: 'devs' });
    expect(rows[1].link).toEqual({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'team-a', name: 'builder' });
    expect(rows[2].namespace).toBe('tools');
  });

  it('reads rules with the core group named and wildcards flagged', () => {
    const rows = ruleRows([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['web-config'], verbs: ['get'] },
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['/healthz'], verbs: ['get'] },
    ]);
    expect(rows[0]).toEqual({ apiGroups: 'core', resources: 'configmaps', resourceNames: 'web-config', verbs: 'get', wildcard: false });
    expect(rows[1].wildcard).toBe(true);
    expect(rows[2]).toMatchObject({ apiGroups: '(URLs)', resources: '/healthz' });
  });
});

describe('networking in words', () => {
  it('lists every host and path of an ingress with its service and TLS secret', () => {
    const routes = ingressRoutes({
      metadata: { namespace: 'default' },
      spec: {
        tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
        rules: [
          { host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
          { http: { paths: [{ path: '/api', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } }] } },
        ],
        defaultBackend: { resource: { kind: 'StorageBucket', name: 'static' } },
      },
    });
    expect(routes.map((r) => [r.host, r.path, r.backend, r.tlsSecret])).toEqual([
      ['web.example.com', '/', 'web:80', 'web-tls'],
      ['*', '/api', 'api:http', undefined],
      ['*', '/', 'StorageBucket/static', undefined],
    ]);
    expect(routes[0].service).toEqual({ group: '', version: 'v1', resource: 'services', namespace: 'default', name: 'web' });
    expect(routes[2].service).toBeUndefined();
  });

  it('says selectors, with the empty one selecting everything', () => {
    expect(selectorText({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'canary', operator: 'DoesNotExist' }] })).toBe('app=web, tier in (a,b), !canary');
    expect(selectorText({})).toBe('all');
    expect(selectorText(undefined, 'every pod')).toBe('every pod');
    expect(podsText({ matchLabels: { app: 'web' } }, 'every pod in team-a')).toBe('pods app=web');
    expect(podsText({}, 'every pod in team-a')).toBe('every pod in team-a');
  });

  it('says what a network policy lets through, and that an isolated direction without rules denies all', () => {
    expect(policyTypes({ policyTypes: ['Ingress'] })).toEqual(['Ingress']);
    expect(policyTypes({ egress: [] })).toEqual(['Ingress', 'Egress']);
    expect(policyTypes(undefined)).toEqual(['Ingress']);
    expect(trafficRows(undefined, 'from', 'team-a')).toEqual([]);
    expect(
      trafficRows(
        [
          { from: [{ podSelector: { matchLabels: { app: 'lb' } } }, { namespaceSelector: { matchLabels: { team: 'ops' } }, podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 8080 }, { port: 9000, endPort: 9100, protocol: 'UDP' }] },
          { from: [{ namespaceSelector: {} }] },
          {},
        ],
        'from',
        'default',
      ),
    ).toEqual([
      { peers: 'pods app=lb in default; all pods in namespaces team=ops; 10.0.0.0/8 except 10.1.0.0/16', ports: '8080/TCP, 9000-9100/UDP' },
      { peers: 'all pods in every namespace', ports: 'any port' },
      { peers: 'any peer', ports: 'any port' },
    ]);
  });
});

describe('storage and autoscaling in words', () => {
  it('names access modes with their short forms', () => {
    expect(accessModesText(['ReadWriteOnce', 'ReadWriteOncePod'])).toBe('ReadWriteOnce (RWO), ReadWriteOncePod (RWOP)');
    expect(accessModesText(undefined)).toBe('');
  });

  it('shows an autoscaler metric current against target, unknown before a measurement', () => {
    const spec = { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }, { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } }, { type: 'External' }] };
    expect(metricRows(spec, undefined)).toEqual([
      { name: 'cpu', current: 'unknown', target: '70%' },
      { name: 'memory', current: 'unknown', target: '500Mi' },
    ]);
    const status = { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 23 } } }, { type: 'Resource', resource: { name: 'memory', current: { averageValue: '210Mi' } } }] };
    expect(metricRows(spec, status).map((m) => m.current)).toEqual(['23%', '210Mi']);
  });
});
