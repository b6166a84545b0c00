// Staff administration in the browser: the head of an institution invites a colleague, the
// invitation mail's link (read from the mail folder) lets them choose a password on a phone
// and sign in; deactivation ends their live session at once; the change log shows it all.
// Every page passes axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { launch, checkA11y, checkNoHorizontalScroll, signIn, go, PHONE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// The one-time link in the newest mail whose file name ends with `suffix`.
async function linkFromMail(suffix) {
  const dir = process.env.TAKA_E2E_MAIL_DIR;
  for (let i = 0; i < 40; i++) {
    const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith(suffix)).sort();
    if (files.length > 0) {
      const raw = await readFile(`${dir}/${files[files.length - 1]}`, 'utf8');
      // Quoted-printable: soft line breaks and the escaped '='.
      const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      const m = text.match(/\/staff\/welcome\?t=([0-9a-f]{64})/);
      assert.ok(m, 'a link in the invitation');
      return `/staff/welcome?t=${m[1]}`;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no mail ending ${suffix}`);
}

test('an invited colleague chooses a password on a phone, signs in, and is deactivated', { skip: !process.env.TAKA_E2E_MAIL_DIR }, async () => {
  const head = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'lv-LV' });
  const page = await head.newPage();
  await signIn(page, 'vaditajs');
  await page.getByRole('link', { name: 'Darbinieki', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Iestādes darbinieki' }).waitFor();
  await checkA11y(page, 'staff administration');

  await page.getByLabel('Vārds, uzvārds').fill('Inese Jaunā');
  await page.getByLabel('E-pasts').fill('inese@vnp.example.lv');
  await page.getByLabel('Lietotājvārds').fill('inese');
  await page.locator('input[name^="services["]').first().check();
  await page.getByRole('button', { name: 'Nosūtīt uzaicinājumu' }).click();
  await page.waitForLoadState('networkidle');
  await go(page, '/staff/admin/staff');
  const row = page.getByRole('row', { name: /Inese Jaunā/ });
  await row.getByText('Uzaicināts').waitFor();

  // The invitation mail's link, on a phone.
  const link = await linkFromMail('-invitation.eml');
  const phone = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true });
  const p = await phone.newPage();
  await go(p, link);
  await p.getByRole('heading', { level: 1, name: 'Paroles izvēle' }).waitFor();
  await checkA11y(p, 'choose a password');
  await checkNoHorizontalScroll(p, 'choose a password');
  await p.getByLabel('Jaunā parole').fill('kalnu-upe-rudenī-42');
  await p.getByRole('button', { name: 'Saglabāt paroli' }).click();
  await p.getByText('Parole saglabāta.').waitFor();
  await p.getByLabel(/Lietotājvārds/).fill('inese');
  await p.getByLabel(/Parole/).fill('kalnu-upe-rudenī-42');
  await p.getByRole('button', { name: 'Pieteikties' }).click();
  await p.getByText(/Pieteicies/).waitFor();
  // The link is spent.
  await go(p, link);
  await p.getByText('Saite vairs nav derīga').waitFor();
  await p.getByRole('link', { name: 'Aizmirsāt paroli?' }).click();
  await p.getByRole('heading', { level: 1, name: 'Aizmirsta parole' }).waitFor();
  await checkA11y(p, 'forgotten password');
  await checkNoHorizontalScroll(p, 'forgotten password');

  // Deactivation ends the live session at once.
  await go(page, '/staff/admin/staff');
  await page.getByRole('link', { name: 'Inese Jaunā' }).click();
  await page.getByRole('heading', { level: 1, name: 'Inese Jaunā' }).waitFor();
  await checkA11y(page, 'a colleague\'s account');
  await page.getByRole('button', { name: 'Deaktivizēt kontu' }).click();
  await page.getByTestId('deactivated').waitFor();
  await go(p, '/staff');
  await p.getByRole('button', { name: 'Pieteikties' }).waitFor();
  await phone.close();

  // The change log, on a phone.
  const small = await browser.newContext({ viewport: PHONE, locale: 'lv-LV' });
  const sp = await small.newPage();
  await signIn(sp, 'vaditajs');
  await go(sp, '/staff/admin/audit?entity=user');
  const log = sp.getByTestId('audit');
  await log.getByRole('rowheader', { name: 'user: inese' }).first().waitFor();
  const text = await log.textContent();
  for (const action of ['invited', 'password_set', 'deactivated']) assert.ok(text.includes(action), action);
  await checkA11y(sp, 'change log');
  await small.close();
  await head.close();
});
