/**
 * What is broken in a cluster: the overview's counts and the lists' `?problem=` filter share these
 * predicates, so a count and the list it links to always agree.
 */

type Obj = Record<string, unknown>;

/** A pod Pending for longer than this is counted as stuck. */
export const PENDING_THRESHOLD_MS = 5 * 60_000;

export type Problem = 'crashloop' | 'imagepull' | 'pending' | 'oomkilled' | 'notready' | 'failed' | 'nodisruption' | 'warning';

export interface ProblemInfo {
  /** The list it filters: `{group}/{resource}`, group '' for core. */
  group: string;
  version: string;
  resource: string;
  /** "Pods in CrashLoopBackOff". */
  label: string;
  test: (object: Obj, now: number) => boolean;
}

interface ContainerStatusLike {
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
  lastState?: { terminated?: { reason?: string } };
}

function containerStatuses(pod: Obj): ContainerStatusLike[] {
  const status = (pod.status ?? {}) as { containerStatuses?: unknown; initContainerStatuses?: unknown };
  return [
    ...(Array.isArray(status.initContainerStatuses) ? status.initContainerStatuses : []),
    ...(Array.isArray(status.containerStatuses) ? status.containerStatuses : []),
  ] as ContainerStatusLike[];
}

function waitingReason(pod: Obj, reasons: string[]): boolean {
  return containerStatuses(pod).some((c) => reasons.includes(c.state?.waiting?.reason ?? ''));
}

export function isCrashLooping(pod: Obj): boolean {
  return waitingReason(pod, ['CrashLoopBackOff']);
}

