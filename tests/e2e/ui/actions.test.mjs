// Browser test of the detail page's actions (issue 13: edit, scale, restart, delete, drain, and
// permission awareness) against a running server:
//
//   lamplight --demo -proxy-auth=true -proxy-auth-trusted-proxies=127.0.0.1 -proxy-auth-impersonate -port=0
//   LAMPLIGHT_URL=http://127.0.0.1:PORT/ node --test tests/e2e/ui/actions.test.mjs
//
// The browser plays the identity proxy as alice (may do everything) and as viewer (the demo's
// read-only user: get, list, watch). The test makes its own objects (a deployment, a pod, a node
// with pods) so the other browser tests find the demo cluster as they expect it, and deletes them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { axeViolations, baseUrl, clusterApi, launchChromium, recordProblems, until } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'output');
const BASE = baseUrl();
const BASE_PATH = new URL(BASE).pathname;
const CLUSTER = process.env.LAMPLIGHT_CLUSTER ?? 'demo';
const ALICE = { 'X-Forwarded-User': 'alice', 'X-Forwarded-Group': 'dev,ops' };
// The demo's read-only user (crates/fake-apiserver/src/demo.rs); LAMPLIGHT_READ_ONLY_USER for another cluster.
const VIEWER = { 'X-Forwarded-User': process.env.LAMPLIGHT_READ_ONLY_USER ?? 'viewer' };
const LIVE_MS = 3000;
const STAMP = Date.now().toString(36);
const DEPLOYMENT = `e2e-web-${STAMP}`;
const POD = `e2e-doomed-${STAMP}`;
const NODE = `e2e-node-${STAMP}`;
const CRONJOB = `e2e-cron-${STAMP}`;
const STATEFULSET = `e2e-sts-${STAMP}`;
const DAEMONSET = `e2e-ds-${STAMP}`;
/** Whether the cluster serves CronJobs, StatefulSets and DaemonSets (the demo does). */
let moreKinds = false;



let browser;
let context;
let page;
const problems = [];

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

const deploymentPath = `/apis/apps/v1/namespaces/default/deployments/${DEPLOYMENT}`;
const deploymentUrl = () => `${BASE}c/${CLUSTER}/apps/v1/deployments/default/${DEPLOYMENT}`;

/** An enabled action button (the permission check has answered yes). */
async function enabled(testId, target = page) {
  const button = target.locator(`[data-testid="${testId}"]:not([aria-disabled])`);
  await button.waitFor();
  return button;
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
  await untilLive('the editor holds the pasted text', async () => (await editorText()).trimEnd() === text.trimEnd());
}

async function editorText() {
  return page.locator('[data-testid="yaml-editor"] .cm-content').evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n'));
}

/** The deployment as the editor would be given it by a user: JSON (which is YAML), without managedFields. */
function asEdited(object, change) {
  const copy = structuredClone(object);
  delete copy.metadata.managedFields;
  change(copy);
  return JSON.stringify(copy, null, 2);
}

before(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: ALICE });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  recordProblems(page, problems);

  await create('/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DEPLOYMENT, namespace: 'default', labels: { app: DEPLOYMENT } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: DEPLOYMENT } },
      template: { metadata: { labels: { app: DEPLOYMENT } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
    },
  });
  await create('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  const cronJob = await api('/apis/batch/v1/namespaces/default/cronjobs', {
    method: 'POST',
    body: JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: CRONJOB, namespace: 'default' },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: {
          metadata: { labels: { app: CRONJOB } },
          spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: 'busybox', command: ['date'] }] } } },
        },
      },
    }),
  });
  moreKinds = cronJob.status === 201;
  if (moreKinds) {
    const template = (app) => ({
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
    await create('/apis/apps/v1/namespaces/default/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: STATEFULSET, namespace: 'default' },
      spec: { replicas: 1, serviceName: STATEFULSET, ...template(STATEFULSET) },
    });
    await create('/apis/apps/v1/namespaces/default/daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: DAEMONSET, namespace: 'default' },
      spec: template(DAEMONSET),
    });
  }
  await create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } } });
  const owned = (kind, name) => [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true }];
  for (const [name, owner] of [
    [`e2e-drain-a-${STAMP}`, owned('ReplicaSet', 'e2e-rs')],
    [`e2e-drain-b-${STAMP}`, owned('ReplicaSet', 'e2e-rs')],
    [`e2e-drain-ds-${STAMP}`, owned('DaemonSet', 'e2e-ds')],
  ]) {
    await create('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', ownerReferences: owner },
      spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }] },
    });
  }
});

