// Analytics for managers: the dashboard works without the app's script, is accessible,
// drills down, keeps its filters in the URL, and exports CSV that Excel in Latvia opens.
// With the script it updates in place (no page load), keeps the URL and back button in
// step, and its charts can be read with the keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, go, checkA11y, checkNoHorizontalScroll, signIn, PHONE, BASE } from '../support.mjs';

/// Wait until the dashboard shows what its URL asks for (no update under way).
async function settled(page) {
  await page.locator('.analytics[aria-busy="false"]').waitFor();
}

/// The "this period" value of a key figure.
async function keyFigure(page, name) {
  const figures = page.getByRole('table', { name: 'Galvenie rādītāji' });
  return (await figures.getByRole('row', { name }).getByRole('cell').first().textContent()).trim();
}

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the institution head reads the figures, drills down and exports CSV', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'lv-LV' });
  const page = await ctx.newPage();
  await signIn(page, 'vaditajs');
  await page.getByRole('link', { name: 'Analītika' }).click();
  await page.getByRole('heading', { level: 1, name: /Analītika/ }).waitFor();
  assert.match(page.url(), /\/staff\/analytics/);
  await checkA11y(page, 'analytics dashboard');
  const figures = page.getByRole('table', { name: 'Galvenie rādītāji' });
  await figures.getByRole('rowheader', { name: 'Saņemti' }).waitFor();
  // The demo's 56 requests arrived within 40 days: the last 30 days has some.
  const received = Number(await figures.getByRole('row', { name: /Saņemti/ }).getByRole('cell').first().textContent());
  assert.ok(received > 0, `received ${received}`);
  assert.ok(await page.locator('figure svg.chart rect.bar').count() > 0, 'the chart is drawn');
  await page.locator('p.summary', { hasText: 'saņemti' }).waitFor();

  // Behind the figure: the requests themselves, as many as it says.
  await figures.getByRole('row', { name: /Saņemti/ }).getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: 'Pieprasījumi: Saņemti' }).waitFor();
  await checkA11y(page, 'requests behind a figure');
  assert.equal(await page.locator('table tbody tr').count(), received);
  await page.locator('table tbody tr a[href^="/staff/requests/PP-"]').first().waitFor();
  await page.getByRole('link', { name: 'Atpakaļ uz analītiku' }).click();
  await page.getByRole('heading', { level: 1, name: /Analītika/ }).waitFor();
  await settled(page);

  // Filters live in the URL: a period chosen in the form is a link one can share.
  await page.getByLabel('No', { exact: true }).fill('2026-01-01');
  await page.getByRole('button', { name: 'Lietot' }).click();
  await page.waitForURL(/from=2026-01-01/);
  await settled(page);
  const shared = page.url();

  // Drill down to a service and back up.
  const parts = page.getByRole('table', { name: 'Sadalījums' });
  const first = parts.getByRole('link').first();
  const name = await first.textContent();
  await first.click();
  await settled(page);
  await page.getByRole('heading', { level: 1, name: new RegExp(name.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).waitFor();
  assert.match(page.url(), /scope=service%3A/);
  assert.match(page.url(), /from=2026-01-01/, 'the period is kept');
  await page.getByRole('link', { name: /Plašāks skats/ }).click();
  await page.waitForURL(/scope=institution%3AVNP/);
  await settled(page);
  await page.getByRole('table', { name: 'Sadalījums' }).waitFor();

  // CSV: semicolons, a byte-order mark, Latvian headers, decimal commas.
  const csvHref = await page.getByRole('link', { name: 'Lejupielādēt CSV (Excel)' }).last().getAttribute('href');
  const cookies = await ctx.cookies();
  const res = await fetch(BASE + csvHref, { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/csv; charset=utf-8/);
  assert.match(res.headers.get('content-disposition'), /attachment; filename="taka-parts-institution-VNP-/);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM');
  const text = new TextDecoder().decode(bytes.slice(3));
  const [head, ...rows] = text.trim().split('\r\n');
  assert.equal(head, 'Kods;Nosaukums;Saņemti;Izpildīti;Atteikti;Atsaukti;Termiņā (daļa);Neizskatīti pašlaik');
  assert.ok(rows.length > 0 && rows.every((r) => r.startsWith('service:VNP-')), rows.join('\n'));

  // Every table on the page exports: figures, lead times, months, weeks, distribution,
  // channels, backlog, parts.
  const hrefs = await page.getByRole('link', { name: 'Lejupielādēt CSV (Excel)' }).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.equal(hrefs.length, 8, hrefs.join(' '));
  assert.ok(hrefs.some((h) => h.includes('table=weekly')) && hrefs.some((h) => h.includes('table=distribution')), hrefs.join(' '));
  for (const href of hrefs) {
    const r = await fetch(BASE + href, { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } });
    assert.equal(r.status, 200, href);
    const b = new Uint8Array(await r.arrayBuffer());
    assert.deepEqual([...b.slice(0, 3)], [0xef, 0xbb, 0xbf], href);
    assert.ok(new TextDecoder().decode(b.slice(3)).split('\r\n')[0].includes(';'), href);
  }

  // Without a session there is nothing to see; other institutions are forbidden.
  const anon = await fetch(BASE + csvHref);
  assert.equal(anon.status, 401);
  await go(page, '/staff/analytics?scope=institution:PMLP');
  await page.getByRole('alert').waitFor();
  await page.goto(shared, { waitUntil: 'networkidle' });

  // Readable on a phone.
  const phoneCtx = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true });
  const phone = await phoneCtx.newPage();
  await signIn(phone, 'vaditajs');
  await go(phone, '/staff/analytics');
  await phone.getByRole('heading', { level: 1, name: /Analītika/ }).waitFor();
  await checkNoHorizontalScroll(phone, 'analytics on a phone');
  await checkA11y(phone, 'analytics on a phone');
  await ctx.close();
  await phoneCtx.close();
});

