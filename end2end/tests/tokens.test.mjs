// A manager makes a personal API token on their profile page, sees it once, uses it for
// the analytics API, and revokes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, checkA11y, signIn, BASE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a personal token is shown once, opens the API, and stops when revoked', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'lv-LV' });
  const page = await ctx.newPage();
  await signIn(page, 'vaditajs');
  await page.getByRole('link', { name: 'Profils' }).click();
  await page.getByRole('heading', { level: 1, name: 'Profils' }).waitFor();
  await checkA11y(page, 'profile');
  await page.getByLabel('Kam atslēga paredzēta').fill('atskaites');
  await page.getByRole('button', { name: 'Izveidot atslēgu' }).click();
  const token = (await page.locator('code.token').textContent()).trim();
  assert.match(token, /^taka_[0-9a-f]{64}$/);
  await checkA11y(page, 'profile with a new token');

  const summary = () => fetch(`${BASE}/api/v1/analytics/summary`, { headers: { authorization: `Bearer ${token}` } });
  const ok = await summary();
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).scope, 'institution:VNP');

  // Listed without the secret; shown only once.
  await page.goto(`${BASE}/staff/profile`, { waitUntil: 'networkidle' });
  assert.equal(await page.locator('code.token').count(), 0);
  assert.ok(!(await page.content()).includes(token.slice(5)));
  await page.getByRole('button', { name: 'Atsaukt atskaites' }).click();
  await page.getByRole('cell', { name: 'Atsaukta' }).first().waitFor();
  assert.equal((await summary()).status, 401);
  await ctx.close();
});
