import type { APIGroupList, APIResource, APIResourceList, APIVersions } from './types';
import { getJson, type FetchLike } from './client';
import type { ResourceRef } from './routes';

/** A resource the UI can list: one entry of `kubectl api-resources`. */
export interface ResourceInfo extends ResourceRef {
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
}

export interface GroupInfo {
  /** '' for core. */
  name: string;
  /** 'core' for the legacy group, else the group's name. */
  label: string;
  /** The version listed (the group's preferred one). */
  version: string;
  resources: ResourceInfo[];
  /** Discovery of this group failed (e.g. an aggregated API that is down). */
  error?: string;
}

export interface Discovery {
  groups: GroupInfo[];
}

/** Subresources (`pods/log`) and resources without `list` are not browsable. */
export function isBrowsable(resource: APIResource): boolean {
  return !resource.name.includes('/') && Array.isArray(resource.verbs) && resource.verbs.includes('list');
}

/** Built-in groups: no dot (apps, batch, policy, ...) or under k8s.io. Custom (CRD) groups come after. */
export function isBuiltInGroup(name: string): boolean {
  return name === '' || !name.includes('.') || name === 'k8s.io' || name.endsWith('.k8s.io');
}

export function toResources(list: APIResourceList | undefined, group: string, version: string): ResourceInfo[] {
  if (!list || !Array.isArray(list.resources)) return [];
  return list.resources
    .filter(isBrowsable)
    .map((r) => ({
      group,
      version,
      resource: r.name,
      kind: r.kind,
      namespaced: !!r.namespaced,
      verbs: r.verbs,
      shortNames: r.shortNames ?? [],
    }))
    .sort((a, b) => a.resource.localeCompare(b.resource));
}

export interface GroupDiscovery {
  name: string;
  version: string;
  list?: APIResourceList;
  error?: string;
}

/**
 * Groups as kubectl shows them: core first, then the built-in groups in the server's order, then
 * custom groups alphabetically. Groups left with no browsable resource are dropped unless discovery failed.
 */
export function buildDiscovery(core: APIResourceList | undefined, groups: GroupDiscovery[], coreVersion = 'v1'): Discovery {
  const out: GroupInfo[] = [];
  if (core) out.push({ name: '', label: 'core', version: coreVersion, resources: toResources(core, '', coreVersion) });
  const builtIn: GroupInfo[] = [];
  const custom: GroupInfo[] = [];
  for (const g of groups) {
    const info: GroupInfo = {
      name: g.name,
      label: g.name,
      version: g.version,
      resources: toResources(g.list, g.name, g.version),
    };
    if (g.error) info.error = g.error;
    if (info.resources.length === 0 && !info.error) continue;
    (isBuiltInGroup(g.name) ? builtIn : custom).push(info);
  }
  custom.sort((a, b) => a.name.localeCompare(b.name));
  return { groups: [...out, ...builtIn, ...custom] };
}

/** Reads a cluster's discovery: /api, /api/v1, /apis and each group's preferred version. */
export async function fetchDiscovery(clusterPrefix: string, options: { fetch?: FetchLike; signal?: AbortSignal } = {}): Promise<Discovery> {
  const get = <T,>(path: string) => getJson<T>(clusterPrefix + path, options);
  const [apiVersions, apis] = await Promise.all([get<APIVersions>('/api'), get<APIGroupList>('/apis')]);
  const coreVersion = apiVersions.versions?.includes('v1') ? 'v1' : apiVersions.versions?.[0] ?? 'v1';
  const corePromise = get<APIResourceList>(`/api/${coreVersion}`);
  const groupPromises = (apis.groups ?? []).map(async (group): Promise<GroupDiscovery> => {
    const version = group.preferredVersion?.version ?? group.versions?.[0]?.version ?? 'v1';
    try {
      const list = await get<APIResourceList>(`/apis/${group.name}/${version}`);
      return { name: group.name, version, list };
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw error;
      return { name: group.name, version, error: (error as Error).message };
    }
  });
  const [core, groups] = await Promise.all([corePromise, Promise.all(groupPromises)]);
  return buildDiscovery(core, groups, coreVersion);
}

/**
 * The everyday kinds as every conformant cluster serves them, so a list can start before discovery
 * answers (discovery takes two round trips; the list would otherwise wait for both). Only a route
 * naming the same version is answered; discovery replaces this as soon as it arrives, and a kind
 * the cluster turns out not to serve is then reported as such.
 */
const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const WELL_KNOWN: [group: string, version: string, resource: string, kind: string, namespaced: boolean][] = [
  ['', 'v1', 'pods', 'Pod', true],
  ['', 'v1', 'services', 'Service', true],
  ['', 'v1', 'configmaps', 'ConfigMap', true],
  ['', 'v1', 'secrets', 'Secret', true],
  ['', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true],
  ['', 'v1', 'events', 'Event', true],
  ['', 'v1', 'nodes', 'Node', false],
  ['', 'v1', 'namespaces', 'Namespace', false],
  ['', 'v1', 'persistentvolumes', 'PersistentVolume', false],
  ['apps', 'v1', 'deployments', 'Deployment', true],
  ['apps', 'v1', 'statefulsets', 'StatefulSet', true],
  ['apps', 'v1', 'daemonsets', 'DaemonSet', true],
  ['apps', 'v1', 'replicasets', 'ReplicaSet', true],
  ['batch', 'v1', 'jobs', 'Job', true],
  ['batch', 'v1', 'cronjobs', 'CronJob', true],
];

