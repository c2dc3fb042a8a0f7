// Steps shared by the UI's browser tests: signing in through the form,
// talking to the API directly (with the owner token) to set up a tree,
// and finding out whether the server has the file tree API yet.
import assert from 'node:assert/strict';

/**
 * Console errors the UI's tests expect: Chromium logs every 4xx answer to
 * a fetch. Before sign-in the UI asks /api/session (401) and a wrong
 * token is a 401 from /api/login; until the tree API and the site API
 * exist (ui-tree.test.mjs and ui-site.test.mjs check them for real) their
 * routes are 404.
 */
export const EXPECTED_ERRORS = [
  /status of 401 .* at http:\/\/[^/]+\/api\/login$/,
  /status of 401 .* at http:\/\/[^/]+\/api\/session$/,
  /status of 404 .* at http:\/\/[^/]+\/api\/(fs\/|changes|site$)/,
];

/** Opens /ui/ (optionally at `hash`) and signs in through the form. */
export async function signIn(page, session, hash = '') {
  await page.goto(new URL(`ui/${hash}`, session.url).href);
  await page.getByLabel('Owner token').fill(session.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('slider', { name: 'Moment shown' }).waitFor();
}

/** A request to the server with the owner token; returns the Response. */
export function api(session, method, path, body) {
  return fetch(new URL(path, session.url), {
    method, body, headers: { Authorization: `Bearer ${session.token}` },
  });
}

/** PUTs `text` at the tree path `path` (percent-encoded per segment); returns the answer. */
export async function put(session, path, text) {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const response = await api(session, 'PUT', `api/fs${encoded}`, text);
  assert.ok(response.ok, `PUT ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/**
 * Whether `route` (`api/fs/`, `api/site`) exists on this server. Tests of
 * the views over it skip (and say so) while it answers 404 "no such API
 * route"; any other answer means the API is there and they must run.
 */
export async function hasApi(session, route = 'api/fs/') {
  const response = await api(session, 'GET', route);
  if (response.status !== 404) return true;
  return !(await response.text()).includes('no such API route');
}

/** Skips test `t` with a printed reason when `route` is missing; true if skipped. */
export async function skipWithoutApi(t, session, route = 'api/fs/') {
  if (await hasApi(session, route)) return false;
  const reason = `/${route} answers 404 "no such API route": it is not on this server yet`;
  console.log(`SKIPPED "${t.name}": ${reason}`);
  t.skip(reason);
  return true;
}

/** Skips test `t` when the file tree API is missing; true if skipped. */
export const skipWithoutTreeApi = (t, session) => skipWithoutApi(t, session, 'api/fs/');

/** The names shown in the folder list, in order (only the rendered rows). */
export function listedNames(page) {
  return page.locator('.list .row').evaluateAll((rows) => rows.map((row) => row.dataset.name));
}
