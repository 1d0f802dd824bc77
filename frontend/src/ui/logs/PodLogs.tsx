import { useMemo } from 'react';
import type { K8sObject } from '../../api/types';
import { useCluster } from '../cluster';
import { ErrorBox, Spinner } from '../common';
import { useJson } from '../hooks';
import { LogViewer, type ContainerChoice } from './LogViewer';

interface NamedContainer {
  name: string;
}
interface ContainerStatus {
  name: string;
  restartCount?: number;
}

/** A pod's containers for the pickers: regular, then init, then ephemeral ones. */
export function containerChoices(pod: K8sObject): ContainerChoice[] {
  const spec = (pod.spec ?? {}) as { containers?: NamedContainer[]; initContainers?: NamedContainer[]; ephemeralContainers?: NamedContainer[] };
  const status = (pod.status ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[]; ephemeralContainerStatuses?: ContainerStatus[] };
  const restarts = new Map<string, number>();
  for (const s of [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? []), ...(status.ephemeralContainerStatuses ?? [])]) {
    restarts.set(s.name, s.restartCount ?? 0);
  }
  const out: ContainerChoice[] = [];
  for (const c of spec.containers ?? []) out.push({ name: c.name, kind: 'container', restarts: restarts.get(c.name) });
  for (const c of spec.initContainers ?? []) out.push({ name: c.name, kind: 'init', restarts: restarts.get(c.name) });
  for (const c of spec.ephemeralContainers ?? []) out.push({ name: c.name, kind: 'ephemeral', restarts: restarts.get(c.name) });
  return out;
}

/** The logs of one pod. */
export function PodLogs({ pod }: { pod: K8sObject }) {
  const { prefix } = useCluster();
  const containers = containerChoices(pod);
  const key = containers.map((c) => `${c.kind}/${c.name}/${c.restarts ?? ''}`).join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the choices change only when `key` does; the pod object is new on every update.
  const stable = useMemo(() => containers, [key]);
  const name = pod.metadata.name;
  const pods = useMemo(() => [name], [name]);
  return <LogViewer prefix={prefix} namespace={pod.metadata.namespace ?? 'default'} pods={pods} containers={stable} downloadName={name} />;
}

/** Most pods whose logs a workload's view merges (one stream each). */
export const MAX_WORKLOAD_PODS = 10;

/** The logs of a workload's pods (selected by its `matchLabels`), merged by time. */
export function WorkloadLogs({ workload }: { workload: K8sObject }) {
  const { prefix } = useCluster();
  const spec = (workload.spec ?? {}) as { selector?: { matchLabels?: Record<string, string> }; template?: { spec?: { containers?: NamedContainer[]; initContainers?: NamedContainer[] } } };
  const namespace = workload.metadata.namespace ?? 'default';
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const url = selector ? `${prefix}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${encodeURIComponent(selector)}` : null;
  // Listed again when the workload changes (a rollout replaces its pods).
  const list = useJson<{ items?: K8sObject[] }>(url, workload.metadata.resourceVersion ?? '');
  const names = (list.data?.items ?? []).map((p) => p.metadata.name).sort();
  const podsKey = names.slice(0, MAX_WORKLOAD_PODS).join('\n');
  const pods = useMemo(() => (podsKey ? podsKey.split('\n') : []), [podsKey]);
  const containersKey = [...(spec.template?.spec?.containers ?? []).map((c) => `container/${c.name}`), ...(spec.template?.spec?.initContainers ?? []).map((c) => `init/${c.name}`)].join(',');
  const containers = useMemo<ContainerChoice[]>(
    () =>
      containersKey
        ? containersKey.split(',').map((k) => {
            const [kind, name] = k.split('/');
            return { name, kind: kind as ContainerChoice['kind'] };
          })
        : [],
    [containersKey],
  );
  if (!selector) return <p className="muted">This {workload.kind} has no label selector: its pods cannot be found.</p>;
  if (list.error) return <ErrorBox error={list.error} what={`listing the pods of ${workload.metadata.name}`} />;
  if (!list.data) return <Spinner label="Finding its pods…" />;
  if (pods.length === 0) return <p className="muted">No pods match {selector}.</p>;
  return (
    <>
      {names.length > MAX_WORKLOAD_PODS && (
        <p className="muted small" data-testid="logs-pods-capped">
          Showing the logs of the first {MAX_WORKLOAD_PODS} of its {names.length} pods.
        </p>
      )}
      <LogViewer prefix={prefix} namespace={namespace} pods={pods} containers={containers} downloadName={workload.metadata.name} />
    </>
  );
}
