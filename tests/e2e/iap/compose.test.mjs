// The compose stack's own Traefik configuration (deploy/compose/traefik/traefik.yml and
// dynamic/*.yml, loaded by compose_traefik.py with only the service addresses moved to loopback)
// in front of a plain-HTTP Lamplight, with Apache mod_auth_openidc in oauth2-proxy's place. What
// this proves about compose's files: a deep link survives sign-in (the errors middleware hands the
// sign-in page a usable `rd`), every answer of the routers carries the security headers (the
// sign-in page that replaces a 401 included), and ForwardAuth's headers win over forged ones.
// Started by run.sh, which sets:
//
//   COMPOSE_URL                compose's Traefik, http://localhost:C/ (its routers match
//                              Host(`localhost`) only)
//   COMPOSE_APACHE_ACCESS_LOG  the access log of the Apache behind it (`"%r"` is the request line)
//   COMPOSE_LAMPLIGHT_LOG      the log of the Lamplight behind it (-log-format=json)
//   OIDC_ISSUER                the provider
//   CLUSTER                    the kubeconfig context (lab)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fetchManual, launchPage, required, shot } from './support.mjs';

const FRONT = new URL(required('COMPOSE_URL'));
const APACHE_ACCESS_LOG = required('COMPOSE_APACHE_ACCESS_LOG');
const LAMPLIGHT_LOG = required('COMPOSE_LAMPLIGHT_LOG');
const ISSUER = required('OIDC_ISSUER');
const CLUSTER = process.env.CLUSTER ?? 'lab';
const USER = 'alice';
const GROUPS = ['dev', 'ops'];
const EMAIL = 'alice@example.com';
// A pod the fake API server seeds in `default`.
const POD = 'web-6d4b9c7f5b-x2k9p';
/** A page deep in the UI, with a query of two parameters (the namespace and the list's filter). */
const DEEP_LINK = new URL(`/c/${CLUSTER}/core/v1/pods?ns=default&q=web`, FRONT);
/** compose's security-headers middleware: what every answer of its routers must carry. */
const SECURITY_HEADERS = { 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' };

let browser;
let context;
let page;
/** alice's session at compose's proxy: a Cookie header value. */
let sessionCookie;
const problems = [];

/** A request through compose's Traefik, redirects not followed. */
const front = (pathAndQuery, headers = {}) => fetchManual(FRONT, pathAndQuery, headers);

function assertSecurityHeaders(headers, what) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    assert.equal(headers.get(name), value, `${what}: ${name} from compose's security-headers middleware`);
  }
}

/** The request lines (`GET /path?query HTTP/1.1`) compose's Apache has logged so far. */
function apacheRequests() {
  return fs
    .readFileSync(APACHE_ACCESS_LOG, 'utf8')
    .split('\n')
    .map((line) => line.match(/"([A-Z]+ \S+ HTTP\/[\d.]+)"/)?.[1])
    .filter(Boolean);
}

