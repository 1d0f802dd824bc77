// What the Headlamp browser tests share: a Chromium page that records what went wrong (CSP
// violations, page errors, failed requests with their bodies, WebSockets), and the cluster API
// through Lamplight.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const OUT = path.join(here, 'output');

const RAW = process.env.LAMPLIGHT_URL;
if (!RAW) {
  console.error('LAMPLIGHT_URL is not set: run tests/e2e/headlamp/run-with-server.mjs, which starts Lamplight with a Headlamp build.');
  process.exit(2);
}
export const BASE = RAW.endsWith('/') ? RAW : RAW + '/';
export const CLUSTER = 'demo';
export const TOKEN_CLUSTER = process.env.HEADLAMP_TOKEN_CLUSTER ?? 'token-cluster';
export const TOKEN = process.env.HEADLAMP_TOKEN ?? 'demo-admin-token';
/** Identity headers an auth proxy would add (LAMPLIGHT_PROXY_AUTH runs): sent with every request, WebSockets included. */
export const IDENTITY = process.env.HEADLAMP_IDENTITY ? JSON.parse(process.env.HEADLAMP_IDENTITY) : {};
export const PROXY_AUTH = Object.keys(IDENTITY).length > 0;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Reports `securitypolicyviolation` events to `__reportCsp` (run through the DevTools protocol, which the page's CSP does not govern). */
function reportCspViolations() {
  document.addEventListener('securitypolicyviolation', (e) => {
    // eslint-disable-next-line no-undef
    __reportCsp({
      page: location.pathname,
      origin: location.origin,
      directive: e.effectiveDirective || e.violatedDirective,
      blocked: e.blockedURI,
      source: e.sourceFile ? `${e.sourceFile}:${e.lineNumber}` : '',
      sample: e.sample,
      disposition: e.disposition,
    });
  });
}

const newRecord = () => ({ csp: [], errors: [], failed: [], sockets: [], console: [] });

/**
 * A page that records, in `page.record`:
 * - csp: `securitypolicyviolation` events (directive, blocked URI, source) and console CSP errors;
 * - errors: uncaught page errors;
 * - failed: same-origin responses with status >= 400 (method, URL, status, body excerpt);
 * - sockets: every WebSocket (URL, frames received, error, closed).
 */
export async function recordingPage(context) {
  const page = await context.newPage();
  const record = newRecord();
  await page.exposeBinding('__reportCsp', (_source, violation) => record.csp.push(violation));
  await page.addInitScript(reportCspViolations);
  await instrument(context, page, record);
  return page;
}

/**
 * Records, as `recordingPage` does, on every page the context opens from now on, popups included
 * (Headlamp's OIDC sign-in window): the CSP listener is installed before any of their documents
 * runs. Call before opening the first page; `context.newPage()` then gives recording pages.
 */
export async function recordingContext(context) {
  const records = new WeakMap();
  const recordOf = (page) => {
    if (!records.has(page)) records.set(page, newRecord());
    return records.get(page);
  };
  await context.exposeBinding('__reportCsp', ({ page }, violation) => recordOf(page).csp.push(violation));
  await context.addInitScript(reportCspViolations);
  const ready = new WeakMap();
  context.on('page', (page) => ready.set(page, instrument(context, page, recordOf(page))));
  /** Resolves once `page`'s recording is set up. */
  return async (page) => {
    await ready.get(page);
    return page;
  };
}

async function instrument(context, page, record) {
  page.setDefaultTimeout(15_000);
  page.record = record;
  page.on('pageerror', (error) => record.errors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content.Security.Policy/i.test(text)) {
      const at = URL.canParse(page.url()) ? new URL(page.url()) : { pathname: page.url(), origin: 'null' };
      record.csp.push({ page: at.pathname, origin: at.origin, console: text.slice(0, 400) });
    }
    else if (message.type() === 'error') {
      const at = URL.canParse(page.url()) ? new URL(page.url()).pathname : page.url();
      record.console.push(`${at}: ${text.slice(0, 300)}`);
    }
  });
  page.on('response', async (response) => {
    if (response.status() < 400 || !response.url().startsWith(BASE)) return;
    let body = '';
    try {
      body = (await response.text()).slice(0, 300);
    } catch {
      /* a body that went away */
    }
    record.failed.push({ method: response.request().method(), url: response.url().slice(new URL(BASE).origin.length), status: response.status(), body });
  });
  // The handshakes, from the DevTools protocol: the sub-protocols offered and the one accepted.
  const handshakes = new Map();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const header = (headers, name) => Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] ?? null;
  cdp.on('Network.webSocketWillSendHandshakeRequest', (e) => handshakes.set(e.requestId, { offered: header(e.request.headers, 'sec-websocket-protocol') }));
  cdp.on('Network.webSocketCreated', (e) => {
    const entry = record.sockets.find((s) => s.url === e.url && !s.requestId);
    if (entry) entry.requestId = e.requestId;
    else handshakes.set(`url:${e.url}`, e.requestId);
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
    const h = handshakes.get(e.requestId) ?? {};
    h.status = e.response.status;
    h.accepted = header(e.response.headers, 'sec-websocket-protocol');
    handshakes.set(e.requestId, h);
  });
  record.handshake = (entry) => handshakes.get(entry.requestId ?? handshakes.get(`url:${entry.url}`)) ?? {};
  page.on('websocket', (ws) => {
    const entry = { url: ws.url(), received: 0, sent: 0, error: null, closed: false, first: null };
    record.sockets.push(entry);
    ws.on('framereceived', (frame) => {
      entry.received += 1;
      if (entry.first === null) entry.first = String(frame.payload).slice(0, 20_000);
    });
    ws.on('framesent', () => (entry.sent += 1));
    ws.on('socketerror', (error) => (entry.error = String(error)));
    ws.on('close', () => (entry.closed = true));
  });
}

