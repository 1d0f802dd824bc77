// What the browser tests share: the browser, the problems a page reports, the cluster API through
// Lamplight, and axe-core on a page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

/**
 * The server under test, from LAMPLIGHT_URL (run-with-server.mjs sets it), always ending in `/`;
 * exits with 2 and says what to do when it is not set.
 */
export function baseUrl() {
  const raw = process.env.LAMPLIGHT_URL;
  if (!raw) {
    console.error('LAMPLIGHT_URL is not set: start `lamplight --demo ...` and point LAMPLIGHT_URL at it.');
    process.exit(2);
  }
  return raw.endsWith('/') ? raw : raw + '/';
}

/** Debian's Chromium, headless, as every browser test runs it (CHROMIUM overrides the path). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Pushes the page's uncaught errors and console CSP violations onto `problems`, which each test
 * file asserts stays empty. A failed API call the UI shows is not a problem; an uncaught one is.
 */
export function recordProblems(p, problems) {
  p.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  p.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /Content Security Policy|Uncaught|TypeError|ReferenceError/.test(text)) problems.push(`console: ${text}`);
  });
}

/**
 * Polls `condition` every 50 ms until it answers something truthy, and returns that; fails the
 * test after `timeout` ms, naming `what`.
 */
export async function until(what, condition, timeout = 10_000) {
  const started = Date.now();
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() - started > timeout) assert.fail(`${what}: not within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is (evaluated through the DevTools protocol, which the CSP does not govern). */
export async function axeViolations(p, label) {
  await p.evaluate(AXE_SOURCE);
  const violations = await p.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' — ' + n.failureSummary) }));
  });
  if (violations.length) console.log(`axe on ${label}:`, JSON.stringify(violations, null, 2));
  return violations;
}

/**
 * `api(path, init, identity)`: a request to the cluster's API through Lamplight's proxy, as
 * `identity` (identity headers; `defaultIdentity` unless given), answering `{status, body}` with the
 * body parsed when it is JSON.
 */
export function clusterApi(base, cluster, defaultIdentity) {
  return async function api(apiPath, init = {}, identity = defaultIdentity) {
    const response = await fetch(`${base}clusters/${cluster}${apiPath}`, {
      ...init,
      headers: { ...identity, Accept: 'application/json', 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
    const text = await response.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: response.status, body };
  };
}
