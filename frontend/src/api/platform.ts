/**
 * Storage, networking, access-control and policy objects in words and links: what their detail
 * pages show (`ui/PlatformDetails.tsx`). Pure functions of the object, so they are unit-tested.
 */
import type { ResourceRef } from './routes';

/** Where a link goes: a kind's list entry plus the object's namespace and name. */
export interface ObjectLink extends ResourceRef {
  namespace?: string;
  name: string;
}

const RBAC = 'rbac.authorization.k8s.io';

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface SubjectRow {
  kind: string;
  name: string;
  namespace?: string;
  /** Service accounts are objects of the cluster; users and groups are names the authenticator gives. */
  link?: ObjectLink;
}

/** A binding's subjects; a service account's namespace defaults to the binding's, as RBAC reads it. */
export function subjectRows(binding: { subjects?: Subject[]; metadata?: { namespace?: string } }): SubjectRow[] {
  return (binding.subjects ?? []).map((s) => {
    const kind = s.kind ?? '';
    const name = s.name ?? '';
    if (kind !== 'ServiceAccount') return { kind, name };
    const namespace = s.namespace ?? binding.metadata?.namespace;
    return { kind, name, namespace, link: { group: '', version: 'v1', resource: 'serviceaccounts', namespace, name } };
  });
}

/** The role a binding grants: a ClusterRole, or a Role of the binding's own namespace. */
export function roleRefLink(binding: { roleRef?: { kind?: string; name?: string }; metadata?: { namespace?: string } }): ObjectLink | null {
  const ref = binding.roleRef;
  if (!ref?.name) return null;
  if (ref.kind === 'ClusterRole') return { group: RBAC, version: 'v1', resource: 'clusterroles', name: ref.name };
  if (ref.kind === 'Role' && binding.metadata?.namespace) return { group: RBAC, version: 'v1', resource: 'roles', namespace: binding.metadata.namespace, name: ref.name };
  return null;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs?: string[];
}

export interface RuleRow {
  /** `core` for the legacy group, `*` for all. */
  apiGroups: string;
  resources: string;
  resourceNames: string;
  verbs: string;
  /** `*` anywhere: the rule reaches further than it looks. */
  wildcard: boolean;
}

/** A role's rules, one row each; a rule on URLs (`/healthz`) shows them in place of resources. */
export function ruleRows(rules: PolicyRule[] | undefined): RuleRow[] {
  return (rules ?? []).map((r) => {
    const groups = (r.apiGroups ?? []).map((g) => (g === '' ? 'core' : g));
    const resources = r.nonResourceURLs?.length ? r.nonResourceURLs : (r.resources ?? []);
    const all = [...groups, ...resources, ...(r.verbs ?? [])];
    return {
      apiGroups: r.nonResourceURLs?.length ? '(URLs)' : groups.join(', '),
      resources: resources.join(', '),
      resourceNames: (r.resourceNames ?? []).join(', '),
      verbs: (r.verbs ?? []).join(', '),
      wildcard: all.includes('*'),
    };
  });
}

interface BackendRef {
  service?: { name?: string; port?: { number?: number; name?: string } };
  resource?: { kind?: string; name?: string };
}

interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: BackendRef;
  tls?: { hosts?: string[]; secretName?: string }[];
  rules?: { host?: string; http?: { paths?: { path?: string; pathType?: string; backend?: BackendRef }[] } }[];
}

export interface IngressRoute {
  /** `*` when the rule has no host. */
  host: string;
  path: string;
  pathType: string;
  backend: string;
  /** The backend service, when it is one. */
  service?: ObjectLink;
  /** The TLS secret, when the host is listed under `tls`. */
  tlsSecret?: string;
}

function backendText(backend: BackendRef | undefined): string {
  if (backend?.service) {
    const port = backend.service.port?.number ?? backend.service.port?.name;
    return `${backend.service.name ?? ''}${port !== undefined ? `:${port}` : ''}`;
  }
  if (backend?.resource) return `${backend.resource.kind ?? ''}/${backend.resource.name ?? ''}`;
  return '';
}

