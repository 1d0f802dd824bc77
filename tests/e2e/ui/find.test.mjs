// Browser test of finding things (issue 13, section 3), against a running server (the demo):
//
//   LAMPLIGHT_URL=http://127.0.0.1:PORT/ node --test tests/e2e/ui/find.test.mjs
//
// The kubeconfig context's namespace as the initial choice; global search (Ctrl+K) by name and by
// label, keyboard only, recent items first; several namespaces at once; the "Custom resources"
// heading and a CRD's page linking to its instances; status icons in lists; a pod's last
// terminated state (OOMKilled). axe-core on the search dialog, the merged list and the CRD page.
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
const STAMP = Date.now().toString(36);
const OOM_POD = `e2e-oom-${STAMP}`;

let browser;
let context;
let page;
const problems = [];

const api = clusterApi(BASE, CLUSTER, ALICE);


/** `until`, within 5 s unless told. */
const untilSoon = (what, condition, timeout = 5000) => until(what, condition, timeout);

async function shot(name) {
  fs.mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

const rowNames = (testId = 'resource-table') => page.locator(`[data-testid="${testId}"] tbody tr[data-name]`).evaluateAll((rows) => rows.map((r) => r.dataset.name));

before(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: ALICE });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  recordProblems(page, problems);
});

after(async () => {
  await browser?.close();
  await api(`/api/v1/namespaces/default/pods/${OOM_POD}`, { method: 'DELETE' });
});

