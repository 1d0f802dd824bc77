// Browser test of the storage, networking, access-control and policy pages, against a running
// server (the demo):
//
//   LAMPLIGHT_URL=http://127.0.0.1:PORT/ node --test tests/e2e/ui/platform.test.mjs
//
// Each detail page says what its object means and links to the objects it names, followed here
// as a user would: binding → role → its rules, binding → service account, claim → volume → claim,
// claim → storage class, ingress → service, autoscaler → deployment. The facts are read from the
// demo cluster through the API, not written into the test. axe-core on two of the pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, baseUrl, clusterApi, launchChromium, recordProblems } from './support.mjs';

const BASE = baseUrl();
const BASE_PATH = new URL(BASE).pathname;
const CLUSTER = process.env.LAMPLIGHT_CLUSTER ?? 'demo';
const ALICE = { 'X-Forwarded-User': 'alice', 'X-Forwarded-Group': 'dev,ops' };
const RBAC = 'rbac.authorization.k8s.io/v1';

let browser;
let page;
const problems = [];
const api = clusterApi(BASE, CLUSTER, ALICE);

before(async () => {
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 }, extraHTTPHeaders: ALICE });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  recordProblems(page, problems);
  // The panels load on demand: their chunk is held back as on a slow link, so that every read
  // below waits for what it reads (a fast machine would otherwise hide a missing wait).
  await page.route(/\/assets\/PlatformDetails-[^/]+\.js$/, async (route) => {
    const response = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await route.fulfill({ response });
  });
});

after(async () => {
  await browser?.close();
  assert.deepEqual(problems, []);
});

/** Opens an object's page (`group/version/resource/[namespace/]name`, `core` for the core group). */
async function open(path) {
  await page.goto(`${BASE}c/${CLUSTER}/${path}`);
  await page.getByTestId('detail').waitFor();
}

