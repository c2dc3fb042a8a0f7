//! Sends files' blobs to a server, only those it lacks: what `strata put`,
//! `strata import --server` and `strata publish` share.
//!
//! Files are chunked here, with the chunker and schema code the server
//! uses (so the refs are the ones the server would compute), and sent a
//! window at a time:
//!
//! 1. hash up to [`WINDOW_REFS_MAX`] blobs (chunks, and the `bytes` /
//!    `file` schema blobs the file writer makes on the way) of one or
//!    many files, keeping only each chunk's ref, file, offset and size
//!    (`planner.rs`);
//! 2. ask `POST /bs/camli/stat` which of them the server has;
//! 3. re-read the missing chunks from their files (positioned reads) and
//!    send them in multipart `POST /bs/camli/upload` batches of at most
//!    [`BATCH_BYTES_MAX`], two at a time on their own connections (the
//!    server receives one while it syncs the other); once they are all
//!    answered, the window's schema blobs;
//! 4. once those are answered too, hand the files done in the window to
//!    the caller's `commit` (`import` names each in the tree with one
//!    request), in the order they were given.
//!
//! A thread hashes the next window while the current one is sent (the
//! client's core hashes while the server's core receives). Memory stays
//! flat whatever the file sizes: the chunker's buffer, at most three
//! windows of refs (one hashing, one queued, one sending), three batches
//! (one filling, two sending). A file sent again unchanged sends nothing;
//! one with a small change sends the chunks that changed; an upload cut
//! off midway resumes where it stopped (stat finds what arrived). Every
//! blob reaches the server before any blob that names it (the schema
//! blobs go after the chunks of their window, and windows go in order),
//! and a file reaches `commit` only once all its blobs are there.

mod batch;
mod planner;
mod uploads;

use std::collections::HashSet;
use std::fmt::Display;
use std::fs::File;
use std::sync::mpsc;

use super::client::{Client, ClientError, Request, RequestBody, ResponseHead};
use crate::blob::{BLOB_BYTES_MAX, BlobRef, FileMeta};
use crate::util::json;
use crate::web::blobserver::STAT_BLOBS_MAX;
use batch::Batch;
use planner::{PendingChunk, Plan, plan_windows};
use uploads::Uploads;

/// Blobs asked about in one window: one stat request's worth.
pub const WINDOW_REFS_MAX: usize = STAT_BLOBS_MAX;
/// Blob bytes in one multipart upload request.
pub const BATCH_BYTES_MAX: usize = 8 * 1024 * 1024;
/// Blobs in one multipart upload request (the server takes 1,000 parts).
pub const BATCH_PARTS_MAX: usize = crate::http::multipart::PARTS_MAX;
/// The largest JSON answer read from stat or upload (1,000 entries take
/// about 100 KB).
const ANSWER_BYTES_MAX: u64 = 1024 * 1024;
/// Windows hashed ahead of the one being sent. Hashing the next window
/// overlaps with sending this one; memory holds this many plans besides
/// the two being worked on.
const PLANS_AHEAD_MAX: usize = 1;

const _: () = assert!(BATCH_BYTES_MAX >= BLOB_BYTES_MAX / 2);

/// What a send sent and skipped. "Skipped" blobs were on the server
/// already, or were sent earlier in the same window (a repeated chunk).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    pub chunks_sent: u64,
    pub chunk_bytes_sent: u64,
    pub chunks_skipped: u64,
    pub chunk_bytes_skipped: u64,
    pub schemas_sent: u64,
    pub schemas_skipped: u64,
}

impl Display for Transfer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "sent {} chunks ({} bytes), skipped {} chunks ({} bytes); \
             schema blobs sent {}, skipped {}",
            self.chunks_sent,
            self.chunk_bytes_sent,
            self.chunks_skipped,
            self.chunk_bytes_skipped,
            self.schemas_sent,
            self.schemas_skipped
        )
    }
}

/// A stored file: its `file` schema ref and content size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutFile {
    pub file_ref: BlobRef,
    pub size: u64,
}

