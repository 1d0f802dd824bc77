// A small stand-in for `lamplight --demo`, for developing the UI before demo mode exists.
// It serves frontend/dist the way the server does (with <base href> injected and the strict CSP)
// and speaks enough of the Kubernetes API through /clusters/demo/...: discovery, lists in the
// Table format, watches (with 410 for old resourceVersions), field selectors, create and delete.
//
//   node tests/e2e/ui/mock-server.mjs [--port 0] [--base /headlamp/] [--plain-watch] [--auth proxy|oidc|none]
//
// It prints `listening on http://127.0.0.1:PORT/base/` once ready.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const PORT = Number(arg('--port', process.env.PORT ?? '0'));
let BASE = arg('--base', '/');
if (!BASE.endsWith('/')) BASE += '/';
const PLAIN_WATCH = args.includes('--plain-watch');
const AUTH = arg('--auth', 'proxy'); // proxy | oidc | none
// With --upstream URL, every API route goes to that Lamplight server (without a base URL) instead of
// the fake cluster: the UI is served as the server will serve it, the API is the real one.
const UPSTREAM = arg('--upstream', null);
const DIST = path.resolve(here, arg('--dist', '../../../frontend/dist'));
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

// ---------------------------------------------------------------- the fake cluster

let rv = 1000;
const nextRv = () => String(++rv);
const minutesAgo = (m) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

const RESOURCES = [
  // group, version, name, kind, namespaced, shortNames
  ['', 'v1', 'namespaces', 'Namespace', false, ['ns']],
  ['', 'v1', 'nodes', 'Node', false, ['no']],
  ['', 'v1', 'pods', 'Pod', true, ['po']],
  ['', 'v1', 'services', 'Service', true, ['svc']],
  ['', 'v1', 'configmaps', 'ConfigMap', true, ['cm']],
  ['', 'v1', 'secrets', 'Secret', true, []],
  ['', 'v1', 'events', 'Event', true, ['ev']],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']],
  ['', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']],
  ['apps', 'v1', 'deployments', 'Deployment', true, ['deploy']],
  ['apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs']],
  ['apps', 'v1', 'statefulsets', 'StatefulSet', true, ['sts']],
  ['apps', 'v1', 'daemonsets', 'DaemonSet', true, ['ds']],
  ['batch', 'v1', 'jobs', 'Job', true, []],
  ['batch', 'v1', 'cronjobs', 'CronJob', true, ['cj']],
  ['networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, ['ing']],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd']],
  ['example.com', 'v1', 'widgets', 'Widget', true, ['wd']],
].map(([group, version, name, kind, namespaced, shortNames]) => ({ group, version, name, kind, namespaced, shortNames }));

