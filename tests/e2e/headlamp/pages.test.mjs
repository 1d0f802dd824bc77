// Every page of Headlamp's sidebar for the demo cluster, served by Lamplight: the list of pages comes
// from the UI itself (every sidebar section expanded, every link under /c/demo/ collected, the
// overview and the Map included), plus one detail page per list that has a row (its first row's
// name, clicked). On each page: its main content rendered (a heading, a table with rows or its empty
// state; no error boundary, no "Error loading", no spinner left), no request to Lamplight answered
// 5xx or 4xx except the cases listed in ALLOWED (each with its reason), no uncaught page error, no
// CSP violation. A summary table of the pages is printed.
//
// And: the app's scripts come precompressed (`content-encoding: br`, from the build's `.br`
// sidecars), far fewer bytes transferred than their size on disk.
//
// Run by run-with-server.mjs (not in LAMPLIGHT_OIDC runs, whose cluster is not the demo).
// HEADLAMP_EXTRA_PAGES=a,b visits more pages (paths under /c/demo/), e.g. one that errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BASE, CLUSTER, IDENTITY, diagnose, launch, recordingPage, shot } from './support.mjs';

const ORIGIN = new URL(BASE).origin;
/** The path prefix of the app (`/` or `/headlamp/`). */
const PREFIX = new URL(BASE).pathname;
const BUILD = process.env.HEADLAMP_FRONTEND_BUILD;

/**
 * Non-2xx answers that are right, each with why: what a real kube-apiserver answers too, and which
 * Headlamp shows gracefully (the page still renders, checked below). `url` is a regex on the request's
 * path (after the base URL), and the body must be the API server's NotFound Status (so a 404 of
 * Lamplight's own routes is never allowed); anything else >= 400 fails.
 */
const NOT_FOUND = /"reason":"NotFound"/;
const ALLOWED = [
  {
    status: 404,
    url: /^clusters\/[^/]+\/apis\/(gateway\.networking\.k8s\.io|gateway\.networking\.x-k8s\.io|jobset\.x-k8s\.io|leaderworkerset\.x-k8s\.io|autoscaling\.k8s\.io|metrics\.k8s\.io|scheduling\.k8s\.io\/v1(alpha|beta)\d*)(\/|\?|$)/,
    why: 'add-ons a plain cluster does not have either (Gateway API, JobSet, LeaderWorkerSet, VPA, metrics-server) and old scheduling versions: kube-apiserver answers 404 too; Headlamp shows an empty list or leaves the metrics out',
  },
  {
    status: 404,
    url: /^clusters\/[^/]+\/apis\/storage\.k8s\.io\/v1\/volumeattributesclasses(\/|\?|$)/,
    why: 'VolumeAttributesClass is storage.k8s.io/v1 from Kubernetes 1.34; the demo plays 1.32, whose kube-apiserver answers 404 too; Headlamp shows the list empty',
  },
  {
    status: 404,
    url: /^clusters\/[^/]+\/api\/v1\/nodes\/[^/]+\/proxy\/stats\/summary$/,
    why: 'the node page asks the kubelet for stats through the node proxy; the fake has no kubelets (a real cluster answers)',
  },
];

/** Text of Headlamp's error states in a page's main area. */
const ERROR_TEXT = /Uh-oh! Something went wrong\.|Error loading|Something went wrong with cluster/;
/** A list's empty state. */
const EMPTY_TEXT = /No data to be shown\.|No data matching the filter criteria\.|No results found|No custom resources instances found\./;

let browser;
let context;
const results = [];

before(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, extraHTTPHeaders: IDENTITY });
  // Headlamp 0.45 opens a list row's details in a drawer by default; its setting "off" makes the
  // name a link to the details page, which is what is visited here.
  await context.addInitScript(() => localStorage.setItem('detailDrawerEnabled', 'false'));
});

after(async () => {
  await browser?.close();
});

/** The page's path relative to the cluster, for the summary (`pods/default/web-1`). */
const short = (href) => decodeURIComponent(href.replace(new RegExp(`^${PREFIX}c/${CLUSTER}/?`), '')) || '(overview)';

/**
 * Waits until the page's main area shows content (a heading, a table with rows or an empty state,
 * or the map's canvas), no spinner is left and no request to Lamplight is in flight; or until an
 * error state shows. Returns {ok, state, detail}.
 */
