// A stand-in for the cluster's Kubernetes API server that records what it receives.
//
//   RECORD_FILE=/tmp/requests.jsonl node fake-apiserver.mjs   -> prints "apiserver http://127.0.0.1:PORT"
//
// It answers discovery (/version, /api, /api/v1, /apis), namespaces and pods with plausible
// Kubernetes JSON (watches stay open, without events), anything else with a 404 Status, and
// appends one JSON line per request to RECORD_FILE: method, URL, the peer address and the raw
// header lines (names as sent, repeated headers kept), so the test can see exactly what Lamplight
// forwarded. It checks no credentials: what it is sent is what the test asserts on.
import fs from 'node:fs';
import http from 'node:http';

const recordFile = process.env.RECORD_FILE;
if (!recordFile) {
  console.error('RECORD_FILE is not set');
  process.exit(2);
}
fs.writeFileSync(recordFile, '');

const created = '2026-01-01T00:00:00Z';
const namespaces = ['default', 'kube-system'];
const pods = [
  { namespace: 'default', name: 'web-7d4b9c6f8-x2k4q', image: 'nginx:1.27', node: 'lab-node-1' },
  { namespace: 'default', name: 'worker-0', image: 'busybox:1.36', node: 'lab-node-1' },
  { namespace: 'kube-system', name: 'coredns-5d78c9869d-abcde', image: 'registry.k8s.io/coredns/coredns:v1.11.1', node: 'lab-node-1' },
];
const resourceVersion = '1000';

const pod = (p, i) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: p.name,
    namespace: p.namespace,
    uid: `00000000-0000-4000-8000-00000000000${i}`,
    resourceVersion: String(900 + i),
    creationTimestamp: created,
    labels: { app: p.name.split('-')[0] },
  },
  spec: { nodeName: p.node, containers: [{ name: 'main', image: p.image }] },
  status: {
    phase: 'Running',
    podIP: `10.244.0.${10 + i}`,
    startTime: created,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: created }],
    containerStatuses: [{ name: 'main', image: p.image, ready: true, restartCount: 0, started: true, state: { running: { startedAt: created } } }],
  },
});

const namespace = (name, i) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, uid: `00000000-0000-4000-9000-00000000000${i}`, resourceVersion: String(100 + i), creationTimestamp: created },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Active' },
});

const list = (kind, items) => ({ apiVersion: 'v1', kind: `${kind}List`, metadata: { resourceVersion }, items });

const resource = (name, singularName, kind, namespaced, shortNames) => ({
  name,
  singularName,
  namespaced,
  kind,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  ...(shortNames ? { shortNames } : {}),
});

const status = (code, reason, message) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

/** The fixed answers: path -> body. */
function answer(pathname) {
  switch (pathname) {
    case '/version':
      return { major: '1', minor: '33', gitVersion: 'v1.33.0', platform: 'linux/amd64', goVersion: 'go1.24.2', compiler: 'gc' };
    case '/api':
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }] };
    case '/api/v1':
      return {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [resource('namespaces', 'namespace', 'Namespace', false, ['ns']), resource('pods', 'pod', 'Pod', true, ['po'])],
      };
    case '/apis':
      return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
    case '/api/v1/namespaces':
      return list('Namespace', namespaces.map(namespace));
    case '/api/v1/pods':
      return list('Pod', pods.map(pod));
    default: {
      let m = pathname.match(/^\/api\/v1\/namespaces\/([^/]+)$/);
      if (m) {
        const i = namespaces.indexOf(m[1]);
        return i >= 0 ? namespace(m[1], i) : null;
      }
      m = pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/);
      if (m) return namespaces.includes(m[1]) ? list('Pod', pods.map(pod).filter((p) => p.metadata.namespace === m[1])) : list('Pod', []);
      m = pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/);
      if (m) return pods.map(pod).find((p) => p.metadata.namespace === m[1] && p.metadata.name === m[2]) ?? null;
      return null;
    }
  }
}

const watches = new Set();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://apiserver');
  fs.appendFileSync(
    recordFile,
    JSON.stringify({ time: new Date().toISOString(), method: req.method, url: req.url, peer: req.socket.remoteAddress, rawHeaders: req.rawHeaders }) + '\n',
  );
  const send = (code, body) => {
    res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'GET') return send(405, status(405, 'MethodNotAllowed', `${req.method} is not supported by this test API server`));
  const body = answer(url.pathname);
  if (!body) return send(404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
  const watch = url.searchParams.get('watch');
  if ((watch === '1' || watch === 'true') && Array.isArray(body.items)) {
    // A watch with nothing to report: stays open until the client leaves (or 60 s pass, as
    // a real server's timeoutSeconds would end it).
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const timer = setTimeout(() => res.end(), 60_000);
    watches.add(res);
    res.on('close', () => {
      clearTimeout(timer);
      watches.delete(res);
    });
    return;
  }
  send(200, body);
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`apiserver http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    for (const res of watches) res.destroy();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
