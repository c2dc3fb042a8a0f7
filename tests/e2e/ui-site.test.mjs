// The UI's website panel: publish /site, see it at `/`, roll back, open the
// site as it was at the timeline's moment (`/@T/`), and a clear message for
// every failure. The first test needs the site API (`/api/site`) and skips,
// printing SKIPPED, while the server answers it 404 "no such API route";
// the others answer the site API from the test (page.route) and always run.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DESKTOP, PHONE, useSession } from './harness.mjs';
import { EXPECTED_ERRORS, api, signIn, skipWithoutApi } from './ui-helpers.mjs';

const session = useSession('site-ui');
const options = { ...DESKTOP, allow: EXPECTED_ERRORS };
// `data:` as its icon: no /favicon.ico request (a 404, a console error).
const newPage = '<!doctype html>\n<link rel="icon" href="data:,">\n<title>Version two</title>\n' +
  '<h1>Version two</h1>\n';

const siteState = async () => (await api(session, 'GET', 'api/site')).json();
const exactly = (name) => ({ name, exact: true });

test('publish /site from the panel, see it at /, roll back, open /@T/', async (t) => {
  if (await skipWithoutApi(t, session, 'api/site')) return;
  const before = await siteState();
  const live = before.current?.number ?? 0;
  const page = await session.open(t, options);
  await signIn(page, session, '#/site/');
  await page.getByRole('button', exactly('Publish or roll back')).click(); // from the /site view
  const panel = page.locator('#panel');
  if (before.current) await panel.getByText(`Publish ${live} is live`).waitFor();
  await session.shot(page, 'panel');

  const local = mkdtempSync(join(tmpdir(), 'strata-site-'));
  writeFileSync(join(local, 'index.html'), newPage);
  await page.locator('input[type=file]:not([webkitdirectory])')
    .setInputFiles(join(local, 'index.html'));
  await page.locator('.uploads-summary').filter({ hasText: '1 of 1 uploaded' }).waitFor();
  const visitor = await page.context().newPage();
  await visitor.goto(session.url);
  assert.notEqual(await visitor.title(), 'Version two', 'nothing changes at / before a publish');

  await panel.getByRole('button', exactly('Publish /site now')).click();
  const confirm = page.getByRole('dialog', { name: 'Publish /site now?' });
  const edit = before.current ? '1 file changed: 1 edited (/index.html)' : 'The site at /';
  await confirm.getByText(edit).waitFor();
  await session.shot(page, 'publish-confirm');
  await confirm.getByRole('button', exactly('Publish')).click();
  await page.locator('.toast').filter({ hasText: `Published: publish ${live + 1} is live` })
    .waitFor();
  await panel.getByText(`Publish ${live + 1} is live`).waitFor();
  await session.shot(page, 'published');
  await visitor.reload();
  await visitor.getByRole('heading', { name: 'Version two' }).waitFor();
  await session.shot(visitor, 'site-published');

  await panel.getByRole('button', exactly('Roll back')).click();
  const rollBack = page.getByRole('dialog', { name: 'Roll back the website?' });
  await rollBack.getByRole('button', exactly('Roll back')).click();
  await page.locator('.toast').filter({ hasText: `Rolled back: publish ${live + 2} is live` })
    .waitFor();
  await visitor.reload();
  assert.notEqual(await visitor.title(), 'Version two', '/ shows the site before the publish');
  await session.shot(visitor, 'site-rolled-back');

  const published = (await siteState()).publishes.find((entry) => entry.number === live + 1);
  await page.goto(new URL(`ui/#/site/?at=${encodeURIComponent(published.at)}&panel=site`,
    session.url).href);
  const atLink = panel.getByRole('link', exactly('Open the site as it was at the shown time'));
  assert.equal(await atLink.getAttribute('href'), `/@${published.at}/`);
  await session.shot(page, 'panel-at-publish');
  await atLink.click();
  await page.getByRole('heading', { name: 'Version two' }).waitFor();
  const bytes = await page.evaluate(async (at) => (await fetch(`/@${at}/index.html`)).text(),
    published.at);
  assert.equal(bytes, newPage);
  await session.shot(page, 'site-at-publish');
});