after(async () => {
  await browser?.close();
  // Leave the demo cluster as it was.
  await api(deploymentPath, { method: 'DELETE' });
  await api(`/api/v1/namespaces/default/pods/${POD}`, { method: 'DELETE' });
  await api(`/api/v1/namespaces/default/pods/e2e-drain-ds-${STAMP}`, { method: 'DELETE' });
  await api(`/api/v1/nodes/${NODE}`, { method: 'DELETE' });
  if (moreKinds) {
    await api(`/apis/batch/v1/namespaces/default/cronjobs/${CRONJOB}`, { method: 'DELETE' });
    await api(`/apis/apps/v1/namespaces/default/statefulsets/${STATEFULSET}`, { method: 'DELETE' });
    await api(`/apis/apps/v1/namespaces/default/daemonsets/${DAEMONSET}`, { method: 'DELETE' });
    const jobs = (await api('/apis/batch/v1/namespaces/default/jobs')).body.items ?? [];
    for (const job of jobs.filter((j) => j.metadata.ownerReferences?.some((o) => o.name === CRONJOB))) {
      await api(`/apis/batch/v1/namespaces/default/jobs/${job.metadata.name}`, { method: 'DELETE' });
    }
  }
});

describe('Lamplight UI actions', () => {
  test('scales a deployment and sees the replicas change live', async () => {
    await page.goto(deploymentUrl());
    await page.getByTestId('action-bar').waitFor();
    const desired = page.locator('[data-testid="replicas"] dd').first();
    assert.equal((await desired.textContent()).trim(), '2');
    await (await enabled('action-scale')).click();
    const dialog = page.getByTestId('scale-dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), new RegExp(`Deployment ${DEPLOYMENT} in namespace default has 2 desired replicas`));
    await dialog.getByTestId('scale-input').fill('4');
    await shot('action-scale');
    await dialog.getByTestId('scale-apply').click();
    await dialog.waitFor({ state: 'detached' });
    const shownFrom = Date.now();
    await untilLive('the page shows 4 desired replicas', async () => (await desired.textContent()).trim() === '4');
    const ms = Date.now() - shownFrom;
    console.log(`scale: replicas shown ${ms} ms after the dialog closed`);
    assert.equal((await api(deploymentPath)).body.spec.replicas, 4);
    assert.match(await page.getByTestId('action-message').textContent(), /Scaled Deployment .* to 4 replicas/);
  });

  test('restarts it (kubectl rollout restart)', async () => {
    const before = (await api(deploymentPath)).body;
    assert.equal(before.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'], undefined);
    await (await enabled('action-restart')).click();
    const dialog = page.getByTestId('restart-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('confirm').click();
    await dialog.waitFor({ state: 'detached' });
    const restartedAt = (await api(deploymentPath)).body.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
    assert.match(restartedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(restartedAt) - Date.now()) < 60_000, `restartedAt ${restartedAt} is now`);
    await untilLive('the YAML shows restartedAt', async () => (await page.getByTestId('yaml').textContent()).includes(`kubectl.kubernetes.io/restartedAt: ${restartedAt}`.replace(/: (.*)$/, ': "$1"')) || (await page.getByTestId('yaml').textContent()).includes(restartedAt));
    assert.match(await page.getByTestId('action-message').textContent(), /Restart of Deployment .* requested/);
  });

  test('edits the image in the YAML editor: dry-run preview, then apply', async () => {
    await (await enabled('action-edit')).click();
    const dialog = page.getByTestId('edit-dialog');
    await dialog.waitFor();
    await dialog.locator('.cm-content').waitFor();
    const shown = await editorText();
    assert.deepEqual(await axeViolations(page, 'edit dialog, editor'), []);
    assert.match(shown, /^apiVersion: apps\/v1\nkind: Deployment\n/);
    assert.match(shown, /image: nginx:1\.25/);
    assert.doesNotMatch(shown, /managedFields/);
    const current = (await api(deploymentPath)).body;
    await setEditorText(asEdited(current, (o) => (o.spec.template.spec.containers[0].image = 'nginx:1.27')));
    await dialog.getByTestId('edit-preview').click();
    const diff = dialog.getByTestId('preview-diff');
    await diff.waitFor();
    const diffText = await diff.textContent();
    assert.match(diffText, /image: nginx:1\.25/);
    assert.match(diffText, /image: nginx:1\.27/);
    assert.equal(await diff.locator('.diff-del', { hasText: 'image: nginx:1.25' }).count(), 1);
    assert.equal(await diff.locator('.diff-add', { hasText: 'image: nginx:1.27' }).count(), 1);
    assert.equal((await api(deploymentPath)).body.spec.template.spec.containers[0].image, 'nginx:1.25', 'a dry run changes nothing');
    await shot('action-edit-preview');
    assert.deepEqual(await axeViolations(page, 'edit dialog, preview'), []);
    await dialog.getByTestId('edit-apply').click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await api(deploymentPath)).body.spec.template.spec.containers[0].image, 'nginx:1.27');
    await untilLive('the page shows the new image', async () => (await page.getByTestId('yaml').textContent()).includes('image: nginx:1.27'));
    assert.match(await page.getByTestId('action-message').textContent(), /Saved Deployment/);
  });

  test('shows YAML errors in place', async () => {
    await (await enabled('action-edit')).click();
    const dialog = page.getByTestId('edit-dialog');
    await dialog.locator('.cm-content').waitFor();
    await setEditorText('metadata: [unclosed\n');
    await dialog.getByTestId('edit-apply').click();
    const error = dialog.getByTestId('action-error');
    await error.waitFor();
    assert.match(await error.textContent(), /YAML error/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  test('a change behind the editor\'s back is a 409 with the diff; reload or reapply', async () => {
    for (const resolution of ['reload', 'reapply']) {
      await (await enabled('action-edit')).click();
      const dialog = page.getByTestId('edit-dialog');
      await dialog.locator('.cm-content').waitFor();
      const opened = (await api(deploymentPath)).body;
      // Someone else changes the deployment meanwhile.
      const label = `behind-${resolution}`;
      const patched = await api(deploymentPath, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { changed: label } } }) });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      await setEditorText(asEdited(opened, (o) => (o.metadata.annotations = { ...(o.metadata.annotations ?? {}), note: `mine-${resolution}` })));
      await dialog.getByTestId('edit-apply').click();
      const conflict = dialog.getByTestId('edit-conflict');
      await conflict.waitFor();
      assert.match(await conflict.textContent(), /409 Conflict/);
      const diff = conflict.getByTestId('conflict-diff');
      assert.equal(await diff.locator('.diff-del', { hasText: `changed: ${label}` }).count(), 1, 'the live change would be lost');
      assert.equal(await diff.locator('.diff-add', { hasText: `note: mine-${resolution}` }).count(), 1, 'my change');
      await shot(`action-conflict-${resolution}`);
      if (resolution === 'reload') {
        await dialog.getByTestId('conflict-reload').click();
        await untilLive('the editor shows the live object', async () => (await editorText()).includes(`changed: ${label}`));
        await dialog.getByTestId('edit-apply').click();
        await dialog.waitFor({ state: 'detached' });
        const now = (await api(deploymentPath)).body;
        assert.equal(now.metadata.labels.changed, label, 'reloading kept their change');
        assert.equal(now.metadata.annotations?.note, undefined);
      } else {
        await dialog.getByTestId('conflict-reapply').click();
        await dialog.waitFor({ state: 'detached' });
        const now = (await api(deploymentPath)).body;
        assert.equal(now.metadata.annotations?.note, 'mine-reapply', 'reapplying wrote my version');
        assert.equal(now.metadata.labels.changed, 'behind-reload', 'over theirs');
      }
    }
  });

  test('drains a node: cordon, evictions with progress, DaemonSet pods skipped; then uncordons', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/nodes/${NODE}`);
    await (await enabled('action-drain')).click();
    const dialog = page.getByTestId('drain-dialog');
    await dialog.getByTestId('drain-pods').waitFor();
    const rows = await dialog.locator('[data-testid="drain-pods"] tbody tr').allTextContents();
    assert.equal(rows.length, 3, rows.join('\n'));
    assert.ok(rows.some((r) => r.includes(`e2e-drain-ds-${STAMP}`) && r.includes('skipped: managed by DaemonSet e2e-ds')), rows.join('\n'));
    await dialog.getByTestId('drain-confirm').click();
    await untilLive('2 of 2 evicted', async () => /2 of 2 evicted — done/.test((await dialog.getByTestId('drain-progress').textContent().catch(() => '')) ?? ''), 10_000).catch(async (e) => {
      await shot('action-drain-failed');
      throw e;
    });
    await shot('action-drain');
    assert.deepEqual(await axeViolations(page, 'drain dialog'), []);
    const node = (await api(`/api/v1/nodes/${NODE}`)).body;
    assert.equal(node.spec.unschedulable, true, 'cordoned');
    const left = (await api(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${NODE}`)}`)).body.items.map((p) => p.metadata.name);
    assert.deepEqual(left, [`e2e-drain-ds-${STAMP}`]);
    await dialog.getByTestId('drain-close').click();
    await dialog.waitFor({ state: 'detached' });
    assert.match(await page.getByTestId('action-message').textContent(), /Drained node .*: cordoned, 2 pods evicted/);
    await (await enabled('action-uncordon')).click();
    await page.getByTestId('cordon-dialog').getByTestId('confirm').click();
    await untilLive('uncordoned', async () => !(await api(`/api/v1/nodes/${NODE}`)).body.spec?.unschedulable);
    await (await enabled('action-cordon')).waitFor();
  });

  test('scales and restarts a StatefulSet, restarts a DaemonSet (which has no Scale)', async (t) => {
    if (!moreKinds) return t.skip('the cluster serves no StatefulSets');
    await page.goto(`${BASE}c/${CLUSTER}/apps/v1/statefulsets/default/${STATEFULSET}`);
    await (await enabled('action-scale')).click();
    await page.getByTestId('scale-input').fill('3');
    await page.getByTestId('scale-apply').click();
    await untilLive('spec.replicas 3', async () => (await api(`/apis/apps/v1/namespaces/default/statefulsets/${STATEFULSET}`)).body.spec.replicas === 3);
    await (await enabled('action-restart')).click();
    await page.getByTestId('restart-dialog').getByTestId('confirm').click();
    await untilLive('restartedAt set', async () => !!(await api(`/apis/apps/v1/namespaces/default/statefulsets/${STATEFULSET}`)).body.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);

    await page.goto(`${BASE}c/${CLUSTER}/apps/v1/daemonsets/default/${DAEMONSET}`);
    await (await enabled('action-restart')).click();
    assert.equal(await page.getByTestId('action-scale').count(), 0, 'a DaemonSet has no Scale');
    await page.getByTestId('restart-dialog').getByTestId('confirm').click();
    await untilLive('restartedAt set', async () => !!(await api(`/apis/apps/v1/namespaces/default/daemonsets/${DAEMONSET}`)).body.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
  });

  test('suspends, resumes and runs a CronJob now', async (t) => {
    if (!moreKinds) return t.skip('the cluster serves no CronJobs');
    const cronJobPath = `/apis/batch/v1/namespaces/default/cronjobs/${CRONJOB}`;
    await page.goto(`${BASE}c/${CLUSTER}/batch/v1/cronjobs/default/${CRONJOB}`);
    await (await enabled('action-suspend')).click();
    await page.getByTestId('suspend-dialog').getByTestId('confirm').click();
    await untilLive('suspended', async () => (await api(cronJobPath)).body.spec.suspend === true);
    // The button follows the object live.
    await (await enabled('action-resume')).click();
    await page.getByTestId('suspend-dialog').getByTestId('confirm').click();
    await untilLive('resumed', async () => (await api(cronJobPath)).body.spec.suspend === false);
    await (await enabled('action-suspend')).waitFor();

    await (await enabled('action-run-now')).click();
    await page.getByTestId('run-now-dialog').getByTestId('confirm').click();
    const message = page.getByTestId('action-message');
    await message.getByRole('link', { name: 'Open it' }).waitFor();
    const jobName = (await message.textContent()).match(/Created Job (\S+)/)?.[1];
    assert.ok(jobName?.startsWith(`${CRONJOB}-manual-`), await message.textContent());
    const job = (await api(`/apis/batch/v1/namespaces/default/jobs/${jobName}`)).body;
    const cronJob = (await api(cronJobPath)).body;
    assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: CRONJOB, uid: cronJob.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.deepEqual(job.spec, cronJob.spec.jobTemplate.spec);
    await shot('action-run-now');
    await message.getByRole('link', { name: 'Open it' }).click();
    await page.getByTestId('detail-title').filter({ hasText: jobName }).waitFor();
  });

  test('deletes a pod after the user types its name', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods/default/${POD}`);
    await (await enabled('action-delete')).click();
    const dialog = page.getByTestId('delete-dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), new RegExp(`This deletes Pod ${POD} in namespace default`));
    const confirm = dialog.getByTestId('delete-confirm');
    assert.equal(await confirm.isDisabled(), true, 'not before the name is typed');
    await dialog.getByTestId('delete-name').fill(POD.slice(0, -1));
    assert.equal(await confirm.isDisabled(), true, 'not with a wrong name');
    await dialog.getByTestId('delete-name').fill(POD);
    await dialog.getByTestId('propagation-Foreground').check();
    await shot('action-delete');
    assert.deepEqual(await axeViolations(page, 'delete dialog'), []);
    await confirm.click();
    await page.waitForURL((url) => url.pathname === `${BASE_PATH}c/${CLUSTER}/core/v1/pods`);
    assert.equal((await api(`/api/v1/namespaces/default/pods/${POD}`)).status, 404);
  });

  test('creates from YAML on a list page (a 422 shown in place first)', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/configmaps?ns=default`);
    await (await enabled('action-create')).click();
    const dialog = page.getByTestId('create-dialog');
    await dialog.locator('.cm-content').waitFor();
    assert.match(await editorText(), /^apiVersion: v1\nkind: ConfigMap\nmetadata:\n {2}name: ""\n {2}namespace: default/);
    // A 422 from the server is shown in place, cause by cause.
    await setEditorText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Name\n');
    await dialog.getByTestId('create-apply').click();
    const causes = dialog.getByTestId('action-causes');
    await causes.waitFor();
    assert.match(await dialog.getByTestId('action-error').textContent(), /422 Unprocessable Entity while creating/);
    assert.match(await causes.textContent(), /metadata\.name: Invalid value: "Not_A_Name"/);
    await shot('action-create-invalid');
    const name = `e2e-created-${STAMP}`;
    await setEditorText(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  hello: world\n`);
    await dialog.getByTestId('create-preview').click();
    await dialog.getByTestId('create-preview-result').waitFor();
    assert.equal((await api(`/api/v1/namespaces/default/configmaps/${name}`)).status, 404, 'a dry run creates nothing');
    await dialog.getByTestId('create-apply').click();
    await page.waitForURL((url) => url.pathname.endsWith(`/core/v1/configmaps/default/${name}`));
    assert.equal((await api(`/api/v1/namespaces/default/configmaps/${name}`)).body.data.hello, 'world');
    await api(`/api/v1/namespaces/default/configmaps/${name}`, { method: 'DELETE' });
  });

  test('a read-only user sees every action disabled, with the reason', async () => {
    const viewer = await browser.newContext({ viewport: { width: 1400, height: 700 }, extraHTTPHeaders: VIEWER });
    try {
      const other = await viewer.newPage();
      other.on('pageerror', (error) => problems.push(`page error (viewer): ${error.message}`));
      const expectDisabled = async (testId, reason) => {
        const button = other.locator(`[data-testid="${testId}"][aria-disabled="true"]:not([aria-busy])`);
        await button.waitFor();
        const why = await button.getAttribute('data-why');
        assert.match(why, reason, `${testId}: ${why}`);
        // The reason is also the button's accessible description.
        const describedBy = await button.getAttribute('aria-describedby');
        assert.equal(await other.locator(`[id="${describedBy}"]`).textContent(), why);
        // A click does nothing (forced: for Playwright an aria-disabled button is not clickable).
        await button.click({ force: true });
      };
      await other.goto(deploymentUrl());
      await other.getByTestId('action-bar').waitFor();
      await expectDisabled('action-edit', new RegExp(`You cannot update deployments\\.apps “${DEPLOYMENT}” in namespace default`));
      await expectDisabled('action-scale', new RegExp(`You cannot patch deployments/scale\\.apps “${DEPLOYMENT}” in namespace default`));
      await expectDisabled('action-restart', /You cannot patch deployments\.apps/);
      await expectDisabled('action-delete', /You cannot delete deployments\.apps/);
      assert.equal(await other.locator('dialog[open]').count(), 0, 'no dialog opened');
      await other.getByTestId('action-scale').hover();
      await shot('action-forbidden', other);
      assert.deepEqual(await axeViolations(other, 'disabled actions'), []);
      await other.goto(`${BASE}c/${CLUSTER}/core/v1/nodes/${NODE}`);
      await expectDisabled('action-cordon', new RegExp(`You cannot patch nodes “${NODE}” cluster-wide`));
      await expectDisabled('action-drain', /You cannot patch nodes/);
      if (moreKinds) {
        await other.goto(`${BASE}c/${CLUSTER}/batch/v1/cronjobs/default/${CRONJOB}`);
        await expectDisabled('action-suspend', new RegExp(`You cannot patch cronjobs\\.batch “${CRONJOB}” in namespace default`));
        await expectDisabled('action-run-now', /You cannot create jobs\.batch in namespace default/);
      }
      await other.goto(`${BASE}c/${CLUSTER}/core/v1/configmaps?ns=default`);
      await expectDisabled('action-create', /You cannot create configmaps in namespace default/);
      // What the API server says when asked anyway.
      const denied = await api(`${deploymentPath}/scale`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{"spec":{"replicas":1}}' }, VIEWER);
      assert.equal(denied.status, 403);
    } finally {
      await viewer.close();
    }
  });

  test('the sidebar leaves out kinds the user cannot list', async () => {
    // The demo's dev may not touch secrets.
    const dev = await browser.newContext({ viewport: { width: 1400, height: 700 }, extraHTTPHeaders: { 'X-Forwarded-User': 'dev', 'X-Forwarded-Group': 'dev' } });
    try {
      const other = await dev.newPage();
      await other.goto(`${BASE}c/${CLUSTER}/core/v1/configmaps?ns=default`);
      await other.getByTestId('nav-configmaps').waitFor();
      await untilLive('Secrets left out for dev', async () => (await other.getByTestId('nav-secrets').count()) === 0);
      await page.goto(`${BASE}c/${CLUSTER}/core/v1/configmaps?ns=default`);
      await page.getByTestId('nav-secrets').waitFor();
    } finally {
      await dev.close();
    }
  });

  test('ran without CSP violations or uncaught errors', () => {
    assert.deepEqual(problems, []);
  });
});
