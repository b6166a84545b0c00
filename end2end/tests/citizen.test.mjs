// A citizen on a phone submits a request and tracks it; the same with JavaScript off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, go, formLive, checkA11y, checkNoHorizontalScroll, PHONE, BASE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function fillParkingForm(page) {
  await page.getByLabel(/Valsts reģistrācijas numurs/).fill('KL-4321');
  await page.getByLabel(/Dzīvesvietas adrese/).fill('Rīgas iela 10, Valmiera');
  await page.getByLabel(/^Zona/).selectOption('b');
  await page.getByLabel(/Vārds, uzvārds/).fill('Anna Bērziņa');
  await page.getByLabel(/E-pasts/).fill('anna@example.lv');
}

test('a citizen on a phone submits and tracks a request', async () => {
  const context = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await go(page, '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'lv');
  await checkA11y(page, 'home');
  await checkNoHorizontalScroll(page, 'home');

  await page.getByRole('link', { name: 'Visi pakalpojumi' }).click();
  await page.waitForURL(/\/services$/);
  await page.getByRole('heading', { level: 1, name: 'Pakalpojumi' }).waitFor();
  await checkA11y(page, 'catalogue');
  await checkNoHorizontalScroll(page, 'catalogue');
  await go(page, '/services?by=situation');
  await page.getByRole('heading', { name: 'Dzīvesvietas maiņa' }).waitFor();
  await checkA11y(page, 'catalogue by life situation');

  await page.getByRole('link', { name: 'Iedzīvotāja transportlīdzekļa stāvatļauja' }).first().click();
  await page.waitForURL(/\/services\/VNP-STAVATLAUJA$/);
  await page.getByRole('heading', { name: 'Nepieciešamie dokumenti' }).waitFor();
  await checkA11y(page, 'service page');
  await checkNoHorizontalScroll(page, 'service page');

  await page.getByRole('link', { name: 'Pieprasīt pakalpojumu' }).click();
  await page.waitForURL(/\/request$/);
  await formLive(page);
  await checkA11y(page, 'request form');
  await checkNoHorizontalScroll(page, 'request form');

  // Server-side validation: a bad e-mail comes back as a message tied to its field.
  await fillParkingForm(page);
  await page.getByLabel(/E-pasts/).fill('anna@');
  await page.evaluate(() => document.querySelector('form.request-form').setAttribute('novalidate', ''));
  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  const emailError = page.locator('#f-contact_email-error');
  await emailError.waitFor({ state: 'visible' });
  assert.match(await emailError.textContent(), /e-pasta adresi/);
  assert.equal(await page.getByLabel(/E-pasts/).getAttribute('aria-invalid'), 'true');
  await checkA11y(page, 'request form with errors');

  await page.getByLabel(/E-pasts/).fill('anna@example.lv');
  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await page.waitForURL(/\/receipt\?/);
  const reference = (await page.getByTestId('reference').textContent()).trim();
  const code = (await page.getByTestId('tracking-code').textContent()).trim();
  assert.match(reference, /^PP-\d{4}-\d{6}$/);
  assert.match(code, /^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
  await checkA11y(page, 'receipt');
  await checkNoHorizontalScroll(page, 'receipt');

  // Tracking from the home page form, as someone typing the code from paper.
  await go(page, '/track');
  await page.getByLabel(/^Numurs/).fill(reference);
  await page.getByLabel(/^Izsekošanas kods/).fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Rādīt manu pieprasījumu' }).click();
  await page.getByRole('heading', { level: 1, name: `Pieprasījums ${reference}` }).waitFor();
  assert.ok(await page.getByText('Reģistrēts').first().isVisible());
  assert.ok(await page.getByText('Paredzams līdz').isVisible());
  await checkA11y(page, 'tracking page');
  await checkNoHorizontalScroll(page, 'tracking page');

  // The address carries the reference only; the code stays out of it.
  assert.ok(!page.url().includes(code) && !page.url().toLowerCase().includes('code='), page.url());

  // A receipt mail's link opened in another browser: the code after '#', which the page's
  // script sends as a form post; a wrong code says so, without revealing whether the
  // reference exists, and the address keeps no code.
  const mail = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true });
  const linked = await mail.newPage();
  await go(linked, `/track?ref=${reference}#code=AAAAA-AAAAA`);
  await linked.getByText('nav atrasts').waitFor();
  await go(linked, `/services`);
  await go(linked, `/track?ref=${reference}#code=${code}`);
  await linked.getByRole('heading', { level: 1, name: `Pieprasījums ${reference}` }).waitFor();
  assert.ok(!linked.url().includes('#') && !linked.url().includes(code), linked.url());
  await mail.close();

  // The language switcher keeps the page and changes <html lang>.
  await go(page, `/track?ref=${reference}`);
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: `Request ${reference}` }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await checkA11y(page, 'tracking page in English');

  // The tracking forms send in the background: a refusal shows in place, in the page's
  // language, with the typed text kept; a success shows the request as it now stands.
  await go(page, `/track?ref=${reference}`);
  const other = await context.newPage();
  await go(other, `/track?ref=${reference}`);
  await other.getByRole('button', { name: 'Withdraw the request' }).click();
  await other.locator('.status-line .badge', { hasText: 'Withdrawn' }).waitFor();
  await other.close();
  const before = page.url();
  await page.getByLabel(/^Reason/).fill('Changed my mind');
  await page.getByRole('button', { name: 'Withdraw the request' }).click();
  const alert = page.locator('form .notice.error[role="alert"]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /not possible .* current status/);
  assert.equal(page.url(), before, 'the page stayed');
  assert.equal(await page.getByLabel(/^Reason/).inputValue(), 'Changed my mind', 'the text stayed');
  await checkA11y(page, 'tracking page with a refusal');

  // Everything held about the request, for its requester; the privacy notice and the
  // accessibility statement, on a phone.
  await page.getByRole('link', { name: 'View your data' }).click();
  await page.getByText('Anna Bērziņa').first().waitFor();
  await checkA11y(page, 'your data');
  await checkNoHorizontalScroll(page, 'your data');
  for (const [path, heading] of [['/privacy', 'Privacy notice'], ['/accessibility', 'Accessibility statement']]) {
    await go(page, path);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await checkA11y(page, heading);
    await checkNoHorizontalScroll(page, heading);
  }

  assert.deepEqual(errors, [], 'no script errors');
  await context.close();
});

