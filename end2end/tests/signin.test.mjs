// Citizen sign-in (issue 12) on a phone, with the real OpenID Connect provider the test
// command starts (end2end/oidc): sign in, make two requests with the contact prefilled, see
// them in "My requests", claim one made anonymously with its code, follow and withdraw it
// without a code, see what changed since the last visit, sign out. Every page passes axe
// and fits 360 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, go, formLive, checkA11y, checkNoHorizontalScroll, apiSubmit, signIn, PHONE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function request(page, plate) {
  await go(page, '/services/VNP-STAVATLAUJA/request');
  await formLive(page);
  // Prefilled from the provider's claims, and editable.
  assert.equal(await page.getByLabel(/Vārds, uzvārds/).inputValue(), 'Anna Bērziņa');
  assert.equal(await page.getByLabel(/E-pasts/).inputValue(), 'anna@example.lv');
  await page.getByLabel(/Valsts reģistrācijas numurs/).fill(plate);
  await page.getByLabel(/Dzīvesvietas adrese/).fill('Rīgas iela 10, Valmiera');
  await page.getByLabel(/^Zona/).selectOption('a');
  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await page.waitForURL(/\/receipt\?/);
  return (await page.getByTestId('reference').textContent()).trim();
}

test('a citizen on a phone signs in, sees and claims requests, and follows them without codes', async () => {
  // Made anonymously, before signing in: to be claimed with its code.
  const anonymous = await apiSubmit({
    service_code: 'VNP-STAVATLAUJA',
    values: { plate: 'AN-0001', address: 'Rīgas iela 1, Valmiera', zone: 'a' },
    contact: { name: 'Anna Bērziņa', email: 'anna@example.lv' },
    language: 'lv',
  });

  const ctx = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await go(page, '/');
  await page.getByRole('link', { name: 'Mani pieprasījumi' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mani pieprasījumi' }).waitFor();
  await checkA11y(page, 'my requests, signed out');
  await checkNoHorizontalScroll(page, 'my requests, signed out');

  // To the provider and back.
  await page.getByRole('link', { name: 'Pierakstīties ar Test ID' }).click();
  await page.getByLabel('Username').fill('anna');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/my$/);
  await page.getByText('Pierakstījies: Anna Bērziņa').waitFor();
  await page.getByRole('heading', { level: 2, name: 'Jūsu pieprasījumi (0)' }).waitFor();

  const first = await request(page, 'AB-1001');
  const second = await request(page, 'AB-1002');
  await go(page, '/my');
  await page.getByRole('heading', { level: 2, name: 'Jūsu pieprasījumi (2)' }).waitFor();
  await page.getByRole('link', { name: first }).waitFor();
  await page.getByRole('link', { name: second }).waitFor();
  await checkA11y(page, 'my requests');
  await checkNoHorizontalScroll(page, 'my requests');

  // Claim the anonymous one: a wrong code is refused in words, the right one adds it.
  await page.getByLabel(/^Numurs/).fill(anonymous.reference);
  await page.getByLabel(/^Izsekošanas kods/).fill('AAAAA-AAAAA');
  await page.getByRole('button', { name: 'Pievienot manam sarakstam' }).click();
  await page.getByRole('alert').filter({ hasText: 'Nav atrasts.' }).first().waitFor();
  await page.getByLabel(/^Izsekošanas kods/).fill(anonymous.tracking_code);
  await page.getByRole('button', { name: 'Pievienot manam sarakstam' }).click();
  await page.getByRole('heading', { level: 2, name: 'Jūsu pieprasījumi (3)' }).waitFor();
  await page.getByRole('link', { name: anonymous.reference }).waitFor();

  // Followed and withdrawn without typing a code.
  await page.getByRole('link', { name: anonymous.reference }).click();
  await page.waitForURL(/\/track\?ref=/);
  await page.getByRole('heading', { level: 1, name: new RegExp(anonymous.reference) }).waitFor();
  await checkA11y(page, 'tracking, signed in');
  await checkNoHorizontalScroll(page, 'tracking, signed in');
  await page.getByLabel(/^Iemesls/).fill('Vairs nevajag');
  await page.getByRole('button', { name: /Atsaukt/ }).click();
  await page.getByText(/Atsaukts/).first().waitFor();
  await ctx.close();

  // Staff act on the first request; she sees it is new, once.
  const staff = await browser.newContext({ viewport: PHONE, locale: 'lv-LV' });
  const sp = await staff.newPage();
  await signIn(sp, 'saimnieks');
  await go(sp, `/staff/requests/${first}`);
  const act = sp.getByRole('button', { name: /^(Reģistrēt|Sākt izskatīšanu)$/ }).first();
  await act.click();
  await sp.waitForLoadState('networkidle');
  await staff.close();

  const again = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true, hasTouch: true });
  const p2 = await again.newPage();
  await go(p2, '/my');
  await p2.getByRole('link', { name: 'Pierakstīties ar Test ID' }).click();
  await p2.getByLabel('Username').fill('anna');
  await p2.getByRole('button', { name: 'Sign in' }).click();
  await p2.waitForURL(/\/my$/);
  await p2.getByRole('heading', { level: 2, name: 'Jūsu pieprasījumi (3)' }).waitFor();
  assert.equal(await p2.getByTestId('new-updates').count(), 1, 'one request changed');
  await p2.getByRole('link', { name: first }).click();
  await p2.getByTestId('news').waitFor();
  await p2.getByRole('heading', { level: 2, name: 'Kopš jūsu pēdējās apskates' }).waitFor();
  await checkA11y(p2, 'tracking with news');
  await go(p2, '/my');
  assert.equal(await p2.getByTestId('new-updates').count(), 0, 'seen now');

  // Signing out ends it: the list is gone, the provider is offered again.
  await p2.getByRole('button', { name: 'Izrakstīties' }).click();
  await go(p2, '/my');
  await p2.getByRole('link', { name: 'Pierakstīties ar Test ID' }).waitFor();
  assert.equal(await p2.getByRole('link', { name: first }).count(), 0);
  await again.close();
});
