// Shared helpers for the browser tests: Debian's chromium through playwright-core, and
// axe-core run on every page a test visits (any WCAG 2.1 A/AA violation fails the test).
import { chromium } from 'playwright-core';
import { after } from 'node:test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE = process.env.TAKA_E2E_URL || 'http://127.0.0.1:3100';
export const DEMO_PASSWORD = 'demo-parole-2026';
export const PHONE = { width: 360, height: 740 };

/// Script errors seen on any page of any test: a console error, or an exception nobody
/// caught (a failed hydration shows as one of these). A 4xx answer that Chromium logs as
/// "Failed to load resource" is a refusal the page expects (a wrong code, a form error),
/// not a script error; a 5xx is a fault of ours and counts.
export const problems = [];

function watch(page) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(`${page.url()}: console error: ${text}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: uncaught exception: ${e.message}`));
}

export function assertNoScriptErrors() {
  assert.deepEqual(problems.splice(0), [], 'no console errors or uncaught exceptions');
}

// Every test file fails at its end if any of its pages logged a script error.
after(() => assertNoScriptErrors());

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // Every page of every context is watched for script errors.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on('page', watch);
    return context;
  };
  return browser;
}

/// Load a page and wait until the WASM has hydrated it (or nothing more loads).
export async function go(page, path) {
  const resp = await page.goto(BASE + path, { waitUntil: 'networkidle' });
  return resp;
}

/// Wait until the request form's island runs (its `data-live` mark). Networkidle is not
/// enough on a loaded machine: the WASM may still be compiling when the network is quiet.
export async function formLive(page) {
  await page.locator('form.request-form[data-live]').waitFor({ state: 'attached', timeout: 60000 });
}

/// Run axe-core on the current page; fail with a readable list of violations.
export async function checkA11y(page, label) {
  // Through the DevTools protocol, not an inline <script>: the page's Content-Security-Policy
  // refuses inline scripts without its nonce, and must keep doing so.
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  assert.deepEqual(result, [], `accessibility violations on ${label}: ${JSON.stringify(result, null, 2)}`);
  visited.add(label);
}

export const visited = new Set();

/// The page must not scroll sideways at its viewport width.
export async function checkNoHorizontalScroll(page, label) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `${label} scrolls sideways by ${overflow}px`);
}

export async function apiSubmit(body) {
  const r = await fetch(BASE + '/api/v1/requests', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 201, text);
  return JSON.parse(text);
}

export async function signIn(page, username) {
  await go(page, '/staff');
  await page.getByLabel(/Lietotājvārds|User name/).fill(username);
  await page.getByLabel(/Parole|Password/).fill(DEMO_PASSWORD);
  await Promise.all([
    page.waitForURL(/\/staff/),
    page.getByRole('button', { name: /Pieteikties|Sign in/ }).click(),
  ]);
  await page.getByText(/Pieteicies|Signed in as/).waitFor();
}
