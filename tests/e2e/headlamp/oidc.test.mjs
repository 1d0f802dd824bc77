// OIDC sign-in with Headlamp's own frontend on Lamplight: the UI's "Sign In" opens its popup on
// `/oidc?dt=...&cluster=X`, the user signs in at a real OpenID provider (oidc-provider's login and
// consent forms), Lamplight's `/oidc-callback` keeps the session in sealed HttpOnly cookies and sends
// the popup to Headlamp's `/auth?cluster=X`, which tells the main window (localStorage), and the main
// window shows the cluster's data, fetched with the user's ID token, which the cluster's API server
// verifies against the provider.
//
// Run by `LAMPLIGHT_OIDC=1 node run-with-server.mjs`, which starts the provider, the cluster
// (`oidc-cluster`, fake-apiserver verifying the provider's tokens) and Lamplight with -oidc-*.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, diagnose, launch, recordingContext, shot, until } from './support.mjs';

const CLUSTER = process.env.HEADLAMP_OIDC_CLUSTER;
const ISSUER = process.env.HEADLAMP_OIDC_ISSUER;
const CLIENT_ID = process.env.HEADLAMP_OIDC_CLIENT_ID;
const USER = process.env.HEADLAMP_OIDC_USER ?? 'alice';
const RECORD = process.env.HEADLAMP_OIDC_CLUSTER_RECORD;
const ORIGIN = new URL(BASE).origin;
const skip = !CLUSTER && 'not an OIDC run: LAMPLIGHT_OIDC=1 node tests/e2e/headlamp/run-with-server.mjs';

let browser;
let context;
let ready;
const pages = [];
/** Every request the browser made (URL), popups included. */
const requests = [];
/** Names of the cookies Lamplight's callback set: the session. */
let sessionCookies = [];

/** Runs `body(page)` on a new recording page; on failure adds what went wrong and takes a screenshot. */
async function onPage(name, body) {
  const page = await ready(await context.newPage());
  pages.push({ name, page });
  try {
    await body(page);
    await shot(page, `oidc-${name}`);
  } catch (error) {
    await shot(page, `oidc-${name}-failed`);
    if (!error.message.includes('failed requests:')) error.message += `\n--- page ${page.url()}\n${diagnose(page)}`;
    throw error;
  } finally {
    await page.close();
  }
}

before(async () => {
  if (skip) return;
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  ready = await recordingContext(context);
  context.on('request', (request) => requests.push(request.url()));
});

after(async () => {
  await browser?.close();
});

