// Uploads of picked or dropped files and folders, with progress and Cancel.

import { upload } from './api.js';
import { fill, h } from './dom.js';
import { formatBytes } from './time-format.js';
import { joinPath } from './url-state.js';

/** The most files taken from one drop or pick. */
export const UPLOAD_FILES_MAX = 10_000;
/** Uploads running at once. */
export const UPLOADS_PARALLEL_MAX = 2;

/**
 * The files of a drop as `[{file, relative}]`, folders walked. Must be
 * called inside the drop event: the items are gone after it returns.
 */
export function filesOfDrop(dataTransfer) {
  const entries = [...dataTransfer.items]
    .map((item) => item.kind === 'file' && item.webkitGetAsEntry?.()).filter(Boolean);
  return entries.length ? walkEntries(entries) : Promise.resolve(filesOfInput(dataTransfer));
}

async function walkEntries(roots) {
  const found = [];
  const queue = roots.map((entry) => [entry, entry.name]);
  while (queue.length > 0 && found.length < UPLOAD_FILES_MAX) {
    const [entry, relative] = queue.shift();
    if (entry.isFile) {
      found.push({ file: await new Promise((ok, fail) => entry.file(ok, fail)), relative });
      continue;
    }
    const reader = entry.createReader();
    for (;;) { // readEntries answers in batches until an empty one
      const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) break;
      for (const child of batch) queue.push([child, `${relative}/${child.name}`]);
    }
  }
  return found;
}

/** The files of an <input type=file> or a drop (relative paths kept from `webkitdirectory`). */
export function filesOfInput(input) {
  return [...input.files].slice(0, UPLOAD_FILES_MAX)
    .map((file) => ({ file, relative: file.webkitRelativePath || file.name }));
}

/** The upload panel and its queue; `onFinished()` runs when a batch is done. */
export class Uploads {
  constructor(onFinished) {
    this.onFinished = onFinished;
    this.jobs = [];
    this.running = 0;
    this.summary = h('span.uploads-summary', { role: 'status' });
    this.overall = h('progress.uploads-overall', { max: 1, value: 0, 'aria-label': 'All uploads' });
    this.cancelButton = h('button', { onclick: () => this.cancelAll() }, 'Cancel');
    this.list = h('ul.uploads-list');
    this.element = h('section.uploads', { 'aria-label': 'Uploads', hidden: true },
      h('div.uploads-head', {}, this.summary, this.overall, this.cancelButton,
        h('button', { onclick: () => this.close() }, 'Close')), this.list);
  }

  /** Queues `files` (`[{file, relative}]`) into the folder `folder`. */
  add(files, folder) {
    this.element.hidden = false;
    for (const { file, relative } of files) {
      const path = joinPath(folder, relative);
      const bar = h('progress', { max: 1, value: 0, 'aria-label': `Upload of ${relative}` });
      const status = h('span.upload-status', {}, 'waiting');
      const item = h('li.upload', { 'data-path': path }, h('span.upload-name', {}, relative),
        bar, status);
      this.list.append(item);
      this.jobs.push({ file, path, bar, status, item, sent: 0, state: 'waiting', cancel: null });
    }
    this.pump();
    this.update();
  }

  pump() {
    while (this.running < UPLOADS_PARALLEL_MAX) {
      const job = this.jobs.find((candidate) => candidate.state === 'waiting');
      if (!job) break;
      this.start(job);
    }
    const busy = this.jobs.some((job) => job.state === 'waiting' || job.state === 'sending');
    if (!busy && this.jobs.length > 0 && !this.reported) {
      this.reported = true;
      this.onFinished(this.counts());
    }
  }

  start(job) {
    this.running += 1;
    this.reported = false;
    job.state = 'sending';
    job.status.textContent = 'sending';
    const { done, cancel } = upload(job.path, job.file, (sent, total) => {
      job.sent = sent;
      job.bar.value = total ? sent / total : 1;
      this.update();
    });
    job.cancel = cancel;
    done.then(() => this.finish(job, 'done', `done, ${formatBytes(job.file.size)}`),
      (error) => this.finish(job, error.cancelled ? 'cancelled' : 'failed',
        error.cancelled ? 'cancelled' : failureText(error)));
  }

  finish(job, state, text) {
    this.running -= 1;
    job.state = state;
    job.status.textContent = text;
    job.item.classList.add(`upload-${state}`);
    if (state === 'done') job.bar.value = 1;
    this.update();
    this.pump();
  }

  cancelAll() {
    for (const job of this.jobs) {
      if (job.state === 'sending') job.cancel();
      if (job.state !== 'waiting') continue;
      job.state = job.status.textContent = 'cancelled';
      job.item.classList.add('upload-cancelled');
    }
    this.pump();
  }

  close() {
    this.cancelAll();
    this.jobs = [];
    fill(this.list);
    this.element.hidden = true;
  }

  counts() {
    const counts = { waiting: 0, sending: 0, done: 0, failed: 0, cancelled: 0,
      total: this.jobs.length };
    for (const job of this.jobs) counts[job.state] += 1;
    return counts;
  }

  update() {
    const totalBytes = this.jobs.reduce((sum, job) => sum + job.file.size, 0);
    const sentBytes = this.jobs.reduce((sum, job) =>
      sum + (job.state === 'done' ? job.file.size : job.sent), 0);
    const counts = this.counts();
    const finished = counts.done + counts.failed + counts.cancelled;
    this.overall.value = totalBytes ? sentBytes / totalBytes : finished / (counts.total || 1);
    const failures = counts.failed ? `, ${counts.failed} failed` : '';
    this.summary.textContent = `${counts.done} of ${counts.total} uploaded` +
      ` (${formatBytes(sentBytes)} of ${formatBytes(totalBytes)})${failures}`;
    this.cancelButton.disabled = finished === counts.total;
  }
}

function failureText(error) {
  if (error.status === 0) return `failed: ${error.message}`;
  if (error.status === 409) return `failed: a folder is in the way (${error.message})`;
  if (error.status === 413) return 'failed: the file is too large for the server';
  return `failed (${error.status}): ${error.message}`;
}
