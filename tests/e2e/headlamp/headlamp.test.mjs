// Headlamp's own frontend (a release build) served by Lamplight with `-html-static-dir`, against
// the demo cluster: what a Headlamp user does first. Run by run-with-server.mjs, which starts
// Lamplight with the build, the plugin fixture in plugins/ and a token cluster.
//
// Each test opens its own page; every page's CSP violations are collected and the last test
// requires there were none. A failing test prints the failed requests (method, URL, status, body)
// and WebSockets of its page, which is what the server side needs to know.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, CLUSTER, IDENTITY, PROXY_AUTH, TOKEN, TOKEN_CLUSTER, api, diagnose, launch, recordingPage, shot, until } from './support.mjs';

const STAMP = Date.now();
const CONFIGMAP = `e2e-headlamp-edit-${STAMP}`;
const WATCHED_POD = `e2e-headlamp-watch-${STAMP}`;

let browser;
let context;
const pages = [];
let webPod;

async function open(path, name) {
  const page = await recordingPage(context);
  pages.push({ name, page });
  await page.goto(`${BASE}${path}`);
  return page;
}

/** Runs `body(page)`; on failure adds what went wrong on the page to the message and takes a screenshot. */
async function onPage(name, path, body) {
  const page = await open(path, name);
  try {
    await body(page);
    await shot(page, name);
  } catch (error) {
    await shot(page, `${name}-failed`);
    if (!error.message.includes('failed requests:') && !error.message.includes('websockets:')) error.message += `\n--- page ${page.url()}\n${diagnose(page)}`;
    throw error;
  } finally {
    await page.close();
  }
}

/** xterm's text (its DOM renderer) on the page. */
const xtermText = (page) => page.locator('.xterm-rows').allInnerTexts().then((t) => t.join('\n')).catch(() => '');

before(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, extraHTTPHeaders: IDENTITY });
  const pods = await api('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
  assert.equal(pods.status, 200, `listing the demo's pods through Lamplight: ${JSON.stringify(pods.body).slice(0, 300)}`);
  webPod = pods.body.items[0].metadata.name;
});

after(async () => {
  await api(`/api/v1/namespaces/default/configmaps/${CONFIGMAP}`, { method: 'DELETE' }).catch(() => {});
  await api(`/api/v1/namespaces/default/pods/${WATCHED_POD}`, { method: 'DELETE' }).catch(() => {});
  await api('/apis/apps/v1/namespaces/default/deployments/web/scale', {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify({ spec: { replicas: 2 } }),
  }).catch(() => {});
  await browser?.close();
});

