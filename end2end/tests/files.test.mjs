// Documents (issue 10): a citizen on a phone attaches two photos and a PDF, removes one,
// sends, and the provider downloads them without the photos' position; the same without
// JavaScript; a renamed program and EICAR are refused at once; staff hand a result
// document to the requester, who downloads it from the tracking page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch, go, formLive, checkA11y, checkNoHorizontalScroll, signIn, PHONE, BASE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const TREES = 'VNP-KOKU-CIRSANA';
// Latitude 56° 57' 43.21" N, as a phone writes it: three rationals after the GPS directory.
const SECONDS = 4321;

/// A real JPEG drawn by the browser, with an Exif segment holding a GPS position spliced
/// in after its start marker.
async function photo(page, colour) {
  const dataUrl = await page.evaluate((c) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 48;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = c; ctx.fillRect(0, 0, 64, 48);
    return canvas.toDataURL('image/jpeg', 0.9);
  }, colour);
  const jpeg = Buffer.from(dataUrl.split(',')[1], 'base64');
  const be32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const tiff = Buffer.concat([
    Buffer.from('MM\0\x2a', 'binary'), be32(8),
    Buffer.from([0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1]), be32(26), be32(0),
    Buffer.from([0, 1, 0, 2, 0, 5, 0, 0, 0, 3]), be32(44), be32(0),
    ...[56, 1, 57, 1, SECONDS, 100].map(be32),
  ]);
  const app1 = Buffer.concat([Buffer.from([0xFF, 0xE1]), Buffer.alloc(2), Buffer.from('Exif\0\0', 'binary'), tiff]);
  app1.writeUInt16BE(app1.length - 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

const pdf = (text) => Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`);
const hasSeconds = (buf) => buf.includes(Buffer.from([0, 0, 0x10, 0xE1]));

async function fillTrees(page) {
  await page.getByLabel(/^Kadastra numurs/).fill('96010010001');
  await page.getByLabel(/^Koku skaits/).fill('2');
  await page.getByLabel(/^Koku sugas/).fill('Bērzs');
  await page.getByLabel(/^Ciršanas iemesls/).fill('Bīstami koki pie ceļa');
  await page.getByLabel(/Vārds, uzvārds/).fill('Anna Bērziņa');
  await page.getByLabel(/E-pasts/).fill('anna@example.lv');
}

async function download(page, link) {
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return fs.readFileSync(await dl.path());
}

test('a citizen on a phone attaches photos and a PDF; the provider downloads them', async () => {
  const context = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await go(page, `/services/${TREES}/request`);
  await formLive(page);
  await page.waitForLoadState('networkidle');
  const red = await photo(page, '#c00');
  const green = await photo(page, '#0a0');
  assert.ok(hasSeconds(red), 'the test photo carries a position');

  await fillTrees(page);
  await page.locator('#f-photos').setInputFiles([
    { name: 'koks-1.jpg', mimeType: 'image/jpeg', buffer: red },
    { name: 'koks-2.jpg', mimeType: 'image/jpeg', buffer: green },
  ]);
  await page.locator('#f-site_plan').setInputFiles({ name: 'plāns.pdf', mimeType: 'application/pdf', buffer: pdf('plāns') });
  // Each file shows its name, a thumbnail for photos, and is sent at once.
  await page.locator('.file-ok').nth(2).waitFor();
  assert.equal(await page.locator('img.thumb').count(), 2);
  await checkA11y(page, 'request form with files');
  await checkNoHorizontalScroll(page, 'request form with files');
  // One photo was the wrong one: removed before sending.
  await page.getByRole('button', { name: 'Noņemt koks-2.jpg' }).click();
  assert.equal(await page.locator('.file-ok').count(), 2);

  // A program renamed to .pdf and the EICAR test file are refused on the spot.
  await page.locator('#f-site_plan').setInputFiles({ name: 'programma.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\0\x03\0\0\0program', 'binary') });
  await page.getByText(/nosaukts kā PDF, bet tā saturs nav PDF/).waitFor();
  const eicar = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'), Buffer.from('\n%%EOF\n')]);
  await page.locator('#f-site_plan').setInputFiles({ name: 'vīruss.pdf', mimeType: 'application/pdf', buffer: eicar });
  await page.getByText(/Failā “vīruss.pdf” atrasta ļaunatūra/).waitFor();
  for (const name of ['programma.pdf', 'vīruss.pdf']) {
    await page.getByRole('button', { name: `Noņemt ${name}` }).click();
  }

  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await page.waitForURL(/\/receipt\?/);
  const reference = (await page.getByTestId('reference').textContent()).trim();
  await go(page, `/track?ref=${reference}`);
  const docs = page.locator('ul.attachments li');
  assert.equal(await docs.count(), 2);
  const mine = await download(page, page.getByRole('link', { name: 'koks-1.jpg' }));
  assert.equal(mine.length, red.length, 'only the position was blanked');
  assert.ok(!hasSeconds(mine), 'the position is gone');
  await checkA11y(page, 'tracking page with documents');
  await checkNoHorizontalScroll(page, 'tracking page with documents');

  // The provider sees and downloads them.
  const staff = await browser.newContext({ locale: 'lv-LV' });
  const desk = await staff.newPage();
  await signIn(desk, 'sniedzejs');
  await go(desk, `/staff/requests/${reference}`);
  const plan = await download(desk, desk.getByRole('link', { name: 'plāns.pdf' }));
  assert.deepEqual(plan, pdf('plāns'));
  const seen = await download(desk, desk.getByRole('link', { name: 'koks-1.jpg' }));
  assert.ok(!hasSeconds(seen));

  // The provider hands a result document to the requester and keeps an internal one.
  await desk.locator('#staff-files').setInputFiles({ name: 'atļauja.pdf', mimeType: 'application/pdf', buffer: pdf('atļauja') });
  await desk.getByRole('button', { name: 'Pievienot', exact: true }).click();
  await desk.waitForURL(/#files$/);
  await desk.locator('#staff-files').setInputFiles({ name: 'piezīmes.pdf', mimeType: 'application/pdf', buffer: pdf('iekšējs') });
  await desk.getByLabel(/Iekšējs/).check();
  await desk.getByRole('button', { name: 'Pievienot', exact: true }).click();
  await desk.getByRole('link', { name: 'piezīmes.pdf' }).waitFor();
  await checkA11y(desk, 'staff request with documents');
  await staff.close();

  // The requester downloads the result; the internal file is not there.
  await go(page, `/track?ref=${reference}`);
  const result = await download(page, page.getByRole('link', { name: 'atļauja.pdf' }));
  assert.deepEqual(result, pdf('atļauja'));
  assert.equal(await page.getByText('piezīmes.pdf').count(), 0);
  await context.close();
});

test('files go with the form without JavaScript too, and a refused post keeps them', async () => {
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, locale: 'lv-LV' });
  const page = await context.newPage();
  const maker = await (await browser.newContext()).newPage();
  await go(maker, '/');
  const red = await photo(maker, '#c00');
  const blue = await photo(maker, '#00c');
  await maker.context().close();

  await page.goto(BASE + `/services/${TREES}/request`);
  await fillTrees(page);
  // A phone number the server refuses: the post comes back.
  await page.getByLabel(/Tālrunis/).fill('12');
  await page.locator('#f-photos').setInputFiles([
    { name: 'a.jpg', mimeType: 'image/jpeg', buffer: red },
    { name: 'b.jpg', mimeType: 'image/jpeg', buffer: blue },
  ]);
  await page.locator('#f-site_plan').setInputFiles({ name: 'plāns.pdf', mimeType: 'application/pdf', buffer: pdf('plāns') });
  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await page.waitForURL(/__err=/);
  // The files already delivered are listed, kept; nothing to choose again.
  await page.getByText(/a\.jpg \(jau pievienots/).waitFor();
  assert.equal(await page.locator('.kept input[type=checkbox]:checked').count(), 3);
  // Leave one out, fill what was missing, send.
  await page.getByLabel(/b\.jpg/).uncheck();
  await fillTrees(page);
  await page.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await page.waitForURL(/\/receipt\?/);
  const reference = (await page.getByTestId('reference').textContent()).trim();
  await page.goto(BASE + `/track?ref=${reference}`);
  assert.equal(await page.locator('ul.attachments li').count(), 2);
  await page.getByRole('link', { name: 'a.jpg' }).waitFor();
  await page.getByRole('link', { name: 'plāns.pdf' }).waitFor();
  await context.close();
});
