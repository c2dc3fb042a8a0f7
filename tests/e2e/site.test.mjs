// The starter website at `/`, as a visitor sees it on a desktop and a phone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, PHONE, useSession } from './harness.mjs';

const session = useSession('site');

for (const [device, options] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`the front page is served and styled on a ${device}`, async (t) => {
    const page = await session.open(t, options);
    const response = await page.goto(session.url);
    assert.equal(response.status(), 200);
    assert.equal(await page.title(), 'Ada Example');
    await page.getByRole('heading', { level: 1, name: 'Ada Example' }).waitFor();
    // style.css is applied: section headings are upper case, the column is 38rem.
    const heading = page.getByRole('heading', { level: 2, name: 'About' });
    assert.equal(await heading.evaluate((e) => getComputedStyle(e).textTransform), 'uppercase');
    const main = page.locator('main');
    assert.equal(await main.evaluate((e) => getComputedStyle(e).maxWidth), '608px');
    await session.shot(page, `front-${device}`);
  });

  test(`a missing page answers 404 with the site's styled 404 page on a ${device}`, async (t) => {
    // Chromium logs the 404 status of the document itself as a console error.
    const page = await session.open(t, { ...options, allow: [/status of 404/] });
    const response = await page.goto(new URL('no/such/page', session.url).href);
    assert.equal(response.status(), 404);
    assert.equal(await page.title(), 'Not found');
    await page.getByRole('link', { name: 'Back to the front page' }).waitFor();
    const tagline = page.locator('.tagline');
    assert.equal(await tagline.evaluate((e) => getComputedStyle(e).marginBottom), '40px');
    await session.shot(page, `not-found-${device}`);
  });
}
