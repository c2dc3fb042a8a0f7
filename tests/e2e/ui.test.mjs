// The browser UI at `/ui/`: today a shell that checks the server's health.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DESKTOP, PHONE, actionTimeoutMs, repoRoot, useSession } from './harness.mjs';

const session = useSession('ui');
const firstPaintTargetMs = 200; // issue 7: first paint of /ui/ on loopback
const uiCodeTargetBytes = 100 * 1024; // issue 7: all of www/ui/, uncompressed
const firstPaintLoads = 5;

for (const [device, options] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`the UI shell shows the server is up on a ${device}`, async (t) => {
    const page = await session.open(t, options);
    const response = await page.goto(new URL('ui/', session.url).href);
    assert.equal(response.status(), 200);
    assert.equal(await page.title(), 'strata');
    await page.locator('#status.ok').waitFor();
    const status = page.locator('#status');
    assert.match(await status.textContent(), /^Server up: ok strata \S+$/);
    // style.css is applied: an answered health check is green.
    assert.equal(await status.evaluate((e) => getComputedStyle(e).color), 'rgb(47, 111, 94)');
    await session.shot(page, `shell-${device}`);
  });
}

test('first paint of /ui/ (printed; issue 7 wants under 200 ms on loopback)', async (t) => {
  const loads = [];
  for (let load = 0; load < firstPaintLoads; load += 1) {
    const page = await session.open(t, DESKTOP); // a new context: nothing cached
    await page.goto(new URL('ui/', session.url).href);
    const timing = await page.waitForFunction(() => {
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      const navigation = performance.getEntriesByType('navigation')[0];
      return paint && { paint: paint.startTime, response: navigation.responseEnd };
    }, null, { timeout: actionTimeoutMs });
    loads.push(await timing.jsonValue());
    await page.context().close(); // so that the next load has the machine to itself
  }
  const median = (key) => {
    const sorted = loads.map((entry) => entry[key]).sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  };
  const list = loads.map((entry) => entry.paint.toFixed(0)).join(', ');
  console.log(`ui first contentful paint: median ${median('paint').toFixed(0)} ms of` +
    ` ${loads.length} fresh loads (${list} ms; target < ${firstPaintTargetMs} ms);` +
    ` the page itself had arrived at ${median('response').toFixed(0)} ms (median)`);
});

test('size of www/ui/ (printed; issue 7 wants under 100 KiB)', () => {
  const bytes = sizeOf(join(repoRoot, 'www/ui'));
  console.log(`ui code: ${bytes} bytes in www/ui/ (target < ${uiCodeTargetBytes} bytes)`);
});

function sizeOf(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}