const store = new Map(); // resource name -> Map(key -> object)
const history = []; // {rv, type, resource, object}
const HISTORY_MAX = 200;
const watchers = new Set();
for (const r of RESOURCES) store.set(r.name, new Map());
const keyOf = (o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const resourceOf = (name) => RESOURCES.find((r) => r.name === name);
const apiVersionOf = (r) => (r.group ? `${r.group}/${r.version}` : r.version);

function put(resource, object, type = 'ADDED') {
  const r = resourceOf(resource);
  object.apiVersion = apiVersionOf(r);
  object.kind = r.kind;
  object.metadata.uid ??= crypto.randomUUID();
  object.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  object.metadata.resourceVersion = nextRv();
  object.metadata.managedFields ??= [{ manager: 'mock', operation: 'Update', apiVersion: object.apiVersion, time: object.metadata.creationTimestamp }];
  store.get(resource).set(keyOf(object), object);
  publish(type, resource, object);
  return object;
}

function remove(resource, namespace, name) {
  const map = store.get(resource);
  const object = map.get(`${namespace ?? ''}/${name}`);
  if (!object) return null;
  map.delete(keyOf(object));
  object.metadata.resourceVersion = nextRv();
  publish('DELETED', resource, object);
  return object;
}

function publish(type, resource, object) {
  const event = { rv: Number(object.metadata.resourceVersion), type, resource, object: structuredClone(object) };
  history.push(event);
  if (history.length > HISTORY_MAX) history.shift();
  for (const w of watchers) w.offer(event);
}

function seed() {
  for (const [ns, age] of [['default', 900], ['kube-system', 900], ['team-a', 300]]) {
    put('namespaces', { metadata: { name: ns, creationTimestamp: minutesAgo(age), labels: { 'kubernetes.io/metadata.name': ns } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    put('configmaps', { metadata: { name: 'kube-root-ca.crt', namespace: ns, creationTimestamp: minutesAgo(age) }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n' } });
    put('serviceaccounts', { metadata: { name: 'default', namespace: ns, creationTimestamp: minutesAgo(age) } });
  }
  put('nodes', {
    metadata: { name: 'demo-node-1', creationTimestamp: minutesAgo(900), labels: { 'kubernetes.io/hostname': 'demo-node-1', 'node-role.kubernetes.io/control-plane': '' } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: minutesAgo(899) }],
      addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'demo-node-1' }],
      nodeInfo: { kubeletVersion: 'v1.31.0', osImage: 'Debian GNU/Linux 12', containerRuntimeVersion: 'containerd://1.7.18' },
      capacity: { cpu: '8', memory: '16Gi', pods: '110' },
    },
  });
  const deploy = put('deployments', {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: minutesAgo(120), labels: { app: 'web' }, generation: 1 },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } },
    status: {
      replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastTransitionTime: minutesAgo(118) },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-7d9f8c6b5" has successfully progressed.', lastTransitionTime: minutesAgo(118) },
      ],
    },
  });
  const rs = put('replicasets', {
    metadata: { name: 'web-7d9f8c6b5', namespace: 'default', creationTimestamp: minutesAgo(120), labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: deploy.metadata.uid, controller: true }] },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: deploy.spec.template },
    status: { replicas: 2, readyReplicas: 2, availableReplicas: 2 },
  });
  for (const [suffix, ip] of [['x2x4q', '10.244.0.12'], ['qm7lp', '10.244.0.13']]) {
    const name = `web-7d9f8c6b5-${suffix}`;
    put('pods', {
      metadata: { name, namespace: 'default', creationTimestamp: minutesAgo(119), labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true }] },
      spec: { nodeName: 'demo-node-1', serviceAccountName: 'default', containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      status: {
        phase: 'Running', podIP: ip, qosClass: 'BestEffort',
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: minutesAgo(119) },
          { type: 'Ready', status: 'True', lastTransitionTime: minutesAgo(118) },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: minutesAgo(118) },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: minutesAgo(119) },
        ],
        containerStatuses: [{ name: 'web', ready: true, restartCount: 0, image: 'nginx:1.27', state: { running: { startedAt: minutesAgo(118) } } }],
      },
    });
    put('events', {
      metadata: { name: `${name}.17f1a${suffix}`, namespace: 'default', creationTimestamp: minutesAgo(118) },
      involvedObject: { kind: 'Pod', namespace: 'default', name, apiVersion: 'v1' },
      reason: 'Started', message: 'Started container web', type: 'Normal', count: 1,
      firstTimestamp: minutesAgo(118), lastTimestamp: minutesAgo(118), source: { component: 'kubelet', host: 'demo-node-1' },
    });
    put('events', {
      metadata: { name: `${name}.17f19${suffix}`, namespace: 'default', creationTimestamp: minutesAgo(119) },
      involvedObject: { kind: 'Pod', namespace: 'default', name, apiVersion: 'v1' },
      reason: 'Scheduled', message: `Successfully assigned default/${name} to demo-node-1`, type: 'Normal', count: 1,
      firstTimestamp: minutesAgo(119), lastTimestamp: minutesAgo(119), source: { component: 'default-scheduler' },
    });
  }
  put('pods', {
    metadata: { name: 'coredns-6f6b679f8f-5kq2z', namespace: 'kube-system', creationTimestamp: minutesAgo(899), labels: { 'k8s-app': 'kube-dns' } },
    spec: { nodeName: 'demo-node-1', containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.1' }] },
    status: { phase: 'Running', podIP: '10.244.0.2', qosClass: 'Burstable', containerStatuses: [{ name: 'coredns', ready: true, restartCount: 1, state: { running: { startedAt: minutesAgo(890) } } }] },
  });
  put('pods', {
    metadata: { name: 'worker-0', namespace: 'team-a', creationTimestamp: minutesAgo(40), labels: { app: 'worker' } },
    spec: { nodeName: 'demo-node-1', containers: [{ name: 'worker', image: 'busybox:1.36' }] },
    status: { phase: 'Pending', qosClass: 'BestEffort', containerStatuses: [{ name: 'worker', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
  });
  put('services', { metadata: { name: 'kubernetes', namespace: 'default', creationTimestamp: minutesAgo(900) }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }] } });
  put('services', { metadata: { name: 'web', namespace: 'default', creationTimestamp: minutesAgo(120), labels: { app: 'web' } }, spec: { type: 'ClusterIP', clusterIP: '10.96.20.7', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }] } });
  put('configmaps', { metadata: { name: 'web-config', namespace: 'default', creationTimestamp: minutesAgo(120) }, data: { 'nginx.conf': 'server {\n  listen 80;\n}\n', LOG_LEVEL: 'info' } });
  put('secrets', {
    metadata: { name: 'db-credentials', namespace: 'default', creationTimestamp: minutesAgo(100), annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","data":{"password":"aHVudGVyMg==","username":"YWRtaW4="},"kind":"Secret"}\n' } },
    type: 'Opaque',
    data: { username: Buffer.from('admin').toString('base64'), password: Buffer.from('hunter2').toString('base64') },
  });
  put('customresourcedefinitions', {
    metadata: { name: 'widgets.example.com', creationTimestamp: minutesAgo(300) },
    spec: { group: 'example.com', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
  });
  for (const [name, size] of [['sprocket', 3], ['gizmo', 7]]) {
    put('widgets', { metadata: { name, namespace: 'team-a', creationTimestamp: minutesAgo(200) }, spec: { size }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Polished', lastTransitionTime: minutesAgo(199) }] } });
  }
}
seed();

// ---------------------------------------------------------------- Table output

const col = (name, extra = {}) => ({ name, type: 'string', format: '', description: '', priority: 0, ...extra });
const NAME = col('Name', { format: 'name', description: 'Name must be unique within a namespace.' });
const AGE = col('Age', { description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' });
const age = (o) => {
  const s = Math.floor((Date.now() - Date.parse(o.metadata.creationTimestamp)) / 1000);
  return s < 120 ? `${s}s` : s < 3 * 3600 ? `${Math.floor(s / 60)}m` : s < 48 * 3600 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86400)}d`;
};

const TABLES = {
  pods: [[NAME, col('Ready'), col('Status'), col('Restarts', { type: 'string' }), AGE, col('IP', { priority: 1 }), col('Node', { priority: 1 })], (o) => {
    const cs = o.status?.containerStatuses ?? [];
    const waiting = cs.find((c) => c.state?.waiting)?.state.waiting.reason;
    return [o.metadata.name, `${cs.filter((c) => c.ready).length}/${o.spec.containers.length}`, waiting ?? o.status?.phase ?? 'Unknown', String(cs.reduce((n, c) => n + (c.restartCount ?? 0), 0)), age(o), o.status?.podIP ?? '<none>', o.spec?.nodeName ?? '<none>'];
  }],
  deployments: [[NAME, col('Ready'), col('Up-to-date', { type: 'integer' }), col('Available', { type: 'integer' }), AGE, col('Containers', { priority: 1 }), col('Images', { priority: 1 })], (o) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec.replicas}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, age(o), 'web', 'nginx:1.27']],
  replicasets: [[NAME, col('Desired', { type: 'integer' }), col('Current', { type: 'integer' }), col('Ready', { type: 'integer' }), AGE], (o) => [o.metadata.name, o.spec.replicas, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o)]],
  services: [[NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', { priority: 1 })], (o) => [o.metadata.name, o.spec.type, o.spec.clusterIP, '<none>', o.spec.ports.map((p) => `${p.port}/${p.protocol}`).join(','), age(o), o.spec.selector ? Object.entries(o.spec.selector).map(([k, v]) => `${k}=${v}`).join(',') : '<none>']],
  configmaps: [[NAME, col('Data', { type: 'integer' }), AGE], (o) => [o.metadata.name, Object.keys(o.data ?? {}).length, age(o)]],
  secrets: [[NAME, col('Type'), col('Data', { type: 'integer' }), AGE], (o) => [o.metadata.name, o.type, Object.keys(o.data ?? {}).length, age(o)]],
  namespaces: [[NAME, col('Status'), AGE], (o) => [o.metadata.name, o.status?.phase ?? 'Active', age(o)]],
  nodes: [[NAME, col('Status'), col('Roles'), AGE, col('Version')], (o) => [o.metadata.name, 'Ready', 'control-plane', age(o), o.status.nodeInfo.kubeletVersion]],
  events: [[col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')], (o) => [age(o), o.type, o.reason, `${o.involvedObject.kind.toLowerCase()}/${o.involvedObject.name}`, o.message]],
  customresourcedefinitions: [[NAME, col('Created At', { type: 'date' })], (o) => [o.metadata.name, o.metadata.creationTimestamp]],
};
const tableFor = (resource) => TABLES[resource] ?? [[NAME, AGE], (o) => [o.metadata.name, age(o)]];

function partial(o) {
  const metadata = structuredClone(o.metadata);
  delete metadata.managedFields;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

function toTable(resource, objects, withColumns = true) {
  const [columns, cells] = tableFor(resource);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: String(rv) },
    columnDefinitions: withColumns ? columns : [],
    rows: objects.map((o) => ({ cells: cells(o), object: partial(o) })),
  };
}

// ---------------------------------------------------------------- HTTP

function status(res, code, reason, message, extra = {}) {
  const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...extra };
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function json(res, body, code = 200) {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function userOf(req) {
  const name = req.headers['x-forwarded-user'];
  if (!name) return null;
  const groups = String(req.headers['x-forwarded-group'] ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  return { username: name, email: req.headers['x-forwarded-email'] ?? null, groups, authMethod: 'proxy' };
}

function matchesSelector(o, selector) {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [field, value] = term.split('=');
    const actual = field.split('.').reduce((v, k) => (v == null ? undefined : v[k]), o);
    return String(actual) === value;
  });
}

function matchesLabels(o, selector) {
  if (!selector) return true;
  const labels = o.metadata.labels ?? {};
  return selector.split(',').every((term) => {
    const ne = term.split('!=');
    if (ne.length === 2) return labels[ne[0].trim()] !== ne[1].trim();
    const eq = term.split(/==?/);
    if (eq.length === 2) return labels[eq[0].trim()] === eq[1].trim();
    const key = term.trim();
    return key.startsWith('!') ? !(key.slice(1) in labels) : key in labels;
  });
}

function discovery(res, p) {
  if (p === '/api') return json(res, { kind: 'APIVersions', versions: ['v1'] });
  if (p === '/apis') {
    const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))].map((g) => {
      const version = RESOURCES.find((r) => r.group === g).version;
      const gv = { groupVersion: `${g}/${version}`, version };
      return { name: g, versions: [gv], preferredVersion: gv };
    });
    return json(res, { kind: 'APIGroupList', apiVersion: 'v1', groups });
  }
  const m = p.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/);
  if (!m) return false;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3];
  const list = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (!list.length) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
  const resources = list.flatMap((r) => {
    const base = { name: r.name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: r.shortNames };
    const subs = r.name === 'pods' ? [{ name: 'pods/log', namespaced: true, kind: 'Pod', verbs: ['get'] }, { name: 'pods/status', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] }] : [];
    return [base, ...subs];
  });
  if (!group) resources.push({ name: 'bindings', namespaced: true, kind: 'Binding', verbs: ['create'] });
  return json(res, { kind: 'APIResourceList', groupVersion: group ? `${group}/${version}` : version, resources });
}

async function clusterApi(req, res, url, p) {
  const user = userOf(req);
  if (req.method === 'GET' && discovery(res, p) !== false) return;
  const m = p.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/);
  if (!m) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
  const [, coreV, group = '', groupV, namespace, resourceName, name] = m;
  const r = RESOURCES.find((x) => x.name === resourceName && x.group === group && x.version === (coreV ?? groupV));
  if (!r) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
  const verb = req.method === 'GET' ? (name ? 'get' : url.searchParams.get('watch') === 'true' ? 'watch' : 'list') : req.method === 'POST' ? 'create' : req.method === 'DELETE' ? 'delete' : 'update';
  if (user?.username === 'dev' && r.name === 'secrets') {
    const where = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    return status(res, 403, 'Forbidden', `secrets is forbidden: User "dev" cannot ${verb} resource "secrets" in API group ""${where}`, { details: { kind: 'secrets' } });
  }
  const table = String(req.headers.accept ?? '').includes('as=Table');
  const map = store.get(r.name);
  const inScope = (o) => !namespace || o.metadata.namespace === namespace;
  const fieldSelector = url.searchParams.get('fieldSelector');
  const labelSelector = url.searchParams.get('labelSelector');
  const selected = (o) => matchesSelector(o, fieldSelector) && matchesLabels(o, labelSelector);

  if (req.method === 'GET' && name) {
    const o = map.get(`${namespace ?? ''}/${name}`);
    if (!o) return status(res, 404, 'NotFound', `${r.name} "${name}" not found`, { details: { name, kind: r.name } });
    return json(res, table ? toTable(r.name, [o]) : o);
  }
  if (req.method === 'GET' && verb === 'list') {
    const items = [...map.values()].filter(inScope).filter(selected).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    if (table) return json(res, toTable(r.name, items));
    return json(res, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(rv) }, items });
  }
  if (req.method === 'GET' && verb === 'watch') {
    const since = Number(url.searchParams.get('resourceVersion') ?? rv);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Transfer-Encoding': 'chunked' });
    const send = (type, object) => res.write(JSON.stringify({ type, object }) + '\n');
    const oldest = history[0]?.rv ?? rv;
    if (since < oldest - 1) {
      send('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${since} (${oldest})`, reason: 'Expired', code: 410 });
      return res.end();
    }
    const watcher = {
      offer(event) {
        if (event.resource !== r.name || event.rv <= since || !inScope(event.object) || !selected(event.object)) return;
        if (table && !PLAIN_WATCH) send(event.type, toTable(r.name, [event.object], false));
        else send(event.type, event.object);
      },
    };
    for (const event of history) watcher.offer(event);
    watchers.add(watcher);
    const timeout = setTimeout(() => res.end(), 5 * 60_000);
    req.on('close', () => {
      clearTimeout(timeout);
      watchers.delete(watcher);
    });
    return;
  }
  if (req.method === 'POST' && !name) {
    let object;
    try {
      object = JSON.parse(await readBody(req));
    } catch {
      return status(res, 400, 'BadRequest', 'the body is not JSON');
    }
    object.metadata ??= {};
    if (r.namespaced) object.metadata.namespace = namespace ?? object.metadata.namespace ?? 'default';
    if (!object.metadata.name) return status(res, 422, 'Invalid', `${r.kind} is invalid: metadata.name: Required value`);
    if (map.has(keyOf(object))) return status(res, 409, 'AlreadyExists', `${r.name} "${object.metadata.name}" already exists`);
    delete object.metadata.resourceVersion;
    delete object.metadata.uid;
    delete object.metadata.creationTimestamp;
    return json(res, put(r.name, object), 201);
  }
  if (req.method === 'DELETE' && name) {
    const o = remove(r.name, namespace, name);
    if (!o) return status(res, 404, 'NotFound', `${r.name} "${name}" not found`);
    return json(res, o);
  }
  return status(res, 405, 'MethodNotAllowed', `${req.method} is not supported here`);
}