/** The `rd` of the sign-in requests Apache got after the first `skip` lines (waits up to 3 s). */
async function signInRds(skip) {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const rds = apacheRequests()
      .slice(skip)
      .filter((line) => line.startsWith('GET /oauth2/sign_in?'))
      .map((line) => new URL(line.split(' ')[1], 'http://apache.invalid').searchParams.get('rd'));
    if (rds.length > 0 || Date.now() > deadline) return rds;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Lamplight's JSON log lines so far. */
function lamplightLog() {
  return fs
    .readFileSync(LAMPLIGHT_LOG, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

before(async () => {
  ({ browser, context, page } = await launchPage(problems));
});

after(async () => {
  await browser?.close();
});

describe("compose's Traefik configuration (deploy/compose/traefik) in front of Lamplight", () => {
  test('without a session a deep link gets the sign-in page, whose rd is exactly that link, with the security headers', async () => {
    const logBefore = lamplightLog().length;
    const apacheBefore = apacheRequests().length;
    const response = await front(DEEP_LINK.pathname + DEEP_LINK.search, { 'X-Forwarded-User': 'admin' });
    assert.equal(response.status, 401, 'the errors middleware keeps ForwardAuth\'s 401');
    assert.match(response.text, /id="iap-sign-in"/, 'the sign-in page');
    // What the sign-in endpoint received: one absolute URL, the link asked for, and nothing else.
    const rds = await signInRds(apacheBefore);
    assert.equal(rds.length, 1, `one sign-in request at the auth service, got ${JSON.stringify(rds)}`);
    let rd;
    assert.doesNotThrow(() => (rd = new URL(rds[0], FRONT)), `rd=${rds[0]} is a URL`);
    assert.equal(rd.href, DEEP_LINK.href, `the sign-in endpoint's rd (${rds[0]}) is the page asked for`);
    assert.equal(rd.origin, FRONT.origin, 'rd stays on the dashboard\'s own origin');
    // ...and the button of the page it serves goes back there.
    const formRd = response.text.match(/name="rd" value="([^"]*)"/)?.[1]?.replaceAll('&amp;', '&');
    assert.equal(formRd && new URL(formRd, FRONT).href, DEEP_LINK.href, 'the sign-in form carries the deep link');
    // The page that replaced the 401 carries the security headers (security-headers runs first).
    assertSecurityHeaders(response.headers, 'the sign-in page served for a 401');
    assertSecurityHeaders((await front('/oauth2/sign_in?rd=%2F')).headers, 'GET /oauth2/sign_in');
    // Nothing reached Lamplight.
    const served = lamplightLog()
      .slice(logBefore)
      .map((line) => line.span?.['http.path'])
      .filter(Boolean);
    assert.deepEqual(served, [], 'Lamplight served no request');
  });

  test('a deep link survives sign-in: the browser lands on the very page it asked for', async () => {
    const first = await page.goto(DEEP_LINK.href);
    assert.equal(first.status(), 401, 'compose\'s Traefik answers the deep link with the sign-in page');
    await page.locator('#iap-sign-in').waitFor();
    await shot(page, 'compose-01-sign-in');
    // Every hop back from the provider, for the message if the landing goes wrong.
    const hops = [];
    page.on('response', (r) => {
      if (r.request().isNavigationRequest() && new URL(r.url()).origin === FRONT.origin) hops.push(`${r.status()} ${r.url()} -> ${r.headers().location ?? ''}`);
    });
    await page.getByTestId('iap-sign-in-button').click();

    // The provider's login form (a new browser: no session there), then its consent form.
    await page.waitForURL((url) => url.href.startsWith(ISSUER));
    await page.locator('input[name="login"]').fill(USER);
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.locator('input[name="prompt"][value="consent"]').waitFor({ state: 'attached' });
    await page.locator('button[type="submit"]').click();

    // Back through /oauth2/callback and /oauth2/start?rd=... to the deep link itself.
    await page.waitForURL((url) => url.origin === FRONT.origin && !url.pathname.startsWith('/oauth2/'));
    const landed = new URL(page.url());
    assert.equal(`${landed.pathname}${landed.search}`, `${DEEP_LINK.pathname}${DEEP_LINK.search}`, `landed on the deep link (hops: ${hops.join(' | ')})`);
    // The first /oauth2/start sends the browser to the provider; the last one, signed in, to rd.
    const start = hops.filter((hop) => hop.includes('/oauth2/start?')).at(-1);
    assert.ok(start?.endsWith(` -> ${DEEP_LINK.href}`) || start?.endsWith(` -> ${DEEP_LINK.pathname}${DEEP_LINK.search}`), `/oauth2/start redirected to the deep link (${start})`);

    // The page is the one asked for: pods of namespace default, filtered by "web", as alice.
    await page.getByTestId('user-name').waitFor();
    assert.equal(await page.getByTestId('user-name').textContent(), USER);
    await page.locator(`[data-testid="resource-table"] tbody tr[data-name="${POD}"]`).waitFor();
    assert.equal(await page.getByTestId('filter').inputValue(), 'web', 'the list filter from ?q= is there');
    const now = new URL(page.url());
    assert.equal(now.searchParams.get('ns'), 'default', 'the namespace from ?ns= is kept');
    assert.equal(now.searchParams.get('q'), 'web', 'the filter from ?q= is kept');
    await shot(page, 'compose-02-deep-link');

    const cookies = await context.cookies(FRONT.href);
    assert.ok(cookies.some((c) => c.name === 'iap_session' && c.httpOnly), `the proxy's HttpOnly session cookie (${cookies.map((c) => c.name)})`);
    sessionCookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  });

  test("with alice's session, compose's chain overwrites forged identity headers, and Lamplight's answers carry the security headers", async () => {
    assert.ok(sessionCookie, 'signed in by the previous test');
    const me = await front('/me', { Cookie: sessionCookie, Accept: 'application/json', 'X-Forwarded-User': 'admin', 'X-Forwarded-Group': 'system:masters', 'X-Forwarded-Email': 'admin@example.com' });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json, { username: USER, email: EMAIL, groups: GROUPS, authMethod: 'proxy' });
    assertSecurityHeaders(me.headers, 'GET /me');
    // An error from Lamplight itself, a 403 that compose's errors middleware (401 only) lets
    // through as Lamplight's Kubernetes Status.
    const refused = await front(`/clusters/${CLUSTER}/api/v1/namespaces/default/pods`, { Cookie: sessionCookie, 'Impersonate-User': 'admin' });
    assert.equal(refused.status, 403, refused.text.slice(0, 200));
    assert.equal(refused.json?.kind, 'Status', 'Lamplight\'s Status, not a sign-in page');
    assertSecurityHeaders(refused.headers, 'Lamplight\'s 403');
  });

  test('no CSP violation or uncaught error in the dashboard', () => {
    assert.deepEqual(problems, []);
  });
});
