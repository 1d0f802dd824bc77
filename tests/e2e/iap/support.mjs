// What both browser tests of this folder share.
import { chromium } from 'playwright-core';

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