describe('Headlamp frontend on Lamplight', () => {
  test('the cluster overview is styled and shows the demo cluster', async () => {
    await onPage('overview', `c/${CLUSTER}/`, async (page) => {
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      // Styled: MUI's CssBaseline and component styles, injected by emotion at run time.
      const styles = await page.evaluate(() => {
        const button = document.querySelector('.MuiButtonBase-root');
        return {
          bodyMargin: getComputedStyle(document.body).margin,
          buttonDisplay: button && getComputedStyle(button).display,
          emotionRules: [...document.querySelectorAll('style[data-emotion]')].reduce((n, s) => n + (s.sheet?.cssRules.length ?? 0), 0),
        };
      });
      assert.equal(styles.bodyMargin, '0px', `CssBaseline applied: ${JSON.stringify(styles)}`);
      assert.equal(styles.buttonDisplay, 'inline-flex', `MUI button styles applied: ${JSON.stringify(styles)}`);
      // Data from the cluster: the overview's cards count the demo's pods and nodes.
      await until(
        'the overview to count the demo cluster\'s nodes and pods',
        async () => {
          const text = await page.locator('main').innerText().catch(() => '');
          return /2 \/ 2 Ready/.test(text) && /Pods\s+\d+ \/ \d+/.test(text);
        },
        20_000,
        () => diagnose(page),
      );
      const text = await page.locator('main').innerText();
      assert.match(text, /Pods\s+\d+ \/ \d+/, text.slice(0, 500));
      assert.match(text, /Events/, text.slice(0, 500));
    });
  });

  test('the pods list shows the pods and follows changes (watch over WebSocket)', async () => {
    await onPage('pods', `c/${CLUSTER}/pods`, async (page) => {
      await page.getByRole('link', { name: webPod }).first().waitFor({ timeout: 20_000 }).catch(async (e) => {
        e.message += `\n${diagnose(page)}`;
        throw e;
      });
      assert.ok(await page.getByRole('link', { name: /^worker-/ }).count(), 'team-a pods listed too (all namespaces)');
      // A pod created now appears without a reload: the list's watch.
      const created = await api('/api/v1/namespaces/default/pods', {
        method: 'POST',
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: WATCHED_POD, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } }),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body).slice(0, 300));
      await until(
        `${WATCHED_POD} to appear through the watch`,
        async () => (await page.getByRole('link', { name: WATCHED_POD }).count()) > 0,
        15_000,
        () => diagnose(page),
      );
      const watch = page.record.sockets.find((s) => /\/pods\?.*watch=(1|true)/.test(s.url));
      assert.ok(watch, `a pods watch over WebSocket: ${page.record.sockets.map((s) => s.url).join(', ')}`);
      assert.match(watch.url, new RegExp(`/clusters/${CLUSTER}/api/v1/pods\\?`));
      assert.ok(watch.received > 0, 'watch events arrived');
      // As kube-apiserver does, the one protocol offered (base64.binary.k8s.io) is echoed; events are JSON text.
      assert.deepEqual(page.record.handshake(watch), { offered: 'base64.binary.k8s.io', status: 101, accepted: 'base64.binary.k8s.io' });
      assert.doesNotThrow(() => JSON.parse(watch.first), `a JSON event per message: ${watch.first}`);
    });
  });

  test('a pod\'s logs stream into the log viewer', async () => {
    await onPage('logs', `c/${CLUSTER}/pods/default/${webPod}`, async (page) => {
      await page.getByRole('button', { name: 'Show Logs' }).click();
      const first = await until(
        'log lines in the viewer',
        async () => {
          const text = await xtermText(page);
          return /tick=\d+|HTTP\/1\.1/.test(text) ? text : '';
        },
        20_000,
        () => diagnose(page),
      );
      const log = page.record.sockets.find((s) => s.url.includes(`/pods/${webPod}/log?`));
      assert.ok(log, `a log WebSocket: ${page.record.sockets.map((s) => s.url).join(', ')}`);
      assert.match(log.url, /follow=true/);
      assert.deepEqual(page.record.handshake(log), { offered: 'base64.binary.k8s.io', status: 101, accepted: 'base64.binary.k8s.io' });
      // Following: the demo writes a line every few seconds.
      await until('more lines while following', async () => (await xtermText(page)).length > first.length, 20_000, () => diagnose(page));
    });
  });

  test('a terminal runs in the pod (exec over WebSocket)', async () => {
    await onPage('terminal', `c/${CLUSTER}/pods/default/${webPod}`, async (page) => {
      await page.getByRole('button', { name: 'Terminal / Exec' }).click();
      const exec = await until('an exec WebSocket', async () => page.record.sockets.find((s) => s.url.includes(`/pods/${webPod}/exec?`)), 15_000, () => diagnose(page));
      assert.match(exec.url, /command=(bash|sh)/);
      // The shell says nothing until it is typed to: give the socket a moment to open, then type.
      await until('the terminal to try a shell', async () => /Trying to run/.test(await xtermText(page)), 15_000, () => diagnose(page));
      await page.waitForTimeout(1000);
      await page.locator('.xterm-helper-textarea').first().focus();
      await page.keyboard.type('hello-lamplight', { delay: 20 });
      // The demo's shell echoes what is typed, as a terminal does.
      await until('the typed text echoed in the terminal', async () => (await xtermText(page)).includes('hello-lamplight'), 15_000, async () => `terminal: ${await xtermText(page)}\n${diagnose(page)}`);
      assert.ok(!exec.error, exec.error);
      const handshake = page.record.handshake(exec);
      assert.equal(handshake.offered, 'base64.binary.k8s.io, v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io');
      assert.equal(handshake.accepted, 'v4.channel.k8s.io', 'the first offered protocol exec speaks');
    });
  });

  test('edit YAML: a config map changed in the editor is saved', async () => {
    const created = await api('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIGMAP, namespace: 'default' }, data: { greeting: 'hello' } }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body).slice(0, 300));
    await onPage('edit', `c/${CLUSTER}/configmaps/default/${CONFIGMAP}`, async (page) => {
      // The editor opens in an activity panel.
      await page.getByRole('button', { name: 'Edit' }).click();
      // Monaco, loaded from the build's assets/vs (AMD loader and workers).
      const hasMonaco = await until('the Monaco editor to hold the config map', () => page.evaluate(() => !!window.monaco?.editor?.getModels?.().some((m) => m.getValue().includes('greeting: hello'))), 20_000, async () => `models: ${JSON.stringify(await page.evaluate(() => window.monaco?.editor?.getModels?.().map((m) => m.getValue().slice(0, 80))))}\n${diagnose(page)}`).catch((e) => e);
      assert.equal(hasMonaco, true, String(hasMonaco?.message ?? hasMonaco));
      const changed = await page.evaluate(() => {
        // eslint-disable-next-line no-undef
        const model = monaco.editor.getModels().find((m) => m.getValue().includes('greeting: hello'));
        if (!model) return false;
        model.setValue(model.getValue().replace('greeting: hello', 'greeting: edited-in-headlamp'));
        return true;
      });
      assert.ok(changed, 'the editor holds the config map');
      await page.getByRole('button', { name: 'Save & Apply' }).click();
      // Headlamp applies after a grace period in which the action can be cancelled (5 s).
      await until(
        'the config map to be updated',
        async () => (await api(`/api/v1/namespaces/default/configmaps/${CONFIGMAP}`)).body?.data?.greeting === 'edited-in-headlamp',
        20_000,
        () => diagnose(page),
      );
    });
  });

  test('scale a deployment from its page', async () => {
    const before = await api('/apis/apps/v1/namespaces/default/deployments/web');
    assert.equal(before.status, 200);
    const replicas = before.body.spec.replicas;
    await onPage('scale', `c/${CLUSTER}/deployments/default/web`, async (page) => {
      await page.getByRole('button', { name: 'Scale' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText(`Current number of replicas: ${replicas}`).waitFor();
      await dialog.getByRole('button', { name: 'Increment' }).click();
      await dialog.getByRole('button', { name: 'Apply' }).click();
      await until(
        `web scaled to ${replicas + 1}`,
        async () => (await api('/apis/apps/v1/namespaces/default/deployments/web')).body?.spec?.replicas === replicas + 1,
        20_000,
        () => diagnose(page),
      );
      const scale = page.record.failed.find((f) => f.url.includes('/scale'));
      assert.ok(!scale, `the scale request failed: ${JSON.stringify(scale)}`);
    });
  });

  // Behind an auth proxy the proxy's user is who calls the clusters: no token sign-in.
  test('sign in to a cluster with a token (set-token cookie)', { skip: PROXY_AUTH && 'the auth proxy signs users in' }, async () => {
    await onPage('token', `c/${TOKEN_CLUSTER}/`, async (page) => {
      // Without credentials the cluster answers 401 and Headlamp asks for a token.
      await until('the token page', async () => new URL(page.url()).pathname.endsWith(`/c/${TOKEN_CLUSTER}/token`), 20_000, () => `at ${page.url()}\n${diagnose(page)}`);
      const setToken = page.waitForResponse((r) => r.url().endsWith(`/clusters/${TOKEN_CLUSTER}/set-token`));
      await page.getByLabel('ID token').fill(TOKEN);
      await page.getByRole('button', { name: 'Authenticate' }).click();
      const response = await setToken;
      const body = await response.text().catch(() => '');
      assert.ok(response.ok(), `POST /clusters/${TOKEN_CLUSTER}/set-token -> ${response.status()} ${body.slice(0, 300)}`);
      // The token goes into an HttpOnly cookie (Lamplight seals it), never readable by scripts.
      const setCookies = (await response.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value.split('=')[0]);
      assert.ok(setCookies.length > 0, 'set-token sets a cookie');
      const cookies = (await context.cookies(BASE)).filter((c) => setCookies.includes(c.name));
      assert.ok(cookies.length > 0, `the browser kept the cookie(s) ${setCookies.join(', ')}`);
      for (const cookie of cookies) assert.equal(cookie.httpOnly, true, `${cookie.name} is HttpOnly`);
      assert.equal(await page.evaluate((t) => document.cookie.includes(t), TOKEN), false, 'the token is not readable by scripts');
      await until('the cluster overview after signing in', async () => !new URL(page.url()).pathname.endsWith('/token'), 20_000, () => `at ${page.url()}\n${diagnose(page)}`);
      // The cluster answers with the token now.
      const nodes = await page.evaluate(async (u) => (await fetch(u, { headers: { Accept: 'application/json' } })).status, `${BASE}clusters/${TOKEN_CLUSTER}/api/v1/nodes`);
      assert.equal(nodes, 200, `GET /clusters/${TOKEN_CLUSTER}/api/v1/nodes from the signed-in page`);
      await page.goto(`${BASE}c/${TOKEN_CLUSTER}/pods`);
      await until('the token cluster\'s pods', async () => (await page.getByRole('link', { name: /^web-/ }).count()) > 0, 20_000, () => diagnose(page));
      // Its watch (a WebSocket, authenticated by the cookie) delivers the demo's changes too.
      await until(
        'a pods watch on the token cluster that receives events',
        async () => page.record.sockets.some((w) => w.url.includes(`/clusters/${TOKEN_CLUSTER}/api/v1/pods?`) && w.url.includes('watch=') && w.received > 0),
        20_000,
        () => diagnose(page),
      );
      // What reached the API server: the token as a bearer token, and for WebSocket watches the
      // browser's Origin, which kube-apiserver's WebSocket watch handler (golang.org/x/net/websocket)
      // requires.
      const recordFile = process.env.HEADLAMP_TOKEN_CLUSTER_RECORD;
      if (recordFile) {
        const requests = fs.readFileSync(recordFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
        const header = (r, name) => r.headers.find(([k]) => k.toLowerCase() === name)?.[1];
        const signedIn = requests.filter((r) => r.user === 'demo-admin');
        assert.ok(signedIn.length > 0, `requests authenticated as demo-admin with the token: users seen ${[...new Set(requests.map((r) => r.user))].join(', ')}`);
        const upgrades = signedIn.filter((r) => /websocket/i.test(header(r, 'upgrade') ?? '') && /watch=/.test(r.query ?? ''));
        assert.ok(upgrades.length > 0, `watch upgrades reached the API server: ${signedIn.slice(-5).map((r) => r.path + '?' + r.query).join(', ')}`);
        const withoutOrigin = upgrades.filter((r) => !header(r, 'origin'));
        assert.deepEqual(withoutOrigin.map((r) => `${r.path}?${r.query}`), [], `watch upgrades forwarded without Origin (headers: ${JSON.stringify(withoutOrigin[0]?.headers.map(([k]) => k))})`);
      }
    });
  });

  test('a plugin from -plugins-dir loads and runs', async () => {
    await onPage('plugin', `c/${CLUSTER}/`, async (page) => {
      const listing = await fetch(`${BASE}plugins`);
      const text = await listing.text();
      let plugins;
      try {
        plugins = JSON.parse(text);
      } catch {
        assert.fail(`GET /plugins -> ${listing.status} ${listing.headers.get('content-type')}: not JSON: ${text.slice(0, 200)}`);
      }
      assert.ok(
        Array.isArray(plugins) && plugins.some((p) => p.path === 'plugins/lamplight-e2e-plugin' && p.name === 'lamplight-e2e-plugin'),
        `GET /plugins lists the fixture as {path, type, name}: ${text.slice(0, 300)}`,
      );
      await until('the plugin to run', () => page.evaluate(() => window.lamplightE2ePlugin === 'loaded'), 20_000, () => diagnose(page));
      await page.getByTestId('lamplight-e2e-plugin').waitFor();
    });
  });

  test('drain a node (Headlamp\'s /drain-node and /drain-node-status)', async () => {
    const NODE = 'node-2';
    const onNode = await api(`/api/v1/pods?fieldSelector=spec.nodeName%3D${NODE}`);
    assert.equal(onNode.status, 200);
    const evictable = onNode.body.items.filter((p) => !(p.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet')).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    try {
      await onPage('drain', `c/${CLUSTER}/nodes/${NODE}`, async (page) => {
        await page.getByRole('button', { name: 'Drain' }).click();
        const confirm = page.getByRole('dialog');
        await confirm.getByText(`Are you sure you want to drain the node ${NODE}?`).waitFor();
        const drainRequest = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/drain-node') && r.request().method() === 'POST', { timeout: 20_000 });
        await confirm.getByRole('button', { name: 'Yes' }).click();
        // After the 5 s in which it can be cancelled, Headlamp posts {cluster, nodeName} and polls the status.
        const response = await drainRequest;
        const body = await response.text().catch(() => '');
        assert.ok(response.ok(), `POST /drain-node ${response.request().postData()} -> ${response.status()} ${body.slice(0, 300)}`);
        const status = await page.waitForResponse(
          async (r) => r.url().includes('/drain-node-status?') && r.ok() && (await r.json().catch(() => ({}))).id === 'success',
          { timeout: 30_000 },
        ).catch((e) => {
          e.message += `\n${diagnose(page, (f) => f.url.includes('drain'))}`;
          throw e;
        });
        assert.ok(status);
        const node = await api(`/api/v1/nodes/${NODE}`);
        assert.equal(node.body.spec?.unschedulable, true, `${NODE} cordoned`);
        const left = await api(`/api/v1/pods?fieldSelector=spec.nodeName%3D${NODE}`);
        const remaining = left.body.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).filter((p) => evictable.includes(p));
        assert.deepEqual(remaining, [], `pods evicted from ${NODE} (of ${evictable.join(', ')})`);
      });
    } finally {
      await api(`/api/v1/nodes/${NODE}`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ spec: { unschedulable: null } }) }).catch(() => {});
    }
  });

  test('no Content-Security-Policy violation on any page', async () => {
    const violations = pages.flatMap(({ name, page }) => page.record.csp.map((v) => ({ test: name, ...v })));
    const distinct = [...new Map(violations.map((v) => [JSON.stringify({ ...v, test: undefined, page: undefined }), v])).values()];
    const csp = await fetch(`${BASE}c/${CLUSTER}/`).then((r) => r.headers.get('content-security-policy'));
    assert.equal(distinct.length, 0, `${violations.length} violations, ${distinct.length} distinct, under\n  ${csp}\n${distinct.slice(0, 25).map((v) => '  ' + JSON.stringify(v).slice(0, 400)).join('\n')}`);
  });
});
