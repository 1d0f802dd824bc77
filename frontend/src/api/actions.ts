/** The pure parts of the detail page's actions: what each one sends, and to whom. */
import type { K8sObject, OwnerReference } from './types';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** Which actions a kind offers (by API group and plural resource). */
export function kindActions(group: string, resource: string): { scale: boolean; restart: boolean; node: boolean; cronJob: boolean } {
  const apps = group === 'apps';
  return {
    scale: apps && ['deployments', 'statefulsets', 'replicasets'].includes(resource),
    restart: apps && ['deployments', 'statefulsets', 'daemonsets'].includes(resource),
    node: group === '' && resource === 'nodes',
    cronJob: group === 'batch' && resource === 'cronjobs',
  };
}

/**
 * `kubectl rollout restart`: a new pod-template annotation makes the controller roll every pod.
 * A strategic merge patch (a merge patch would do the same for this shape).
 */
export function restartPatch(now: Date): { spec: { template: { metadata: { annotations: Record<string, string> } } } } {
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: now.toISOString().replace(/\.\d{3}Z$/, 'Z') } } } } };
}

/** The `/scale` merge patch. */
export function scalePatch(replicas: number): { spec: { replicas: number } } {
  return { spec: { replicas } };
}

/** Cordon (`unschedulable: true`) or uncordon (the field removed, as kubectl does). */
export function cordonPatch(cordon: boolean): { spec: { unschedulable: true | null } } {
  return { spec: { unschedulable: cordon ? true : null } };
}

export function suspendPatch(suspend: boolean): { spec: { suspend: boolean } } {
  return { spec: { suspend } };
}

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export function deleteOptions(propagationPolicy: Propagation): { kind: 'DeleteOptions'; apiVersion: 'v1'; propagationPolicy: Propagation } {
  return { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy };
}

interface PodLike {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; ownerReferences?: OwnerReference[]; deletionTimestamp?: string };
  spec?: { volumes?: { name: string; emptyDir?: unknown }[] };
  status?: { phase?: string };
}

export interface DrainPlan<P> {
  /** Pods to evict. */
  evict: P[];
  /** Pods left alone, with why (DaemonSet pods, mirror pods, pods already going). */
  skip: { pod: P; why: string }[];
  /** Warnings about pods being evicted (no controller to bring them back, emptyDir data lost). */
  warnings: { pod: P; why: string }[];
}

/**
 * `kubectl drain`'s choice of pods: DaemonSet pods stay (their controller would put them back
 * at once), mirror (static) pods cannot be evicted, pods already being deleted are left; the rest
 * are evicted, with a warning for pods no controller will recreate and for emptyDir data.
 */
export function planDrain<P extends PodLike>(pods: P[]): DrainPlan<P> {
  const plan: DrainPlan<P> = { evict: [], skip: [], warnings: [] };
  for (const pod of pods) {
    const meta = pod.metadata;
    const controller = (meta.ownerReferences ?? []).find((o) => o.controller);
    if (controller?.kind === 'DaemonSet') {
      plan.skip.push({ pod, why: `managed by DaemonSet ${controller.name}` });
      continue;
    }
    if (meta.annotations?.['kubernetes.io/config.mirror'] !== undefined) {
      plan.skip.push({ pod, why: 'a static (mirror) pod' });
      continue;
    }
    if (meta.deletionTimestamp) {
      plan.skip.push({ pod, why: 'already being deleted' });
      continue;
    }
    plan.evict.push(pod);
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (!controller && !finished) plan.warnings.push({ pod, why: 'no controller: it will not be recreated' });
    if ((pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined)) plan.warnings.push({ pod, why: 'its emptyDir data will be lost' });
  }
  return plan;
}

/** The `policy/v1` Eviction of a pod. */
export function eviction(name: string, namespace: string): unknown {
  return { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } };
}

/**
 * `kubectl create job --from=cronjob/NAME`: a Job from the CronJob's jobTemplate, owned by the
 * CronJob (so deleting the CronJob deletes it) and marked as started by hand.
 */
export function jobFromCronJob(cronJob: K8sObject, now: Date): K8sObject {
  const meta = cronJob.metadata;
  const template = ((cronJob.spec as { jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown } } | undefined)
    ?.jobTemplate ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  const suffix = `manual-${Math.floor(now.getTime() / 1000).toString(36)}`;
  // At most 52 characters, as a CronJob's own job names (the Job controller adds pod suffixes).
  const base = meta.name.slice(0, 51 - suffix.length).replace(/-+$/, '');
  const owner: OwnerReference & { blockOwnerDeletion: boolean } = {
    apiVersion: cronJob.apiVersion ?? 'batch/v1',
    kind: cronJob.kind ?? 'CronJob',
    name: meta.name,
    uid: meta.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${base}-${suffix}`,
      namespace: meta.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}), 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [owner],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

/**
 * The object to PUT from the editor's text: it must stay the same object (kind, name,
 * namespace), and it carries the resourceVersion it was edited from, so a change made meanwhile
 * is a 409 rather than silently overwritten.
 */
export function checkEdited(edited: unknown, original: K8sObject): string | null {
  if (!edited || typeof edited !== 'object' || Array.isArray(edited)) return 'The YAML must be one object (a mapping).';
  const object = edited as K8sObject;
  if (object.kind !== original.kind) return `The kind must stay ${original.kind} (it is ${object.kind ?? 'missing'}).`;
  if (object.apiVersion !== original.apiVersion) return `The apiVersion must stay ${original.apiVersion} (it is ${object.apiVersion ?? 'missing'}).`;
  if (object.metadata?.name !== original.metadata.name) return `metadata.name must stay ${original.metadata.name}: to make another object, use Create.`;
  if ((object.metadata?.namespace ?? '') !== (original.metadata.namespace ?? '')) return `metadata.namespace must stay ${original.metadata.namespace}.`;
  return null;
}

/** A copy with another resourceVersion (to reapply over the live object after a conflict). */
export function withResourceVersion(object: K8sObject, resourceVersion: string | undefined): K8sObject {
  const copy = structuredClone(object);
  copy.metadata = { ...copy.metadata, resourceVersion };
  return copy;
}

/** A starting point for "Create": the kind's apiVersion and kind, a name and namespace to fill in. */
export function createTemplate(apiVersion: string, kind: string, namespace: string | undefined): string {
  const lines = [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata:', '  name: ""'];
  if (namespace) lines.push(`  namespace: ${namespace}`);
  if (kind === 'ConfigMap') lines.push('data:', '  key: value');
  else if (kind === 'Secret') lines.push('type: Opaque', 'stringData:', '  key: value');
  else lines.push('spec: {}');
  return lines.join('\n') + '\n';
}
