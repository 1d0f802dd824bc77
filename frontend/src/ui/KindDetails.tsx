import { Fragment, lazy, Suspense, useMemo } from 'react';
import { envEntries, PROBES, probeText, quantitiesText, terminatedText, volumeSummary, type Terminated } from '../api/podspec';
import { apiPath, routeToUrl } from '../api/routes';
import { part, type K8sObject } from '../api/types';
import { useCluster } from './cluster';
import { Chips, KeyValues, Section } from './common';
import { ResourceTable } from './ResourceTable';
import { Link } from './router';

/* The few kind-specific views a platform engineer looks for first; everything else is in the YAML. */

// Storage, networking, access control and policy: loaded with the first such page, so the initial
// bundle stays within its budget (scripts/initial-js-budget.mjs).
const PlatformDetails = lazy(() => import('./PlatformDetails'));

interface Container {
  name: string;
  image?: string;
  ports?: { containerPort?: number; protocol?: string; name?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name?: string; mountPath?: string; readOnly?: boolean; subPath?: string }[];
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: Record<string, { reason?: string; startedAt?: string; exitCode?: number; message?: string }>;
  lastState?: { terminated?: Terminated };
}

interface PodSpec {
  nodeName?: string;
  serviceAccountName?: string;
  containers?: Container[];
  initContainers?: Container[];
  volumes?: unknown[];
}

interface PodStatus {
  phase?: string;
  podIP?: string;
  qosClass?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

/** Deployment, StatefulSet, ReplicaSet and DaemonSet: the fields shown. */
interface WorkloadSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  strategy?: { type?: string };
  template?: { spec?: { containers?: Container[] } };
}

interface WorkloadStatus {
  readyReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: { name?: string; port?: number; targetPort?: number | string; protocol?: string; nodePort?: number }[];
  selector?: Record<string, string>;
}

interface NodeSpec {
  unschedulable?: boolean;
}

interface NodeStatus {
  addresses?: { type?: string; address?: string }[];
  nodeInfo?: { kubeletVersion?: string; osImage?: string; containerRuntimeVersion?: string };
  capacity?: Record<string, string>;
}

function stateText(status: ContainerStatus | undefined): string {
  const state = status?.state;
  if (!state) return '';
  const [name, detail] = Object.entries(state)[0] ?? [];
  if (!name) return '';
  const extra = detail?.reason ?? (detail?.exitCode !== undefined ? `exit ${detail.exitCode}` : '');
  return extra ? `${name} (${extra})` : name;
}

