// Issue 13's done-criterion as one journey, against a running server (the demo):
//
//   LAMPLIGHT_URL=http://127.0.0.1:PORT/ node --test tests/e2e/ui/journey.test.mjs
//
// A deployment with an image that does not exist is created through Lamplight's cluster proxy;
// then, as a user (alice): the overview counts the pod failing to pull its image → a click opens
// the filtered pod list → the failing pod → its events (the Warning) and its log → a shell in it →
// the deployment's YAML editor, where the image is fixed and applied → the rollout: the new pod is
// Running and the overview's count goes back down. A read-only user (the demo's `viewer`) sees the
// same pod's and deployment's actions disabled, each with the reason. axe-core finds no violation
// on the pages of the journey.
//
// The fake API server behind `--demo` has no controllers and no kubelet (crates/fake-apiserver:
// "objects look settled at once"), so this test plays them where a cluster would: it creates the
// ReplicaSet and the pod the deployment controller would make, with the status a kubelet reports
// for an image it cannot pull (`waiting: ImagePullBackOff`) and the kubelet's Warning event, and
// after the user's edit it rolls out as the controller would (a new ReplicaSet and a Running pod
// with the new image, the old pod deleted). Everything the user does goes through the UI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { axeViolations, baseUrl, clusterApi, launchChromium, recordProblems, until } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'output');
const BASE = baseUrl();
const CLUSTER = process.env.LAMPLIGHT_CLUSTER ?? 'demo';
const ALICE = { 'X-Forwarded-User': 'alice', 'X-Forwarded-Group': 'dev,ops' };
const VIEWER = { 'X-Forwarded-User': process.env.LAMPLIGHT_READ_ONLY_USER ?? 'viewer' };
const STAMP = Date.now().toString(36);
const NS = 'default';
const APP = `journey-${STAMP}`;
const BAD_IMAGE = 'registry.example.com/team/web:does-not-exist';
const GOOD_IMAGE = 'nginx:1.27';
const OLD_HASH = '5d8f7b9c4';
const NEW_HASH = '7f6c9d8b5';
const OLD_RS = `${APP}-${OLD_HASH}`;
const NEW_RS = `${APP}-${NEW_HASH}`;
const OLD_POD = `${OLD_RS}-x7k2p`;
const NEW_POD = `${NEW_RS}-q4m9z`;
const LIVE_MS = 5000;


let browser;
let context;
let page;
const problems = [];
let deploymentUid = '';
let baseline = 0;
/** Requests of the page for secrets (the pod page must name secret references, not read them). */
const secretReads = [];

const api = clusterApi(BASE, CLUSTER, ALICE);

async function create(collection, object) {
  const { status, body } = await api(collection, { method: 'POST', body: JSON.stringify(object) });
  assert.equal(status, 201, `creating ${object.kind} ${object.metadata.name}: ${JSON.stringify(body)}`);
  return body;
}


/** `until`, within LIVE_MS unless told. */
const untilLive = (what, condition, timeout = LIVE_MS) => until(what, condition, timeout);

async function shot(name, target = page) {
  fs.mkdirSync(OUT, { recursive: true });
  await target.screenshot({ path: path.join(OUT, `${name}.png`) });
}

const owner = (kind, name, uid) => [{ apiVersion: 'apps/v1', kind, name, uid, controller: true, blockOwnerDeletion: true }];
const labels = (hash) => ({ app: APP, 'pod-template-hash': hash });