describe('Headlamp frontend on Lamplight: OIDC sign-in', { skip }, () => {
  test('"Sign In" at the provider in Headlamp\'s popup, then the cluster\'s pods in the main window', async () => {
    // Signed out: /config marks the cluster for OIDC sign-in and the cluster refuses.
    const config = await (await fetch(`${BASE}config`)).json();
    const entry = (config.clusters ?? []).find((c) => c.name === CLUSTER);
    assert.equal(entry?.auth_type, 'oidc', `/config's ${CLUSTER}: ${JSON.stringify(entry)}`);
    const signedOut = await fetch(`${BASE}clusters/${CLUSTER}/api/v1/namespaces/default/pods`);
    assert.equal(signedOut.status, 401, `${CLUSTER} without a session: ${await signedOut.text()}`);

    await onPage('sign-in', async (page) => {
      await page.goto(`${BASE}c/${CLUSTER}/pods`);
      // The cluster answers 401, so Headlamp shows its sign-in for it: "Sign In" (OIDC) or a token.
      const signIn = page.getByRole('button', { name: 'Sign In', exact: true });
      await signIn.waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Use A Token' }).waitFor();
      await shot(page, 'oidc-1-sign-in-chooser');

      // Until now the cluster answered 401, as it should: what fails from here on is news.
      page.record.failed.length = 0;
      page.record.console.length = 0;
      const opened = page.waitForEvent('popup');
      await signIn.click();
      const popup = await ready(await opened);
      pages.push({ name: 'sign-in popup', page: popup });
      const callback = popup.waitForResponse((r) => r.url().startsWith(`${BASE}oidc-callback`), { timeout: 30_000 });
      const closed = popup.waitForEvent('close', { timeout: 60_000 });

      // The popup went to Lamplight's /oidc for this cluster, which sent it to the provider.
      await until('the popup at the provider', async () => popup.url().startsWith(ISSUER), 20_000, () => `popup at ${popup.url()}\n${diagnose(popup)}`);
      const start = requests.find((u) => u.startsWith(`${BASE}oidc?`));
      assert.ok(start, `the popup opened ${BASE}oidc?...: ${requests.filter((u) => u.startsWith(ORIGIN)).slice(-5).join(', ')}`);
      assert.equal(new URL(start).searchParams.get('cluster'), CLUSTER, start);

      // The provider's login form (any password), then its consent form.
      await popup.locator('input[name="login"]').fill(USER);
      await popup.locator('input[name="password"]').fill('any password');
      await shot(popup, 'oidc-2-provider-login');
      await popup.locator('button[type="submit"]').click();
      await popup.locator('input[name="prompt"][value="consent"]').waitFor({ state: 'attached' });
      await shot(popup, 'oidc-3-provider-consent');
      await popup.locator('button[type="submit"]').click();

      // Lamplight's callback: the session in cookies, then Headlamp's /auth?cluster=X.
      const response = await callback;
      const body = await response.text().catch(() => '(gone)');
      assert.equal(
        response.status(),
        302,
        `GET /oidc-callback -> ${response.status()}: ${body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 400)}\n(lamplight's log: tests/e2e/headlamp/output/lamplight.log)`,
      );
      const location = new URL(await response.headerValue('location'), response.url());
      assert.deepEqual(
        { at: location.origin + location.pathname, cluster: location.searchParams.get('cluster') },
        { at: `${BASE}auth`, cluster: CLUSTER },
        `the callback sends the popup to Headlamp's /auth page for the cluster: ${location.href}`,
      );
      const setCookies = (await response.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
      sessionCookies = setCookies.filter((c) => !/max-age=0/i.test(c)).map((c) => c.split('=')[0]);
      assert.ok(sessionCookies.length > 0, `the callback sets a session cookie: ${setCookies.map((c) => c.split(';')[0].split('=')[0]).join(', ')}`);

      // Headlamp's /auth page tells the main window, which closes the popup.
      await closed.catch((e) => {
        e.message += `\npopup still open at ${popup.url()}\n${diagnose(popup)}`;
        throw e;
      });

      // The main window goes back to where it was: the cluster's pods, from its API server.
      await until(
        'the main window to show the cluster\'s pods',
        async () => new URL(page.url()).pathname.endsWith(`/c/${CLUSTER}/pods`) && (await page.getByRole('link', { name: /^web-/ }).count()) > 0,
        20_000,
        () => `main window at ${page.url()}\n${diagnose(page)}`,
      );
      await shot(page, 'oidc-4-signed-in-pods');
      // Live: the list's watch (a WebSocket authenticated by the session cookie) delivers events.
      await until(
        'a pods watch on the cluster that receives events',
        async () => page.record.sockets.some((w) => w.url.includes(`/clusters/${CLUSTER}/api/v1/pods?`) && w.url.includes('watch=') && w.received > 0),
        20_000,
        () => diagnose(page),
      );

      // Who the server thinks is calling: the provider's user.
      const me = await page.evaluate(async (u) => {
        const r = await fetch(u, { headers: { Accept: 'application/json' } });
        return { status: r.status, body: await r.text() };
      }, `${BASE}clusters/${CLUSTER}/me`);
      assert.equal(me.status, 200, `/clusters/${CLUSTER}/me: ${me.body}`);
      assert.equal(JSON.parse(me.body).username, USER, me.body);

      // The session is in HttpOnly cookies, never readable by the page's scripts.
      const cookies = (await context.cookies(BASE)).filter((c) => sessionCookies.includes(c.name));
      assert.equal(cookies.length, sessionCookies.length, `the browser kept ${sessionCookies.join(', ')}: ${cookies.map((c) => c.name).join(', ')}`);
      for (const cookie of cookies) assert.equal(cookie.httpOnly, true, `${cookie.name} is HttpOnly`);
      const readable = await page.evaluate(() => document.cookie);
      for (const name of sessionCookies) assert.ok(!readable.includes(`${name}=`), `${name} is not in document.cookie`);
    });

    // What reached the API server: the user's ID token from the provider (iss, aud = the client),
    // which it verified (an invalid one is 401 there), as the provider's user.
    if (RECORD) {
      const recorded = fs.readFileSync(RECORD, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
      const signedIn = recorded.filter((r) => r.user === USER);
      assert.ok(signedIn.length > 0, `requests authenticated as ${USER}: users seen ${[...new Set(recorded.map((r) => r.user))].join(', ')}`);
      const claims = signedIn.at(-1).bearer_claims ?? {};
      assert.equal(claims.iss, ISSUER, JSON.stringify(claims));
      assert.equal(claims.aud, CLIENT_ID, JSON.stringify(claims));
      assert.equal(claims.preferred_username, USER, JSON.stringify(claims));
    }
  });

  test('the session serves a new tab: the overview with the cluster\'s data', async () => {
    assert.ok(sessionCookies.length > 0, 'needs the session of the sign-in test before, which did not sign in');
    await onPage('overview', async (page) => {
      await page.goto(`${BASE}c/${CLUSTER}/`);
      await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 20_000 });
      await until(
        'the overview to count the cluster\'s nodes and pods',
        async () => {
          const text = await page.locator('main').innerText().catch(() => '');
          return /2 \/ 2 Ready/.test(text) && /Pods\s+\d+ \/ \d+/.test(text);
        },
        20_000,
        () => `at ${page.url()}\n${diagnose(page)}`,
      );
      assert.ok(!new URL(page.url()).pathname.endsWith('/login'), `no sign-in asked again: ${page.url()}`);
    });
  });

  test('no Content-Security-Policy violation on Lamplight\'s pages (main window and popup)', async () => {
    // The provider's own pages are not Lamplight's to police.
    const violations = pages.flatMap(({ name, page }) => page.record.csp.filter((v) => v.origin === ORIGIN || v.origin === 'null').map((v) => ({ test: name, ...v })));
    const csp = await fetch(`${BASE}c/${CLUSTER}/`).then((r) => r.headers.get('content-security-policy'));
    assert.equal(violations.length, 0, `${violations.length} violations under\n  ${csp}\n${violations.slice(0, 25).map((v) => '  ' + JSON.stringify(v).slice(0, 400)).join('\n')}`);
    assert.ok(pages.some(({ name }) => name === 'sign-in popup'), 'the popup was watched too');
  });
});
