// Service levels and notifications as people meet them: the owner sees late requests in
// the queue and in their notifications, the request page shows what was mailed and
// whether it went, the service page states its times, and the demo's mail is readable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { launch, go, checkA11y, checkNoHorizontalScroll, signIn, PHONE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the service owner sees late requests, is notified, and sees what was mailed', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'lv-LV' });
  const page = await ctx.newPage();
  await signIn(page, 'saimnieks');
  // The demo always has a late request: the queue says so next to its deadline.
  await page.getByRole('columnheader', { name: 'Termiņš' }).waitFor();
  assert.ok(await page.locator('table.queue .tag.warn', { hasText: 'Nokavēts' }).count() >= 1, 'a late request is marked');

  await page.getByRole('link', { name: 'Paziņojumi' }).click();
  await page.getByRole('heading', { level: 1, name: 'Paziņojumi' }).waitFor();
  await page.waitForLoadState('networkidle');
  await checkA11y(page, 'notifications');
  const late = page.locator('ul.notifications li', { hasText: 'Pieprasījuma termiņš nokavēts' });
  assert.ok(await late.count() >= 1, 'the owner was told of a missed deadline');
  const unreadBefore = await page.locator('ul.notifications li.unread').count();
  assert.ok(unreadBefore >= 1);
  await page.getByRole('button', { name: 'Atzīmēt visus kā izlasītus' }).click();
  await page.getByText('0 nelasītu').waitFor();
  assert.equal(await page.locator('ul.notifications li.unread').count(), 0);

  // From the notification to the request: the escalation is in its history, and the
  // receipt mailed to the requester is listed as sent.
  await late.first().getByRole('link').click();
  await page.getByRole('heading', { level: 2, name: 'Nosūtītie paziņojumi' }).waitFor();
  await page.waitForLoadState('networkidle');
  await page.locator('ol.timeline li', { hasText: 'Termiņš nokavēts' }).first().waitFor();
  await page.locator('ol.timeline li', { hasText: 'Eskalēts pakalpojuma saimniekam' }).first().waitFor();
  const receipt = page.locator('tr', { hasText: 'Apstiprinājums par saņemšanu' });
  await receipt.getByText(/Nosūtīts|Gaida nosūtīšanu/).waitFor();
  await checkA11y(page, 'staff request page with deliveries');

  // On a phone the notifications page still fits.
  const phoneCtx = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true });
  const phone = await phoneCtx.newPage();
  await signIn(phone, 'saimnieks');
  await go(phone, '/staff/notifications');
  await phone.getByRole('heading', { level: 1, name: 'Paziņojumi' }).waitFor();
  await checkNoHorizontalScroll(phone, 'notifications on a phone');
  await ctx.close();
  await phoneCtx.close();
});

test('a service states its times in both languages', async () => {
  const ctx = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true });
  const page = await ctx.newPage();
  await go(page, '/services/VNP-KOKU-CIRSANA');
  await page.getByText('Reģistrē 8 darba stundu laikā').waitFor();
  await page.getByText('Mērķis: 90 % pieprasījumu šajos termiņos').waitFor();
  await go(page, '/lang/en?back=/services/VNP-KOKU-CIRSANA');
  await page.getByText('Registered within 8 working hours').waitFor();
  await ctx.close();
});

test('demo mail can be read in the mail folder, in the requester\'s language', { skip: !process.env.TAKA_E2E_MAIL_DIR }, async () => {
  const dir = process.env.TAKA_E2E_MAIL_DIR;
  let files = [];
  for (let i = 0; i < 40 && files.length === 0; i++) {
    files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('-receipt.eml'));
    if (files.length === 0) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(files.length > 0, 'receipts were written');
  const mails = await Promise.all(files.map((f) => readFile(`${dir}/${f}`, 'utf8')));
  const lv = mails.find((m) => /^Content-Language: lv/m.test(m));
  const en = mails.find((m) => /^Content-Language: en/m.test(m));
  assert.ok(lv && /^Subject: =\?utf-8\?|^Subject: J/m.test(lv), 'a Latvian receipt');
  assert.ok(en && /^Subject: Your request .* has been received/m.test(en), 'an English receipt');
  assert.match(lv, /multipart\/alternative/);
  assert.match(lv, /text\/html/);
});
