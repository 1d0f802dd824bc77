// Lamplight behind an identity-aware proxy, end to end: Traefik (forwardAuth + errors + headers
// middlewares) -> Apache mod_auth_openidc -> oidc-provider, Lamplight -proxy-auth=true behind it
// (over HTTPS, believing identity only from Traefik's address with Traefik's client certificate),
// and the project's fake-apiserver behind Lamplight, verifying the ID tokens it gets against the
// provider like kube-apiserver's OIDC authenticator. Started by run.sh, which sets:
//
//   IAP_URL               Traefik's entrypoint, the only way in for users (http://127.0.0.1:P/)
//   LAMPLIGHT_DIRECT_URL  Lamplight itself (https://127.0.0.1:L/), for the bypass attempts
//   PKI_DIR               the certificates: lamplight-proxy-ca.crt (the CA of Lamplight's serving
//                         certificate and of the client certificates it accepts), traefik.{crt,key}
//                         (CN traefik, the allowed name), stranger.{crt,key} (same CA, CN stranger),
//                         rogue.{crt,key} (CN traefik, from another CA)
//   OIDC_ISSUER           the provider; OIDC_CLIENT_ID: Apache's client there
//   APISERVER_RECORD      the API server's record of requests (JSON lines: method, path, query,
//                         headers with credentials as fingerprints, the authenticated user,
//                         the bearer token's claims)
//   LAMPLIGHT_LOG         Lamplight's log (-log-format=json)
//   CLUSTER               the kubeconfig context Lamplight serves (lab)
//
// The tests run in order and share the browser: sign-in first, sign-out last.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fetchManual, launchPage, required, shot } from './support.mjs';

const FRONT = new URL(required('IAP_URL'));
const DIRECT = new URL(required('LAMPLIGHT_DIRECT_URL'));
const ISSUER = required('OIDC_ISSUER');
const CLIENT_ID = required('OIDC_CLIENT_ID');
const RECORD = required('APISERVER_RECORD');
const LAMPLIGHT_LOG = required('LAMPLIGHT_LOG');
const PKI_DIR = required('PKI_DIR');
const CLUSTER = process.env.CLUSTER ?? 'lab';
const USER = 'alice';
const GROUPS = ['dev', 'ops'];
const EMAIL = 'alice@example.com';
const PODS_PATH = `/clusters/${CLUSTER}/api/v1/namespaces/default/pods`;
// A pod the fake API server seeds in `default`.
const POD = 'web-6d4b9c7f5b-x2k9p';
const pem = (name) => fs.readFileSync(path.join(PKI_DIR, name), 'utf8');
/** The CA that issued Lamplight's serving certificate and the client certificates it accepts. */
const CA = pem('lamplight-proxy-ca.crt');
const clientCertificate = (name) => ({ cert: pem(`${name}.crt`), key: pem(`${name}.key`) });
/** Traefik's own client certificate, as if its key had been stolen. */
const TRAEFIK_CERT = clientCertificate('traefik');
/** From the right CA, named `stranger`: not in -proxy-auth-allowed-names. */
const STRANGER_CERT = clientCertificate('stranger');
/** Named `traefik`, from another CA. */
const ROGUE_CERT = clientCertificate('rogue');

// What an attacker would like to be.
const FORGED = {
  'X-Forwarded-User': 'admin',
  'X-Forwarded-Email': 'admin@example.com',
  'X-Forwarded-Group': 'system:masters',
  'X-Forwarded-Id-Token': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.forged',
};
// Header names that carry (or look like) an identity: none may reach the API server.
const IDENTITY_NAME = /^x[-_.]forwarded[-_.](user|email|groups?|id[-_.]token|preferred[-_.]username|access[-_.]token)$|^x[-_.]remote[-_.]/i;

let browser;
let context;
let page;
/** alice's session at the proxy, as the browser holds it: a Cookie header value. */
let sessionCookie;
/** How the API server recorded alice's credential (`Bearer sha256:...`, set by the API test). */
let aliceCredential;
const problems = [];
/** How many requests the API server had received before this run (run.sh starts it afresh). */
let apiStart = 0;