const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.html': 'text/html; charset=utf-8', '.png': 'image/png' };

function serveUi(res, rel) {
  const file = path.join(DIST, rel);
  if (rel && file.startsWith(DIST + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) {
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP });
    return fs.createReadStream(file).pipe(res);
  }
  if (rel.startsWith('assets/')) return status(res, 404, 'NotFound', 'no such asset');
  let html;
  try {
    html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  } catch {
    res.writeHead(500);
    return res.end('frontend/dist is not built: run npm run build in frontend/');
  }
  html = html.replace('<head>', `<head>\n    <base href="${BASE}">`);
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-cache' });
  res.end(html);
}

function forward(req, res, rel) {
  const target = new URL(rel, UPSTREAM.endsWith('/') ? UPSTREAM : UPSTREAM + '/');
  const headers = { ...req.headers, host: target.host };
  const upstream = http.request(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => (res.headersSent ? res.end() : status(res, 502, 'BadGateway', String(error))));
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    if (!url.pathname.startsWith(BASE) && url.pathname + '/' !== BASE) return status(res, 404, 'NotFound', 'outside the base URL');
    const rel = url.pathname.slice(BASE.length);
    if (UPSTREAM && /^(config|me|healthz|readyz|clusters\/|oidc)/.test(rel)) return forward(req, res, rel + url.search);
    if (rel === 'config') {
      return json(res, {
        clusters: [
          { name: 'demo', server: 'https://demo.invalid:6443', auth_type: '', meta_data: { source: 'demo', namespace: 'default' } },
          { name: 'broken', server: 'https://broken.invalid:6443', auth_type: '', meta_data: { source: 'kubeconfig', namespace: '' }, error: 'certificate-authority /nope/ca.crt: No such file or directory' },
        ],
        auth: AUTH === 'proxy' ? { mode: 'proxy', loginUrl: '/oauth2/start', logoutUrl: '/oauth2/sign_out' } : { mode: AUTH, loginUrl: null, logoutUrl: null },
      });
    }
    if (rel === 'me') {
      const user = AUTH === 'none' ? null : userOf(req);
      if (!user && AUTH !== 'proxy') return status(res, 401, 'Unauthorized', 'no user', { authMode: AUTH });
      if (!user) return status(res, 401, 'Unauthorized', 'the proxy sent no user', { authMode: 'proxy', loginUrl: '/oauth2/start', logoutUrl: '/oauth2/sign_out' });
      return json(res, user);
    }
    const cm = rel.match(/^clusters\/([^/]+)(\/.*)$/);
    if (cm) {
      if (cm[1] === 'broken') return status(res, 400, 'BadRequest', 'cluster "broken" failed to load: certificate-authority /nope/ca.crt: No such file or directory');
      if (cm[1] !== 'demo') return status(res, 404, 'NotFound', `no cluster named "${cm[1]}"`);
      return await clusterApi(req, res, url, cm[2]);
    }
    return serveUi(res, rel);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) status(res, 500, 'InternalError', String(error));
    else res.end();
  }
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}${BASE}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