/// One file to send.
pub struct Outgoing<Tag> {
    pub file: File,
    /// The `file` blob's members.
    pub meta: FileMeta,
    /// The caller's name for the file, handed back with it.
    pub tag: Tag,
    /// The `file` ref the server is known to hold for it already (the
    /// content at its tree path): when it comes out the same, none of
    /// the file's blobs is asked about or sent.
    pub known: Option<BlobRef>,
}

/// A file whose blobs are all on the server.
pub struct Sent<Tag> {
    pub tag: Tag,
    pub put: PutFile,
    /// Its ref is the [`Outgoing::known`] one.
    pub unchanged: bool,
}

/// Sends the blobs of `files` through `client` that the server lacks,
/// asking about at most `window_refs_max` blobs per window, and hands
/// the files to `commit` as their blobs land (see the module header).
/// The first error (of `files`, of reading, of the server, of `commit`)
/// stops the send and is returned.
pub fn send_files<Tag: Send>(
    client: &mut Client,
    files: impl Iterator<Item = Result<Outgoing<Tag>, String>> + Send,
    window_refs_max: usize,
    mut commit: impl FnMut(&mut Client, Vec<Sent<Tag>>) -> Result<(), String>,
) -> Result<Transfer, String> {
    assert!((2..=STAT_BLOBS_MAX).contains(&window_refs_max));
    let (sender, receiver) = mpsc::sync_channel::<Plan<Tag>>(PLANS_AHEAD_MAX);
    std::thread::scope(|scope| {
        let planner = scope.spawn(move || plan_windows(files, window_refs_max, sender));
        let uploads = Uploads::start(scope, client);
        let mut window = Window::new(client, uploads);
        let mut sent = Ok(());
        for plan in &receiver {
            sent = window.settle(plan.chunks, plan.schemas);
            if sent.is_ok() && !plan.done.is_empty() {
                sent = window.uploads.wait_idle();
                sent = sent.and_then(|()| commit(window.client, plan.done));
            }
            if sent.is_err() {
                break;
            }
        }
        let sent = sent.and_then(|()| window.uploads.wait_idle());
        // The planner stops at its next window once nobody receives.
        drop(receiver);
        let planned = planner.join().expect("the hashing thread does not panic");
        sent?;
        planned?;
        Ok(window.transfer)
    })
}

/// One window of blobs on its way to the server.
struct Window<'c> {
    client: &'c mut Client,
    uploads: Uploads,
    batch: Batch,
    transfer: Transfer,
}

