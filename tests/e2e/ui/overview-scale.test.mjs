// Browser test of the cluster overview, events, the issue-13 bug fixes, dark mode and a 5,000-pod
// list, against a running server (the demo) plus a second Lamplight it starts itself in front of
// the fake API server with `--pods 5000`:
//
//   LAMPLIGHT_URL=http://127.0.0.1:PORT/ node --test tests/e2e/ui/overview-scale.test.mjs
//
// (run-with-server.mjs runs it with the other *.test.mjs files). The large cluster needs
// target/debug/fake-apiserver and target/debug/lamplight (`cargo build --workspace`;
// FAKE_APISERVER_BIN / LAMPLIGHT_BIN to change them), or LAMPLIGHT_LARGE_URL pointing at a
// Lamplight whose cluster LAMPLIGHT_LARGE_CLUSTER has 5,000 pods (then the watch-rate step, which
// patches the fake API server directly, is skipped). The large-list figures are printed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { axeViolations, baseUrl, clusterApi, launchChromium, recordProblems, until } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const OUT = path.join(here, 'output');
const BASE = baseUrl();
const IDENTITY = { 'X-Forwarded-User': 'alice', 'X-Forwarded-Group': 'dev,ops' };
const CLUSTER = process.env.LAMPLIGHT_CLUSTER ?? 'demo';
const api = clusterApi(BASE, CLUSTER, IDENTITY);
const PODS = Number(process.env.LAMPLIGHT_LARGE_PODS ?? 5000);

// Targets of issue 13, section 4.
const LAST_ROW_MS = 1000;
const FILTER_SORT_MS = 100;
const LONG_TASK_MS = 50;

let browser;
let context;
let page;
const problems = [];
const figures = {};
/** The second server: { url, cluster, fakeUrl?, token?, stop() }. */
let large = null;
let largeSkip = '';

async function shot(p, name) {
  fs.mkdirSync(OUT, { recursive: true });
  await p.screenshot({ path: path.join(OUT, `${name}.png`) });
}


/** Starts a process and resolves with the first match of `pattern` in its output. */
function startProcess(bin, args, pattern, what) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const found = new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no ${pattern} within 60 s:\n${log}`)), 60_000);
    const scan = (chunk) => {
      log += chunk;
      const m = log.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${log}`)));
  });
  return { child, found };
}

