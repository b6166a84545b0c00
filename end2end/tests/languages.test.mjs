// The citizen journey in every language the portal ships, on a phone-sized screen: each
// page in that language (<html lang>), without WCAG A/AA violations and without sideways
// scrolling (German and Lithuanian words are long). The languages come from the page's
// own language switch, so a language added later is tested without changing this file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, go, checkA11y, checkNoHorizontalScroll, PHONE } from '../support.mjs';

// The languages issue 13 asks for; the portal may ship more.
const SHIPPED = ['lv', 'en', 'uk', 'lt', 'et', 'de', 'pl', 'ru'];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// The languages a page's switch offers: [{ code, name }], each named in itself.
async function offered(page) {
  return page.$$eval('nav.lang a[hreflang]', (links) => links.map((a) => ({
    code: a.getAttribute('hreflang'),
    lang: a.getAttribute('lang'),
    name: a.querySelector('.visually-hidden')?.textContent.trim(),
    current: a.getAttribute('aria-current') === 'true',
  })));
}

async function check(page, label) {
  await checkA11y(page, label);
  await checkNoHorizontalScroll(page, label);
}

test('the citizen journey in every language on a phone', async () => {
  const first = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true });
  const home = await first.newPage();
  await go(home, '/');
  const languages = await offered(home);
  await first.close();
  const codes = languages.map((l) => l.code);
  for (const c of SHIPPED) assert.ok(codes.includes(c), `${c} offered on the home page: ${codes}`);
  assert.equal(codes[0], 'lv', 'Latvian first');
  const names = new Set(languages.map((l) => l.name));
  assert.equal(names.size, codes.length, 'each language named differently');
  for (const l of languages) assert.equal(l.lang, l.code, `${l.code}: named in itself (lang)`);

  for (const { code } of languages) {
    const context = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await go(page, `/lang/${code}?back=/`);
    assert.equal(await page.getAttribute('html', 'lang'), code, `${code}: home page language`);
    const current = (await offered(page)).filter((l) => l.current).map((l) => l.code);
    assert.deepEqual(current, [code], `${code}: the switch marks the page's language`);
    await check(page, `${code} home`);

    await go(page, '/services');
    assert.equal(await page.getAttribute('html', 'lang'), code);
    await check(page, `${code} catalogue`);

    await go(page, '/services/VNP-STAVATLAUJA');
    assert.equal(await page.getAttribute('html', 'lang'), code);
    // The demo catalogue speaks every language: no fallback notice.
    assert.equal(await page.locator('.notice.fallback').count(), 0, `${code}: service text in its language`);
    await check(page, `${code} service page`);

    await page.locator('a.button.primary[href$="/request"]').click();
    await page.waitForURL(/\/request$/);
    await page.waitForLoadState('networkidle');
    await check(page, `${code} request form`);
    await page.locator('[name="values[plate]"]').fill('KL-4321');
    await page.locator('[name="values[address]"]').fill('Rīgas iela 10, Valmiera');
    await page.locator('[name="values[zone]"]').selectOption('b');
    await page.locator('[name="contact_name"]').fill('Olena Kovalenko');
    await page.locator('[name="contact_email"]').fill('olena@example.lv');
    await page.locator('form.request-form button[type="submit"]').first().click();
    await page.waitForURL(/\/receipt\?/);
    assert.equal(await page.getAttribute('html', 'lang'), code);
    const reference = (await page.getByTestId('reference').textContent()).trim();
    const trackingCode = (await page.getByTestId('tracking-code').textContent()).trim();
    await check(page, `${code} receipt`);

    await go(page, '/track');
    await page.locator('form.track-form [name="ref"]').fill(reference);
    await page.locator('form.track-form [name="code"]').fill(trackingCode);
    await page.locator('form.track-form button[type="submit"]').click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: reference }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), code);
    await check(page, `${code} tracking page`);
    await context.close();
  }
});

test('a first visit picks the best offered language; an institution offers its own', async () => {
  // Ukrainian first in the browser's list, German second: Ukrainian.
  const uk = await browser.newContext({ viewport: PHONE, locale: 'uk-UA', extraHTTPHeaders: { 'accept-language': 'uk-UA,uk;q=0.9,de;q=0.5' } });
  const page = await uk.newPage();
  await go(page, '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'uk');
  await uk.close();

  // The Office of Citizenship and Migration Affairs offers Latvian, English and Ukrainian:
  // its service page in German is shown in English, and its switch offers its three.
  const de = await browser.newContext({ viewport: PHONE, locale: 'de-DE' });
  const p = await de.newPage();
  await go(p, '/lang/de?back=/services');
  assert.equal(await p.getAttribute('html', 'lang'), 'de');
  await go(p, '/services/PMLP-PASE');
  assert.equal(await p.getAttribute('html', 'lang'), 'en');
  assert.deepEqual((await offered(p)).map((l) => l.code), ['lv', 'en', 'uk']);
  await check(p, 'institution languages');
  // The choice is kept for the rest of the portal.
  await go(p, '/services');
  assert.equal(await p.getAttribute('html', 'lang'), 'de');
  await de.close();
});
