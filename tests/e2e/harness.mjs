// The browser-test harness: a real `strata serve` on a fresh data folder,
// Debian's Chromium driven by playwright-core, every console error and page
// error failing its test, and a screenshot of every step in one folder.
//
// A test file calls `useSession('name')` once at top level; it starts the
// server and the browser before the file's tests and stops both after them,
// even when a test fails. See site.test.mjs for a short example.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, devices } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const strataPath = process.env.STRATA_BIN ?? join(repoRoot, 'target/debug/strata');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Every wait is bounded; the unit is last in each name.
const serverStartTimeoutMs = 10_000;
const serverStopTimeoutMs = 5_000;
const browserLaunchTimeoutMs = 30_000;
const browserCloseTimeoutMs = 10_000;
export const actionTimeoutMs = 10_000;
const stderrKeptBytes = 4096;

// This closed network refuses Chromium's calls home; these flags stop them.
// playwright-core adds a fresh, temporary --user-data-dir itself (passing one
// here is an error to it) and deletes it when the browser closes.
const chromiumFlags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];


export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = devices['Pixel 7'];

// tests/run sets STRATA_E2E_RUN so that every test file of a run shares a folder.
const runName = process.env.STRATA_E2E_RUN ?? new Date().toISOString().replace(/[:.]/g, '-');
export const screenshotDir = join(repoRoot, 'tests/e2e/screenshots', runName);

/** Resolves to what `promise` resolves to, or rejects with `message` after `ms`. */
export async function within(ms, message, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts `strata serve` on 127.0.0.1:0 with a fresh data folder. */
export async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-e2e-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--access-log', 'off'];
  const child = spawn(strataPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let stderr = '';
  let spawnError = null;
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-stderrKeptBytes); });
  child.on('error', (error) => { spawnError = error; });
  const exited = new Promise((resolve) => child.on('close', resolve));

  // strata has no clean stop and needs none: SIGKILL is safe at any moment.
  const stop = async () => {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    await within(serverStopTimeoutMs, 'strata did not exit after SIGKILL', exited);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const banner = await within(serverStartTimeoutMs, 'strata did not say "listening on"',
      readBanner(child.stdout));
    child.stdout.resume(); // drain anything printed later
    assert.ok(banner.token, 'strata printed no owner token on its first start');
    return { ...banner, dataDir, stop };
  } catch (error) {
    await stop();
    const cause = spawnError ? `cannot run ${strataPath}: ${spawnError.message}` : error.message;
    throw new Error(`${cause}\nstrata's stderr:\n${stderr}`);
  }
}

// On first start strata prints `owner token: TOKEN`, then `listening on http://ADDR/`.
async function readBanner(stdout) {
  let token = null;
  for await (const line of createInterface({ input: stdout })) {
    token = /^owner token: (\S+)$/.exec(line)?.[1] ?? token;
    const url = /^listening on (http:\/\/\S+\/)$/.exec(line)?.[1];
    if (url) return { url, token };
  }
  throw new Error('strata exited before it was listening');
}

/**
 * Registers before/after hooks that start a server and a browser for the
 * calling test file. Screenshots are named `<suite>-NN-<step>.png`.
 */
export function useSession(suite) {
  let server = null;
  let browser = null;
  let step = 0;

  /** Saves a screenshot of the whole page as the next step; returns its path. */
  async function shot(page, name) {
    step += 1;
    const path = join(screenshotDir, `${suite}-${String(step).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  before(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({
      executablePath: chromiumPath, args: chromiumFlags, timeout: browserLaunchTimeoutMs,
    });
  });
  after(async () => {
    try {
      if (browser) await within(browserCloseTimeoutMs, 'Chromium did not close', browser.close());
    } finally {
      await server?.stop();
      console.log(`screenshots: ${screenshotDir}`);
    }
  });
  return {
    get url() { return server.url; },
    get token() { return server.token; },
    get dataDir() { return server.dataDir; },

    /**
     * A page in a new browser context (`DESKTOP`, `PHONE` or any context
     * options). At the end of test `t` the context closes (after a `failed`
     * screenshot of its pages if `t` failed), and `t` fails on any console
     * error or page error not matched by a regexp in `allow`.
     */
    async open(t, { allow = [], ...contextOptions } = DESKTOP) {
      const context = await browser.newContext(contextOptions);
      context.setDefaultTimeout(actionTimeoutMs);
      const errors = [];
      context.on('console', (message) => {
        if (message.type() !== 'error') return;
        errors.push(`console error: ${message.text()} at ${message.location().url}`);
      });
      context.on('weberror', (error) => errors.push(`page error: ${error.error().stack}`));
      t.after(async () => {
        if (!t.passed) {
          for (const page of context.pages()) await shot(page, 'failed').catch(() => {});
        }
        await context.close();
        const expected = [...allow];
        const unexpected = errors.filter((error) => !expected.some((re) => re.test(error)));
        assert.deepEqual(unexpected, [], 'no console errors or page errors');
      });
      return context.newPage();
    },

    shot,
  };
}
