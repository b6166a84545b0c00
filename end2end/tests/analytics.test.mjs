// Analytics for managers: the dashboard works without the app's script, is accessible,
// drills down, keeps its filters in the URL, and exports CSV that Excel in Latvia opens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, go, checkA11y, checkNoHorizontalScroll, signIn, PHONE, BASE } from '../support.mjs';

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

  // Filters live in the URL: a period chosen in the form is a link one can share.
  await page.getByLabel('No').fill('2026-01-01');
  await page.getByRole('button', { name: 'Lietot' }).click();
  await page.waitForURL(/from=2026-01-01/);
  const shared = page.url();

  // Drill down to a service and back up.
  const parts = page.getByRole('table', { name: 'Sadalījums' });
  const first = parts.getByRole('link').first();
  const name = await first.textContent();
  await first.click();
  await page.getByRole('heading', { level: 1, name: new RegExp(name.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).waitFor();
  assert.match(page.url(), /scope=service%3A/);
  assert.match(page.url(), /from=2026-01-01/, 'the period is kept');
  await page.getByRole('link', { name: /Plašāks skats/ }).click();
  await page.waitForURL(/scope=institution%3AVNP/);

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

  // Every table on the page exports: figures, lead times, months, channels, backlog, parts.
  const hrefs = await page.getByRole('link', { name: 'Lejupielādēt CSV (Excel)' }).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.equal(hrefs.length, 6, hrefs.join(' '));
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