test('the submission works with JavaScript disabled', async () => {
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, locale: 'lv-LV' });
  const page = await context.newPage();
  await page.goto(BASE + '/services/VNP-STAVATLAUJA/request');
  await fillParkingForm(page);
  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await page.waitForURL(/\/receipt\?/);
  const reference = (await page.getByTestId('reference').textContent()).trim();
  const code = (await page.getByTestId('tracking-code').textContent()).trim();
  assert.match(reference, /^PP-\d{4}-\d{6}$/);

  // A server-side error also comes back without JavaScript.
  await page.goto(BASE + '/services/VNP-STAVATLAUJA/request');
  await fillParkingForm(page);
  await page.getByLabel(/Tālrunis/).fill('12');
  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await page.waitForURL(/__err=/);
  await page.locator('#f-contact_phone-error').waitFor({ state: 'visible' });
  assert.match(await page.locator('#f-contact_phone-error').textContent(), /7 līdz 15/);

  // The requester withdraws from the tracking page by a plain form post.
  // Doing it again from a page opened before is refused with the reason on the page.
  // This browser keeps the code from the receipt (a cookie): the address needs no code.
  const stale = await context.newPage();
  await stale.goto(BASE + `/track?ref=${reference}`);
  // Another browser without JavaScript types the code into the form.
  const elsewhere = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, locale: 'lv-LV' });
  const typed = await elsewhere.newPage();
  await typed.goto(BASE + `/track?ref=${reference}`);
  await typed.getByLabel(/^Izsekošanas kods/).fill(code);
  await typed.getByRole('button', { name: 'Rādīt manu pieprasījumu' }).click();
  await typed.getByRole('heading', { level: 1, name: `Pieprasījums ${reference}` }).waitFor();
  assert.ok(!typed.url().includes(code));
  await elsewhere.close();
  await page.goto(BASE + `/track?ref=${reference}`);
  await page.getByRole('button', { name: 'Atsaukt pieprasījumu' }).click();
  await page.locator('.status-line .badge', { hasText: 'Atsaukts' }).waitFor();
  await stale.getByRole('button', { name: 'Atsaukt pieprasījumu' }).click();
  await stale.getByText('Šī darbība nav iespējama').waitFor();
  await context.close();
});