describe('Finding things', () => {
  test('opens on the kubeconfig context namespace when /config gives one', async () => {
    const config = await (await fetch(`${BASE}config`, { headers: ALICE })).json();
    const cluster = config.clusters.find((c) => c.name === CLUSTER);
    const namespace = cluster?.meta_data?.namespace;
    await page.goto(BASE);
    await page.waitForURL((url) => url.pathname.startsWith(`${BASE_PATH}c/`));
    const url = new URL(page.url());
    if (namespace) {
      assert.equal(url.searchParams.get('ns'), namespace);
      assert.equal(await page.getByTestId('namespace-picker').inputValue(), namespace);
    } else {
      assert.equal(url.searchParams.get('ns'), null);
    }
  });

  test('searches by name with Ctrl+K, keyboard only, and opens the result', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/configmaps`);
    await page.getByTestId('resource-table').waitFor();
    await page.keyboard.press('Control+k');
    const dialog = page.getByTestId('search-dialog');
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'search-input', 'the box has the focus');
    await page.keyboard.type('web');
    await untilSoon('the deployment web found', async () => (await dialog.locator('[data-testid="search-result"][data-name="web"]').count()) > 0 && !/Searching/.test(await page.getByTestId('search-status').textContent()));
    const names = await dialog.getByTestId('search-result').evaluateAll((as) => as.map((a) => a.textContent));
    assert.ok(names.some((n) => /^Deployment web/.test(n)), `results: ${names}`);
    assert.ok(names.some((n) => /^Pod web-/.test(n)), `results: ${names}`);
    // Nothing the user may not list, nothing that does not match.
    assert.ok(names.every((n) => /web/i.test(n)), `results: ${names}`);
    await shot('search');
    assert.deepEqual(await axeViolations(page, 'search dialog'), []);
    // The exact name ranks first: ArrowDown then Enter opens it.
    assert.match(names[0], /^Deployment web/);
    await page.keyboard.press('ArrowDown');
    assert.match(await page.evaluate(() => document.activeElement?.textContent), /^Deployment web/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/apps\/v1\/deployments\/default\/web(\?|$)/);
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('detail-title').getByText('web').waitFor();
  });

  test('Ctrl+K pressed while discovery is still on its way opens the search, which starts once it arrives', async () => {
    // A list of an everyday kind shows before discovery answers; the shortcut must work then too.
    const held = (url) => url.pathname === `${BASE_PATH}clusters/${CLUSTER}/apis`;
    let release;
    const released = new Promise((resolve) => (release = resolve));
    await page.route(held, async (route) => {
      const response = await route.fetch();
      await released;
      await route.fulfill({ response });
    });
    try {
      await page.goto(`${BASE}c/${CLUSTER}/core/v1/configmaps`);
      await page.getByTestId('resource-table').waitFor();
      await page.keyboard.press('Control+k');
      const dialog = page.getByTestId('search-dialog');
      await dialog.waitFor();
      assert.match(await page.getByTestId('search-status').textContent(), /Reading which kinds/);
      await page.keyboard.type('web-config');
      release();
      await untilSoon('the config map found once discovery answered', async () => (await dialog.locator('[data-testid="search-result"][data-name="web-config"]').count()) > 0);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    } finally {
      release();
      await page.unroute(held);
    }
  });

  test('recent items come first, and labels are searched as key=value', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/namespaces/team-a`);
    await page.getByTestId('detail').waitFor();
    await page.getByTestId('search-button').click();
    const dialog = page.getByTestId('search-dialog');
    await dialog.waitFor();
    const recent = await dialog.getByTestId('search-result').evaluateAll((as) => as.map((a) => a.textContent));
    assert.match(recent[0] ?? '', /^Namespace team-a.*recent/, `recent: ${recent}`);
    assert.ok(recent.some((n) => /^Deployment web.*recent/.test(n)), `recent: ${recent}`);
    await page.getByTestId('search-input').fill('app=web');
    await untilSoon('pods labelled app=web', async () => (await dialog.locator('[data-testid="search-result"]').count()) >= 2 && !/Searching/.test(await page.getByTestId('search-status').textContent()));
    const labelled = await dialog.getByTestId('search-result').evaluateAll((as) => as.map((a) => a.dataset.name));
    const { body } = await api('/api/v1/pods?labelSelector=app%3Dweb');
    for (const p of body.items) assert.ok(labelled.includes(p.metadata.name), `${p.metadata.name} in ${labelled}`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  test('shows several namespaces at once, merged in one list', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods?ns=default`);
    await page.getByTestId('live').first().waitFor();
    await page.getByTestId('namespace-several').click();
    await page.getByTestId('namespace-panel').waitFor();
    assert.equal(await page.getByTestId('namespace-check-default').isChecked(), true, 'the current choice is checked');
    await page.getByTestId('namespace-check-team-a').check();
    await page.getByTestId('namespace-apply').click();
    await page.waitForURL((url) => new URL(url).searchParams.get('ns') === 'default,team-a');
    await page.getByTestId('live').first().waitFor();
    const all = (await api('/api/v1/pods')).body.items;
    const expected = all.filter((p) => ['default', 'team-a'].includes(p.metadata.namespace)).map((p) => p.metadata.name).sort();
    await untilSoon('the pods of default and team-a', async () => JSON.stringify((await rowNames()).sort()) === JSON.stringify(expected));
    const headers = (await page.locator('[data-testid="resource-table"] thead th').allTextContents()).map((h) => h.replace(/[▲▼]/g, '').trim().toUpperCase());
    assert.ok(headers.includes('NAMESPACE'), `a namespace column: ${headers}`);
    assert.equal(await page.getByTestId('row-count').textContent(), `${expected.length} ${expected.length === 1 ? 'item' : 'items'}`);
    assert.match(await page.locator('.page-head .muted').first().textContent(), /in default and team-a/);
    // Status icons: Running pods say so with the ok tone (text kept).
    const tones = await page.locator('[data-testid="resource-table"] [data-tone]').evaluateAll((els) => els.map((e) => `${e.dataset.tone}:${e.textContent}`));
    assert.ok(tones.some((t) => t === 'ok:Running'), `tones: ${tones}`);
    await shot('namespaces-several');
    assert.deepEqual(await axeViolations(page, 'several namespaces'), []);
    // The choice is kept across kinds.
    await page.getByTestId('nav-deployments').click();
    await page.waitForURL((url) => new URL(url).searchParams.get('ns') === 'default,team-a' && /deployments/.test(url.pathname));
  });

  test('lists custom resources under their own heading; a CRD links to its instances', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods`);
    const custom = page.getByTestId('nav-custom');
    await custom.waitFor();
    assert.match(await custom.locator('h2').textContent(), /Custom resources/);
    await custom.getByRole('link', { name: 'Widget' }).click();
    await page.waitForURL(/\/example\.com\/v1\/widgets/);
    await page.getByTestId('nav-customresourcedefinitions').click();
    await page.locator('[data-testid="resource-table"] tr[data-name="widgets.example.com"] a').first().click();
    await page.getByTestId('crd').waitFor();
    await shot('crd');
    assert.deepEqual(await axeViolations(page, 'CRD page'), []);
    await page.getByTestId('crd-instances').click();
    await page.waitForURL(/\/example\.com\/v1\/widgets/);
    assert.match(await page.getByTestId('page-title').textContent(), /Widgets/);
  });

  test("a pod's last terminated state says OOMKilled and its exit code", async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const created = await api('/api/v1/namespaces/default/pods', {
      method: 'POST',
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: OOM_POD, namespace: 'default' },
        spec: { containers: [{ name: 'app', image: 'busybox', resources: { limits: { memory: '16Mi' } } }] },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'app',
              image: 'busybox',
              ready: true,
              started: true,
              restartCount: 3,
              state: { running: { startedAt: now } },
              lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: now, finishedAt: now } },
            },
          ],
        },
      }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods/default/${OOM_POD}`);
    const cell = page.getByTestId('last-terminated-app');
    await cell.waitFor();
    assert.equal(await cell.textContent(), `OOMKilled, exit code 137, finished ${now}`);
    assert.equal(await page.getByTestId('container-details-app').getByTestId('limits').textContent(), 'memory 16Mi');
  });

  test('dark mode: the status icons, pod details and search dialog pass axe-core', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods/default/${OOM_POD}`);
      await page.getByTestId('container-details-app').waitFor();
      assert.deepEqual(await axeViolations(page, 'pod details, dark'), []);
      await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods?ns=default,team-a`);
      await page.locator('[data-testid="resource-table"] [data-tone]').first().waitFor();
      assert.deepEqual(await axeViolations(page, 'pod list, dark'), []);
      await page.keyboard.press('Control+k');
      await page.getByTestId('search-dialog').waitFor();
      await page.keyboard.type('web');
      await page.locator('[data-testid="search-result"]').first().waitFor();
      await shot('search-dark');
      assert.deepEqual(await axeViolations(page, 'search dialog, dark'), []);
      await page.keyboard.press('Escape');
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  test('ran without CSP violations or uncaught errors', () => {
    assert.deepEqual(problems, []);
  });
});