export function isImagePullFailing(pod: Obj): boolean {
  return waitingReason(pod, ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName']);
}

/** A container now or last terminated as OOMKilled. */
export function wasOomKilled(pod: Obj): boolean {
  return containerStatuses(pod).some((c) => c.state?.terminated?.reason === 'OOMKilled' || c.lastState?.terminated?.reason === 'OOMKilled');
}

/** Pending (not scheduled or not started) for longer than the threshold. */
export function isStuckPending(pod: Obj, now: number, thresholdMs = PENDING_THRESHOLD_MS): boolean {
  const status = (pod.status ?? {}) as { phase?: string };
  if (status.phase !== 'Pending') return false;
  const meta = (pod.metadata ?? {}) as { creationTimestamp?: string; deletionTimestamp?: string };
  if (meta.deletionTimestamp) return false;
  const created = Date.parse(meta.creationTimestamp ?? '');
  return !Number.isNaN(created) && now - created > thresholdMs;
}

interface ConditionLike {
  type?: string;
  status?: string;
}

function conditions(object: Obj): ConditionLike[] {
  const status = (object.status ?? {}) as { conditions?: unknown };
  return Array.isArray(status.conditions) ? (status.conditions as ConditionLike[]) : [];
}

/** A node whose Ready condition is not True (False or Unknown, or missing). */
export function isNodeNotReady(node: Obj): boolean {
  return conditions(node).find((c) => c.type === 'Ready')?.status !== 'True';
}

/** A Job with a Failed condition that is True. */
export function isJobFailed(job: Obj): boolean {
  return conditions(job).some((c) => c.type === 'Failed' && c.status === 'True');
}

/**
 * A PodDisruptionBudget that allows no eviction now while it covers pods: a node drain (or a
 * cluster upgrade) waits on it until more of its pods are healthy.
 */
export function blocksEvictions(budget: Obj): boolean {
  const status = (budget.status ?? {}) as { disruptionsAllowed?: number; expectedPods?: number };
  return (status.disruptionsAllowed ?? 0) === 0 && (status.expectedPods ?? 0) > 0;
}

export function isWarningEvent(event: Obj): boolean {
  return event.type === 'Warning';
}

export const PROBLEMS: Record<Problem, ProblemInfo> = {
  crashloop: { group: '', version: 'v1', resource: 'pods', label: 'Pods in CrashLoopBackOff', test: (o) => isCrashLooping(o) },
  imagepull: { group: '', version: 'v1', resource: 'pods', label: 'Pods failing to pull an image', test: (o) => isImagePullFailing(o) },
  pending: {
    group: '',
    version: 'v1',
    resource: 'pods',
    label: `Pods Pending for over ${PENDING_THRESHOLD_MS / 60_000} minutes`,
    test: (o, now) => isStuckPending(o, now),
  },
  oomkilled: { group: '', version: 'v1', resource: 'pods', label: 'Pods with an OOMKilled container', test: (o) => wasOomKilled(o) },
  notready: { group: '', version: 'v1', resource: 'nodes', label: 'Nodes not ready', test: (o) => isNodeNotReady(o) },
  failed: { group: 'batch', version: 'v1', resource: 'jobs', label: 'Failed jobs', test: (o) => isJobFailed(o) },
  nodisruption: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', label: 'Disruption budgets blocking drains (no eviction allowed)', test: (o) => blocksEvictions(o) },
  warning: { group: '', version: 'v1', resource: 'events', label: 'Warning events', test: (o) => isWarningEvent(o) },
};

/** The problem named by `?problem=`, when it applies to this resource. */
export function problemFor(name: string | undefined, ref: { group: string; resource: string }): ProblemInfo | null {
  if (!name || !(name in PROBLEMS)) return null;
  const info = PROBLEMS[name as Problem];
  return info.group === ref.group && info.resource === ref.resource ? info : null;
}

/** Kubernetes quantities: `250m` → 0.25, `1Gi` → 1073741824, `1e3` → 1000; NaN when unreadable. */
export function parseQuantity(text: string | undefined): number {
  if (!text) return NaN;
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(text.trim());
  if (!m) return NaN;
  const factors: Record<string, number> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return Number(m[1]) * (m[2] ? factors[m[2]] : 1);
}

/** 0.25 cores → "250m", 2 → "2"; bytes → "1.5 GiB". */
export function formatCores(cores: number): string {
  if (Number.isNaN(cores)) return '?';
  if (cores < 1) return `${Math.round(cores * 1000)}m`;
  return `${Math.round(cores * 100) / 100}`;
}

export function formatBytes(bytes: number): string {
  if (Number.isNaN(bytes)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

/** Condition colours: for most types True is good, but for these False is (MemoryPressure=False). */
const TRUE_IS_BAD = new Set([
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
  'ReplicaFailure',
  'Failed',
  'Stalled',
  'Degraded',
  'KernelDeadlock',
  'ReadonlyFilesystem',
  'FrequentKubeletRestart',
  'FrequentDockerRestart',
  'FrequentContainerdRestart',
  'CorruptDockerOverlay2',
  'DisruptionTarget',
  'TerminalError',
]);

/** 'ok', 'bad' or '' (unknown status) for a condition's Status cell. */
export function conditionTone(type: string | undefined, status: string | undefined): 'ok' | 'bad' | '' {
  if (status !== 'True' && status !== 'False') return '';
  const good = TRUE_IS_BAD.has(type ?? '') ? 'False' : 'True';
  return status === good ? 'ok' : 'bad';
}

export interface ListOf<T = Obj> {
  items?: T[];
}

/** How many objects match each problem (a problem whose list was not read is absent). */
export function countProblems(
  lists: { pods?: ListOf | null; nodes?: ListOf | null; jobs?: ListOf | null; events?: ListOf | null; budgets?: ListOf | null },
  now: number,
): Partial<Record<Problem, number>> {
  const counts: Partial<Record<Problem, number>> = {};
  const source: Record<string, ListOf | null | undefined> = { pods: lists.pods, nodes: lists.nodes, jobs: lists.jobs, events: lists.events, poddisruptionbudgets: lists.budgets };
  for (const [name, info] of Object.entries(PROBLEMS) as [Problem, ProblemInfo][]) {
    const list = source[info.resource];
    if (!list?.items) continue;
    counts[name] = list.items.filter((o) => info.test(o, now)).length;
  }
  return counts;
}

export interface NodeUsage {
  name: string;
  ready: boolean;
  cpu?: { used: number; allocatable: number };
  memory?: { used: number; allocatable: number };
}

/** Nodes with their CPU and memory use (from metrics.k8s.io's NodeMetrics) against what is allocatable. */
export function nodeUsage(nodes: ListOf | null | undefined, metrics: ListOf | null | undefined): NodeUsage[] {
  const byName = new Map<string, { cpu?: string; memory?: string }>();
  for (const m of metrics?.items ?? []) {
    const name = ((m.metadata ?? {}) as { name?: string }).name;
    if (name) byName.set(name, ((m as { usage?: { cpu?: string; memory?: string } }).usage ?? {}) as { cpu?: string; memory?: string });
  }
  return (nodes?.items ?? []).map((node) => {
    const name = ((node.metadata ?? {}) as { name?: string }).name ?? '';
    const status = (node.status ?? {}) as { allocatable?: Record<string, string>; capacity?: Record<string, string> };
    const alloc = status.allocatable ?? status.capacity ?? {};
    const usage = byName.get(name);
    const out: NodeUsage = { name, ready: !isNodeNotReady(node) };
    if (usage) {
      out.cpu = { used: parseQuantity(usage.cpu), allocatable: parseQuantity(alloc.cpu) };
      out.memory = { used: parseQuantity(usage.memory), allocatable: parseQuantity(alloc.memory) };
    }
    return out;
  });
}

/** Events for the overview: warnings first, each group newest first. */
export function eventsWarningsFirst<T extends Obj>(events: T[], lastSeen: (e: T) => number): T[] {
  const keyed = events.map((e) => ({ e, t: lastSeen(e), w: isWarningEvent(e) ? 0 : 1 }));
  keyed.sort((a, b) => a.w - b.w || (Number.isNaN(b.t) ? -Infinity : b.t) - (Number.isNaN(a.t) ? -Infinity : a.t));
  return keyed.map((k) => k.e);
}