async function startLarge() {
  if (process.env.LAMPLIGHT_LARGE_URL) {
    const url = process.env.LAMPLIGHT_LARGE_URL.replace(/\/?$/, '/');
    return { url, cluster: process.env.LAMPLIGHT_LARGE_CLUSTER ?? 'fake-apiserver', stop() {} };
  }
  const fakeBin = path.resolve(root, process.env.FAKE_APISERVER_BIN ?? 'target/debug/fake-apiserver');
  const lampBin = path.resolve(root, process.env.LAMPLIGHT_BIN ?? 'target/debug/lamplight');
  for (const bin of [fakeBin, lampBin]) if (!fs.existsSync(bin)) return { skip: `${bin} is missing (cargo build --workspace)` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamplight-large-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const fake = startProcess(fakeBin, ['--demo', '--pods', String(PODS), '--port', '0', '--kubeconfig-out', kubeconfig], /listening on (http:\/\/[0-9.:]+)/, 'fake-apiserver');
  const fakeUrl = await fake.found;
  const lamp = startProcess(lampBin, [`-kubeconfig=${kubeconfig}`, '-port=0', '-listen-addr=127.0.0.1'], /listening.*?address"?[=:]\s*"?([0-9.]+:\d+)/, 'lamplight');
  const address = await lamp.found;
  const token = JSON.parse(fs.readFileSync(kubeconfig, 'utf8')).users[0].user.token;
  return {
    url: `http://${address}/`,
    cluster: 'fake-apiserver',
    fakeUrl,
    token,
    stop() {
      lamp.child.kill();
      fake.child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

before(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 860 }, extraHTTPHeaders: IDENTITY, colorScheme: 'light' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  recordProblems(page, problems);
  const started = await startLarge().catch((error) => ({ skip: String(error.message ?? error) }));
  if (started.skip) largeSkip = started.skip;
  else large = started;
});

after(async () => {
  await browser?.close();
  large?.stop();
  if (Object.keys(figures).length) console.log('large-list figures:', JSON.stringify(figures, null, 2));
});

/** The [aria-sort] column header of a table, and each row's time instants (td.time titles) in a column. */
async function columnInstants(p, testId, columnName) {
  return p.evaluate(
    ({ testId, columnName }) => {
      const table = document.querySelector(`[data-testid="${testId}"]`);
      const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent.replace(/[▲▼]/g, '').trim().toLowerCase());
      const index = headers.indexOf(columnName.toLowerCase());
      return [...table.querySelectorAll('tbody tr[data-name]')].map((tr) => Date.parse(tr.children[index]?.getAttribute('title') ?? ''));
    },
    { testId, columnName },
  );
}

describe('Cluster overview and events', () => {
  test('counts what is broken, links each count to its filtered list, and says when there are no metrics', async () => {
    await page.goto(`${BASE}c/${CLUSTER}`);
    await page.getByTestId('overview').waitFor();
    await page.getByTestId('health').waitFor();
    // Every card is a link to a list with ?problem=.
    await until('the counts', async () => !(await page.getByTestId('health').textContent()).includes('…'));
    const cards = await page.locator('[data-testid="health"] a').evaluateAll((as) => as.map((a) => ({ id: a.dataset.testid, href: a.getAttribute('href'), count: Number(a.querySelector('.health-count').textContent) })));
    const ids = cards.map((c) => c.id);
    for (const id of ['health-crashloop', 'health-imagepull', 'health-pending', 'health-oomkilled', 'health-notready', 'health-warning']) assert.ok(ids.includes(id), `${id} in ${ids}`);
    for (const c of cards) assert.match(c.href, /[?&]problem=/, c.id);
    // The demo has no metrics.k8s.io: a clear "no metrics" state, and the nodes still listed.
    assert.match(await page.getByTestId('no-metrics').textContent(), /No metrics/);
    assert.ok((await page.locator('[data-testid="node-usage"] tbody tr').count()) >= 1);
    // Recent events: warnings first.
    await page.getByTestId('overview-events').waitFor();
    const types = await page.locator('[data-testid="overview-events"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.type));
    const firstNormal = types.indexOf('Normal');
    assert.ok(firstNormal < 0 || types.slice(firstNormal).every((t) => t !== 'Warning'), `warnings first: ${types}`);
    await shot(page, 'overview');
    assert.deepEqual(await axeViolations(page, 'overview'), []);

    // The warning count opens the events list filtered to warnings, with as many rows.
    const warning = cards.find((c) => c.id === 'health-warning');
    await page.getByTestId('health-warning').click();
    await page.waitForURL(/\/core\/v1\/events\?(.*&)?problem=warning/);
    await page.getByTestId('live').first().waitFor();
    assert.equal(await page.getByTestId('warnings-only').isChecked(), true);
    const count = await page.getByTestId('row-count').textContent();
    // The overview read its count a moment ago; the demo keeps adding events.
    const shown = Number(count.split(' ')[0]);
    assert.ok(Math.abs(shown - warning.count) <= 3, `${count} vs ${warning.count}`);
  });

  test('a disruption budget that allows no eviction is counted as blocking drains, and its count opens just those budgets', async () => {
    const name = `e2e-tight-${Date.now().toString(36)}`;
    const budgets = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';
    const count = async () => {
      await page.goto(`${BASE}c/${CLUSTER}`);
      await page.getByTestId('health-nodisruption').waitFor();
      return Number(await until('the budgets count', async () => {
        const text = await page.locator('[data-testid="health-nodisruption"] .health-count').textContent();
        return text === '…' ? null : text;
      }));
    };
    const before = await count();
    const created = await api(budgets, { method: 'POST', body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    try {
      // What the disruption controller writes for two healthy pods that must both stay up.
      const patched = await api(`${budgets}/${name}/status`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: { currentHealthy: 2, desiredHealthy: 2, expectedPods: 2, disruptionsAllowed: 0, observedGeneration: 1 } }),
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(await count(), before + 1);
      await page.getByTestId('health-nodisruption').click();
      await page.waitForURL(/\/policy\/v1\/poddisruptionbudgets\?(.*&)?problem=nodisruption/);
      await page.getByTestId('problem-filter').waitFor();
      await until('only the budgets blocking drains', async () => {
        const names = await page.locator('[data-testid="resource-table"] tbody tr[data-name]').evaluateAll((rows) => rows.map((r) => r.dataset.name));
        return names.includes(name) && !names.includes('web');
      });
    } finally {
      await api(`${budgets}/${name}`, { method: 'DELETE' });
    }
  });

  test('events: newest first, live "last seen", time sorting, warnings-only switch, link to the involved object', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/events`);
    await page.getByTestId('resource-table').waitFor();
    await page.getByTestId('live').first().waitFor();
    const lastSeenHeader = page.locator('[data-testid="resource-table"] thead th', { hasText: 'Last Seen' });
    assert.equal(await lastSeenHeader.getAttribute('aria-sort'), 'ascending', 'newest first by default');
    const instants = await columnInstants(page, 'resource-table', 'Last Seen');
    assert.ok(instants.length > 1 && instants.every((t) => !Number.isNaN(t)), `times: ${instants}`);
    for (let i = 1; i < instants.length; i++) assert.ok(instants[i - 1] >= instants[i], `newest first at ${i}: ${instants.slice(0, i + 1)}`);
    // Sorting the other way is oldest first, as times (not as text: "9s" < "10m").
    await lastSeenHeader.locator('button').click();
    assert.equal(await lastSeenHeader.getAttribute('aria-sort'), 'descending');
    const reversed = await columnInstants(page, 'resource-table', 'Last Seen');
    for (let i = 1; i < reversed.length; i++) assert.ok(reversed[i - 1] <= reversed[i], `oldest first at ${i}`);
    await lastSeenHeader.locator('button').click();
    await lastSeenHeader.locator('button').click();
    // Live: the newest event's "last seen" (seconds) moves on without a reload.
    const cell = page.locator('[data-testid="resource-table"] tbody tr[data-name] td.time').first();
    const before = await cell.textContent();
    await until(`last seen moves on from ${before}`, async () => (await cell.textContent()) !== before, 5000);

    // Warnings only: the switch keeps ?problem=warning in the URL.
    await page.getByTestId('warnings-only').check();
    await page.waitForURL(/[?&]problem=warning/);
    const typeIndex = (await page.locator('[data-testid="resource-table"] thead th').allTextContents()).map((t) => t.replace(/[▲▼]/g, '').trim().toLowerCase()).indexOf('type');
    const typesShown = await page.locator('[data-testid="resource-table"] tbody tr[data-name]').evaluateAll((rows, i) => rows.map((r) => r.children[i].textContent), typeIndex);
    assert.ok(typesShown.length > 0 && typesShown.every((t) => t === 'Warning'), `types: ${typesShown}`);
    await shot(page, 'events-warnings');
    assert.deepEqual(await axeViolations(page, 'events'), []);
    await page.getByTestId('warnings-only').uncheck();
    await until('the filter is gone', async () => !page.url().includes('problem='));

    // The Object column links to the involved object.
    const objectLink = page.locator('[data-testid="resource-table"] tbody tr[data-name] td a[href*="/core/v1/pods/"]').first();
    const objectText = await objectLink.textContent();
    await objectLink.click();
    await page.getByTestId('detail').waitFor();
    assert.match(await page.getByTestId('detail-title').textContent(), new RegExp(`Pod\\s*${objectText.split('/')[1]}`));
    // The pod's own events table is newest first too.
    const events = page.getByTestId('events');
    if (await events.count()) {
      const own = await columnInstants(page, 'events', 'Last Seen');
      for (let i = 1; i < own.length; i++) assert.ok(own[i - 1] >= own[i], 'pod events newest first');
    }
  });
});

describe('Bugs of issue 13', () => {
  test('scrolling to the bottom of a detail page does not shift the app (.sr-only caption)', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods?ns=default`);
    await page.getByTestId('resource-table').waitFor();
    await page.locator('[data-testid="resource-table"] td.name a').first().click();
    await page.getByTestId('yaml').waitFor();
    await page.waitForTimeout(300);
    await page.evaluate(() => {
      const content = document.getElementById('content');
      content.scrollTop = content.scrollHeight;
      document.querySelector('[data-testid="yaml"]').scrollIntoView({ block: 'end' });
    });
    await page.mouse.wheel(0, 5000);
    await page.waitForTimeout(200);
    const shift = await page.evaluate(() => ({ doc: document.scrollingElement.scrollTop, header: document.querySelector('.header').getBoundingClientRect().top }));
    assert.deepEqual(shift, { doc: 0, header: 0 });
  });

  test('pod details have no empty rows (QoS class, service account)', async () => {
    const pairs = await page.locator('[data-testid="pod-status"]').evaluate((dl) => [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent.trim()]));
    for (const [term, value] of pairs) assert.notEqual(value, '', `${term} is empty`);
  });

  test('the skip link moves focus to the content and stays on the page (<base href>)', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods`);
    await page.getByTestId('resource-table').waitFor();
    const url = page.url();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'skip-link');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    assert.equal(page.url(), url);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'content');
  });

  test('after navigating, focus is on the new page\'s heading', async () => {
    await page.getByTestId('nav-services').click();
    await page.getByTestId('page-title').filter({ hasText: 'Services' }).waitFor();
    await until('focus on the h1', () => page.evaluate(() => document.activeElement?.tagName === 'H1' && document.activeElement.textContent));
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Services');
    // Typing in the filter (a replaced URL) keeps focus where it is.
    await page.getByTestId('filter').fill('x');
    await page.waitForTimeout(400);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'filter');
  });

  test('a condition False is green when False is good (MemoryPressure)', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/nodes/node-1`);
    await page.getByTestId('conditions').waitFor();
    const tones = await page.locator('[data-testid="conditions"] tbody tr').evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.children[0].textContent, `${r.children[1].textContent} ${r.children[1].className}`])));
    assert.equal(tones.MemoryPressure, 'False ok', JSON.stringify(tones));
    assert.equal(tones.Ready, 'True ok', JSON.stringify(tones));
    assert.deepEqual(await axeViolations(page, 'node detail'), []);
  });

  test('control borders contrast 3:1 with what is around them', async () => {
    await page.goto(`${BASE}c/${CLUSTER}/core/v1/pods`);
    await page.getByTestId('resource-table').waitFor();
    const ratios = await page.evaluate(() => {
      const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]) => {
        const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
      const backdrop = (el) => {
        for (let e = el.parentElement; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      return [...document.querySelectorAll('input:not([type=checkbox]), select, button:not(.sort)')]
        .filter((el) => el.offsetParent)
        .map((el) => ({ what: el.dataset.testid || el.id || el.textContent.trim().slice(0, 20), ratio: ratio(rgb(getComputedStyle(el).borderTopColor).slice(0, 3), backdrop(el)) }));
    });
    assert.ok(ratios.length >= 3, JSON.stringify(ratios));
    for (const r of ratios) assert.ok(r.ratio >= 3, `${r.what}: border contrast ${r.ratio.toFixed(2)}:1`);
  });

  test('usable at 390 px wide', async () => {
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, extraHTTPHeaders: IDENTITY, isMobile: true, hasTouch: true });
    try {
      const p = await narrow.newPage();
      recordProblems(p, problems);
      await p.goto(`${BASE}c/${CLUSTER}/core/v1/pods`);
      await p.getByTestId('resource-table').waitFor();
      const layout = await p.evaluate(() => {
        const inView = (el) => {
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 1;
        };
        return {
          width: document.documentElement.scrollWidth,
          filter: inView(document.querySelector('[data-testid="filter"]')),
          title: inView(document.querySelector('[data-testid="page-title"]')),
          firstName: inView(document.querySelector('[data-testid="resource-table"] td.name a')),
          sidebar: inView(document.querySelector('[data-testid="sidebar"]')),
          namespace: inView(document.querySelector('[data-testid="namespace-picker"]')),
        };
      });
      assert.deepEqual(layout, { width: 390, filter: true, title: true, firstName: true, sidebar: true, namespace: true });
      await shot(p, 'narrow-390');
      assert.deepEqual(await axeViolations(p, 'pods at 390 px'), []);
      // A detail page too: nothing wider than the screen but the table and YAML boxes, which scroll.
      await p.locator('[data-testid="resource-table"] td.name a').first().click();
      await p.getByTestId('yaml').waitFor();
      assert.ok((await p.evaluate(() => document.documentElement.scrollWidth)) <= 390);
    } finally {
      await narrow.close();
    }
  });
});