async function settle(page, pending, timeout = 15_000) {
  const started = Date.now();
  let lastState = '';
  let stableSince = 0;
  for (;;) {
    const state = await page
      .evaluate(() => {
        const main = document.querySelector('main') ?? document.body;
        const text = main.innerText ?? '';
        const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
        // A spinner is an indeterminate progress bar: a determinate one (a quota's usage) has a value.
        const spinners = [...main.querySelectorAll('[role="progressbar"]:not([aria-valuenow])')].filter(visible).length;
        const headings = [...main.querySelectorAll('h1, h2, h3, [role="heading"]')].filter(visible).map((h) => h.innerText.trim()).filter(Boolean);
        const rows = main.querySelectorAll('table tbody tr').length;
        const tables = main.querySelectorAll('table').length;
        const graph = !!main.querySelector('.react-flow');
        return { text: text.slice(0, 3000), spinners, headings, rows, tables, graph };
      })
      .catch((e) => ({ text: '', spinners: 1, headings: [], rows: 0, tables: 0, graph: false, evalError: String(e) }));
    const error = state.text.match(ERROR_TEXT);
    const content = state.graph || (state.headings.length > 0 && (state.rows > 0 || EMPTY_TEXT.test(state.text) || state.graph || state.tables === 0));
    const key = JSON.stringify([state.spinners, state.headings.length, state.rows, !!error]);
    if (key !== lastState) {
      lastState = key;
      stableSince = Date.now();
    }
    // Settled: the same picture for 600 ms with nothing in flight.
    if ((error || (content && state.spinners === 0)) && pending.size === 0 && Date.now() - stableSince > 600) {
      return { ok: !error, state, detail: error ? `error shown: "${error[0]}": ${state.text.slice(0, 300).replace(/\s+/g, ' ')}` : '' };
    }
    if (Date.now() - started > timeout) {
      const why = state.spinners ? `${state.spinners} spinner(s) left` : state.headings.length === 0 ? 'no heading' : pending.size ? `requests in flight: ${[...pending].slice(0, 3).join(', ')}` : 'no content';
      return { ok: false, state, detail: `not settled after ${timeout} ms: ${why}; main: ${state.text.slice(0, 300).replace(/\s+/g, ' ')}` };
    }
    await page.waitForTimeout(150);
  }
}