// ---------------------------------------------------------------------------------------------
// Helpers.


/** A request through the front door (Traefik), as a plain HTTP client: redirects not followed. */
const front = (pathAndQuery, headers = {}) => fetchManual(FRONT, pathAndQuery, headers);

/**
 * A request straight to Lamplight over HTTPS from `localAddress`, bypassing Traefik: Lamplight's
 * certificate is checked against the CA, and `client` ({ cert, key }), if given, is presented.
 * A fresh connection each time (no agent), so each request makes its own handshake.
 */
function direct(pathAndQuery, headers, localAddress, client = {}) {
  return new Promise((resolve, reject) => {
    let local;
    const request = https.request(
      { host: DIRECT.hostname, port: DIRECT.port, path: pathAndQuery, method: 'GET', headers, localAddress, timeout: 15_000, agent: false, ca: CA, ...client },
      (response) => {
        local = response.socket.localAddress;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode, headers: response.headers, text, json, localAddress: local });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}

/**
 * Every request the API server received so far: { method, url, headers: [[name, value]], user,
 * bearer_claims }. Header names are lower-case; credentials are fingerprints (`Bearer sha256:…`).
 */
function recorded() {
  return fs
    .readFileSync(RECORD, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const entry = JSON.parse(line);
      return { ...entry, url: entry.query ? `${entry.path}?${entry.query}` : entry.path };
    });
}

const values = (entry, name) => entry.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

/** Lamplight's JSON log lines so far. */
function lamplightLog() {
  return fs
    .readFileSync(LAMPLIGHT_LOG, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Lamplight's audit records so far (the log's lines with `kind: audit`). */
const audits = () => lamplightLog().filter((line) => line.kind === 'audit');

/**
 * Waits until Lamplight has logged the end of request `requestId` (its `X-Request-Id`): the log is
 * written by a background thread, in order, so every line of an earlier request is there too.
 */
async function logged(requestId) {
  assert.ok(requestId, 'the response has an X-Request-Id');
  const deadline = Date.now() + 5_000;
  while (!lamplightLog().some((line) => line.span?.request_id === requestId && line.fields?.message === 'request completed')) {
    assert.ok(Date.now() < deadline, `Lamplight logged request ${requestId} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The one request the API server got whose URL has `marker`. */
function requestWith(marker) {
  const hits = recorded().filter((entry) => entry.url.includes(marker));
  assert.equal(hits.length, 1, `one API server request with ${marker}, got ${hits.length}`);
  return hits[0];
}

/** What an API server request must never carry: identity headers, look-alikes, cookies. */
function assertNoIdentityLeak(entry) {
  const names = entry.headers.map(([n]) => n);
  const leaked = names.filter((n) => IDENTITY_NAME.test(n));
  assert.deepEqual(leaked, [], `${entry.method} ${entry.url}: identity headers reached the API server (${names.join(', ')})`);
  assert.deepEqual(values(entry, 'Cookie'), [], `${entry.method} ${entry.url}: a Cookie reached the API server`);
  assert.deepEqual(
    names.filter((n) => /^impersonate-/i.test(n)),
    [],
    `${entry.method} ${entry.url}: impersonation headers reached the API server`,
  );
}

function assertSignInPage(response, what) {
  assert.equal(response.status, 401, `${what}: status`);
  assert.match(response.text, /id="iap-sign-in"/, `${what}: the sign-in page`);
  assert.doesNotMatch(response.text, /"username"|admin/, `${what}: nothing from Lamplight`);
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  apiStart = recorded().length;
  ({ browser, context, page } = await launchPage(problems));
});

after(async () => {
  await browser?.close();
});

describe('Lamplight behind Traefik ForwardAuth + mod_auth_openidc', () => {
  test('without a session the front door answers with the sign-in page, whatever identity the client claims', async () => {
    const apiBefore = recorded().length;
    const logBefore = lamplightLog().length;
    const attempts = [
      {},
      { 'X-Forwarded-User': 'admin' },
      FORGED,
      { X_Forwarded_User: 'admin' },
      { 'X.Forwarded.User': 'admin' },
      { 'x-forwarded-user': 'admin', 'X-Forwarded-For': '127.0.0.1' },
    ];
    for (const headers of attempts) {
      for (const target of ['/me', PODS_PATH, `/clusters/${CLUSTER}/me`]) {
        const response = await front(target, headers);
        assertSignInPage(response, `GET ${target} with ${JSON.stringify(headers)}`);
      }
    }
    // The sign-in button comes back to the page asked for.
    const page1 = await front('/c/lab/core/v1/pods?x=1');
    const rd = page1.text.match(/name="rd" value="([^"]*)"/)?.[1];
    assert.ok(rd, 'the sign-in form carries rd');
    assert.equal(new URL(rd.replaceAll('&amp;', '&'), FRONT).href, new URL('/c/lab/core/v1/pods?x=1', FRONT).href);
    // The auth-headers middleware on the /oauth2/ route.
    const signIn = await front('/oauth2/sign_in?rd=%2F');
    assert.equal(signIn.status, 200);
    assert.equal(signIn.headers.get('x-frame-options'), 'DENY');
    assert.match(signIn.headers.get('strict-transport-security') ?? '', /max-age=315360000/);
    // None of it reached Lamplight or the API server.
    assert.equal(recorded().length, apiBefore, 'the API server received nothing');
    const served = lamplightLog()
      .slice(logBefore)
      .map((line) => line.span?.['http.path'])
      .filter(Boolean);
    assert.deepEqual(served, [], 'Lamplight served no request');
  });

  test('alice signs in at the provider through the proxy and lands on the dashboard', async () => {
    const first = await page.goto(FRONT.href);
    assert.equal(first.status(), 401, 'Traefik answers the first visit with the sign-in page');
    await page.locator('#iap-sign-in').waitFor();
    await shot(page, '01-sign-in');
    await page.getByTestId('iap-sign-in-button').click();

    // The provider's login form (any password), then its consent form.
    await page.waitForURL((url) => url.href.startsWith(ISSUER));
    await page.locator('input[name="login"]').fill(USER);
    await page.locator('input[name="password"]').fill('any password');
    await shot(page, '02-provider-login');
    await page.locator('button[type="submit"]').click();
    await page.locator('input[name="prompt"][value="consent"]').waitFor({ state: 'attached' });
    assert.ok(page.url().startsWith(ISSUER), `consent at the provider (${page.url()})`);
    await shot(page, '03-provider-consent');
    await page.locator('button[type="submit"]').click();

    // Back through /oauth2/callback and /oauth2/start to the dashboard, which opens a cluster.
    await page.waitForURL((url) => url.origin === FRONT.origin && url.pathname.startsWith('/c/'));
    // The proxy's session, for the tests after this one.
    const cookies = await context.cookies(FRONT.href);
    assert.ok(cookies.some((c) => c.name === 'iap_session' && c.httpOnly), `the proxy's HttpOnly session cookie (${cookies.map((c) => c.name)})`);
    sessionCookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');

    await page.getByTestId('user-name').waitFor();
    assert.equal(await page.getByTestId('user-name').textContent(), USER);

    // The cluster list is the kubeconfig's: lab, available, and the one open.
    const clusters = await page.getByTestId('cluster-picker').locator('option').evaluateAll((options) => options.map((o) => ({ value: o.value, text: o.textContent })));
    assert.deepEqual(clusters, [{ value: CLUSTER, text: CLUSTER }]);
    assert.equal(await page.getByTestId('cluster-picker').inputValue(), CLUSTER);

    // Data from the API server, fetched by the UI through Traefik and Lamplight with alice's token.
    await page.goto(new URL(`/c/${CLUSTER}/core/v1/pods`, FRONT).href);
    await page.getByTestId('resource-table').waitFor();
    await page.locator(`[data-testid="resource-table"] tbody tr[data-name="${POD}"]`).waitFor();
    await shot(page, '04-dashboard-pods');

    await page.getByTestId('user-menu-button').click();
    const menu = page.getByTestId('user-menu');
    await menu.waitFor();
    assert.deepEqual(await menu.getByTestId('user-groups').locator('li').allTextContents(), GROUPS);
    assert.ok((await menu.textContent()).includes(EMAIL), 'the menu shows her email');
    assert.equal(await menu.getByTestId('sign-out').getAttribute('href'), '/oauth2/sign_out');
    await shot(page, '05-user-menu');
    await page.keyboard.press('Escape');

    // What the UI reads: GET /me, same origin, with the browser's cookies.
    const me = await page.evaluate(async () => {
      const r = await fetch('me', { headers: { Accept: 'application/json' } });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { username: USER, email: EMAIL, groups: GROUPS, authMethod: 'proxy' });
  });

  test('GET /me through the front door with the session is alice with groups dev and ops', async () => {
    assert.ok(sessionCookie, 'signed in by the previous test');
    const me = await front('/me', { Cookie: sessionCookie, Accept: 'application/json' });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json, { username: USER, email: EMAIL, groups: GROUPS, authMethod: 'proxy' });
    assert.match(me.headers.get('cache-control') ?? '', /no-store/);
    const config = await front('/config', { Cookie: sessionCookie });
    assert.equal(config.status, 200, config.text);
    assert.equal(config.json.auth?.mode, 'proxy');
    assert.deepEqual(
      config.json.clusters.map((c) => ({ name: c.name, error: c.error ?? null })),
      [{ name: CLUSTER, error: null }],
    );
    const clusterMe = await front(`/clusters/${CLUSTER}/me`, { Cookie: sessionCookie });
    assert.equal(clusterMe.status, 200, clusterMe.text);
    assert.equal(clusterMe.json.username, USER);
  });

  test("the API server authenticates alice by her ID token and sees no identity header or cookie", async () => {
    assert.ok(sessionCookie, 'signed in by the previous test');
    const marker = `e2e-run=${crypto.randomUUID()}`;
    const response = await front(`${PODS_PATH}?labelSelector=${encodeURIComponent(marker)}`, { Cookie: sessionCookie, Accept: 'application/json' });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.kind, 'PodList');

    const upstream = requestWith(encodeURIComponent(marker));
    assert.equal(upstream.method, 'GET');
    assert.ok(upstream.url.startsWith('/api/v1/namespaces/default/pods?'), upstream.url);
    const authorization = values(upstream, 'Authorization');
    assert.equal(authorization.length, 1, `one Authorization header (${authorization.length})`);
    assert.match(authorization[0], /^Bearer sha256:[0-9a-f]{16}$/, 'a bearer token, recorded as its fingerprint');
    // The API server verified the token against the provider's keys (signature, issuer, audience,
    // expiry) before naming the user: an unverified or forged token would leave `user` null.
    assert.equal(upstream.user, USER, 'the API server authenticated alice');
    const claims = upstream.bearer_claims;
    assert.ok(claims, 'the bearer token is a JWT');
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.sub, USER);
    assert.equal(claims.preferred_username, USER);
    assert.ok([claims.aud].flat().includes(CLIENT_ID), `aud ${claims.aud} has the proxy's client ${CLIENT_ID}`);
    assert.deepEqual(claims.groups, GROUPS);
    assert.ok(claims.exp > Date.now() / 1000, 'not expired');
    assertNoIdentityLeak(upstream);

    // It is the very ID token of alice's session at the proxy (mod_auth_openidc's info hook).
    const info = await front('/oauth2/callback?info=json', { Cookie: sessionCookie });
    assert.equal(info.status, 200, info.text);
    assert.deepEqual(info.json.id_token, claims, "the session's ID token claims");
    aliceCredential = authorization[0];

    // Every request the API server has received so far (the UI's too) carried that same
    // credential, was authenticated as alice, and carried nothing else of hers.
    const all = recorded().slice(apiStart);
    assert.ok(all.length > 1, 'the UI talked to the API server too');
    for (const entry of all) {
      const sent = values(entry, 'Authorization');
      assert.deepEqual(sent, [aliceCredential], `${entry.method} ${entry.url}: Authorization ${sent}`);
      assert.equal(entry.user, USER, `${entry.method} ${entry.url}: authenticated as ${entry.user}`);
      assertNoIdentityLeak(entry);
    }
  });

  test('with alice\'s session, forged identity headers change nothing: Traefik overwrites them', async () => {
    assert.ok(sessionCookie && aliceCredential, 'signed in, credential seen');
    const me = await front('/me', { Cookie: sessionCookie, ...FORGED });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json, { username: USER, email: EMAIL, groups: GROUPS, authMethod: 'proxy' });

    // The same header in another case is the same header.
    const lower = await front('/me', { Cookie: sessionCookie, 'x-forwarded-user': 'admin', 'X-FORWARDED-GROUP': 'system:masters' });
    assert.equal(lower.status, 200, lower.text);
    assert.equal(lower.json.username, USER);
    assert.deepEqual(lower.json.groups, GROUPS);

    // A forged token never reaches the API server: alice's does.
    const marker = `e2e-forged=${crypto.randomUUID()}`;
    const pods = await front(`${PODS_PATH}?labelSelector=${encodeURIComponent(marker)}`, { Cookie: sessionCookie, ...FORGED });
    assert.equal(pods.status, 200, pods.text);
    const upstream = requestWith(encodeURIComponent(marker));
    const sent = values(upstream, 'Authorization');
    assert.deepEqual(sent, [aliceCredential], "alice's token went upstream, not the forged one");
    assert.equal(upstream.user, USER);
    assertNoIdentityLeak(upstream);

    // Asking the API server to impersonate someone is refused by Lamplight (403, which the
    // errors middleware dresses as the sign-in page) and never reaches the API server.
    const apiBefore = recorded().length;
    const impersonating = await front(PODS_PATH, { Cookie: sessionCookie, 'Impersonate-User': 'admin', 'Impersonate-Group': 'system:masters' });
    assert.equal(impersonating.status, 403, impersonating.text.slice(0, 200));
    assert.match(impersonating.text, /id="iap-sign-in"/, "the errors middleware's page, not Lamplight's Status");
    assert.doesNotMatch(impersonating.text, /PodList|admin|system:masters/);
    assert.equal(recorded().length, apiBefore, 'the API server received nothing');
  });

  test('with alice\'s session, look-alike identity headers (X_Forwarded_User, X.Forwarded.User) are refused with 400', async () => {
    assert.ok(sessionCookie, 'signed in');
    const apiBefore = recorded().length;
    for (const name of ['X_Forwarded_User', 'X.Forwarded.User', 'x_forwarded_user', 'X_Forwarded_Group', 'X_Forwarded_Id_Token']) {
      for (const target of ['/me', PODS_PATH]) {
        const response = await front(target, { Cookie: sessionCookie, [name]: name.includes('Token') ? FORGED['X-Forwarded-Id-Token'] : 'admin' });
        const what = `GET ${target} with ${name}`;
        assert.equal(response.status, 400, `${what}: ${response.status} ${response.text.slice(0, 200)}`);
        assert.equal(response.json?.kind, 'Status', `${what}: a Kubernetes Status body`);
        assert.doesNotMatch(response.text, /admin|forged/, `${what}: the value is not echoed`);
      }
    }
    assert.equal(recorded().length, apiBefore, 'the API server received none of them');
  });

  test("bypassing Traefik: identity headers from another loopback address are refused with 403, even with Traefik's certificate", async () => {
    const apiBefore = recorded().length;
    // Claiming to come through Traefik does not help: X-Forwarded-For never makes a peer trusted.
    // Nor does Traefik's own client certificate: both anchors must hold, the address too.
    const claimsToBeTraefik = { 'X-Forwarded-For': '127.0.0.1', 'X-Real-Ip': '127.0.0.1', Forwarded: 'for=127.0.0.1;proto=http' };
    for (const target of ['/me', PODS_PATH]) {
      const response = await direct(target, { ...FORGED, ...claimsToBeTraefik, Accept: 'application/json' }, '127.0.0.2', TRAEFIK_CERT);
      assert.equal(response.localAddress, '127.0.0.2', 'the request left from 127.0.0.2');
      assert.equal(response.status, 403, `GET ${target} from 127.0.0.2: ${response.status} ${response.text.slice(0, 200)}`);
      assert.equal(response.json?.kind, 'Status');
      assert.doesNotMatch(response.text, /admin|forged|system:masters/, 'the values are not echoed');
    }
    assert.equal(recorded().length, apiBefore, 'the API server received nothing');

    // The log names the peer and the header, never the value.
    const warnings = lamplightLog().filter((line) => JSON.stringify(line).includes('127.0.0.2') && /untrusted/.test(JSON.stringify(line)));
    assert.ok(warnings.length > 0, 'a warning names the untrusted peer');
    assert.ok(warnings.every((line) => !/admin|forged|system:masters/.test(JSON.stringify(line))), 'header values are not logged');

    // Control: the same request from Traefik's address is believed, so the 403 is the peer's doing.
    const trusted = await direct('/me', { 'X-Forwarded-User': USER, Accept: 'application/json' }, '127.0.0.1', TRAEFIK_CERT);
    assert.equal(trusted.status, 200, trusted.text);
    assert.equal(trusted.json.username, USER);
  });

  test("bypassing Traefik from its own address without a client certificate: 403 naming the certificate; the probe still answers", async () => {
    const apiBefore = recorded().length;
    const auditBefore = audits().length;
    let response;
    for (const target of ['/me', PODS_PATH]) {
      response = await direct(target, { 'X-Forwarded-User': 'admin', Accept: 'application/json' }, '127.0.0.1');
      const what = `GET ${target} from 127.0.0.1 without a certificate`;
      assert.equal(response.localAddress, '127.0.0.1', 'the request left from a trusted address');
      assert.equal(response.status, 403, `${what}: ${response.status} ${response.text.slice(0, 200)}`);
      assert.equal(response.json?.kind, 'Status', what);
      assert.match(response.json.message, /client certificate/, `${what}: ${response.json.message}`);
      assert.doesNotMatch(response.text, /admin/, `${what}: the value is not echoed`);
    }
    assert.equal(recorded().length, apiBefore, 'the API server received nothing');
    await logged(response.headers['x-request-id']);
    assert.deepEqual(
      audits()
        .slice(auditBefore)
        .map((line) => [line.path, line.decision, line.reason]),
      [
        ['/me', 'refused', 'client_certificate_missing'],
        [PODS_PATH, 'refused', 'client_certificate_missing'],
      ],
      'the audit log names the missing certificate',
    );

    // Probes need no identity, so no certificate.
    const health = await direct('/healthz', {}, '127.0.0.1');
    assert.equal(health.status, 200, health.text);

    // Control: the same request with Traefik's certificate is believed, so the 403 is the certificate's doing.
    const trusted = await direct('/me', { 'X-Forwarded-User': USER, Accept: 'application/json' }, '127.0.0.1', TRAEFIK_CERT);
    assert.equal(trusted.status, 200, trusted.text);
    assert.equal(trusted.json.username, USER);
  });

  test("bypassing Traefik with a client certificate from another CA, even named traefik: the TLS handshake is refused", async () => {
    const apiBefore = recorded().length;
    // Not even the probe or the UI: a certificate that does not verify ends the connection.
    const uiPath = `/c/e2e-rogue-${crypto.randomUUID()}`;
    for (const target of ['/me', '/healthz', uiPath]) {
      await assert.rejects(
        direct(target, { 'X-Forwarded-User': 'admin', Accept: 'application/json' }, '127.0.0.1', ROGUE_CERT),
        (error) => {
          // Lamplight's TLS alert: its CA did not issue the certificate.
          assert.equal(error.code, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', `GET ${target}: ${error.code} ${error.message}`);
          return true;
        },
        `GET ${target} with the rogue certificate`,
      );
    }
    assert.equal(recorded().length, apiBefore, 'the API server received nothing');

    // Control: the same UI path with Traefik's certificate is served, and is the only one logged.
    const control = await direct(uiPath, {}, '127.0.0.1', TRAEFIK_CERT);
    assert.equal(control.status, 200, control.text.slice(0, 200));
    await logged(control.headers['x-request-id']);
    const served = lamplightLog()
      .filter((line) => line.span?.['http.path'] === uiPath)
      .map((line) => line.span.request_id);
    assert.deepEqual([...new Set(served)], [control.headers['x-request-id']], 'Lamplight served the control request only');
  });

  test('bypassing Traefik with a certificate from the right CA whose name is not allowed: 403', async () => {
    const apiBefore = recorded().length;
    const auditBefore = audits().length;
    let response;
    for (const target of ['/me', PODS_PATH]) {
      response = await direct(target, { 'X-Forwarded-User': 'admin', Accept: 'application/json' }, '127.0.0.1', STRANGER_CERT);
      const what = `GET ${target} with CN stranger`;
      assert.equal(response.status, 403, `${what}: ${response.status} ${response.text.slice(0, 200)}`);
      assert.equal(response.json?.kind, 'Status', what);
      assert.match(response.json.message, /client certificate.*-proxy-auth-allowed-names/, `${what}: ${response.json.message}`);
      assert.doesNotMatch(response.text, /admin/, `${what}: the value is not echoed`);
    }
    assert.equal(recorded().length, apiBefore, 'the API server received nothing');
    await logged(response.headers['x-request-id']);
    assert.deepEqual(
      audits()
        .slice(auditBefore)
        .map((line) => line.reason),
      ['client_certificate_name', 'client_certificate_name'],
      'the audit log names the certificate name',
    );
  });

  test('signing out ends the session at the proxy and at the provider', async () => {
    assert.ok(sessionCookie, 'signed in');
    await page.goto(new URL(`/c/${CLUSTER}/core/v1/pods`, FRONT).href);
    await page.getByTestId('user-menu-button').click();
    await page.getByTestId('sign-out').click();
    // mod_auth_openidc sends the browser to the provider's end_session_endpoint, which asks.
    await page.waitForURL((url) => url.href.startsWith(ISSUER));
    await shot(page, '06-provider-logout');
    await page.locator('button[name="logout"][value="yes"]').click();
    await page.waitForURL((url) => url.origin === FRONT.origin && url.pathname === '/oauth2/signed_out');
    await page.locator('#iap-signed-out').waitFor();
    await shot(page, '07-signed-out');

    // The old session cookie is dead: Apache forgot the session.
    const me = await front('/me', { Cookie: sessionCookie });
    assertSignInPage(me, 'GET /me with the old session');
    const pods = await front(PODS_PATH, { Cookie: sessionCookie });
    assertSignInPage(pods, 'GET pods with the old session');

    // And the provider asks for a login again.
    const again = await page.goto(FRONT.href);
    assert.equal(again.status(), 401);
    await page.getByTestId('iap-sign-in-button').click();
    await page.waitForURL((url) => url.href.startsWith(ISSUER));
    await page.locator('input[name="login"]').waitFor();
  });

  test('no CSP violation or uncaught error in the dashboard', () => {
    assert.deepEqual(problems, []);
  });
});
