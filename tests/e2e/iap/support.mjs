// What both browser tests of this folder share.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'output');

/** A setting run.sh passes in the environment; without it the test cannot run (exit 2). */
export function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: start this test with tests/e2e/iap/run.sh`);
    process.exit(2);
  }
  return value;
}

/** A full-page screenshot in output/. */
export async function shot(page, name) {
  fs.mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

/** A request to `base` as a plain HTTP client, redirects not followed; the body parsed when it is JSON. */
export async function fetchManual(base, pathAndQuery, headers = {}) {
  const response = await fetch(new URL(pathAndQuery, base), { redirect: 'manual', headers, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * Debian's Chromium, headless, and one page whose uncaught errors and CSP violations are pushed
 * onto `problems` (each test file asserts it stays empty).
 */
export async function launchPage(problems) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Uncaught|TypeError|ReferenceError/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return { browser, context, page };
}
