// A manager makes a personal API token on their profile page, sees it once, uses it for
// the analytics API, and revokes it. The privacy tools (a service owner's personal-data
// panel, the refused password change, the log of personal-data views) pass axe on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, checkA11y, checkNoHorizontalScroll, signIn, apiSubmit, go, BASE, PHONE } from '../support.mjs';

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

test('the privacy tools and the profile forms are accessible on a phone', async () => {
  const { reference } = await apiSubmit({
    service_code: 'VNP-STAVATLAUJA',
    values: { plate: 'KL-1234', address: 'Rīgas iela 1, Valmiera', zone: 'a' },
    contact: { name: 'Anna Bērziņa', email: 'anna@example.lv' },
    language: 'lv',
  });
  const owner = await browser.newContext({ viewport: PHONE, locale: 'lv-LV' });
  const page = await owner.newPage();
  await signIn(page, 'saimnieks');
  await go(page, `/staff/requests/${reference}`);
  await page.getByRole('heading', { level: 2, name: 'Personas dati' }).waitFor();
  await page.getByRole('button', { name: 'Dzēst personas datus' }).waitFor();
  await checkA11y(page, 'staff request with its personal-data panel');
  await checkNoHorizontalScroll(page, 'staff request with its personal-data panel');

  await go(page, '/staff/profile');
  await page.getByTestId('sessions').waitFor();
  await page.getByLabel('Pašreizējā parole').fill('not-my-password');
  await page.getByLabel('Jaunā parole').fill('a-much-better-passphrase');
  await page.getByRole('button', { name: 'Mainīt paroli' }).click();
  await page.locator('#current[aria-invalid="true"], [name="current"][aria-invalid="true"]').first().waitFor();
  await checkA11y(page, 'profile with a refused password change');
  await checkNoHorizontalScroll(page, 'profile with a refused password change');
  await owner.close();

  // The head of the institution sees that the owner opened Anna's personal data.
  const head = await browser.newContext({ viewport: PHONE, locale: 'lv-LV' });
  const hp = await head.newPage();
  await signIn(hp, 'vaditajs');
  await go(hp, `/staff/privacy?ref=${reference}`);
  await hp.getByRole('cell', { name: 'Gatis Saimnieks' }).first().waitFor();
  await checkA11y(hp, 'personal data views');
  await checkNoHorizontalScroll(hp, 'personal data views');
  await head.close();
});