const text = (testId) => page.getByTestId(testId).innerText();
/** The cells of a table's rows, as text, once the table is shown (the panels load on demand). */
async function cells(testId) {
  await page.getByTestId(testId).waitFor();
  return page.locator(`[data-testid="${testId}"] tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText.trim())));
}
const at = (path) => page.waitForURL((url) => url.pathname === `${BASE_PATH}c/${CLUSTER}/${path}`);

describe('Storage, networking, access control and policy pages', () => {
  test('a role binding names its role and subjects; the role shows its rules; a service account subject opens its page', async () => {
    const binding = (await api(`/apis/${RBAC}/namespaces/team-a/rolebindings/team-a-edit`)).body;
    await open(`${RBAC}/rolebindings/team-a/team-a-edit`);
    assert.match(await text('binding'), new RegExp(`${binding.roleRef.kind}/${binding.roleRef.name}[\\s\\S]*namespace team-a only`));
    assert.deepEqual(
      await cells('subjects'),
      binding.subjects.map((s) => [s.kind, s.name, s.namespace ?? '']),
    );
    assert.deepEqual(await axeViolations(page, 'role binding'), []);

    await page.getByTestId('role-ref').click();
    await at(`${RBAC}/clusterroles/${binding.roleRef.name}`);
    const role = (await api(`/apis/${RBAC}/clusterroles/${binding.roleRef.name}`)).body;
    const rules = await cells('rules');
    assert.equal(rules.length, role.rules.length);
    assert.deepEqual(rules[0][0].split(', '), role.rules[0].apiGroups.map((g) => (g === '' ? 'core' : g)));
    assert.deepEqual(rules[0][3].split(', '), role.rules[0].verbs);

    // A wildcard verb is flagged.
    await open(`${RBAC}/clusterroles/cluster-admin`);
    await page.getByTestId('rules').waitFor();
    assert.equal(await page.locator('[data-testid="rules"] tbody tr').first().locator('td').nth(3).locator('.bad').count(), 1);

    // A service account subject, namespaced like its binding.
    await open(`${RBAC}/rolebindings/default/web-config-reader`);
    await page.getByTestId('subjects').getByRole('link', { name: 'web' }).click();
    await at('core/v1/serviceaccounts/default/web');
    await page.getByTestId('service-account').waitFor();
  });

  test('a claim links to its volume and storage class, and the volume back to the claim', async () => {
    const claim = (await api('/api/v1/namespaces/default/persistentvolumeclaims/web-cache')).body;
    await open('core/v1/persistentvolumeclaims/default/web-cache');
    const facts = await text('claim');
    assert.match(facts, new RegExp(`Status\\s+${claim.status.phase}`));
    assert.match(facts, new RegExp(`Capacity\\s+${claim.status.capacity.storage}`));
    assert.match(facts, /ReadWriteOnce \(RWO\)/);

    await page.getByTestId('claim-volume').click();
    await at(`core/v1/persistentvolumes/${claim.spec.volumeName}`);
    assert.equal((await page.getByTestId('volume-claim').innerText()).trim(), 'default/web-cache');

    await page.getByTestId('volume-claim').click();
    await at('core/v1/persistentvolumeclaims/default/web-cache');
    await page.getByTestId('claim-class').click();
    await at(`storage.k8s.io/v1/storageclasses/${claim.spec.storageClassName}`);
    const klass = (await api(`/apis/storage.k8s.io/v1/storageclasses/${claim.spec.storageClassName}`)).body;
    const facts2 = await text('storage-class');
    assert.match(facts2, new RegExp(klass.provisioner.replace(/\./g, '\\.')));
    assert.match(facts2, /Default\s+yes/);

    // A claim still waiting says so, with no volume link.
    await open('core/v1/persistentvolumeclaims/team-a/scratch');
    assert.match(await text('claim'), /Status\s+Pending[\s\S]*Volume\s+not bound yet/);
    assert.equal(await page.getByTestId('claim-volume').count(), 0);
  });

  test('an ingress lists host, path, backend service (a link) and TLS secret', async () => {
    const ingress = (await api('/apis/networking.k8s.io/v1/namespaces/default/ingresses/web')).body;
    await open('networking.k8s.io/v1/ingresses/default/web');
    const rule = ingress.spec.rules[0];
    const path = rule.http.paths[0];
    assert.deepEqual(await cells('ingress-rules'), [[rule.host, path.path, `${path.backend.service.name}:${path.backend.service.port.number}`, ingress.spec.tls[0].secretName]]);
    assert.match(await text('ingress'), new RegExp(ingress.status.loadBalancer.ingress[0].ip.replace(/\./g, '\\.')));
    assert.deepEqual(await axeViolations(page, 'ingress'), []);
    await page.getByTestId('ingress-rules').getByRole('link', { name: `${path.backend.service.name}:` }).click();
    await at(`core/v1/services/default/${path.backend.service.name}`);
  });

  test('a network policy says which pods it isolates and that nothing is let in when it has no rule', async () => {
    await open('networking.k8s.io/v1/networkpolicies/team-a/default-deny-ingress');
    assert.match(await text('network-policy'), /Applies to\s+every pod in team-a[\s\S]*Isolates\s+Ingress/);
    assert.match(await page.locator('section', { has: page.getByRole('heading', { name: 'Allowed in' }) }).innerText(), /all ingress traffic of the selected pods is denied/);

    await open('networking.k8s.io/v1/networkpolicies/default/web-allow-http');
    assert.deepEqual(await cells('policy-ingress'), [['any peer', '8080/TCP']]);
  });

  test('an autoscaler links to what it scales and shows current against target; a budget says how many evictions it allows', async () => {
    const hpa = (await api('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web')).body;
    await open('autoscaling/v2/horizontalpodautoscalers/default/web');
    const metric = hpa.spec.metrics[0].resource;
    const current = hpa.status.currentMetrics.find((m) => m.resource.name === metric.name).resource.current;
    assert.deepEqual(await cells('metrics'), [[metric.name, `${current.averageUtilization}%`, `${metric.target.averageUtilization}%`]]);
    await page.getByTestId('scale-target').click();
    await at(`apps/v1/deployments/default/${hpa.spec.scaleTargetRef.name}`);

    const pdb = (await api('/apis/policy/v1/namespaces/default/poddisruptionbudgets/web')).body;
    await open('policy/v1/poddisruptionbudgets/default/web');
    assert.match(await text('disruption-budget'), new RegExp(`Evictions allowed now\\s+${pdb.status.disruptionsAllowed}`));
  });
});
