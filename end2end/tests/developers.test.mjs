// The API reference (issue 12, item 3): a reading page made from /api/v1/openapi.json on the
// server. On a phone it fits 360 px, passes axe in Latvian and English, loads no WASM, and
// every operation of the document is on it, reachable from the contents by keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, go, checkA11y, checkNoHorizontalScroll, BASE, PHONE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the API reference shows every operation of the OpenAPI document on a phone', async () => {
  const doc = await (await fetch(`${BASE}/api/v1/openapi.json`)).json();
  const operations = Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
  assert.ok(operations.length >= 12, operations.join(', '));

  const ctx = await browser.newContext({ viewport: PHONE, locale: 'lv-LV' });
  const page = await ctx.newPage();
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url()); });
  await go(page, '/');
  // Linked from every page's footer.
  await page.getByRole('contentinfo').getByRole('link', { name: 'Izstrādātājiem' }).click();
  await page.getByRole('heading', { level: 1, name: 'Izstrādātājiem' }).waitFor();
  const headings = await page.locator('h4').allTextContents();
  assert.deepEqual([...headings].sort(), [...operations].sort());
  await checkA11y(page, 'developers (lv)');
  await checkNoHorizontalScroll(page, 'developers (lv)');
  assert.deepEqual(wasm, [], 'a reading page loads no WASM');

  // From the contents to an operation, by keyboard.
  const link = page.getByRole('navigation', { name: 'Saturs' }).getByRole('link', { name: 'POST /requests' });
  await link.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/#op-create_request$/);
  await page.locator('#op-create_request').getByRole('table', { name: 'Atbildes' }).getByRole('rowheader', { name: '422' }).waitFor();
  // The document's own texts are marked English for screen readers.
  assert.equal(await page.locator('#op-create_request p').first().getAttribute('lang'), 'en');
  await ctx.close();

  const en = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
  const ep = await en.newPage();
  await ep.goto(`${BASE}/lang/en?back=%2Fdevelopers`);
  await ep.getByRole('heading', { level: 1, name: 'For developers' }).waitFor();
  await ep.locator('#schema-CreateRequest').getByRole('table', { name: 'Properties' }).getByRole('rowheader', { name: 'service_code' }).waitFor();
  await checkA11y(ep, 'developers (en)');
  await en.close();
});
