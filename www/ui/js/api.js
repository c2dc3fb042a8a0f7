// The only code that talks to the server (API.md). A non-2xx answer is an
// ApiError with the status, the server's message and a 429's wait; a 401
// also calls the `onSignedOut` handler.

import { encodePath } from './url-state.js';

/** The most pages of /api/changes read for the timeline (10,000 changes each). */
export const CHANGES_PAGES_MAX = 20;
const changesPageLimit = 10_000;

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

async function request(url, { method = 'GET', body, headers = {}, signal, quiet401 = false } = {}) {
  const response = await fetch(url, { method, body, headers, signal, cache: 'no-store',
    credentials: 'same-origin' });
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
  } catch {
    // plain text (401 and 429 are plain text: API.md, "Credentials")
  }
  const retry = Number(response.headers.get('Retry-After'));
  return new ApiError(response.status, message, Number.isFinite(retry) && retry > 0 ? retry : null);
}

const json = async (promise) => (await promise).json();
const withAt = (at, extra = {}) => {
  const query = new URLSearchParams(extra);
  if (at) query.set('at', at);
  const text = query.toString();
  return text ? `?${text}` : '';
};
const jsonBody = (value) => ({ body: JSON.stringify(value),
  headers: { 'Content-Type': 'application/json' } });

// Sessions (API.md, "Browser sessions").

/** True when the browser holds a live session (or other proof). */
export async function hasSession() {
  try {
    await request('/api/session', { quiet401: true });
    return true;
  } catch (error) {
    if (error.status === 401) return false;
    throw error;
  }
}

/** Signs in with the owner token; the server sets an HttpOnly cookie. */
export const signIn = (token) =>
  request('/api/login', { method: 'POST', quiet401: true, ...jsonBody({ token }) });

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

// A Range only when the text is longer than wanted: a range of an empty
// file is 416 (API.md, "Reads").
const firstBytes = (bytesMax) => (bytesMax ? { Range: `bytes=0-${bytesMax - 1}` } : {});

/** The text at `url` (fileUrl, versionUrl); only its first `bytesMax` bytes when given. */
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
  let after = null;
  for (let page = 0; page < CHANGES_PAGES_MAX; page += 1) {
    const query = new URLSearchParams({ limit: String(changesPageLimit) });
    if (after) query.set('after', after);
    const answer = await json(request(`/api/changes?${query}`, { signal }));
    changes.push(...answer.changes);
    if (!answer.continueAfter) break;
    after = answer.continueAfter;
  }
  return changes;
}

const post = (path, query) =>
  json(request(`/api/fs${encodePath(path)}?${new URLSearchParams(query)}`, { method: 'POST' }));

/** Makes a folder (and missing parents). */
export const makeFolder = (path) => post(path, { op: 'mkdir' });

/** Moves or renames `path` to `to` (a tree path). */
export const move = (path, to) => post(path, { op: 'move', to });

/** Restores the file or folder at `path` to how it was at `at`, as new claims. */
export const restore = (path, at) => post(path, { op: 'restore', at });

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
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total || file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
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

// The inspector.

/** A node's attributes at T and all its claims. */
export const permanode = (ref, at, signal) =>
  json(request(`/api/permanode/${encodeURIComponent(ref)}${withAt(at)}`, { signal }));

/** The URL of one blob's bytes. */
export const blobUrl = (ref) => `/api/blob/${encodeURIComponent(ref)}`;

/** The first `bytesMax` bytes of a blob and its whole size. */
export async function readBlob(ref, bytesMax, signal) {
  const headers = { Range: `bytes=0-${bytesMax - 1}` };
  let response;
  try {
    response = await request(blobUrl(ref), { headers, signal });
  } catch (error) {
    if (error.status === 416) return { bytes: new Uint8Array(0), size: 0 }; // an empty blob
    throw error;
  }
  const range = response.headers.get('Content-Range');
  const bytes = new Uint8Array(await response.arrayBuffer());
  const size = range ? Number(range.split('/')[1]) : bytes.length;
  return { bytes, size };
}
