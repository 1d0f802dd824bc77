import { describe, expect, it } from 'vitest';
import { buildDiscovery, curatedFor, customResourcesFor, fetchDiscovery, findByKind, findResource, isBrowsable, wellKnownResource } from '../src/api/discovery';
import type { APIResourceList } from '../src/api/types';

const core: APIResourceList = {
  groupVersion: 'v1',
  resources: [
    { name: 'pods', namespaced: true, kind: 'Pod', verbs: ['get', 'list', 'watch', 'create'], shortNames: ['po'] },
    { name: 'pods/log', namespaced: true, kind: 'Pod', verbs: ['get'] },
    { name: 'pods/status', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
    { name: 'bindings', namespaced: true, kind: 'Binding', verbs: ['create'] },
    { name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['get', 'list', 'watch'], shortNames: ['cm'] },
    { name: 'nodes', namespaced: false, kind: 'Node', verbs: ['get', 'list', 'watch'] },
    { name: 'namespaces', namespaced: false, kind: 'Namespace', verbs: ['get', 'list', 'watch'] },
  ],
};

const apps: APIResourceList = {
  groupVersion: 'apps/v1',
  resources: [
    { name: 'deployments', namespaced: true, kind: 'Deployment', verbs: ['get', 'list', 'watch'] },
    { name: 'deployments/scale', namespaced: true, kind: 'Scale', verbs: ['get', 'update'] },
  ],
};

const widgets: APIResourceList = {
  groupVersion: 'example.com/v1',
  resources: [{ name: 'widgets', namespaced: true, kind: 'Widget', verbs: ['get', 'list', 'watch'] }],
};

const review: APIResourceList = {
  groupVersion: 'authorization.k8s.io/v1',
  resources: [{ name: 'selfsubjectaccessreviews', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] }],
};