test('with the script the dashboard updates in place, follows the back button and reads by keyboard', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'lv-LV' });
  const page = await ctx.newPage();
  await signIn(page, 'vaditajs');
  await go(page, '/staff/analytics');
  await page.getByRole('heading', { level: 1, name: /Analītika/ }).waitFor();
  await settled(page);
  const before = page.url();
  const lead = page.locator('p.lead').first();
  const leadBefore = await lead.textContent();
  const receivedBefore = await keyFigure(page, /Saņemti/);
  // Wait for the island to take over the form (it marks the region once it runs).
  await page.waitForLoadState('networkidle');
  await page.locator('.analytics[data-live]').waitFor();
  await page.evaluate(() => { window.__marker = 1; });

  // A longer period: the figures change, the URL changes, the page does not reload.
  const from = isoDay(new Date(Date.now() - 200 * 86400000));
  await page.getByLabel('No', { exact: true }).fill(from);
  await page.getByRole('button', { name: 'Lietot' }).click();
  await page.waitForURL(new RegExp(`from=${from}`));
  await page.locator('p.lead', { hasText: from }).first().waitFor();
  await settled(page);
  assert.equal(await page.evaluate(() => window.__marker), 1, 'no full page load');
  const receivedAfter = await keyFigure(page, /Saņemti/);
  assert.ok(Number(receivedAfter) >= Number(receivedBefore), `${receivedAfter} >= ${receivedBefore}`);
  assert.equal(await page.getByLabel('No', { exact: true }).inputValue(), from);
  await checkA11y(page, 'analytics after an update in place');
  // The language switch comes back to the page as it is now, not as it was loaded.
  const english = await page.locator('nav.lang a[hreflang="en"]').getAttribute('href');
  assert.ok(decodeURIComponent(english.split('back=')[1]).includes(`from=${from}`), english);

  // Drilling into a figure is in place too, and so is the way back.
  await page.getByRole('table', { name: 'Galvenie rādītāji' }).getByRole('row', { name: /Saņemti/ }).getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: 'Pieprasījumi: Saņemti' }).waitFor();
  await settled(page);
  assert.match(page.url(), /\/staff\/analytics\/requests\?figure=received/);
  assert.equal(await page.locator('table tbody tr').count(), Number(receivedAfter));
  assert.equal(await page.evaluate(() => window.__marker), 1, 'no full page load');

  // Back twice: the longer period, then the first figures again, still without a reload.
  await page.goBack();
  await page.locator('p.lead', { hasText: from }).first().waitFor();
  await settled(page);
  assert.equal(await keyFigure(page, /Saņemti/), receivedAfter);
  await page.goBack();
  await page.waitForURL(before);
  await page.locator('p.lead', { hasText: leadBefore.trim() }).first().waitFor();
  await settled(page);
  assert.equal(await keyFigure(page, /Saņemti/), receivedBefore);
  assert.equal(await page.evaluate(() => window.__marker), 1, 'back did not reload the page');
  await page.goForward();
  await page.locator('p.lead', { hasText: from }).first().waitFor();
  await settled(page);
  assert.equal(await keyFigure(page, /Saņemti/), receivedAfter);

  // Keyboard: Tab reaches a bar of the monthly chart; its name carries the table's numbers.
  await page.evaluate(() => document.activeElement?.blur());
  let label = null;
  for (let i = 0; i < 300 && !label; i++) {
    await page.keyboard.press('Tab');
    label = await page.evaluate(() => {
      const el = document.activeElement;
      return el && el.closest('svg.chart') ? el.getAttribute('aria-label') : null;
    });
  }
  assert.ok(label, 'a chart bar takes focus');
  const m = label.match(/^(\d{4}-\d{2}): Saņemti (\d+), Izpildīti (\d+)$/);
  assert.ok(m, label);
  const row = page.getByRole('table', { name: 'Pa mēnešiem' }).getByRole('row', { name: new RegExp(`^${m[1]}`) });
  const cells = await row.getByRole('cell').allTextContents();
  assert.deepEqual([cells[0], cells[1]], [m[2], m[3]], label);
  assert.equal(await page.getByRole('img', { name: label }).count(), 1);
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement.querySelector('.ring')).strokeWidth);
  assert.equal(ring, '3px', 'the focused bar is outlined');
  // The weekly and distribution charts are there, each with its table.
  assert.equal(await page.getByRole('table', { name: 'Pa nedēļām' }).locator('tbody tr').count(), 12);
  assert.equal(await page.getByRole('table', { name: 'Cik ilgi pieprasījumi tika izskatīti' }).locator('tbody tr').count(), 7);
  assert.ok(await page.locator('svg.chart[aria-label="Pa nedēļām"] g.step[tabindex="0"]').count() === 12);
  const shared = page.url();
  await ctx.close();

  // Without JavaScript the same URL shows the same figures, rendered on the server.
  const noJs = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'lv-LV', javaScriptEnabled: false });
  const plain = await noJs.newPage();
  await plain.goto(BASE + '/staff');
  await plain.getByLabel(/Lietotājvārds/).fill('vaditajs');
  await plain.getByLabel(/Parole/).fill('demo-parole-2026');
  await plain.getByRole('button', { name: /Pieteikties/ }).click();
  await plain.getByText(/Pieteicies/).waitFor();
  await plain.goto(shared);
  await plain.getByRole('heading', { level: 1, name: /Analītika/ }).waitFor();
  assert.equal(await keyFigure(plain, /Saņemti/), receivedAfter);
  assert.equal(await plain.getByLabel('No', { exact: true }).inputValue(), from);
  assert.ok(await plain.locator('figure svg.chart rect.bar').count() > 0);
  // The filter form works as a plain GET form.
  await plain.getByLabel('No', { exact: true }).fill(leadBefore.match(/\d{4}-\d{2}-\d{2}/)[0]);
  await plain.getByRole('button', { name: 'Lietot' }).click();
  await plain.waitForURL(/from=/);
  assert.equal(await keyFigure(plain, /Saņemti/), receivedBefore);
  await noJs.close();
});
