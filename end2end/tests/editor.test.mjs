// The service editor in the browser (issue 9): a service owner builds a new service with
// every field type and a conditional field, sets an auto-approve rule, previews and
// publishes it; a citizen on a phone sees the conditional field appear only when it is
// asked and submits; the rule approves the request, by the system, in its history; the
// owner changes a field and republishes; the earlier request still shows the old form;
// the differences and the audit log say what happened. Every page passes axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, checkA11y, checkNoHorizontalScroll, signIn, go, formLive, PHONE } from '../support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const CODE = 'VNP-E2E-SUNI';

/// Add a field through the editor's form; the browser lands on the field's own page.
async function addField(page, kind, name, lv, en) {
  await page.locator('#af-kind').selectOption(kind);
  await page.locator('#f-name').fill(name);
  await page.locator('#f-label-lv-').fill(lv);
  await page.locator('#f-label-en-').fill(en);
  await Promise.all([
    page.waitForURL(new RegExp(`/fields/${name}$`)),
    page.getByRole('button', { name: 'Pievienot', exact: true }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: lv }).waitFor();
}

/// Save the field page and come back to the editor.
async function saveField(page) {
  await Promise.all([
    page.waitForURL(new RegExp(`/staff/admin/services/${CODE}#fields$`)),
    page.getByRole('button', { name: 'Saglabāt lauku' }).click(),
  ]);
  await page.waitForLoadState('networkidle');
}

async function editorUrl(page) {
  await go(page, `/staff/admin/services/${CODE}`);
  await page.getByTestId('editor-status').waitFor();
}

test('an owner builds, publishes and changes a service; a citizen on a phone uses it', async () => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'lv-LV' });
  const page = await desk.newPage();
  await signIn(page, 'saimnieks');
  await page.getByRole('link', { name: 'Pakalpojumu pārvaldība', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Pakalpojumu pārvaldība' }).waitFor();
  await checkA11y(page, 'services to edit');

  // A new service, a draft until published.
  await page.getByLabel(/^Kods/).fill(CODE);
  await page.getByLabel(/^Nosaukums \(Latviešu\)/).fill('Suņu reģistrācija');
  await page.getByLabel(/^Nosaukums \(English\)/).fill('Dog registration');
  await Promise.all([
    page.waitForURL(new RegExp(`/staff/admin/services/${CODE}$`)),
    page.getByRole('button', { name: 'Izveidot melnrakstu' }).click(),
  ]);
  await page.getByTestId('editor-status').waitFor();
  assert.match(await page.getByTestId('editor-status').textContent(), /Melnraksts/);
  await checkA11y(page, 'service editor');

  // A refused field is marked where it is, in place, with the server's words.
  await page.locator('#f-name').fill('Ne der');
  await page.locator('#f-label-lv-').fill('Vārds');
  await page.getByRole('button', { name: 'Pievienot', exact: true }).click();
  const nameError = page.locator('#f-name-error');
  await nameError.waitFor({ state: 'visible' });
  assert.equal(await page.locator('#f-name').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#f-label-lv-').inputValue(), 'Vārds', 'what was typed stays');
  await checkA11y(page, 'editor with a refused field');

  // Every field type the schema knows.
  const fields = [
    ['text', 'dog_name', 'Suņa vārds', 'Dog\'s name'],
    ['number', 'age', 'Vecums (gadi)', 'Age (years)'],
    ['date', 'born', 'Dzimšanas datums', 'Date of birth'],
    ['choice', 'size', 'Izmērs', 'Size'],
    ['multi_choice', 'needs', 'Vajadzības', 'Needs'],
    ['yes_no', 'chipped', 'Suns ir čipots', 'The dog is chipped'],
    ['text', 'chip', 'Čipa numurs', 'Chip number'],
    ['email', 'vet_email', 'Veterinārārsta e-pasts', 'Vet\'s e-mail'],
    ['phone', 'vet_phone', 'Veterinārārsta tālrunis', 'Vet\'s phone'],
    ['long_text', 'notes', 'Piezīmes', 'Notes'],
  ];
  for (const [kind, name, lv, en] of fields) {
    await addField(page, kind, name, lv, en);
    if (name === 'age') {
      await page.locator('input[name="min"]').fill('0');
      await page.locator('input[name="max"]').fill('30');
      await page.locator('#fe-required').check();
    }
    if (name === 'size') {
      await page.locator('textarea[name="options"]').fill('small | Mazs | Small\nbig | Liels | Big');
      await checkA11y(page, 'field page');
    }
    if (name === 'chip') {
      await page.locator('select[name="show_if_field"]').selectOption('chipped');
      await page.locator('input[name="show_if_equals"]').fill('yes');
      await page.locator('#fe-required').check();
    }
    if (['age', 'size', 'chip'].includes(name)) await saveField(page);
    else await editorUrl(page);
  }
  const list = page.getByTestId('fields');
  assert.equal(await list.locator(':scope > li').count(), fields.length);
  await list.getByText('jautā, ja “Suns ir čipots” ir “Jā”').waitFor();

  // Auto-approve when the dog is chipped and younger than 20.
  await page.locator('#au-approve').check();
  await page.locator('select[name="cond[0][field]"]').selectOption('chipped');
  await page.locator('select[name="cond[0][op]"]').selectOption('equals');
  await page.locator('input[name="cond[0][value]"]').fill('yes');
  await page.locator('select[name="cond[1][field]"]').selectOption('age');
  await page.locator('select[name="cond[1][op]"]').selectOption('below');
  await page.locator('input[name="cond[1][value]"]').fill('20');
  await page.locator('#au-register').check();
  await Promise.all([
    page.waitForURL(new RegExp(`/staff/admin/services/${CODE}#automation$`)),
    page.getByRole('button', { name: 'Saglabāt automatizāciju' }).click(),
  ]);
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('#au-approve').isChecked(), true);

  // Preview, as the citizen will see it.
  await page.getByRole('link', { name: 'Priekšskatījums' }).click();
  await page.getByTestId('preview-form').waitFor();
  await page.getByText('Atbildiet tikai tad, ja “Suns ir čipots” ir “Jā”.').waitFor();
  await checkA11y(page, 'service preview');

  // Publish: version 1.
  await editorUrl(page);
  await Promise.all([
    page.waitForURL(/\?published=1$/),
    page.getByRole('button', { name: 'Publicēt', exact: true }).click(),
  ]);
  await page.getByText('Publicēts kā versija 1.').waitFor();

  // A citizen on a phone: the chip number is asked only once the dog is chipped.
  const phone = await browser.newContext({ viewport: PHONE, locale: 'lv-LV', isMobile: true });
  const p = await phone.newPage();
  await go(p, `/services/${CODE}/request`);
  await formLive(p);
  await checkA11y(p, 'new service form on a phone');
  await checkNoHorizontalScroll(p, 'new service form on a phone');
  const chip = p.locator('#f-chip');
  await chip.waitFor({ state: 'hidden' });
  await p.getByLabel(/^Suņa vārds/).fill('Reksis');
  await p.getByLabel(/^Vecums/).fill('3');
  await p.getByLabel(/^Dzimšanas datums/).fill('2023-05-01');
  await p.getByLabel(/^Izmērs/).selectOption('big');
  await p.getByLabel('A', { exact: true }).check();
  await p.getByLabel(/^Suns ir čipots/).check();
  await chip.waitFor({ state: 'visible' });
  await chip.fill('900123456789012');
  await p.getByLabel(/^Vārds, uzvārds/).fill('Anna Bērziņa');
  await p.getByLabel(/^E-pasts/).fill('anna.suns@example.lv');
  await p.getByRole('button', { name: 'Iesniegt pieprasījumu' }).click();
  await p.waitForURL(/\/receipt\?/);
  const reference = (await p.getByTestId('reference').textContent()).trim();
  await phone.close();

  // The rule approved it, as the system, and says so in the history.
  await go(page, `/staff/requests/${reference}`);
  await page.getByText('Reksis').waitFor();
  await page.getByText('Automātiski (noteikums: automātiska apstiprināšana)').first().waitFor();

  // The owner renames a question and republishes: version 2.
  await go(page, `/staff/admin/services/${CODE}/fields/dog_name`);
  await page.locator('#f-label-lv-').fill('Suņa vārds un uzvārds');
  await saveField(page);
  await Promise.all([
    page.waitForURL(/\?published=2$/),
    page.getByRole('button', { name: 'Publicēt', exact: true }).click(),
  ]);
  await page.getByText('Publicēts kā versija 2.').waitFor();

  // The earlier request keeps version 1's words.
  await go(page, `/staff/requests/${reference}`);
  const body = await page.locator('main').textContent();
  assert.ok(body.includes('Suņa vārds'), 'the old question');
  assert.ok(!body.includes('Suņa vārds un uzvārds'), 'not the new one');

  // What changed between the versions.
  await go(page, `/staff/admin/services/${CODE}/versions`);
  const diff = page.getByTestId('diff');
  await diff.getByRole('rowheader', { name: /dog_name/ }).waitFor();
  await checkA11y(page, 'versions and differences');
  await desk.close();

  // The audit log, read by the institution's head on a phone.
  const small = await browser.newContext({ viewport: PHONE, locale: 'lv-LV' });
  const sp = await small.newPage();
  await signIn(sp, 'vaditajs');
  await go(sp, '/staff/admin/audit?entity=service');
  const log = await sp.getByTestId('audit').textContent();
  for (const action of ['service_created', 'service_published']) assert.ok(log.includes(action), action);
  await go(sp, '/staff/admin/institution');
  await sp.getByTestId('calendar-days').waitFor();
  await checkA11y(sp, 'institution settings');
  await checkNoHorizontalScroll(sp, 'institution settings');
  await small.close();
});
