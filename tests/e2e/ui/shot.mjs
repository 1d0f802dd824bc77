// Developer helper: screenshot one URL (for looking at the UI by hand).
//   node shot.mjs URL out.png [width height]
import { chromium } from 'playwright-core';
const [url, out, w = '1400', h = '860'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: Number(w), height: Number(h) }, extraHTTPHeaders: { 'X-Forwarded-User': process.env.AS_USER ?? 'alice', 'X-Forwarded-Group': 'dev,ops' } });
const page = await context.newPage();
page.on('console', (m) => console.log('console:', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(url);
await page.waitForTimeout(Number(process.env.WAIT ?? 1200));
if (process.env.CLICK) await page.click(process.env.CLICK), await page.waitForTimeout(500);
await page.screenshot({ path: out, fullPage: !!process.env.FULL });
await browser.close();
