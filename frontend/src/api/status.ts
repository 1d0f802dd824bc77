/**
 * Status colours and icons of list cells: which column of a kind carries its status, and the tone
 * of a value. The cell keeps its text; the tone adds a colour and an icon of a different shape
 * (never colour alone).
 */

export type Tone = 'ok' | 'progress' | 'bad' | 'neutral';

/** The column (by its Table name) holding the status of each kind's rows. */
const STATUS_COLUMNS: Record<string, string> = {
  pods: 'Status',
  nodes: 'Status',
  namespaces: 'Status',
  persistentvolumeclaims: 'Status',
  persistentvolumes: 'Status',
  jobs: 'Status',
  deployments: 'Ready',
  statefulsets: 'Ready',
  replicasets: 'Ready',
  daemonsets: 'Ready',
};

/** The resource of a list URL: `…/namespaces/x/pods` → pods, `…/apis/apps/v1/deployments` → deployments. */
export function resourceOfUrl(url: string): string {
  const path = url.split('?')[0];
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

export function statusColumnName(resource: string): string | undefined {
  return STATUS_COLUMNS[resource];
}

const POD_OK = new Set(['Running', 'Completed', 'Succeeded']);
const POD_PROGRESS = new Set(['Pending', 'ContainerCreating', 'PodInitializing', 'Terminating', 'NotReady']);

/** A pod's STATUS (kubectl's reason: Running, CrashLoopBackOff, Init:0/1, Init:Error, …). */
export function podTone(text: string): Tone {
  if (POD_OK.has(text)) return 'ok';
  if (POD_PROGRESS.has(text) || /^Init:\d+\/\d+$/.test(text)) return 'progress';
  if (!text) return 'neutral';
  // CrashLoopBackOff, Error, Failed, ImagePullBackOff, ErrImagePull, OOMKilled, Evicted, Unknown,
  // CreateContainerConfigError, Init:CrashLoopBackOff, …
  return 'bad';
}

/** A node's STATUS: "Ready", "NotReady", "Ready,SchedulingDisabled", "Unknown". */
export function nodeTone(text: string): Tone {
  const parts = text.split(',');
  if (parts.includes('NotReady') || parts.includes('Unknown')) return 'bad';
  if (parts.includes('Ready')) return parts.includes('SchedulingDisabled') ? 'progress' : 'ok';
  return text ? 'bad' : 'neutral';
}

/** A workload's READY "a/b": all available, still progressing, or none of several. */
export function readyTone(text: string): Tone {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return 'neutral';
  const [ready, desired] = [Number(m[1]), Number(m[2])];
  if (desired === 0) return 'neutral';
  if (ready >= desired) return 'ok';
  return 'progress';
}

/** Other kinds' STATUS: Bound/Active/Complete, Pending/Terminating/Running, Failed/Lost. */
export function genericTone(text: string): Tone {
  if (/^(Bound|Active|Available|Complete|Released)$/.test(text)) return 'ok';
  if (/^(Pending|Terminating|Running|Suspended)$/.test(text)) return 'progress';
  if (/^(Failed|Lost)$/.test(text)) return 'bad';
  return 'neutral';
}

/** The tone of a status cell of a kind's list. */
export function statusTone(resource: string, text: string): Tone {
  switch (resource) {
    case 'pods':
      return podTone(text);
    case 'nodes':
      return nodeTone(text);
    case 'deployments':
    case 'statefulsets':
    case 'replicasets':
    case 'daemonsets':
      return readyTone(text);
    default:
      return genericTone(text);
  }
}

/** What the icon says to a screen reader (the workloads' "2/3" needs the word). */
export const TONE_WORDS: Record<Tone, string> = { ok: 'healthy', progress: 'in progress', bad: 'failing', neutral: '' };
export const WORKLOAD_WORDS: Record<Tone, string> = { ok: 'available', progress: 'progressing', bad: 'unavailable', neutral: '' };