describe('Dark mode', () => {
  test('follows prefers-color-scheme, and the header switch persists', async () => {
    const dark = await browser.newContext({ viewport: { width: 1400, height: 860 }, extraHTTPHeaders: IDENTITY, colorScheme: 'dark' });
    try {
      const p = await dark.newPage();
      recordProblems(p, problems);
      const background = () => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await p.goto(`${BASE}c/${CLUSTER}`);
      await p.getByTestId('overview').waitFor();
      assert.equal(await p.getByTestId('theme-switch').inputValue(), 'auto');
      assert.equal(await background(), 'rgb(15, 20, 26)', 'dark by the system setting');
      await until('overview loaded', async () => !(await p.getByTestId('health').textContent()).includes('…'), 10_000);
      await shot(p, 'overview-dark');
      assert.deepEqual(await axeViolations(p, 'overview, dark'), []);
      await p.goto(`${BASE}c/${CLUSTER}/core/v1/pods?ns=default`);
      await p.getByTestId('resource-table').waitFor();
      await p.locator('[data-testid="resource-table"] td.name a').first().click();
      await p.getByTestId('yaml').waitFor();
      assert.deepEqual(await axeViolations(p, 'pod detail, dark'), []);

      await p.getByTestId('theme-switch').selectOption('light');
      assert.equal(await background(), 'rgb(255, 255, 255)');
      await p.reload();
      await p.getByTestId('detail').waitFor();
      assert.equal(await p.getByTestId('theme-switch').inputValue(), 'light', 'persisted');
      assert.equal(await background(), 'rgb(255, 255, 255)');
      await p.getByTestId('theme-switch').selectOption('auto');
      assert.equal(await background(), 'rgb(15, 20, 26)');
      assert.equal(await p.evaluate(() => localStorage.getItem('lamplight.theme')), null);
    } finally {
      await dark.close();
    }
  });
});

