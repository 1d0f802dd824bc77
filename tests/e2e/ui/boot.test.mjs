// Browser test of the round trips before the first data (issue 13, section 4), against a running
// server (the demo):
//
//   LAMPLIGHT_URL=http://127.0.0.1:PORT/ node --test tests/e2e/ui/boot.test.mjs
//
// Opening a list used to take five round trips one after the other: /config, then /me, then
// discovery (/api and /apis, then each group), then the list. Now /config, /me and discovery start
// together and the list of an everyday kind does not wait for discovery. The test slows /config
// and /apis down (in the browser, by holding their answers) so that "started before that answered"
// is an ordering, not a race: the old sequence fails each assertion by the delay.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, launchChromium } from './support.mjs';

const BASE = baseUrl();
const BASE_PATH = new URL(BASE).pathname;
const CLUSTER = process.env.LAMPLIGHT_CLUSTER ?? 'demo';
const ALICE = { 'X-Forwarded-User': 'alice', 'X-Forwarded-Group': 'dev,ops' };
const HOLD_MS = 800;

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** Opens `path` with /config held for HOLD_MS and the cluster's /apis for twice that; returns when each request started and answered. */
async function openWithHeldAnswers(path, waitFor) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, extraHTTPHeaders: ALICE });
  const page = await context.newPage();
  const clusterPrefix = `${BASE_PATH}clusters/${CLUSTER}`;
  // /apis is held twice as long as /config: what waits for /config alone answers in between.
  const held = new Map([
    [`${BASE_PATH}config`, HOLD_MS],
    [`${clusterPrefix}/apis`, 2 * HOLD_MS],
  ]);
  await page.route(
    (url) => held.has(url.pathname),
    async (route) => {
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, held.get(new URL(route.request().url()).pathname)));
      await route.fulfill({ response });
    },
  );
  const started = Date.now();
  const seen = new Map();
  const name = (request) => {
    const url = new URL(request.url());
    if (url.pathname === `${BASE_PATH}config`) return 'config';
    if (url.pathname === `${BASE_PATH}me`) return 'me';
    if (url.pathname === `${clusterPrefix}/api`) return 'discovery /api';
    if (url.pathname === `${clusterPrefix}/apis`) return 'discovery /apis';
    if (url.pathname === `${clusterPrefix}/api/v1/pods` && !url.searchParams.has('watch')) return 'list pods';
    if (url.pathname.startsWith(`${clusterPrefix}/api/v1/namespaces/`) && /\/pods\/[^/]+$/.test(url.pathname)) return 'get pod';
    return null;
  };
  page.on('request', (request) => {
    const key = name(request);
    if (key && !seen.has(key)) seen.set(key, { start: Date.now() - started });
  });
  page.on('requestfinished', (request) => {
    const key = name(request);
    const entry = key && seen.get(key);
    if (entry && entry.end === undefined) entry.end = Date.now() - started;
  });
  await page.goto(BASE + path);
  await waitFor(page);
  const shownAt = Date.now() - started;
  await context.close();
  return { seen: Object.fromEntries(seen), shownAt };
}

describe('Round trips before the first data', () => {
  test('a list: /config, /me and discovery start together, and the list does not wait for discovery', async () => {
    const { seen, shownAt } = await openWithHeldAnswers(`c/${CLUSTER}/core/v1/pods`, (page) => page.locator('[data-testid="resource-table"] tbody tr[data-name]').first().waitFor());
    console.log(`boot, list: ${JSON.stringify(seen)}; first row at ${shownAt} ms (with /config held ${HOLD_MS} ms, /apis ${2 * HOLD_MS} ms)`);
    for (const key of ['config', 'me', 'list pods']) assert.ok(seen[key]?.end !== undefined, `${key} was requested and answered: ${JSON.stringify(seen)}`);
    for (const key of ['discovery /api', 'discovery /apis']) assert.ok(seen[key], `${key} was requested: ${JSON.stringify(seen)}`);
    assert.ok(seen.me.start < seen.config.end, `/me is asked before /config answers: ${JSON.stringify(seen)}`);
    assert.ok(seen['discovery /api'].start < seen.config.end, `discovery starts before /config answers: ${JSON.stringify(seen)}`);
    // Still unanswered when the first row showed counts as after it.
    assert.ok(seen['list pods'].start < (seen['discovery /apis'].end ?? Infinity), `the list is asked before discovery answers: ${JSON.stringify(seen)}`);
    // The holds overlap: the first row does not wait for them one after the other.
    assert.ok(shownAt < 3 * HOLD_MS, `first row before both holds would have passed one after the other: ${shownAt} ms`);
  });

  test('a detail page reads its object before discovery answers', async () => {
    const pods = await (await fetch(`${BASE}clusters/${CLUSTER}/api/v1/pods?limit=1`, { headers: ALICE })).json();
    const pod = pods.items?.[0];
    assert.ok(pod, 'the demo has a pod');
    const { seen } = await openWithHeldAnswers(`c/${CLUSTER}/core/v1/pods/${pod.metadata.namespace}/${pod.metadata.name}`, (page) => page.locator('h1', { hasText: pod.metadata.name }).first().waitFor());
    console.log(`boot, detail: ${JSON.stringify(seen)}`);
    assert.ok(seen['get pod'] && seen['discovery /apis'], JSON.stringify(seen));
    assert.ok(seen['get pod'].start < (seen['discovery /apis'].end ?? Infinity), `the object is asked before discovery answers: ${JSON.stringify(seen)}`);
  });
});