describe('every Headlamp page on Lamplight', () => {
  test('every sidebar page and one detail page per list render without errors', async () => {
    const started = Date.now();
    const inCluster = (href) => href.startsWith(`${PREFIX}c/${CLUSTER}/`) || href === `${PREFIX}c/${CLUSTER}`;
    // Requests ALLOWED to fail are not waited for: Headlamp retries them with a back-off (8 s).
    const mayFail = (u) => ALLOWED.some((a) => a.url.test(u.slice(BASE.length)));

    /** A tab on the overview, recording its same-origin responses and the requests in flight. */
    async function openTab() {
      const page = await recordingPage(context);
      const tab = { page, responses: [], pending: new Set() };
      page.on('request', (r) => r.url().startsWith(BASE) && !mayFail(r.url()) && tab.pending.add(r.url()));
      const done = (r) => tab.pending.delete(r.url());
      page.on('requestfinished', done);
      page.on('requestfailed', done);
      page.on('response', (r) => {
        if (r.url().startsWith(ORIGIN)) tab.responses.push({ method: r.request().method(), url: r.url().slice(ORIGIN.length), status: r.status(), response: r });
      });
      await page.goto(`${BASE}c/${CLUSTER}/`);
      await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 30_000 });
      tab.nav = page.locator('nav[aria-label="Navigation"]');
      tab.navLinks = () => tab.nav.locator('a[href]').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), label: a.innerText.trim().replace(/\s+/g, ' ') })));
      /** Goes to `href` as a user does: its sidebar link if shown, else through the app's router (no reload). */
      tab.go = async (href) => {
        const link = tab.nav.locator(`a[href="${href}"]`).first();
        if (await link.isVisible().catch(() => false)) await link.click();
        else {
          await page.evaluate((h) => {
            window.history.pushState({}, '', h);
            window.dispatchEvent(new PopStateEvent('popstate', { state: {} }));
          }, href);
        }
      };
      return tab;
    }

    /** Visits a page (navigated to by `navigate`, which returns the path expected or null), checks it, records a result. */
    async function visit(tab, order, kind, label, navigate) {
      const { page, responses, pending } = tab;
      const from = responses.length;
      const errorsFrom = page.record.errors.length;
      const cspFrom = page.record.csp.length;
      const t0 = Date.now();
      const before = new URL(page.url()).pathname;
      const expected = await navigate();
      // The app's router moved: to `expected`, or elsewhere than before.
      for (let i = 0; i < 50; i++) {
        const now = new URL(page.url()).pathname;
        if (expected ? now === expected : now !== before) break;
        await page.waitForTimeout(100);
      }
      const settled = await settle(page, pending);
      const href = new URL(page.url()).pathname;
      const problems = [];
      if (expected && href !== expected) problems.push(`went to ${href}, not ${expected}`);
      if (!expected && href === before) problems.push(`the click did not leave ${before}`);
      if (!settled.ok) problems.push(settled.detail);
      const mine = responses.slice(from);
      const allowed = [];
      for (const r of mine.filter((r) => r.status >= 400)) {
        const rel = r.url.slice(PREFIX.length);
        const body = await r.response.text().catch(() => '');
        const rule = ALLOWED.find((a) => a.status === r.status && a.url.test(rel) && NOT_FOUND.test(body));
        if (rule) allowed.push(`${r.status} ${rel.split('?')[0]}`);
        else problems.push(`${r.method} ${r.url} -> ${r.status} ${body.slice(0, 200).replace(/\s+/g, ' ')}`);
      }
      for (const e of page.record.errors.slice(errorsFrom)) problems.push(`page error: ${e.slice(0, 300)}`);
      for (const v of page.record.csp.slice(cspFrom)) problems.push(`CSP violation: ${JSON.stringify(v).slice(0, 300)}`);
      const result = {
        order,
        kind,
        page: short(href),
        label,
        ok: problems.length === 0,
        requests: mine.length,
        ms: Date.now() - t0,
        shows: settled.state.graph ? 'graph' : settled.state.rows ? `${settled.state.rows} row(s)` : EMPTY_TEXT.test(settled.state.text) ? 'empty list' : `"${(settled.state.headings[0] ?? '').slice(0, 30)}"`,
        allowed,
        problems,
      };
      results.push(result);
      if (!result.ok) await shot(page, `pages-${short(href).replace(/[^a-z0-9]+/gi, '_')}-failed`);
      return { settled, href };
    }

    // The sidebar: the top-level sections, each selected in turn to show (mount) its sub-items.
    const first = await openTab();
    const top = (await first.navLinks()).filter((l) => inCluster(l.href));
    assert.ok(top.length >= 5, `sidebar links: ${JSON.stringify(top)}`);
    const all = new Map();
    for (const link of top) {
      if (!all.has(link.href)) all.set(link.href, link.label);
      await first.go(link.href);
      await first.page.waitForTimeout(300);
      for (const sub of await first.navLinks()) if (inCluster(sub.href) && !all.has(sub.href)) all.set(sub.href, sub.label);
    }
    // The overview and the Map are sidebar items of 0.45; make sure they are visited even if not.
    for (const must of [`${PREFIX}c/${CLUSTER}/`, `${PREFIX}c/${CLUSTER}/map`]) if (!all.has(must)) all.set(must, '(not in sidebar)');
    // HEADLAMP_EXTRA_PAGES=pods/default/nope,...: more pages (paths under /c/demo/), e.g. to see a failure.
    for (const extra of (process.env.HEADLAMP_EXTRA_PAGES ?? '').split(',').filter(Boolean)) all.set(`${PREFIX}c/${CLUSTER}/${extra.replace(/^\/+/, '')}`, '(HEADLAMP_EXTRA_PAGES)');
    console.log(`# ${all.size} sidebar pages: ${[...all.keys()].map(short).join(', ')}`);

    // Four tabs take the pages in turn (most of a page's time is waiting: for Headlamp's retries of
    // what the demo does not serve, or for its data), each page then its first row's details.
    const queue = [...all].map(([href, label], i) => ({ href, label, order: i }));
    const tabs = [first, ...(await Promise.all([1, 2, 3].map(() => openTab())))];
    await Promise.all(
      tabs.map(async (tab) => {
        for (let item = queue.shift(); item; item = queue.shift()) {
          const { settled, href: at } = await visit(tab, item.order, 'page', item.label, async () => (await tab.go(item.href), item.href));
          if (!settled.ok || settled.state.rows === 0) continue;
          // A list with rows: its first row's name (a link to a page of this cluster), clicked.
          const link = tab.page.locator('main table tbody tr').first().locator(`a[href^="${PREFIX}c/${CLUSTER}/"]`).first();
          if (!(await link.count())) {
            // Said in the summary (the overview's events table, say, whose first row may have no link yet).
            results.push({ order: item.order + 0.5, kind: 'skip', page: short(at), label: item.label, ok: true, requests: 0, ms: 0, shows: 'no detail: the first row has no link to a page of the cluster', allowed: [], problems: [] });
            continue;
          }
          const name = (await link.innerText().catch(() => '')).trim();
          const target = await link.getAttribute('href');
          if (target && target !== at) await visit(tab, item.order + 0.5, 'detail', `${item.label} > ${name}`, async () => (await link.click(), target.split('?')[0]));
        }
      }),
    );
    const page = first.page;
    results.sort((x, y) => x.order - y.order);
    // The summary.
    const width = Math.max(...results.map((r) => r.page.length), 4);
    const lines = [
      `${'page'.padEnd(width)}  kind    status  reqs  ms     shows / problems`,
      ...results.map((r) => `${r.page.padEnd(width)}  ${r.kind.padEnd(6)}  ${(r.ok ? 'ok' : 'FAIL').padEnd(6)}  ${String(r.requests).padStart(4)}  ${String(r.ms).padStart(5)}  ${r.shows}${r.allowed.length ? ` (allowed: ${[...new Set(r.allowed)].join('; ')})` : ''}${r.problems.length ? '\n      ' + r.problems.join('\n      ') : ''}`),
    ];
    const failed = results.filter((r) => !r.ok);
    console.log(`# ${results.filter((r) => r.kind !== 'skip').length} pages visited (${results.filter((r) => r.kind === 'page').length} sidebar, ${results.filter((r) => r.kind === 'detail').length} detail), ${failed.length} failed, in ${Math.round((Date.now() - started) / 1000)} s\n${lines.map((l) => '# ' + l).join('\n')}`);
    const consoleErrors = [...new Set(tabs.flatMap((t) => t.page.record.console).filter((e) => !/: Failed to load resource|WebSocket error/.test(e)))];
    if (consoleErrors.length) console.log(`# console errors, with the page they were logged on:\n${consoleErrors.map((e) => '#   ' + e.replace(/\s+/g, ' ').slice(0, 260)).join('\n')}`);
    assert.equal(failed.length, 0, `${failed.length} page(s) failed:\n${failed.map((r) => `  ${r.page}: ${r.problems.join('\n    ')}`).join('\n')}\n${diagnose(page, () => false)}`);
  });

  test('the app\'s scripts are sent precompressed (the build\'s .br files)', async (t) => {
    const assets = path.join(BUILD ?? '', 'assets');
    const br = BUILD && fs.existsSync(assets) ? fs.readdirSync(assets).filter((f) => f.endsWith('.js.br')) : [];
    if (br.length === 0) {
      t.skip(`no .js.br files in ${assets}: the build was not precompressed (Headlamp's postbuild scripts/precompress-build.ts), nothing to check`);
      return;
    }
    // A new context: an empty cache.
    const fresh = await browser.newContext({ viewport: { width: 1400, height: 1000 }, extraHTTPHeaders: IDENTITY });
    try {
      const page = await fresh.newPage();
      const scripts = [];
      page.on('response', (r) => {
        if (r.url().startsWith(BASE) && r.request().resourceType() === 'script') scripts.push(r);
      });
      await page.goto(`${BASE}c/${CLUSTER}/`);
      await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle').catch(() => {});
      const rows = [];
      for (const r of scripts) {
        const rel = decodeURIComponent(new URL(r.url()).pathname.slice(PREFIX.length));
        const file = path.join(BUILD, rel);
        const onDisk = fs.existsSync(file) ? fs.statSync(file).size : null;
        const sizes = await r.request().sizes();
        const headers = await r.allHeaders();
        rows.push({ rel, status: r.status(), encoding: headers['content-encoding'] ?? '(none)', transferred: sizes.responseBodySize, onDisk, hasBr: fs.existsSync(`${file}.br`) });
      }
      const main = rows.filter((r) => r.hasBr && r.onDisk !== null);
      const transferred = main.reduce((n, r) => n + r.transferred, 0);
      const size = main.reduce((n, r) => n + r.onDisk, 0);
      const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
      console.log(`# ${rows.length} scripts loaded for the overview, ${main.length} with a .br beside them: ${kb(transferred)} transferred for ${kb(size)} on disk (${((100 * transferred) / size).toFixed(1)} %)`);
      for (const r of rows.sort((a, b) => (b.onDisk ?? 0) - (a.onDisk ?? 0)).slice(0, 8)) console.log(`#   ${r.rel}  ${r.status}  content-encoding: ${r.encoding}  ${kb(r.transferred)} of ${r.onDisk === null ? '?' : kb(r.onDisk)}`);
      assert.ok(main.length > 0, `scripts with .br sidecars loaded: ${rows.map((r) => r.rel).join(', ')}`);
      const plain = main.filter((r) => r.encoding !== 'br');
      assert.deepEqual(plain.map((r) => `${r.rel}: ${r.encoding}`), [], 'every script with a .br sidecar comes with content-encoding: br');
      assert.ok(transferred < size / 2.5, `transferred ${transferred} bytes, far below ${size} on disk`);
    } finally {
      await fresh.close();
    }
  });
});