/** Answers the site API in `page` from `state` (`{live, current, publishes}`), and `failures`. */
async function fakeSite(page, state, failures = {}) {
  await page.route(/\/api\/site(\/\w+)?(\?.*)?$/, (route) => {
    const path = new URL(route.request().url()).pathname;
    const failure = failures[path];
    if (failure) return route.fulfill({ status: failure[0], json: { error: failure[1] } });
    return route.fulfill({ json: state });
  });
}

const twoPublishes = () => {
  const publish = (number, date) => ({ number, published: date, at: date,
    claim: `sha224-${String(number).repeat(56)}` });
  const first = publish(1, '2026-01-02T03:04:05.000000000Z');
  const second = publish(2, '2026-02-03T04:05:06.000000000Z');
  return { live: false, current: second, publishes: [second, first] };
};

test('every failure of the site API is a clear message; the keyboard reaches it all', async (t) => {
  const page = await session.open(t, { ...DESKTOP,
    allow: [...EXPECTED_ERRORS, /status of (409|500)/] });
  await fakeSite(page, twoPublishes(), {
    '/api/site/rollback': [409, 'nothing to roll back to'],
    '/api/site/publish': [500, 'the disk is full'],
  });
  await signIn(page, session);
  await page.keyboard.press('w');
  const panel = page.locator('#panel');
  await panel.getByText('Publish 2 is live').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')),
    'Close the panel', 'the keyboard lands in the panel');
  const publishOne = panel.locator('li[data-number="1"]');
  await publishOne.getByRole('link', exactly('Open this version')).waitFor();
  assert.equal(await publishOne.getByRole('link').getAttribute('href'), '/@1/');
  await publishOne.getByRole('button', exactly('Roll back to this')).focus();
  await page.keyboard.press('Enter');
  const rollBack = page.getByRole('dialog', { name: 'Roll back the website?' });
  await rollBack.getByText('publish 1 (/site as of 2026-01-02 03:04:05.000 UTC)').waitFor();
  await page.keyboard.press('Escape');
  await rollBack.waitFor({ state: 'detached' });
  await publishOne.getByRole('button', exactly('Roll back to this')).click();
  await rollBack.getByRole('button', exactly('Roll back')).click();
  await page.locator('.toast-error')
    .filter({ hasText: 'Rolling back failed: nothing to roll back to (409).' }).waitFor();
  await session.shot(page, 'rollback-409');
  await panel.getByRole('button', exactly('Publish /site now')).click();
  await page.getByRole('dialog', { name: 'Publish /site now?' })
    .getByRole('button', exactly('Publish')).click();
  await page.locator('.toast-error')
    .filter({ hasText: 'Publishing failed: the disk is full (500).' }).waitFor();
  await page.unroute(/\/api\/site/);
  await fakeSite(page, {}, { '/api/site': [500, 'the index is damaged'] });
  await page.keyboard.press('w'); // closes it
  await page.keyboard.press('w'); // opens it again: read anew
  await panel.getByRole('alert')
    .filter({ hasText: 'Cannot show this: the index is damaged' }).waitFor();
  await session.shot(page, 'site-api-500');
});

for (const [device, colorScheme] of [['phone', 'light'], ['phone', 'dark']]) {
  test(`the panel fits a ${device} in the ${colorScheme} scheme, above the view`, async (t) => {
    const page = await session.open(t, { ...PHONE, colorScheme, allow: EXPECTED_ERRORS });
    await fakeSite(page, twoPublishes());
    await signIn(page, session, '#/?at=2026-01-10T00%3A00%3A00Z');
    await page.getByRole('button', exactly('Website')).click();
    const panel = page.locator('#panel');
    await panel.getByText('Publish 2 is live').waitFor();
    const link = panel.getByRole('link', exactly('Open the site as it was at the shown time'));
    assert.equal(await link.getAttribute('href'), '/@2026-01-10T00:00:00Z/');
    const box = await panel.boundingBox();
    assert.ok(box.y < (await page.locator('#view').boundingBox()).y, 'the panel comes first');
    const overflow = await page.evaluate(() =>
      document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    await session.shot(page, `panel-${device}-${colorScheme}`);
  });
}