describe(`A list of ${PODS} pods`, () => {
  let big;
  let bigContext;

  before(async () => {
    if (!large) return;
    bigContext = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    // From the first byte of the page: long tasks, and a frame loop that scrolls the list to the
    // bottom as soon as its rows arrive and notes when the last row is on screen.
    await bigContext.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
      const tick = () => {
        const box = document.querySelector('[data-testid="resource-table-scroll"]');
        const table = document.querySelector('[data-testid="resource-table"]');
        if (box && table && !window.__rowsAt) window.__rowsAt = performance.now();
        if (box && table) {
          box.scrollTop = box.scrollHeight;
          const rows = table.querySelectorAll('tbody tr[data-name]');
          const last = rows[rows.length - 1];
          const total = Number(table.getAttribute('aria-rowcount'));
          if (last && Number(last.getAttribute('aria-rowindex')) === total) {
            const r = last.getBoundingClientRect();
            const b = box.getBoundingClientRect();
            if (r.height > 0 && r.bottom <= b.bottom + 1 && r.top >= b.top) {
              window.__lastRowAt = performance.now();
              return;
            }
          }
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    big = await bigContext.newPage();
    big.setDefaultTimeout(60_000);
    recordProblems(big, problems);
  });

  after(async () => {
    await bigContext?.close();
  });

  test('the last row is visible within 1 s of the data arriving (virtualized rows)', async (t) => {
    if (!large) return t.skip(largeSkip);
    await big.goto(`${large.url}c/${large.cluster}/core/v1/pods`);
    await big.waitForFunction(() => window.__lastRowAt, null, { timeout: 60_000, polling: 100 });
    const timing = await big.evaluate(() => {
      const list = performance.getEntriesByType('resource').filter((e) => /\/api\/v1\/pods(\?|$)/.test(e.name) && !e.name.includes('watch=')).pop();
      return { responseEnd: list?.responseEnd, lastRowAt: window.__lastRowAt, rowsInDom: document.querySelectorAll('[data-testid="resource-table"] tbody tr').length, total: Number(document.querySelector('[data-testid="resource-table"]').getAttribute('aria-rowcount')) - 1 };
    });
    assert.ok(timing.total >= PODS, `${timing.total} rows`);
    figures.rows = timing.total;
    figures.rowsInDom = timing.rowsInDom;
    figures.lastRowVisibleMs = Math.round(timing.lastRowAt - timing.responseEnd);
    assert.ok(timing.rowsInDom < 200, `virtualized: ${timing.rowsInDom} rows in the DOM`);
    assert.ok(figures.lastRowVisibleMs <= LAST_ROW_MS, `last row after ${figures.lastRowVisibleMs} ms`);
    // The sticky header stays at the top of the scrolled box.
    const sticky = await big.evaluate(() => {
      const box = document.querySelector('[data-testid="resource-table-scroll"]').getBoundingClientRect();
      const th = document.querySelector('[data-testid="resource-table"] thead th').getBoundingClientRect();
      return { scrolled: document.querySelector('[data-testid="resource-table-scroll"]').scrollTop, offset: Math.round(th.top - box.top) };
    });
    assert.ok(sticky.scrolled > 10_000 && sticky.offset >= 0 && sticky.offset <= 2, `sticky header: ${JSON.stringify(sticky)}`);
    await shot(big, 'pods-5000-bottom');
  });

  // Timings on a shared 2-core machine are noisy: a filter or sort is measured three times (the
  // median counts), and a scenario that must have no long task gets up to three attempts (the best
  // counts). Every attempt is printed.
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const ATTEMPTS = 3;

  test('filtering and sorting take at most 100 ms', async (t) => {
    if (!large) return t.skip(largeSkip);
    // The time from the input or click to the frame after React has updated the DOM.
    const measure = (action) =>
      big.evaluate(async (action) => {
        const table = document.querySelector('[data-testid="resource-table"]');
        const started = performance.now();
        if (action.kind === 'filter') {
          const input = document.querySelector('[data-testid="filter"]');
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, action.value);
          input.dispatchEvent(new Event('input', { bubbles: true }));
        } else {
          const th = [...table.querySelectorAll('thead th')].find((h) => h.textContent.trim().toUpperCase().startsWith(action.column));
          th.querySelector('button').click();
        }
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        return { ms: performance.now() - started, count: document.querySelector('[data-testid="row-count"]').textContent, sort: document.querySelector('[data-testid="resource-table"] th[aria-sort="ascending"], [data-testid="resource-table"] th[aria-sort="descending"]')?.getAttribute('aria-sort') ?? 'none' };
      }, action);
    await big.evaluate(() => {
      document.querySelector('[data-testid="resource-table-scroll"]').scrollTop = 0;
    });
    const runs = { filter: [], filterMore: [], clear: [] };
    for (let i = 0; i < ATTEMPTS; i++) {
      const a = await measure({ kind: 'filter', value: 'crash' });
      const b = await measure({ kind: 'filter', value: 'load-01' });
      const c = await measure({ kind: 'filter', value: '' });
      assert.match(b.count, /^\d+ of \d+/);
      assert.ok(!c.count.includes(' of '), c.count);
      runs.filter.push(a.ms);
      runs.filterMore.push(b.ms);
      runs.clear.push(c.ms);
    }
    // A header click cycles ascending, descending, unsorted.
    const sorts = {};
    for (const column of ['NAME', 'STATUS', 'RESTARTS', 'AGE']) {
      const asc = [];
      const desc = [];
      for (let i = 0; i < ATTEMPTS; i++) {
        const a = await measure({ kind: 'sort', column });
        const d = await measure({ kind: 'sort', column });
        assert.deepEqual([a.sort, d.sort], ['ascending', 'descending'], column);
        asc.push(a.ms);
        desc.push(d.ms);
        if (i < ATTEMPTS - 1 || column !== 'AGE') await measure({ kind: 'sort', column });
      }
      sorts[column.toLowerCase()] = { ascending: Math.round(median(asc)), descending: Math.round(median(desc)), runs: [...asc, ...desc].map(Math.round) };
    }
    figures.filterMs = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, { median: Math.round(median(v)), runs: v.map(Math.round) }]));
    figures.sortMs = sorts;
    const medians = [...Object.values(figures.filterMs).map((f) => f.median), ...Object.values(sorts).flatMap((s) => [s.ascending, s.descending])];
    assert.ok(Math.max(...medians) <= FILTER_SORT_MS, `${JSON.stringify({ filterMs: figures.filterMs, sortMs: figures.sortMs })}`);
    // Age sorts as a time: descending (left so above) is the oldest first.
    const ages = await columnInstants(big, 'resource-table', 'Age');
    for (let i = 1; i < ages.length; i++) assert.ok(ages[i - 1] <= ages[i], `oldest first when descending at ${i}`);
  });

  test('no long task over 50 ms while idle (the age clock updates only the visible cells)', async (t) => {
    if (!large) return t.skip(largeSkip);
    const attempts = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const from = await big.evaluate(() => performance.now());
      const rendersBefore = await big.evaluate(() => window.lamplightTableStats.rowRenders);
      await big.waitForTimeout(5000);
      const idle = await big.evaluate((from) => window.__longTasks.filter((t) => t.start >= from), from);
      const renders = (await big.evaluate(() => window.lamplightTableStats.rowRenders)) - rendersBefore;
      attempts.push({ longTasks: idle.map((t) => Math.round(t.duration)), rowRenders: renders });
      // The demo's churn changes a pod every 4 s (a real watch event, maybe a row on screen); the
      // old per-second clock re-rendered every row on screen every second (about 250 renders here).
      assert.ok(renders <= 5, `rows re-rendered while idle: ${renders}`);
      if (idle.every((t) => t.duration <= LONG_TASK_MS)) break;
    }
    figures.idle = attempts;
    assert.ok(
      attempts.some((a) => a.longTasks.every((d) => d <= LONG_TASK_MS)),
      `long tasks while idle, in every attempt: ${JSON.stringify(attempts)}`,
    );
  });

  test('scrolling through the list has no frame over 50 ms and no long task', async (t) => {
    if (!large) return t.skip(largeSkip);
    const smooth = (a) => a.worstFrameMs <= LONG_TASK_MS && a.longTasks.every((d) => d <= LONG_TASK_MS);
    const attempts = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const result = await big.evaluate(async () => {
        const box = document.querySelector('[data-testid="resource-table-scroll"]');
        box.scrollTop = 0;
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const from = performance.now();
        let last = from;
        let worst = 0;
        // 120 frames, 600 px each: about 2,600 rows go by.
        for (let i = 0; i < 120; i++) {
          box.scrollTop += 600;
          await new Promise((resolve) => requestAnimationFrame(resolve));
          const now = performance.now();
          worst = Math.max(worst, now - last);
          last = now;
        }
        return { worstFrameMs: Math.round(worst), longTasks: window.__longTasks.filter((t) => t.start >= from).map((t) => Math.round(t.duration)) };
      });
      attempts.push(result);
      if (smooth(result)) break;
    }
    figures.scroll = attempts;
    assert.ok(attempts.some(smooth), `a frame over ${LONG_TASK_MS} ms or a long task while scrolling, in every attempt: ${JSON.stringify(attempts)}`);
  });

  test('100 watch events per second update only the changed rows', async (t) => {
    if (!large) return t.skip(largeSkip);
    if (!large.fakeUrl) return t.skip('needs the fake API server started by this test');
    await big.evaluate(() => {
      document.querySelector('[data-testid="resource-table-scroll"]').scrollTop = 0;
    });
    await big.waitForTimeout(300);
    const visible = await big.locator('[data-testid="resource-table"] tbody tr[data-name]').evaluateAll((rows) => rows.map((r) => r.dataset.name));
    // Pods by namespace, from the fake API server itself.
    const list = await (await fetch(`${large.fakeUrl}/api/v1/pods`, { headers: { Authorization: `Bearer ${large.token}` } })).json();
    const pods = list.items.map((p) => ({ ns: p.metadata.namespace, name: p.metadata.name }));
    const onScreen = pods.filter((p) => visible.includes(p.name)).slice(0, 5);
    const offScreen = pods.filter((p) => !visible.includes(p.name));
    const patch = (p, i) =>
      fetch(`${large.fakeUrl}/api/v1/namespaces/${p.ns}/pods/${p.name}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${large.token}`, 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { labels: { 'e2e-tick': String(i) } } }),
      }).then((r) => r.status);
    const attempts = [];
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const from = await big.evaluate(() => performance.now());
      const rendersBefore = await big.evaluate(() => window.lamplightTableStats.rowRenders);
      // 300 changes over 3 s: 1 in 10 to a row on screen, the rest to rows out of view.
      let visiblePatches = 0;
      const statuses = [];
      const started = Date.now();
      for (let i = 0; i < 300; i++) {
        const target = i % 10 === 0 ? onScreen[(i / 10) % onScreen.length] : offScreen[(i * 7919 + attempt) % offScreen.length];
        if (i % 10 === 0) visiblePatches += 1;
        statuses.push(patch(target, attempt * 1000 + i));
        const due = started + (i + 1) * 10;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      const codes = await Promise.all(statuses);
      assert.ok(codes.every((c) => c === 200), `patch answers: ${[...new Set(codes)]}`);
      const rate = Math.round(300 / ((Date.now() - started) / 1000));
      // Let the last events arrive.
      await big.waitForTimeout(1500);
      const during = await big.evaluate((from) => window.__longTasks.filter((t) => t.start >= from), from);
      const renders = (await big.evaluate(() => window.lamplightTableStats.rowRenders)) - rendersBefore;
      attempts.push({ sent: 300, perSecond: rate, onScreen: visiblePatches, rowRenders: renders, longTasks: during.map((t) => Math.round(t.duration)) });
      // Only the rows that changed re-render (plus a few for the demo's own churn).
      assert.ok(renders <= visiblePatches + 10, `rows rendered: ${renders} for ${visiblePatches} changes on screen`);
      if (during.every((t) => t.duration <= LONG_TASK_MS)) break;
    }
    figures.watchEvents = attempts;
    assert.ok(
      attempts.some((a) => a.longTasks.every((d) => d <= LONG_TASK_MS)),
      `long tasks while events arrive, in every attempt: ${JSON.stringify(attempts)}`,
    );
  });

  test('the list page passes axe-core', async (t) => {
    if (!large) return t.skip(largeSkip);
    assert.deepEqual(await axeViolations(big, '5,000 pods'), []);
  });

  test('the overview counts crash-looping pods and its link lists exactly them', async (t) => {
    if (!large) return t.skip(largeSkip);
    await big.goto(`${large.url}c/${large.cluster}`);
    await until('counts', async () => !(await big.getByTestId('health').textContent()).includes('…'), 60_000);
    const count = Number(await big.locator('[data-testid="health-crashloop"] .health-count').textContent());
    figures.crashLooping = count;
    assert.ok(count > 0, 'the load has crash-looping pods');
    await big.getByTestId('health-crashloop').click();
    await big.waitForURL(/problem=crashloop/);
    await big.getByTestId('problem-filter').waitFor();
    await until('the filtered list', async () => /^\d+ of \d+/.test((await big.getByTestId('row-count').textContent().catch(() => '')) ?? ''), 60_000);
    assert.equal(Number((await big.getByTestId('row-count').textContent()).split(' ')[0]), count);
    const statusIndex = (await big.locator('[data-testid="resource-table"] thead th').allTextContents()).map((h) => h.replace(/[▲▼]/g, '').trim().toUpperCase()).indexOf('STATUS');
    const statuses = await big.locator('[data-testid="resource-table"] tbody tr[data-name]').evaluateAll((rows, i) => rows.map((r) => r.children[i].textContent), statusIndex);
    assert.ok(statuses.every((s) => s === 'CrashLoopBackOff'), `statuses: ${[...new Set(statuses)]}`);
  });
});

describe('overview-scale', () => {
  test('ran without CSP violations or uncaught errors', () => {
    assert.deepEqual(problems, []);
  });
});