/** Every host and path an ingress routes, with where to; the default backend last, as `*` `/`. */
export function ingressRoutes(ingress: { spec?: IngressSpec; metadata?: { namespace?: string } }): IngressRoute[] {
  const spec = ingress.spec ?? {};
  const namespace = ingress.metadata?.namespace;
  const tlsFor = (host: string) => spec.tls?.find((t) => (t.hosts ?? []).includes(host))?.secretName;
  const route = (host: string, path: string, pathType: string, backend: BackendRef | undefined): IngressRoute => ({
    host,
    path,
    pathType,
    backend: backendText(backend),
    service: backend?.service?.name ? { group: '', version: 'v1', resource: 'services', namespace, name: backend.service.name } : undefined,
    tlsSecret: tlsFor(host),
  });
  const routes = (spec.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((p) => route(rule.host ?? '*', p.path ?? '/', p.pathType ?? '', p.backend)));
  if (spec.defaultBackend) routes.push(route('*', '/', 'default backend', spec.defaultBackend));
  return routes;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

/** `app=web, tier in (a,b)`; an empty selector selects everything, said as `all`. */
export function selectorText(selector: LabelSelector | undefined, all = 'all'): string {
  const labels = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector?.matchExpressions ?? []).map((e) => {
    switch (e.operator) {
      case 'Exists':
        return e.key ?? '';
      case 'DoesNotExist':
        return `!${e.key ?? ''}`;
      default:
        return `${e.key ?? ''} ${(e.operator ?? '').toLowerCase()} (${(e.values ?? []).join(',')})`;
    }
  });
  const parts = [...labels, ...expressions];
  return parts.length ? parts.join(', ') : all;
}

/** The pods a selector picks, `pods app=web`; `everyone` (say, `every pod in team-a`) for an empty one. */
export function podsText(selector: LabelSelector | undefined, everyone: string): string {
  const picked = selectorText(selector, '');
  return picked ? `pods ${picked}` : everyone;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr?: string; except?: string[] };
}

interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}

interface PolicyRuleSpec {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

export interface TrafficRow {
  peers: string;
  ports: string;
}

function peerText(peer: PolicyPeer, namespace: string | undefined): string {
  if (peer.ipBlock) return `${peer.ipBlock.cidr ?? ''}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : ''}`;
  const pods = podsText(peer.podSelector, 'all pods');
  const namespacesSelected = selectorText(peer.namespaceSelector, '');
  const where = !peer.namespaceSelector ? `in ${namespace ?? 'this namespace'}` : namespacesSelected ? `in namespaces ${namespacesSelected}` : 'in every namespace';
  return `${pods} ${where}`;
}

/**
 * A network policy's allowed traffic in one direction. `undefined` rules with the direction listed
 * in `policyTypes` means nothing is allowed; a rule without peers allows every peer, one without
 * ports every port.
 */
export function trafficRows(rules: PolicyRuleSpec[] | undefined, direction: 'from' | 'to', namespace: string | undefined): TrafficRow[] {
  return (rules ?? []).map((rule) => {
    const peers = rule[direction];
    return {
      peers: peers?.length ? peers.map((p) => peerText(p, namespace)).join('; ') : 'any peer',
      ports: rule.ports?.length ? rule.ports.map((p) => `${p.port ?? 'any'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ') : 'any port',
    };
  });
}

/** Which directions a policy isolates: `policyTypes`, or as the API server defaults it. */
export function policyTypes(spec: { policyTypes?: string[]; egress?: unknown[] } | undefined): string[] {
  if (spec?.policyTypes?.length) return spec.policyTypes;
  return spec?.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

interface MetricSpec {
  type?: string;
  resource?: { name?: string; target?: { type?: string; averageUtilization?: number; averageValue?: string; value?: string } };
}

interface MetricStatus {
  type?: string;
  resource?: { name?: string; current?: { averageUtilization?: number; averageValue?: string; value?: string } };
}

export interface MetricRow {
  name: string;
  current: string;
  target: string;
}

/** An autoscaler's resource metrics, current against target; `unknown` before a measurement. */
export function metricRows(spec: { metrics?: MetricSpec[] } | undefined, status: { currentMetrics?: MetricStatus[] } | undefined): MetricRow[] {
  return (spec?.metrics ?? [])
    .filter((m) => m.type === 'Resource' && m.resource?.name)
    .map((m) => {
      const name = m.resource?.name ?? '';
      const target = m.resource?.target ?? {};
      const current = (status?.currentMetrics ?? []).find((c) => c.resource?.name === name)?.resource?.current;
      const asUtilization = target.averageUtilization !== undefined;
      const now = asUtilization ? (current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : undefined) : (current?.averageValue ?? current?.value);
      return {
        name,
        current: now ?? 'unknown',
        target: asUtilization ? `${target.averageUtilization}%` : (target.averageValue ?? target.value ?? ''),
      };
    });
}

const SHORT_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

/** `ReadWriteOnce (RWO), ReadOnlyMany (ROX)`. */
export function accessModesText(modes: string[] | undefined): string {
  return (modes ?? []).map((m) => (SHORT_MODES[m] ? `${m} (${SHORT_MODES[m]})` : m)).join(', ');
}
