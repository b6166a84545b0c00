// Partner systems (issue 12): a portfolio owner on a phone makes a partner key with a plain
// form post and sees it once; the key then reports a problem through Open311, and the
// provider sees the place on the request's page as coordinates with a map link and the
// address as text; a citizen reports one through the web form without JavaScript. Every
// page passes axe and fits 360 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, go, checkA11y, checkNoHorizontalScroll, signIn, BASE, PHONE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a partner key is made with a plain form, shown once, and reports a place through Open311', async () => {
  const ctx = await browser.newContext({ viewport: PHONE, locale: 'lv-LV' });
  const page = await ctx.newPage();
  await signIn(page, 'vaditajs');
  await go(page, '/staff/admin/partners');
  await page.getByRole('heading', { level: 1, name: 'Partneru sistēmas' }).waitFor();
  // The demo partner is listed, with its key's first characters only.
  await page.getByRole('rowheader', { name: 'Valmieras pilsētas lietotne' }).waitFor();
  assert.ok(!(await page.content()).includes('tkp_demo_valmiera_city_app_2026'));
  await checkA11y(page, 'partners');
  await checkNoHorizontalScroll(page, 'partners');

  // A refused form names the field and keeps nothing.
  await page.getByLabel(/^Partneris/).fill('Bez pakalpojumiem');
  await page.getByRole('button', { name: 'Izveidot atslēgu' }).click();
  await page.getByText('Šis lauks ir obligāts.').waitFor();
  assert.equal(await page.getByTestId('partner-key').count(), 0);

  await page.getByLabel(/^Partneris/).fill('Ielu apgaismojuma uzņēmums');
  await page.getByLabel(/Ziņot par problēmu publiskā vietā/).check();
  await page.getByRole('button', { name: 'Izveidot atslēgu' }).click();
  const key = (await page.getByTestId('partner-key').textContent()).trim();
  assert.match(key, /^tkp_[0-9a-f]{64}$/);
  await checkA11y(page, 'partners with a new key');
  await go(page, '/staff/admin/partners');
  assert.equal(await page.getByTestId('partner-key').count(), 0, 'shown once');
  assert.ok(!(await page.content()).includes(key.slice(8)));

  // The new key reports a problem; a wrong one is refused.
  const post = (apiKey) => fetch(`${BASE}/open311/v2/requests.json`, {
    method: 'POST',
    body: new URLSearchParams({
      api_key: apiKey, service_code: 'VNP-PROBLEMA', lat: '57.5381', long: '25.4263',
      address_string: 'Rīgas iela 10, Valmiera', 'attribute[problem]': 'light',
      description: 'Nedeg laterna pie pieturas.',
    }),
  });
  assert.equal((await post('tkp_not_a_key')).status, 403);
  const created = await post(key);
  assert.equal(created.status, 201);
  const [{ service_request_id: reference }] = await created.json();
  await ctx.close();

  // The provider sees where, on a phone, with JavaScript.
  const staff = await browser.newContext({ viewport: PHONE, locale: 'lv-LV' });
  const sp = await staff.newPage();
  await signIn(sp, 'sniedzejs');
  await go(sp, `/staff/requests/${reference}`);
  await sp.getByRole('heading', { level: 2, name: 'Atrašanās vieta' }).waitFor();
  assert.equal((await sp.getByTestId('coordinates').textContent()).trim(), '57.538100, 25.426300');
  const href = await sp.getByTestId('map-link').getAttribute('href');
  assert.match(href, /^https:\/\/www\.openstreetmap\.org\/\?mlat=57\.538100&mlon=25\.426300/);
  await sp.getByText('Rīgas iela 10, Valmiera').first().waitFor();
  await checkA11y(sp, 'staff request with a place');
  await checkNoHorizontalScroll(sp, 'staff request with a place');
  await staff.close();
});

test('a citizen reports a problem with its place through the web form, without JavaScript', async () => {
  const seen = await browser.newContext({ viewport: PHONE, locale: 'en-GB' });
  const sp = await seen.newPage();
  await go(sp, '/services/VNP-PROBLEMA/request');
  await sp.getByLabel(/Address or place/).waitFor();
  await checkA11y(sp, 'problem report form');
  await checkNoHorizontalScroll(sp, 'problem report form');
  await seen.close();

  const ctx = await browser.newContext({ viewport: PHONE, locale: 'en-GB', javaScriptEnabled: false });
  const page = await ctx.newPage();
  await go(page, '/services/VNP-PROBLEMA/request');
  await page.getByLabel('What is wrong').selectOption('pothole');
  await page.getByLabel('Description').fill('A deep pothole by the school gate.');
  await page.getByLabel('Full name').fill('Anna Bērziņa');
  await page.getByLabel(/Address or place/).fill('Skolas iela 2, Valmiera');
  await page.getByRole('button', { name: 'Submit the request' }).click();
  await page.getByTestId('reference').waitFor();
  await ctx.close();
});