export function wellKnownResource(ref: ResourceRef): ResourceInfo | undefined {
  const found = WELL_KNOWN.find(([group, version, resource]) => group === ref.group && version === ref.version && resource === ref.resource);
  if (!found) return undefined;
  const [group, version, resource, kind, namespaced] = found;
  return { group, version, resource, kind, namespaced, verbs: STANDARD_VERBS, shortNames: [] };
}

/**
 * Discovery started at boot, beside `/config` and `/me`, for the cluster the address names: by the
 * time the cluster's page mounts it has been running for a round trip or two. Taken once.
 */
const prefetched = new Map<string, Promise<Discovery>>();

export function prefetchDiscovery(clusterPrefix: string, options: { fetch?: FetchLike } = {}): void {
  if (prefetched.has(clusterPrefix)) return;
  const pending = fetchDiscovery(clusterPrefix, options);
  // Unhandled until taken; a failure is the taker's to report (it fetches again).
  pending.catch(() => undefined);
  prefetched.set(clusterPrefix, pending);
}

export function takePrefetchedDiscovery(clusterPrefix: string): Promise<Discovery> | undefined {
  const pending = prefetched.get(clusterPrefix);
  prefetched.delete(clusterPrefix);
  return pending;
}

/** Finds a resource by group and plural name; a version other than the preferred one keeps the rest. */
export function findResource(discovery: Discovery | null, ref: ResourceRef): ResourceInfo | undefined {
  const group = discovery?.groups.find((g) => g.name === ref.group);
  const found = group?.resources.find((r) => r.resource === ref.resource);
  if (!found) return undefined;
  return found.version === ref.version ? found : { ...found, version: ref.version };
}

/** Finds the resource of an apiVersion + kind (for owner references). */
export function findByKind(discovery: Discovery | null, apiVersion: string, kind: string): ResourceInfo | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const g = discovery?.groups.find((x) => x.name === group);
  const found = g?.resources.find((r) => r.kind === kind);
  if (!found) return undefined;
  return { ...found, version };
}

/** The curated sidebar: the everyday kinds, shown only when the cluster serves them. */
export const CURATED: { section: string; items: { label: string; group: string; resource: string }[] }[] = [
  {
    section: 'Workloads',
    items: [
      { label: 'Pods', group: '', resource: 'pods' },
      { label: 'Deployments', group: 'apps', resource: 'deployments' },
      { label: 'StatefulSets', group: 'apps', resource: 'statefulsets' },
      { label: 'DaemonSets', group: 'apps', resource: 'daemonsets' },
      { label: 'Jobs', group: 'batch', resource: 'jobs' },
      { label: 'CronJobs', group: 'batch', resource: 'cronjobs' },
    ],
  },
  {
    section: 'Network',
    items: [
      { label: 'Services', group: '', resource: 'services' },
      { label: 'Ingresses', group: 'networking.k8s.io', resource: 'ingresses' },
    ],
  },
  {
    section: 'Config',
    items: [
      { label: 'ConfigMaps', group: '', resource: 'configmaps' },
      { label: 'Secrets', group: '', resource: 'secrets' },
    ],
  },
  {
    section: 'Storage',
    items: [
      { label: 'PersistentVolumeClaims', group: '', resource: 'persistentvolumeclaims' },
      { label: 'PersistentVolumes', group: '', resource: 'persistentvolumes' },
      { label: 'StorageClasses', group: 'storage.k8s.io', resource: 'storageclasses' },
    ],
  },
  {
    section: 'Security',
    items: [
      { label: 'ServiceAccounts', group: '', resource: 'serviceaccounts' },
      { label: 'Roles', group: 'rbac.authorization.k8s.io', resource: 'roles' },
      { label: 'RoleBindings', group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
      { label: 'ClusterRoles', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      { label: 'ClusterRoleBindings', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
      { label: 'NetworkPolicies', group: 'networking.k8s.io', resource: 'networkpolicies' },
    ],
  },
  {
    section: 'Cluster',
    items: [
      { label: 'Nodes', group: '', resource: 'nodes' },
      { label: 'Namespaces', group: '', resource: 'namespaces' },
      { label: 'Events', group: '', resource: 'events' },
      { label: 'CustomResourceDefinitions', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    ],
  },
];

/** The curated sections, with only the resources this cluster has. */
export function curatedFor(discovery: Discovery | null): { section: string; items: { label: string; info: ResourceInfo }[] }[] {
  return CURATED.map((s) => ({
    section: s.section,
    items: s.items.flatMap((item) => {
      const group = discovery?.groups.find((g) => g.name === item.group);
      const info = group?.resources.find((r) => r.resource === item.resource);
      return info ? [{ label: item.label, info }] : [];
    }),
  })).filter((s) => s.items.length > 0);
}

/** The resources of custom (CRD) groups, for the sidebar's "Custom resources" heading, by kind. */
export function customResourcesFor(discovery: Discovery | null): ResourceInfo[] {
  return (discovery?.groups ?? [])
    .filter((g) => !isBuiltInGroup(g.name))
    .flatMap((g) => g.resources)
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.group.localeCompare(b.group));
}
