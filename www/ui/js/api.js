// The only code that talks to the server (API.md).

import { encodePath } from './url-state.js';

/** The most pages of /api/changes read for the timeline (CHANGES_PAGE_MAX changes each). */
export const CHANGES_PAGES_MAX = 20;
const CHANGES_PAGE_MAX = 10_000;

/** An answer other than 2xx, or a request that did not complete. */
export class ApiError extends Error {
  constructor(status, message, retryAfterSeconds = null) {
    super(message);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

let signedOutHandler = () => {};

/** Sets what happens when any request answers 401 (the session ended). */
export function onSignedOut(handler) {
  signedOutHandler = handler;
}

async function request(url, { quiet401 = false, ...options } = {}) {
  const response = await fetch(url, { ...options, cache: 'no-store' }); // same-origin cookies
  if (!response.ok) {
    const error = await errorOf(response);
    if (error.status === 401 && !quiet401) signedOutHandler();
    throw error;
  }
  return response;
}

/** The ApiError for a failed response; reads its body. */
export async function errorOf(response) {
  const text = await response.text().catch(() => '');
  let message = text.trim() || response.statusText || `status ${response.status}`;
  try {
    message = JSON.parse(text).error ?? message;
  } catch {} // plain text: 401 and 429 (API.md, "Credentials")
  const retry = Number(response.headers.get('Retry-After'));
  return new ApiError(response.status, message, Number.isFinite(retry) && retry > 0 ? retry : null);
}

const json = async (promise) => (await promise).json();
const withAt = (at, extra = {}) => {
  const query = new URLSearchParams(at ? { ...extra, at } : extra).toString();
  return query && `?${query}`;
};
// Sessions (API.md, "Browser sessions").

/** True when the browser holds a live session (or other proof). */
export const hasSession = () => request('/api/session', { quiet401: true }).then(() => true,
  (error) => (error.status === 401 ? false : Promise.reject(error)));

/** Signs in with the owner token; the server sets an HttpOnly cookie. */
export const signIn = (token) =>
  request('/api/login', { method: 'POST', quiet401: true, body: JSON.stringify({ token }),
    headers: { 'Content-Type': 'application/json' } });

/** Ends the session and clears its cookie. */
export const signOut = () => request('/api/logout', { method: 'POST', quiet401: true });

// The file tree (API.md, "The file tree API").

/** The URL of a file's bytes at T (for <img>, <video>, downloads). */
export const fileUrl = (path, at = null) => `/api/fs${encodePath(path)}${withAt(at)}`;

/** A folder's listing at T: `{path, node, kind, at, entries}`. */
export function listFolder(path, at, signal) {
  const folder = encodePath(path).replace(/\/?$/, '/'); // `/api/fs/` is the root
  return json(request(`/api/fs${folder}${withAt(at)}`, { signal }));
}

/** One path's own entry at T: `{path, name, node, kind, size, content, modified, created}`. */
export const entryOf = (path, at, signal) =>
  json(request(`/api/fs${encodePath(path)}${withAt(at, { meta: '1' })}`, { signal }));

// A Range only when asked: a range of an empty file is 416 (API.md, "Reads").
const firstBytes = (bytesMax) => (bytesMax ? { Range: `bytes=0-${bytesMax - 1}` } : {});

/** The text at `url` (its first `bytesMax` bytes when given). */
export async function readText(url, bytesMax, signal) {
  return (await request(url, { headers: firstBytes(bytesMax), signal })).text();
}

/** The URL of one version's bytes by content ref. */
export const versionUrl = (contentRef) => `/api/file/${encodeURIComponent(contentRef)}`;

/** Every event of the node at `path` (resolved at T), newest first. */
export const historyOf = (path, at, signal) =>
  json(request(`/api/history${encodePath(path)}${withAt(at)}`, { signal }));

/** Every change of the store, oldest first, up to CHANGES_PAGES_MAX pages. */
export async function allChanges(signal) {
  const changes = [];
  let after = '';
  for (let page = 0; page < CHANGES_PAGES_MAX && after !== null; page += 1) {
    const query = new URLSearchParams({ limit: CHANGES_PAGE_MAX, ...(after && { after }) });
    const answer = await json(request(`/api/changes?${query}`, { signal }));
    changes.push(...answer.changes);
    after = answer.continueAfter || null; // only when the page was full
  }
  return changes;
}

const post = (url) => json(request(url, { method: 'POST' }));
const postFs = (path, query) => post(`/api/fs${encodePath(path)}?${new URLSearchParams(query)}`);

/** Makes a folder (and missing parents). */
export const makeFolder = (path) => postFs(path, { op: 'mkdir' });

/** Moves or renames `path` to `to` (a tree path). */
export const move = (path, to) => postFs(path, { op: 'move', to });

/** Restores the file or folder at `path` to how it was at `at`, as new claims. */
export const restore = (path, at) => postFs(path, { op: 'restore', at });

/** Deletes `path` (a tombstone): `{path, node, claimDate}`. */
export const remove = (path) =>
  json(request(`/api/fs${encodePath(path)}`, { method: 'DELETE' }));

/**
 * PUTs `file` at `path` with XMLHttpRequest (fetch has no upload progress):
 * `{done, cancel}`; `done` rejects with an ApiError (status 0: no answer).
 */
export function upload(path, file, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open('PUT', `/api/fs${encodePath(path)}`);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total || file.size);
    xhr.onload = () => {
      if (xhr.status < 300) { // errors of the network go to onerror, not here
        onProgress(file.size, file.size);
        resolve(JSON.parse(xhr.responseText));
        return;
      }
      const response = new Response(xhr.responseText, { status: xhr.status,
        headers: { 'Retry-After': xhr.getResponseHeader('Retry-After') ?? '' } });
      errorOf(response).then((error) => {
        if (error.status === 401) signedOutHandler();
        reject(error);
      });
    };
    xhr.onerror = () => reject(new ApiError(0, 'the connection failed'));
    xhr.onabort = () => reject(Object.assign(new ApiError(0, 'cancelled'), { cancelled: true }));
    xhr.send(file);
  });
  return { done, cancel: () => xhr.abort() };
}

// The website (API.md, "The website").

/** The publishes of `/site`: `{live, current, publishes}`, newest first. */
export const siteState = (signal) => json(request('/api/site', { signal }));

/** Publishes `/site` as it is now: the new publish. */
export const publishSite = () => post('/api/site/publish');

/** Rolls the site back to publish `number` (null: the one before): the new publish. */
export const rollBack = (number = null) =>
  post(`/api/site/rollback${number === null ? '' : `?to=${number}`}`);

/** A node's attributes at T and all its claims. */
export const permanode = (ref, at, signal) =>
  json(request(`/api/permanode/${encodeURIComponent(ref)}${withAt(at)}`, { signal }));

/** The URL of one blob's bytes. */
export const blobUrl = (ref) => `/api/blob/${encodeURIComponent(ref)}`;

/** The first `bytesMax` bytes of a blob and its whole size. */
export async function readBlob(ref, bytesMax, signal) {
  const response = await request(blobUrl(ref), { headers: firstBytes(bytesMax), signal })
    .catch((error) => (error.status === 416 ? new Response('') : Promise.reject(error))); // empty
  const bytes = new Uint8Array(await response.arrayBuffer());
  const range = response.headers.get('Content-Range');
  return { bytes, size: range ? Number(range.split('/')[1]) : bytes.length };
}