function Containers({ containers, statuses, title }: { containers: Container[]; statuses?: ContainerStatus[]; title: string }) {
  if (!containers.length) return null;
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  return (
    <Section title={title}>
      <table className="grid" data-testid="containers">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Image</th>
            {statuses && <th scope="col">Ready</th>}
            {statuses && <th scope="col">Restarts</th>}
            {statuses && <th scope="col">State</th>}
            {statuses && <th scope="col">Last terminated</th>}
            <th scope="col">Ports</th>
          </tr>
        </thead>
        <tbody>
          {containers.map((c) => {
            const s = byName.get(c.name);
            return (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td className="mono wrap">{c.image}</td>
                {statuses && <td className={s?.ready ? 'ok' : 'bad'}>{s ? (s.ready ? 'true' : 'false') : ''}</td>}
                {statuses && <td>{s?.restartCount ?? ''}</td>}
                {statuses && <td>{stateText(s)}</td>}
                {statuses && (
                  <td className={s?.lastState?.terminated?.reason && s.lastState.terminated.reason !== 'Completed' ? 'bad' : undefined} data-testid={`last-terminated-${c.name}`}>
                    {terminatedText(s?.lastState?.terminated) || <span className="muted">none</span>}
                  </td>
                )}
                <td>{(c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Section>
  );
}

/** Per container: requests and limits, probes, environment (references named, not resolved) and mounts. */
function ContainerDetails({ containers, namespace }: { containers: Container[]; namespace: string | undefined }) {
  const { cluster, ns } = useCluster();
  if (!containers.length) return null;
  const refLink = (resource: string, name: string) => routeToUrl({ page: 'detail', cluster, group: '', version: 'v1', resource, namespace, name, ns });
  return (
    <Section title="Container details" id="container-details">
      {containers.map((c) => {
        const env = envEntries(c);
        const probes = PROBES.filter(([field]) => c[field] !== undefined);
        return (
          <div className="container-details" key={c.name} data-testid={`container-details-${c.name}`}>
            <h3>{c.name}</h3>
            <dl className="summary grid-summary">
              <dt>Requests</dt>
              <dd data-testid="requests">{quantitiesText(c.resources?.requests) || <span className="muted">none</span>}</dd>
              <dt>Limits</dt>
              <dd data-testid="limits">{quantitiesText(c.resources?.limits) || <span className="muted">none</span>}</dd>
              {probes.map(([field, label]) => (
                <Fragment key={field}>
                  <dt>{label} probe</dt>
                  <dd data-testid={`probe-${field}`}>{probeText(c[field])}</dd>
                </Fragment>
              ))}
              {probes.length === 0 && (
                <>
                  <dt>Probes</dt>
                  <dd className="muted">none</dd>
                </>
              )}
              <dt>Mounts</dt>
              <dd>
                {(c.volumeMounts ?? []).length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  (c.volumeMounts ?? []).map((m) => `${m.mountPath} ← ${m.name}${m.subPath ? `/${m.subPath}` : ''}${m.readOnly ? ' (read-only)' : ''}`).join(', ')
                )}
              </dd>
            </dl>
            {env.length > 0 ? (
              <table className="grid" data-testid={`env-${c.name}`}>
                <caption className="small muted">Environment of {c.name} (secret and config map values are not read)</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Value or source</th>
                  </tr>
                </thead>
                <tbody>
                  {env.map((e, i) => (
                    <tr key={`${e.name}-${i}`}>
                      <th scope="row" className="mono">
                        {e.name}
                      </th>
                      <td className={e.source === 'value' ? 'mono wrap' : 'wrap'}>
                        {e.ref && (e.source.startsWith('secret') || e.source.startsWith('configmap')) ? (
                          <>
                            {e.text.slice(0, e.text.indexOf(e.ref))}
                            <Link to={refLink(e.source.startsWith('secret') ? 'secrets' : 'configmaps', e.ref)}>{e.ref}</Link>
                            {e.text.slice(e.text.indexOf(e.ref) + e.ref.length)}
                          </>
                        ) : (
                          e.text
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted small">No environment variables.</p>
            )}
          </div>
        );
      })}
    </Section>
  );
}

function Volumes({ volumes, namespace }: { volumes: unknown[]; namespace: string | undefined }) {
  const { cluster, ns } = useCluster();
  if (!volumes.length) return null;
  return (
    <Section title="Volumes">
      <table className="grid" data-testid="volumes">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {volumes.map(volumeSummary).map((v) => (
            <tr key={v.name}>
              <td>{v.name}</td>
              <td>{v.type}</td>
              <td>
                {v.ref && v.ref.name ? (
                  <>
                    {v.detail.slice(0, v.detail.indexOf(v.ref.name))}
                    <Link to={routeToUrl({ page: 'detail', cluster, group: '', version: 'v1', resource: v.ref.resource, namespace, name: v.ref.name, ns })}>{v.ref.name}</Link>
                    {v.detail.slice(v.detail.indexOf(v.ref.name) + v.ref.name.length)}
                  </>
                ) : (
                  v.detail
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** `{app: web, tier: db}` → `app=web,tier=db` (matchExpressions are not turned into a selector). */
export function selectorString(matchLabels: Record<string, string> | undefined): string {
  return Object.entries(matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The pods a workload or a Service selects, live. */
function SelectedPods({ namespace, matchLabels }: { namespace: string | undefined; matchLabels: Record<string, string> | undefined }) {
  const { cluster, prefix, ns } = useCluster();
  const selector = selectorString(matchLabels);
  const spec = useMemo(
    () => (namespace && selector ? { url: prefix + apiPath({ group: '', version: 'v1', resource: 'pods' }, namespace), params: { labelSelector: selector } } : null),
    [prefix, namespace, selector],
  );
  if (!spec) return null;
  return (
    <Section
      title="Pods"
      actions={
        <Link to={routeToUrl({ page: 'list', cluster, group: '', version: 'v1', resource: 'pods', ns: namespace, l: selector })} className="small">
          Open as a list
        </Link>
      }
    >
      <ResourceTable
        spec={spec}
        what={`pods with ${selector}`}
        testId="selected-pods"
        emptyText={`No pods match ${selector}.`}
        linkFor={(row) => routeToUrl({ page: 'detail', cluster, group: '', version: 'v1', resource: 'pods', namespace: row.namespace, name: row.name, ns })}
      />
    </Section>
  );
}

export function KindDetails({ object }: { object: K8sObject }) {
  const { cluster, ns } = useCluster();
  switch (object.kind) {
    case 'Pod': {
      const spec = part<PodSpec>(object.spec);
      const status = part<PodStatus>(object.status);
      return (
        <>
          <Section title="Status">
            <dl className="summary grid-summary" data-testid="pod-status">
              <dt>Phase</dt>
              <dd>{status.phase}</dd>
              <dt>Node</dt>
              <dd>{spec.nodeName ? <Link to={routeToUrl({ page: 'detail', cluster, group: '', version: 'v1', resource: 'nodes', name: spec.nodeName, ns })}>{spec.nodeName}</Link> : <span className="muted">not scheduled</span>}</dd>
              <dt>Pod IP</dt>
              <dd className="mono">{status.podIP}</dd>
              {status.qosClass && (
                <>
                  <dt>QoS class</dt>
                  <dd>{status.qosClass}</dd>
                </>
              )}
              {spec.serviceAccountName && (
                <>
                  <dt>Service account</dt>
                  <dd>{spec.serviceAccountName}</dd>
                </>
              )}
            </dl>
          </Section>
          {Array.isArray(spec.initContainers) && <Containers title="Init containers" containers={spec.initContainers} statuses={status.initContainerStatuses ?? []} />}
          <Containers title="Containers" containers={spec.containers ?? []} statuses={status.containerStatuses ?? []} />
          <ContainerDetails containers={[...(spec.initContainers ?? []), ...(spec.containers ?? [])]} namespace={object.metadata.namespace} />
          <Volumes volumes={spec.volumes ?? []} namespace={object.metadata.namespace} />
        </>
      );
    }
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
    case 'DaemonSet': {
      const spec = part<WorkloadSpec>(object.spec);
      const status = part<WorkloadStatus>(object.status);
      const daemon = object.kind === 'DaemonSet';
      return (
        <>
          <Section title="Replicas">
            <dl className="summary grid-summary" data-testid="replicas">
              <dt>Desired</dt>
              <dd>{daemon ? status.desiredNumberScheduled : (spec.replicas ?? 1)}</dd>
              <dt>Ready</dt>
              <dd>{(daemon ? status.numberReady : status.readyReplicas) ?? 0}</dd>
              <dt>Up to date</dt>
              <dd>{(daemon ? status.updatedNumberScheduled : status.updatedReplicas) ?? 0}</dd>
              <dt>Available</dt>
              <dd>{(daemon ? status.numberAvailable : status.availableReplicas) ?? 0}</dd>
              <dt>Selector</dt>
              <dd>
                <Chips values={spec.selector?.matchLabels} />
              </dd>
              {spec.strategy?.type && (
                <>
                  <dt>Strategy</dt>
                  <dd>{spec.strategy.type}</dd>
                </>
              )}
            </dl>
          </Section>
          <Containers title="Pod template containers" containers={spec.template?.spec?.containers ?? []} />
          <SelectedPods namespace={object.metadata.namespace} matchLabels={spec.selector?.matchLabels} />
        </>
      );
    }
    case 'Service': {
      const spec = part<ServiceSpec>(object.spec);
      return (
        <>
        <Section title="Service">
          <dl className="summary grid-summary" data-testid="service">
            <dt>Type</dt>
            <dd>{spec.type}</dd>
            <dt>Cluster IP</dt>
            <dd className="mono">{(spec.clusterIPs ?? [spec.clusterIP]).filter(Boolean).join(', ')}</dd>
            <dt>Ports</dt>
            <dd>
              {(spec.ports ?? [])
                .map((p) => `${p.name ? p.name + ' ' : ''}${p.port}${p.targetPort !== undefined ? '→' + p.targetPort : ''}/${p.protocol ?? 'TCP'}${p.nodePort ? ` (node ${p.nodePort})` : ''}`)
                .join(', ')}
            </dd>
            <dt>Selector</dt>
            <dd>
              <Chips values={spec.selector} />
            </dd>
          </dl>
        </Section>
        <SelectedPods namespace={object.metadata.namespace} matchLabels={spec.selector} />
        </>
      );
    }
    case 'Secret':
      return (
        <Section title="Secret">
          <dl className="summary grid-summary">
            <dt>Type</dt>
            <dd className="mono">{String(object.type ?? 'Opaque')}</dd>
            <dt>Keys</dt>
            <dd>{Object.keys((object.data as object) ?? {}).length}</dd>
          </dl>
        </Section>
      );
    case 'ConfigMap':
      return (
        <Section title="Data">
          <KeyValues values={object.data as Record<string, string>} empty="No data." testId="configmap-data" />
        </Section>
      );
    case 'Node': {
      const spec = part<NodeSpec>(object.spec);
      const status = part<NodeStatus>(object.status);
      const info = status.nodeInfo ?? {};
      return (
        <Section title="Node">
          <dl className="summary grid-summary" data-testid="node">
            <dt>Addresses</dt>
            <dd>{(status.addresses ?? []).map((a) => `${a.type}: ${a.address}`).join(', ')}</dd>
            <dt>Kubelet</dt>
            <dd>{info.kubeletVersion}</dd>
            <dt>OS image</dt>
            <dd>{info.osImage}</dd>
            <dt>Container runtime</dt>
            <dd>{info.containerRuntimeVersion}</dd>
            <dt>Capacity</dt>
            <dd>
              <Chips values={status.capacity} />
            </dd>
            <dt>Unschedulable</dt>
            <dd>{spec.unschedulable ? 'yes (cordoned)' : 'no'}</dd>
          </dl>
        </Section>
      );
    }
    case 'CustomResourceDefinition': {
      const spec = part<{ group?: string; scope?: string; names?: { plural?: string; kind?: string }; versions?: { name?: string; served?: boolean; storage?: boolean }[] }>(object.spec);
      const served = (spec.versions ?? []).filter((v) => v.served !== false);
      const version = served.find((v) => v.storage)?.name ?? served[0]?.name;
      return (
        <Section title="Custom resource">
          <dl className="summary grid-summary" data-testid="crd">
            <dt>Kind</dt>
            <dd>{spec.names?.kind}</dd>
            <dt>Group</dt>
            <dd className="mono">{spec.group}</dd>
            <dt>Scope</dt>
            <dd>{spec.scope}</dd>
            <dt>Versions</dt>
            <dd>{(spec.versions ?? []).map((v) => `${v.name}${v.storage ? ' (storage)' : ''}${v.served === false ? ' (not served)' : ''}`).join(', ')}</dd>
            <dt>Instances</dt>
            <dd>
              {spec.group && version && spec.names?.plural ? (
                <Link to={routeToUrl({ page: 'list', cluster, group: spec.group, version, resource: spec.names.plural, ns })} data-testid="crd-instances">
                  List the {spec.names.kind ?? spec.names.plural} objects
                </Link>
              ) : (
                <span className="muted">no served version</span>
              )}
            </dd>
          </dl>
        </Section>
      );
    }
    default:
      return (
        <Suspense fallback={null}>
          <PlatformDetails object={object} />
        </Suspense>
      );
  }
}