impl<'c> Window<'c> {
    fn new(client: &'c mut Client, uploads: Uploads) -> Window<'c> {
        Window {
            client,
            uploads,
            batch: Batch::new(),
            transfer: Transfer::default(),
        }
    }

    /// Stats a plan's chunks and schema blobs and sends what the server
    /// lacks, chunks first.
    fn settle(
        &mut self,
        chunks: Vec<PendingChunk>,
        schemas: Vec<(BlobRef, Vec<u8>)>,
    ) -> Result<(), String> {
        let mut asked = HashSet::new();
        let refs: Vec<BlobRef> = (chunks.iter().map(|chunk| chunk.blob_ref))
            .chain(schemas.iter().map(|(blob_ref, _)| *blob_ref))
            .filter(|blob_ref| asked.insert(*blob_ref))
            .collect();
        let mut settled = stat(self.client, &refs)?;
        for chunk in chunks {
            if !settled.insert(chunk.blob_ref) {
                self.transfer.chunks_skipped += 1;
                self.transfer.chunk_bytes_skipped += chunk.size as u64;
                continue;
            }
            self.make_room(chunk.size)?;
            self.batch.add_chunk(&chunk)?;
            self.transfer.chunks_sent += 1;
            self.transfer.chunk_bytes_sent += chunk.size as u64;
        }
        // Every chunk on the server before a schema blob that names one.
        self.send_batch()?;
        self.uploads.wait_idle()?;
        for (blob_ref, bytes) in schemas {
            if !settled.insert(blob_ref) {
                self.transfer.schemas_skipped += 1;
                continue;
            }
            self.make_room(bytes.len())?;
            self.batch.add(&blob_ref, &bytes);
            self.transfer.schemas_sent += 1;
        }
        self.send_batch()
    }

    /// Sends the batch first when `size` more bytes would not fit.
    fn make_room(&mut self, size: usize) -> Result<(), String> {
        let full = self.batch.parts == BATCH_PARTS_MAX
            || (self.batch.parts > 0 && self.batch.blob_bytes + size > BATCH_BYTES_MAX);
        if full { self.send_batch() } else { Ok(()) }
    }

    fn send_batch(&mut self) -> Result<(), String> {
        if self.batch.parts == 0 {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Batch::new());
        self.uploads.push(batch)
    }
}

/// The refs of `refs` the server has (`POST /bs/camli/stat`).
fn stat(client: &mut Client, refs: &[BlobRef]) -> Result<HashSet<BlobRef>, String> {
    assert!(refs.len() <= STAT_BLOBS_MAX);
    if refs.is_empty() {
        return Ok(HashSet::new());
    }
    let mut form = String::from("camliversion=1");
    for (index, blob_ref) in refs.iter().enumerate() {
        // Refs are [a-z0-9-]: nothing to percent-encode.
        form.push_str(&format!("&blob{}={blob_ref}", index + 1));
    }
    let mut request = Request {
        method: "POST",
        path: "/bs/camli/stat",
        headers: vec![("Content-Type", "application/x-www-form-urlencoded".into())],
        body: RequestBody::Bytes(form.as_bytes()),
    };
    let answer = client.exchange_to_vec(&mut request, ANSWER_BYTES_MAX);
    let value = json_answer(answer, "stat")?;
    let entries = value.get("stat").and_then(json::Value::as_array);
    let entries = entries.ok_or("the stat answer has no \"stat\" list")?;
    let mut present = HashSet::new();
    for entry in entries {
        let text = entry
            .get("blobRef")
            .and_then(json::Value::as_str)
            .unwrap_or("");
        let blob_ref = BlobRef::parse(text)
            .map_err(|error| format!("the stat answer has a bad ref {text:?}: {error}"))?;
        present.insert(blob_ref);
    }
    Ok(present)
}

/// Sends `batch` (`POST /bs/camli/upload`) and checks that every blob of
/// it was received.
pub(super) fn upload(client: &mut Client, batch: Batch) -> Result<(), String> {
    let (body, content_type) = batch.finish();
    let mut request = Request {
        method: "POST",
        path: "/bs/camli/upload",
        headers: vec![("Content-Type", content_type)],
        body: RequestBody::Bytes(&body.bytes),
    };
    let answer = client.exchange_to_vec(&mut request, ANSWER_BYTES_MAX);
    let value = json_answer(answer, "upload")?;
    if let Some(text) = value.get("errorText").and_then(json::Value::as_str) {
        let hint = if text.contains("hash to") {
            " (did the file change while it was being put?)"
        } else {
            ""
        };
        return Err(format!("the server refused blobs: {text}{hint}"));
    }
    let received = value.get("received").and_then(json::Value::as_array);
    let received: HashSet<&str> = received
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| entry.get("blobRef").and_then(json::Value::as_str))
        .collect();
    match body
        .refs
        .iter()
        .find(|blob_ref| !received.contains(blob_ref.as_str()))
    {
        Some(missing) => Err(format!("the server did not acknowledge {missing}")),
        None => Ok(()),
    }
}

/// The JSON of a `200` answer to `what`; any other answer is an error
/// that quotes the server's message.
pub fn json_answer(
    answer: Result<(ResponseHead, Vec<u8>), ClientError>,
    what: &str,
) -> Result<json::Value, String> {
    let (head, body) = answer.map_err(|error| error.to_string())?;
    if head.status != 200 {
        return Err(status_error(&head, &body, what));
    }
    json::parse(&body).map_err(|error| format!("the {what} answer is not JSON: {error}"))
}

/// "the server answered STATUS to WHAT: MESSAGE", the message from a JSON
/// `{"error"}` body or the body's text.
pub fn status_error(head: &ResponseHead, body: &[u8], what: &str) -> String {
    let parsed = json::parse(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|value| value.get("error"))
        .and_then(json::Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    format!("the server answered {} to {what}: {message}", head.status)
}

#[cfg(test)]
mod tests;
