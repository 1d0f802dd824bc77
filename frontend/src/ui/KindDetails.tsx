import { useMemo } from 'react';
import { apiPath, routeToUrl } from '../api/routes';
import type { K8sObject } from '../api/types';
import { useCluster } from './cluster';
import { Chips, KeyValues, Section } from './common';
import { ResourceTable } from './ResourceTable';
import { Link } from './router';

/* The few kind-specific views a platform engineer looks for first; everything else is in the YAML. */

interface Container {
  name: string;
  image?: string;
  ports?: { containerPort?: number; protocol?: string; name?: string }[];
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: Record<string, { reason?: string; startedAt?: string; exitCode?: number; message?: string }>;
}

interface PodSpec {
  nodeName?: string;
  serviceAccountName?: string;
  containers?: Container[];
  initContainers?: Container[];
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

/** `spec` or `status` read as the shape of the object's kind (unchecked, as the API's JSON is). */
function part<T>(value: unknown): T {
  return (value ?? {}) as T;
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
                <td>{(c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ')}</td>
              </tr>
            );
          })}
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
    default:
      return null;
  }
}
