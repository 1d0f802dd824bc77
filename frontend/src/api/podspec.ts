/**
 * A pod's containers in words: last terminated state, requests and limits, environment (secret and
 * config map references named, never resolved), volumes and probes. Pure, for the pod page.
 */

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

export interface Terminated {
  exitCode?: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** "OOMKilled, exit code 137, finished 2026-01-01T00:00:00Z" from a `terminated` state. */
export function terminatedText(t: Terminated | undefined): string {
  if (!t) return '';
  const parts: string[] = [];
  if (t.reason) parts.push(t.reason);
  if (typeof t.exitCode === 'number') parts.push(`exit code ${t.exitCode}`);
  if (typeof t.signal === 'number') parts.push(`signal ${t.signal}`);
  if (t.finishedAt) parts.push(`finished ${t.finishedAt}`);
  return parts.join(', ');
}

/** `{cpu: "100m", memory: "128Mi"}` → "cpu 100m, memory 128Mi" ("" for none). */
export function quantitiesText(values: unknown): string {
  return Object.entries(obj(values))
    .map(([k, v]) => `${k} ${str(v) ?? ''}`.trim())
    .join(', ');
}

export interface EnvEntry {
  name: string;
  /** What to show: the literal value, or where the value comes from. */
  text: string;
  /** 'value', 'secret', 'configmap', 'field', 'resource', 'secret-all', 'configmap-all'. */
  source: string;
  /** For a secret or config map reference: the object's name (to link to it). */
  ref?: string;
}

/**
 * A container's `env` and `envFrom`. A secret's or config map's key is named ("secret db-creds,
 * key password"), never read: the page never fetches what a reference points to.
 */
export function envEntries(container: unknown): EnvEntry[] {
  const c = obj(container);
  const out: EnvEntry[] = [];
  for (const raw of Array.isArray(c.envFrom) ? c.envFrom : []) {
    const e = obj(raw);
    const prefix = str(e.prefix);
    const secret = obj(e.secretRef);
    const configMap = obj(e.configMapRef);
    const optional = (ref: Obj) => (ref.optional === true ? ' (optional)' : '');
    if (str(secret.name)) {
      out.push({ name: prefix ? `${prefix}*` : '(all keys)', text: `all keys of secret ${secret.name}${optional(secret)}`, source: 'secret-all', ref: str(secret.name) });
    } else if (str(configMap.name)) {
      out.push({ name: prefix ? `${prefix}*` : '(all keys)', text: `all keys of config map ${configMap.name}${optional(configMap)}`, source: 'configmap-all', ref: str(configMap.name) });
    }
  }
  for (const raw of Array.isArray(c.env) ? c.env : []) {
    const e = obj(raw);
    const name = str(e.name) ?? '';
    if (e.valueFrom === undefined) {
      out.push({ name, text: str(e.value) ?? '', source: 'value' });
      continue;
    }
    const from = obj(e.valueFrom);
    const secret = obj(from.secretKeyRef);
    const configMap = obj(from.configMapKeyRef);
    const field = obj(from.fieldRef);
    const resource = obj(from.resourceFieldRef);
    const optional = (ref: Obj) => (ref.optional === true ? ' (optional)' : '');
    if (from.secretKeyRef) out.push({ name, text: `secret ${str(secret.name) ?? '?'}, key ${str(secret.key) ?? '?'}${optional(secret)}`, source: 'secret', ref: str(secret.name) });
    else if (from.configMapKeyRef) out.push({ name, text: `config map ${str(configMap.name) ?? '?'}, key ${str(configMap.key) ?? '?'}${optional(configMap)}`, source: 'configmap', ref: str(configMap.name) });
    else if (from.fieldRef) out.push({ name, text: `field ${str(field.fieldPath) ?? '?'}`, source: 'field' });
    else if (from.resourceFieldRef) out.push({ name, text: `resource ${str(resource.resource) ?? '?'}${resource.containerName ? ` of ${str(resource.containerName)}` : ''}`, source: 'resource' });
    else out.push({ name, text: 'from an unknown source', source: 'unknown' });
  }
  return out;
}

export interface VolumeSummary {
  name: string;
  /** The volume source's field: configMap, secret, persistentVolumeClaim, emptyDir, ... */
  type: string;
  /** "config map web-config", "claim data-0 (read-only)", "" for an emptyDir without options. */
  detail: string;
  /** Kind and name of the object it refers to, to link to it. */
  ref?: { resource: 'configmaps' | 'secrets' | 'persistentvolumeclaims'; name: string };
}

export function volumeSummary(volume: unknown): VolumeSummary {
  const v = obj(volume);
  const name = str(v.name) ?? '';
  const type = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
  const source = obj(v[type]);
  switch (type) {
    case 'configMap': {
      const ref = str(source.name) ?? '';
      return { name, type, detail: `config map ${ref}`, ref: { resource: 'configmaps', name: ref } };
    }
    case 'secret': {
      const ref = str(source.secretName) ?? '';
      return { name, type, detail: `secret ${ref}`, ref: { resource: 'secrets', name: ref } };
    }
    case 'persistentVolumeClaim': {
      const ref = str(source.claimName) ?? '';
      return { name, type, detail: `claim ${ref}${source.readOnly === true ? ' (read-only)' : ''}`, ref: { resource: 'persistentvolumeclaims', name: ref } };
    }
    case 'emptyDir':
      return { name, type, detail: [str(source.medium) && `medium ${str(source.medium)}`, str(source.sizeLimit) && `size limit ${str(source.sizeLimit)}`].filter(Boolean).join(', ') };
    case 'hostPath':
      return { name, type, detail: `${str(source.path) ?? ''}${source.type ? ` (${str(source.type)})` : ''}` };
    case 'projected': {
      const sources = (Array.isArray(source.sources) ? source.sources : []).map((s) => Object.keys(obj(s))[0]).filter(Boolean);
      return { name, type, detail: sources.join(', ') };
    }
    default:
      return { name, type, detail: '' };
  }
}

/** "HTTP GET :8080/healthz, delay 5s, period 10s, timeout 1s, failure threshold 3". */
export function probeText(probe: unknown): string {
  const p = obj(probe);
  let action = '';
  if (p.httpGet) {
    const h = obj(p.httpGet);
    action = `${str(h.scheme) === 'HTTPS' ? 'HTTPS' : 'HTTP'} GET ${str(h.host) ?? ''}:${str(h.port) ?? ''}${str(h.path) ?? '/'}`;
  } else if (p.tcpSocket) action = `TCP :${str(obj(p.tcpSocket).port) ?? ''}`;
  else if (p.grpc) action = `gRPC :${str(obj(p.grpc).port) ?? ''}${obj(p.grpc).service ? ` ${str(obj(p.grpc).service)}` : ''}`;
  else if (p.exec) {
    const command = obj(p.exec).command;
    action = `exec ${(Array.isArray(command) ? command : []).map(String).join(' ')}`;
  }
  const timing: [string, string][] = [
    ['initialDelaySeconds', 'delay'],
    ['periodSeconds', 'period'],
    ['timeoutSeconds', 'timeout'],
  ];
  const parts = [action, ...timing.filter(([k]) => typeof p[k] === 'number').map(([k, label]) => `${label} ${p[k]}s`)];
  if (typeof p.successThreshold === 'number') parts.push(`success threshold ${p.successThreshold}`);
  if (typeof p.failureThreshold === 'number') parts.push(`failure threshold ${p.failureThreshold}`);
  return parts.filter(Boolean).join(', ');
}

export const PROBES = [
  ['livenessProbe', 'Liveness'],
  ['readinessProbe', 'Readiness'],
  ['startupProbe', 'Startup'],
] as const;
