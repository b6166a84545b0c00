// A provider takes a request through to fulfilled; the citizen rates it; staff of another
// institution cannot open it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, go, checkA11y, checkNoHorizontalScroll, apiSubmit, signIn, PHONE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Take an action and wait until the page shows the request's next version (every action
// bumps it), or an error. Waiting on the badge alone is not enough: recording an action
// keeps the status, and a click on a page still showing the old version is refused.
async function act(page, heading, fill) {
  const box = page.locator('section.action-box', { has: page.getByRole('heading', { name: heading, exact: true }) });
  if (fill) await fill(box);
  const before = await page.locator('input[name="version"]').first().inputValue();
  await box.getByRole('button').last().click();
  await page.waitForFunction(
    (v) => document.querySelector('.notice.error') || document.querySelector('input[name="version"]')?.value !== v,
    before,
  );
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('.notice.error').count(), 0, `${heading}: refused`);
}

test('a provider takes a request to fulfilled, the citizen rates it, others cannot see it', async () => {
  const created = await apiSubmit({
    service_code: 'VNP-KOKU-CIRSANA',
    values: { cadastre: '96010010001', tree_count: 2, species: 'Bērzs', reason: 'Koks sliecas pār ceļu.' },
    contact: { name: 'Jānis Kalniņš', email: 'janis@example.lv' },
    language: 'lv',
  });
  const { reference, tracking_code: code } = created;

  const staff = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'lv-LV' });
  const page = await staff.newPage();
  await go(page, '/staff');
  await checkA11y(page, 'staff sign-in');
  await signIn(page, 'sniedzejs');
  await checkA11y(page, 'work queue');
  await page.getByRole('link', { name: reference }).first().click();
  await page.getByRole('heading', { level: 1, name: new RegExp(reference) }).waitFor();
  await page.waitForLoadState('networkidle');
  await checkA11y(page, 'staff request page');

  await act(page, 'Reģistrēt');
  await act(page, 'Sākt izskatīšanu');
  await act(page, 'Apstiprināt', (box) => box.getByLabel(/Piezīme/).fill('Atbilst noteikumiem.'));
  await act(page, 'Nozīmēt');
  await act(page, 'Reģistrēt darbību', (box) => box.getByLabel(/Piezīme/).fill('Koks apsekots.'));
  await act(page, 'Reģistrēt rezultātu', (box) => box.getByLabel(/Rezultāts/).fill('Atļauja Nr. 17 izsniegta.'));
  await page.locator('h1 .badge', { hasText: 'Izpildīts' }).waitFor();
  await checkA11y(page, 'staff request page, fulfilled');
  const history = await page.locator('ol.timeline li').count();
  assert.equal(history, 7, 'the submission and six staff actions are in the history');

  // The citizen sees the result on a phone and rates it.
  const citizen = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true });
  const phone = await citizen.newPage();
  // The receipt mail's link: the code after '#', never sent to the server in the address.
  await go(phone, `/track?ref=${reference}#code=${code}`);
  await phone.getByText('Atļauja Nr. 17 izsniegta.').first().waitFor();
  assert.equal(await phone.getByText('Koks apsekots.').count(), 0, 'internal notes are not shown');
  await checkA11y(phone, 'tracking page, fulfilled');
  await checkNoHorizontalScroll(phone, 'tracking page, fulfilled');
  await phone.locator('label[for="score-5"]').click();
  await phone.getByLabel(/Komentārs/).fill('Ātri un skaidri.');
  await phone.getByRole('button', { name: 'Nosūtīt vērtējumu' }).click();
  await phone.getByText('Jūsu vērtējums: 5 no 5').waitFor();
  assert.ok(await phone.locator('.badge', { hasText: 'Slēgts' }).first().isVisible());
  await checkA11y(phone, 'tracking page, closed');
  await citizen.close();

  // Staff of the state institution cannot open the municipality's request.
  const other = await browser.newContext({ locale: 'lv-LV' });
  const otherPage = await other.newPage();
  await signIn(otherPage, 'pmlp.sniedzejs');
  assert.equal(await otherPage.getByRole('link', { name: reference }).count(), 0, 'not in their queue');
  await go(otherPage, `/staff/requests/${reference}`);
  await otherPage.getByText('Jums nav piekļuves.').waitFor();
  assert.equal(await otherPage.getByText('Jānis Kalniņš').count(), 0, 'no personal data leaks');
  await checkA11y(otherPage, 'forbidden request');
  await other.close();

  // In-person registration at the desk.
  await go(page, '/staff/new');
  await page.getByLabel('Pakalpojums').selectOption('VNP-STAVATLAUJA');
  await page.getByRole('button', { name: 'Turpināt' }).click();
  await page.getByLabel(/Valsts reģistrācijas numurs/).waitFor();
  await checkA11y(page, 'in-person registration');
  await page.getByLabel(/Valsts reģistrācijas numurs/).fill('KL-7777');
  await page.getByLabel(/Dzīvesvietas adrese/).fill('Rīgas iela 4');
  await page.getByLabel(/^Zona/).selectOption('a');
  await page.getByLabel(/Vārds, uzvārds/).fill('Apmeklētājs Klātienē');
  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await page.waitForURL(/\/receipt\?/);
  const deskRef = (await page.getByTestId('reference').textContent()).trim();
  await go(page, `/staff/requests/${deskRef}`);
  await page.getByText('Klātienē').first().waitFor();
  await staff.close();
});