/** The deployment's pod template: resources, env from a secret and a config map, a volume, probes. */
function podSpec(image) {
  return {
    containers: [
      {
        name: 'web',
        image,
        ports: [{ containerPort: 80 }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        env: [
          { name: 'MODE', value: 'production' },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${APP}-db`, key: 'password' } } },
          { name: 'COLOR', valueFrom: { configMapKeyRef: { name: `${APP}-settings`, key: 'color' } } },
        ],
        volumeMounts: [{ name: 'settings', mountPath: '/etc/web' }],
        livenessProbe: { httpGet: { path: '/healthz', port: 80 }, periodSeconds: 10 },
        readinessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 2 },
      },
    ],
    volumes: [{ name: 'settings', configMap: { name: `${APP}-settings` } }],
  };
}

/** What the deployment controller would make: a ReplicaSet of the deployment's template. */
async function replicaSet(name, hash, image) {
  return create(`/apis/apps/v1/namespaces/${NS}/replicasets`, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: NS, labels: labels(hash), ownerReferences: owner('Deployment', APP, deploymentUid) },
    spec: { replicas: 1, selector: { matchLabels: labels(hash) }, template: { metadata: { labels: labels(hash) }, spec: podSpec(image) } },
  });
}

/** The overview's count of pods failing to pull their image (a number once loaded). */
async function imagePullCount(p = page) {
  const card = p.getByTestId('health-imagepull');
  await card.waitFor();
  await untilLive('the image-pull count', async () => /^\d+$/.test(((await card.locator('.health-count').textContent()) ?? '').trim()), 15_000);
  return Number((await card.locator('.health-count').textContent()).trim());
}

/** Replaces the editor's text as a user pasting it would (select all, paste). */
async function setEditorText(text) {
  const content = page.locator('[data-testid="yaml-editor"] .cm-content');
  await content.waitFor();
  await content.click();
  await page.keyboard.press('Control+A');
  await content.evaluate((el, pasted) => {
    const data = new DataTransfer();
    data.setData('text/plain', pasted);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
  await untilLive('the editor holds the pasted text', async () => {
    const shown = await content.evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n'));
    return shown.trimEnd() === text.trimEnd();
  });
}

before(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: ALICE });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  recordProblems(page, problems);
  page.on('request', (request) => /\/secrets(\/|\?|$)/.test(new URL(request.url()).pathname) && secretReads.push(request.url()));
});

after(async () => {
  await browser?.close();
  // Leave the demo cluster as it was (there is no garbage collector to follow the owners).
  await api(`/apis/apps/v1/namespaces/${NS}/deployments/${APP}`, { method: 'DELETE' });
  for (const rs of [OLD_RS, NEW_RS]) await api(`/apis/apps/v1/namespaces/${NS}/replicasets/${rs}`, { method: 'DELETE' });
  for (const pod of [OLD_POD, NEW_POD]) await api(`/api/v1/namespaces/${NS}/pods/${pod}`, { method: 'DELETE' });
  await api(`/api/v1/namespaces/${NS}/events/${OLD_POD}.pull`, { method: 'DELETE' });
});

describe('Issue 13 journey: diagnose and fix a broken deployment from the UI', () => {
  test('a deployment with an image that does not exist leaves a pod failing to pull it', async () => {
    await page.goto(`${BASE}c/${CLUSTER}`);
    await page.getByTestId('overview').waitFor();
    baseline = await imagePullCount();
    const deployment = await create(`/apis/apps/v1/namespaces/${NS}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: APP, namespace: NS, labels: { app: APP } },
      spec: { replicas: 1, selector: { matchLabels: { app: APP } }, template: { metadata: { labels: { app: APP } }, spec: podSpec(BAD_IMAGE) } },
    });
    deploymentUid = deployment.metadata.uid;
    const rs = await replicaSet(OLD_RS, OLD_HASH, BAD_IMAGE);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // The kubelet's report for an image it cannot pull.
    await create(`/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: OLD_POD, namespace: NS, labels: labels(OLD_HASH), ownerReferences: [{ ...owner('ReplicaSet', OLD_RS, rs.metadata.uid)[0] }] },
      spec: podSpec(BAD_IMAGE),
      status: {
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now },
          { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message: 'containers with unready status: [web]' },
        ],
        containerStatuses: [
          {
            name: 'web',
            image: BAD_IMAGE,
            imageID: '',
            ready: false,
            started: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${BAD_IMAGE}"` } },
          },
        ],
        startTime: now,
      },
    });
    await create(`/api/v1/namespaces/${NS}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${OLD_POD}.pull`, namespace: NS },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: OLD_POD, namespace: NS, fieldPath: 'spec.containers{web}' },
      reason: 'Failed',
      message: `Failed to pull image "${BAD_IMAGE}": rpc error: code = NotFound desc = failed to pull and unpack image "${BAD_IMAGE}": not found`,
      type: 'Warning',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    const pod = (await api(`/api/v1/namespaces/${NS}/pods/${OLD_POD}`)).body;
    assert.equal(pod.status.containerStatuses[0].state.waiting.reason, 'ImagePullBackOff');
  });

  test('the overview counts it, and the count leads to the failing pod', async () => {
    await page.reload();
    await page.getByTestId('overview').waitFor();
    await untilLive('the overview counts one more pod failing to pull', async () => (await imagePullCount()) === baseline + 1, 15_000);
    await shot('journey-overview');
    assert.deepEqual(await axeViolations(page, 'overview'), []);
    await page.getByTestId('health-imagepull').click();
    await page.waitForURL(/\/core\/v1\/pods\?(.*&)?problem=imagepull/);
    const row = page.locator(`tr[data-name="${OLD_POD}"]`);
    await row.waitFor();
    // The status says what is wrong in words and with an icon, not colour alone.
    assert.match(await row.textContent(), /ImagePullBackOff/);
    assert.equal(await row.locator('[data-tone="bad"]').count(), 1, 'the status has the failing tone and icon');
    assert.equal(await row.locator('.status-icon-bad[aria-hidden="true"]').count(), 1);
    await shot('journey-problem-list');
    assert.deepEqual(await axeViolations(page, 'pods failing to pull'), []);
    await row.getByRole('link', { name: OLD_POD }).click();
    await page.waitForURL(new RegExp(`/core/v1/pods/${NS}/${OLD_POD}`));
    await page.getByTestId('detail-title').getByText(OLD_POD).waitFor();
  });

  test('the pod page shows the Warning event and the waiting reason', async () => {
    const events = page.getByTestId('events');
    await events.getByText('Failed to pull image', { exact: false }).first().waitFor();
    assert.match(await events.textContent(), /Warning/);
    assert.match(await page.getByTestId('containers').first().textContent(), /ImagePullBackOff/);
    // Container details: requests and limits, env references named (never read), volumes, probes.
    const details = page.getByTestId('container-details-web');
    assert.equal(await details.getByTestId('requests').textContent(), 'cpu 100m, memory 64Mi');
    assert.equal(await details.getByTestId('limits').textContent(), 'memory 128Mi');
    assert.match(await details.getByTestId('probe-livenessProbe').textContent(), /HTTP GET :80\/healthz, period 10s/);
    assert.match(await details.getByTestId('probe-readinessProbe').textContent(), /TCP :80, delay 2s/);
    const env = await page.getByTestId('env-web').textContent();
    assert.match(env, /MODE\s*production/);
    assert.match(env, new RegExp(`DB_PASSWORD\\s*secret ${APP}-db, key password`));
    assert.match(env, new RegExp(`COLOR\\s*config map ${APP}-settings, key color`));
    assert.match(await page.getByTestId('volumes').textContent(), new RegExp(`settings\\s*configMap\\s*config map ${APP}-settings`));
    assert.ok(!secretReads.length, `no secret was read: ${secretReads}`);
    // Jump links to each section; one moves the focus to its heading.
    const jump = page.getByTestId('jump-links');
    await jump.getByRole('link', { name: 'Events' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Events');
    await shot('journey-pod');
    assert.deepEqual(await axeViolations(page, 'failing pod'), []);
  });

  test('its log can be read', async () => {
    await page.getByTestId('logs-toggle').click();
    await page.getByTestId('logs').waitFor();
    await page.getByTestId('logs-live').waitFor();
    await untilLive('a log line', async () => (await page.getByTestId('log-line').count()) > 0, 10_000);
    await page.getByTestId('logs-toggle').click();
  });

  test('a shell opens in it', async () => {
    await page.getByTestId('terminal-shell').selectOption('sh');
    await page.getByTestId('terminal-connect').click();
    await page.getByTestId('terminal-status').getByText('channel.k8s.io').waitFor();
    await page.locator('[data-testid="terminal-host"] .xterm').click();
    await page.keyboard.type('echo journey');
    const text = () => page.locator('[data-testid="terminal-host"] .xterm-rows').innerText().catch(() => '');
    await untilLive('the echo in the terminal', async () => (await text()).includes('echo journey'));
    await page.getByTestId('terminal-close').click();
    await page.getByTestId('terminal-exit').getByText('Exited with status 0').waitFor();
  });

  test('the owner links lead to the deployment, whose image is fixed in the YAML editor', async () => {
    await page.getByTestId('owners').getByRole('link', { name: OLD_RS }).click();
    await page.waitForURL(new RegExp(`/apps/v1/replicasets/${NS}/${OLD_RS}`));
    await page.getByTestId('owners').getByRole('link', { name: APP }).click();
    await page.waitForURL(new RegExp(`/apps/v1/deployments/${NS}/${APP}$`));
    await page.getByTestId('action-bar').waitFor();
    const edit = page.locator('[data-testid="action-edit"]:not([aria-disabled])');
    await edit.click();
    const dialog = page.getByTestId('edit-dialog');
    await dialog.locator('.cm-content').waitFor();
    const current = (await api(`/apis/apps/v1/namespaces/${NS}/deployments/${APP}`)).body;
    delete current.metadata.managedFields;
    current.spec.template.spec.containers[0].image = GOOD_IMAGE;
    await setEditorText(JSON.stringify(current, null, 2));
    await dialog.getByTestId('edit-apply').click();
    await dialog.waitFor({ state: 'detached' });
    assert.match(await page.getByTestId('action-message').textContent(), /Saved Deployment/);
    assert.equal((await api(`/apis/apps/v1/namespaces/${NS}/deployments/${APP}`)).body.spec.template.spec.containers[0].image, GOOD_IMAGE);
  });

  test('the rollout is watched live: the new pod is Running and the overview count goes back', async () => {
    const pods = page.getByTestId('selected-pods');
    await pods.locator(`tr[data-name="${OLD_POD}"]`).waitFor();
    // The controllers' part (see the top of this file): a new ReplicaSet, its pod Running, the old pod gone.
    const rs = await replicaSet(NEW_RS, NEW_HASH, GOOD_IMAGE);
    await create(`/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: NEW_POD, namespace: NS, labels: labels(NEW_HASH), ownerReferences: owner('ReplicaSet', NEW_RS, rs.metadata.uid) },
      spec: podSpec(GOOD_IMAGE),
    });
    await api(`/api/v1/namespaces/${NS}/pods/${OLD_POD}`, { method: 'DELETE' });
    const shownFrom = Date.now();
    await untilLive('the new pod Running and the old one gone in the deployment page', async () => {
      const row = pods.locator(`tr[data-name="${NEW_POD}"]`);
      if (!(await row.count())) return false;
      return /Running/.test(await row.textContent()) && (await pods.locator(`tr[data-name="${OLD_POD}"]`).count()) === 0;
    });
    const ms = Date.now() - shownFrom;
    console.log(`journey: rollout shown ${ms} ms after the controller's writes`);
    await shot('journey-rollout');
    assert.deepEqual(await axeViolations(page, 'deployment'), []);
    await page.getByRole('link', { name: 'Overview' }).first().click();
    await page.getByTestId('overview').waitFor();
    await untilLive('the image-pull count back to where it was', async () => (await imagePullCount()) === baseline, 15_000);
  });

  test('a user without permission sees the actions disabled, with the reason', async () => {
    const viewer = await browser.newContext({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: VIEWER });
    try {
      const other = await viewer.newPage();
      other.on('pageerror', (error) => problems.push(`page error (viewer): ${error.message}`));
      const expectDisabled = async (testId, reason) => {
        const button = other.locator(`[data-testid="${testId}"][aria-disabled="true"]:not([aria-busy])`);
        await button.waitFor();
        const why = await button.getAttribute('data-why');
        assert.match(why, reason, `${testId}: ${why}`);
        const describedBy = await button.getAttribute('aria-describedby');
        assert.equal(await other.locator(`[id="${describedBy}"]`).textContent(), why);
      };
      await other.goto(`${BASE}c/${CLUSTER}/apps/v1/deployments/${NS}/${APP}`);
      await other.getByTestId('action-bar').waitFor();
      await expectDisabled('action-edit', new RegExp(`You cannot update deployments\\.apps “${APP}” in namespace ${NS}`));
      await expectDisabled('action-scale', /You cannot patch deployments\/scale\.apps/);
      await expectDisabled('action-restart', /You cannot patch deployments\.apps/);
      await expectDisabled('action-delete', /You cannot delete deployments\.apps/);
      assert.deepEqual(await axeViolations(other, 'deployment, read-only user'), []);
      await other.goto(`${BASE}c/${CLUSTER}/core/v1/pods/${NS}/${NEW_POD}`);
      await other.getByTestId('action-bar').waitFor();
      await expectDisabled('action-delete', new RegExp(`You cannot delete pods “${NEW_POD}” in namespace ${NS}`));
      const connect = other.locator('[data-testid="terminal-connect"][aria-disabled="true"], [data-testid="terminal-connect"][disabled]');
      await connect.waitFor();
      assert.match(await other.getByTestId('terminal-denied').textContent(), /You cannot create pods\/exec/);
      await shot('journey-viewer', other);
      assert.deepEqual(await axeViolations(other, 'pod, read-only user'), []);
    } finally {
      await viewer.close();
    }
  });

  test('ran without CSP violations or uncaught errors', () => {
    assert.deepEqual(problems, []);
  });
});