describe('discovery', () => {
  it('skips subresources and resources without list', () => {
    expect(isBrowsable(core.resources[0])).toBe(true);
    expect(isBrowsable(core.resources[1])).toBe(false);
    expect(isBrowsable(core.resources[2])).toBe(false);
    expect(isBrowsable(core.resources[3])).toBe(false);
  });

  it('groups like kubectl: core, built-in groups in server order, then custom groups', () => {
    const d = buildDiscovery(core, [
      { name: 'zeta.io', version: 'v1', list: { groupVersion: 'zeta.io/v1', resources: [{ name: 'zs', namespaced: true, kind: 'Z', verbs: ['list'] }] } },
      { name: 'example.com', version: 'v1', list: widgets },
      { name: 'apps', version: 'v1', list: apps },
      { name: 'authorization.k8s.io', version: 'v1', list: review },
      { name: 'networking.k8s.io', version: 'v1', list: { groupVersion: 'networking.k8s.io/v1', resources: [{ name: 'ingresses', namespaced: true, kind: 'Ingress', verbs: ['list'] }] } },
      { name: 'metrics.k8s.io', version: 'v1beta1', error: '503 Service Unavailable' },
    ]);
    expect(d.groups.map((g) => g.label)).toEqual(['core', 'apps', 'networking.k8s.io', 'metrics.k8s.io', 'example.com', 'zeta.io']);
    expect(d.groups[0].resources.map((r) => r.resource)).toEqual(['configmaps', 'namespaces', 'nodes', 'pods']);
    expect(d.groups[1].resources.map((r) => r.resource)).toEqual(['deployments']);
    expect(d.groups.find((g) => g.name === 'metrics.k8s.io')?.error).toMatch(/503/);
    const pods = d.groups[0].resources.find((r) => r.resource === 'pods')!;
    expect(pods).toMatchObject({ group: '', version: 'v1', kind: 'Pod', namespaced: true, shortNames: ['po'] });
  });

  it('finds resources by name and by kind', () => {
    const d = buildDiscovery(core, [{ name: 'apps', version: 'v1', list: apps }]);
    expect(findResource(d, { group: 'apps', version: 'v1', resource: 'deployments' })?.kind).toBe('Deployment');
    expect(findResource(d, { group: 'apps', version: 'v1beta2', resource: 'deployments' })?.version).toBe('v1beta2');
    expect(findResource(d, { group: 'apps', version: 'v1', resource: 'nope' })).toBeUndefined();
    expect(findByKind(d, 'apps/v1', 'Deployment')?.resource).toBe('deployments');
    expect(findByKind(d, 'v1', 'Node')?.namespaced).toBe(false);
    expect(findByKind(d, 'batch/v1', 'Job')).toBeUndefined();
  });

  it('curates only what the cluster has', () => {
    const d = buildDiscovery(core, [{ name: 'apps', version: 'v1', list: apps }]);
    const curated = curatedFor(d);
    const labels = curated.flatMap((s) => s.items.map((i) => i.label));
    expect(labels).toEqual(['Pods', 'Deployments', 'ConfigMaps', 'Nodes', 'Namespaces']);
  });

  it('has Storage and Security sections when the cluster serves their kinds', () => {
    const withMore: APIResourceList = {
      ...core,
      resources: [
        ...core.resources,
        { name: 'persistentvolumes', namespaced: false, kind: 'PersistentVolume', verbs: ['get', 'list'] },
        { name: 'persistentvolumeclaims', namespaced: true, kind: 'PersistentVolumeClaim', verbs: ['get', 'list'] },
        { name: 'serviceaccounts', namespaced: true, kind: 'ServiceAccount', verbs: ['get', 'list'] },
      ],
    };
    const rbac: APIResourceList = {
      groupVersion: 'rbac.authorization.k8s.io/v1',
      resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'].map((name) => ({ name, namespaced: !name.startsWith('cluster'), kind: name, verbs: ['get', 'list'] })),
    };
    const storage: APIResourceList = { groupVersion: 'storage.k8s.io/v1', resources: [{ name: 'storageclasses', namespaced: false, kind: 'StorageClass', verbs: ['get', 'list'] }] };
    const networking: APIResourceList = { groupVersion: 'networking.k8s.io/v1', resources: [{ name: 'networkpolicies', namespaced: true, kind: 'NetworkPolicy', verbs: ['get', 'list'] }] };
    const d = buildDiscovery(withMore, [
      { name: 'rbac.authorization.k8s.io', version: 'v1', list: rbac },
      { name: 'storage.k8s.io', version: 'v1', list: storage },
      { name: 'networking.k8s.io', version: 'v1', list: networking },
    ]);
    const sections = Object.fromEntries(curatedFor(d).map((s) => [s.section, s.items.map((i) => i.label)]));
    expect(sections.Storage).toEqual(['PersistentVolumeClaims', 'PersistentVolumes', 'StorageClasses']);
    expect(sections.Security).toEqual(['ServiceAccounts', 'Roles', 'RoleBindings', 'ClusterRoles', 'ClusterRoleBindings', 'NetworkPolicies']);
    expect(customResourcesFor(d)).toEqual([]);
  });

  it('lists custom resources apart, by kind', () => {
    const d = buildDiscovery(core, [
      { name: 'apps', version: 'v1', list: apps },
      { name: 'example.com', version: 'v1', list: widgets },
    ]);
    expect(customResourcesFor(d).map((r) => `${r.kind} ${r.group}/${r.version}`)).toEqual(['Widget example.com/v1']);
    expect(customResourcesFor(null)).toEqual([]);
    expect(curatedFor(d).map((s) => s.section)).not.toContain('Custom resources');
  });

  it('fetches every group and keeps going when one fails', async () => {
    const answers: Record<string, unknown> = {
      '/c/api': { versions: ['v1'] },
      '/c/api/v1': core,
      '/c/apis': {
        groups: [
          { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } },
          { name: 'metrics.k8s.io', versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }] },
          { name: 'example.com', versions: [{ groupVersion: 'example.com/v1', version: 'v1' }], preferredVersion: { groupVersion: 'example.com/v1', version: 'v1' } },
        ],
      },
      '/c/apis/apps/v1': apps,
      '/c/apis/example.com/v1': widgets,
    };
    const fetch = async (url: string) =>
      url in answers
        ? new Response(JSON.stringify(answers[url]), { status: 200 })
        : new Response(JSON.stringify({ kind: 'Status', code: 503, message: 'service unavailable' }), { status: 503 });
    const d = await fetchDiscovery('/c', { fetch });
    expect(d.groups.map((g) => g.label)).toEqual(['core', 'apps', 'metrics.k8s.io', 'example.com']);
    expect(d.groups[2].error).toBe('service unavailable');
    expect(d.groups[3].resources[0]).toMatchObject({ group: 'example.com', version: 'v1', resource: 'widgets', kind: 'Widget' });
  });
});

describe('well-known kinds before discovery', () => {
  it('answers the everyday kinds at their stable version only', () => {
    expect(wellKnownResource({ group: '', version: 'v1', resource: 'pods' })).toMatchObject({ kind: 'Pod', namespaced: true });
    expect(wellKnownResource({ group: '', version: 'v1', resource: 'nodes' })).toMatchObject({ kind: 'Node', namespaced: false });
    expect(wellKnownResource({ group: 'apps', version: 'v1', resource: 'deployments' })?.verbs).toContain('list');
    expect(wellKnownResource({ group: 'apps', version: 'v1beta1', resource: 'deployments' })).toBeUndefined();
    expect(wellKnownResource({ group: 'example.com', version: 'v1', resource: 'widgets' })).toBeUndefined();
  });
});
