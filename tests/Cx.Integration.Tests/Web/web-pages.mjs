// Drives the web pages of a running DevHost in headless Chromium (playwright-core with the
// system's browser) and prints one JSON report on stdout. Usage:
//   node web-pages.mjs <base url, e.g. http://127.0.0.1:7110> <bearer token> <screenshot folder>
// Checks: the API reference lists v1's and v2's operations; the GraphQL explorer runs a query
// with the token and shows the answer. Every request must stay on the host's origin, and the
// pages must log no error (a CSP violation is one).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, token, shots] = process.argv.slice(2);
const origin = new URL(base).origin;
const executablePath = process.env.CX_CHROMIUM ?? '/usr/bin/chromium';
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ],
});
const report = { foreign: [], errors: [], steps: {} };
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(45_000);
  // Anything that leaves the origin (a CDN, fonts, telemetry) is recorded and refused.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    report.foreign.push(url);
    return route.abort();
  });
  const watch = (page, name) => {
    page.on('console', (message) => {
      if (message.type() === 'error') report.errors.push(`${name}: ${message.text()}`);
    });
    page.on('pageerror', (error) => report.errors.push(`${name}: ${error.message}`));
  };

  // 1. The API reference: v1's operations, then v2's.
  for (const [version, summary] of [
    ['v1', 'Check health'],
    ['v2', 'List customers (v2 envelope)'],
  ]) {
    const page = await context.newPage();
    watch(page, `reference ${version}`);
    const response = await page.goto(`${base}/api/${version}/reference`);
    await page.getByText('Introduction').first().waitFor();
    // Scalar's search indexes the loaded document: the version's operation must be found.
    await page.getByText('Search', { exact: true }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input').first().fill(summary);
    // The result highlights the words it matched (split elements): match on the text as a whole.
    const hit = dialog.filter({ hasText: summary });
    await hit.first().waitFor({ state: 'attached' }); // the dialog's wrapper has no box of its own
    report.steps[`reference-${version}`] = {
      status: response.status(),
      csp: response.headers()['content-security-policy'],
      found: (await hit.first().innerText()).includes(summary) ? summary : null,
    };
    await page.screenshot({ path: join(shots, `reference-${version}.png`) });
    await page.close();
  }

  // 2. The GraphQL explorer: the token typed into its field, a query given in the fragment, run.
  const page = await context.newPage();
  watch(page, 'explorer');
  const query = '{ __typename }';
  const response = await page.goto(`${base}/api/v1/graphql/explorer#query=${encodeURIComponent(query)}`);
  await page.locator('#cx-token').fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/graphql') && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('__typename'));
  await page.locator('.graphiql-execute-button').click();
  const graphql = await answer;
  const result = page.locator('.result-window');
  await result.getByText('"Query"').waitFor();
  report.steps.explorer = {
    status: response.status(),
    csp: response.headers()['content-security-policy'],
    graphqlStatus: graphql.status(),
    authorization: graphql.request().headers()['authorization']?.startsWith('Bearer ') ?? false,
    result: (await result.innerText()).replace(/\s+/g, ' ').trim(),
  };
  await page.screenshot({ path: join(shots, 'explorer.png') });
} catch (error) {
  report.failure = String(error?.stack ?? error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