/** What went wrong on the page, for a failure message. */
export function diagnose(page, filter = () => true) {
  const r = page.record;
  const lines = [];
  // Discovery of API groups the cluster does not serve (Gateway API, old scheduling versions,
  // metrics) is 404 on a real cluster too: not worth reporting.
  const benign = (f) => f.status === 404 && /^\/clusters\/[^/]+\/apis\/(gateway\.networking\.k8s\.io|scheduling\.k8s\.io\/v1(alpha|beta)|metrics\.k8s\.io)/.test(f.url);
  const failed = r.failed.filter((f) => !benign(f)).filter(filter);
  if (failed.length) lines.push('failed requests:', ...failed.slice(-15).map((f) => `  ${f.method} ${f.url} -> ${f.status} ${f.body.replace(/\s+/g, ' ')}`));
  const hs = (s) => {
    const h = r.handshake?.(s) ?? {};
    return ` status=${h.status ?? '?'} offered=${JSON.stringify(h.offered ?? null)} accepted=${JSON.stringify(h.accepted ?? null)}`;
  };
  if (r.sockets.length) lines.push('websockets:', ...r.sockets.slice(-10).map((s) => `  ${s.url.replace(/^ws:\/\/[^/]+/, '')}${hs(s)} received=${s.received} sent=${s.sent} closed=${s.closed}${s.error ? ' error=' + s.error : ''}${s.first ? ' first=' + JSON.stringify(s.first.slice(0, 120)) : ''}`));
  if (r.errors.length) lines.push('page errors:', ...r.errors.slice(-5).map((e) => `  ${e}`));
  if (r.csp.length) lines.push(`CSP violations: ${r.csp.length} (see the CSP test)`);
  const consoleErrors = r.console.filter((e) => !/: Failed to load resource/.test(e));
  if (consoleErrors.length) lines.push('console errors:', ...consoleErrors.slice(-8).map((e) => `  ${e}`));
  return lines.join('\n');
}

export async function shot(page, name) {
  fs.mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, `${name}.png`) }).catch(() => {});
}

/** Polls `predicate` (page-independent) until it returns a truthy value. */
export async function until(what, predicate, timeout = 15_000, explain = () => '') {
  const started = Date.now();
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() - started > timeout) assert.fail(`timed out after ${timeout} ms: ${what}\n${await explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `api(path, init)`: the cluster's API through Lamplight's proxy; `{status, body}`. */
export async function api(apiPath, init = {}, cluster = CLUSTER) {
  const response = await fetch(`${BASE}clusters/${cluster}${apiPath}`, {
    ...init,
    headers: { ...IDENTITY, Accept: 'application/json', 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}
