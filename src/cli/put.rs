//! `strata put FILE…`: stores files as blobs and prints, per file, its
//! `file` schema ref, its size and its path.
//!
//! Against a server (`--server URL`) the file is chunked here, with the
//! chunker and schema code the server uses (so the refs are the ones
//! `PUT /api/file?filename=NAME` would answer), and only what the server
//! lacks is sent, a window at a time:
//!
//! 1. hash up to [`WINDOW_REFS_MAX`] blobs (chunks, and the `bytes` /
//!    `file` schema blobs the file writer makes on the way), keeping only
//!    each chunk's ref, offset and size;
//! 2. ask `POST /bs/camli/stat` which of them the server has;
//! 3. re-read the missing chunks from the file (positioned reads) and
//!    send them in multipart `POST /bs/camli/upload` batches of at most
//!    [`BATCH_BYTES_MAX`], two at a time on their own connections (the
//!    server receives one while it syncs the other); once they are all
//!    answered, the window's schema blobs.
//!
//! A thread hashes the next window while the current one is sent (the
//! client's core hashes while the server's core receives). Memory stays
//! flat whatever the file size: the chunker's buffer, at most three
//! windows of refs (one hashing, one queued, one sending), three batches
//! (one filling, two sending). A file sent again unchanged sends nothing;
//! one with a small change sends the chunks that changed; an upload cut
//! off midway resumes where it stopped (stat finds what arrived). Every
//! blob reaches the server before any blob that names it (the schema
//! blobs go after the chunks of their window, and windows go in order).
//!
//! Without `--server`, the data folder's store is opened directly and the
//! file written into it (a running server holds the store: then it says so
//! and suggests `--server`).

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::Display;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::Failure;
use super::args::{Command, DATA_FLAG, Flag, Parsed};
use super::client::{Client, ClientError, Request, RequestBody, ResponseHead};
use crate::blob::chunker::Chunker;
use crate::blob::db_storage::{DbStorage, data_store_dir};
use crate::blob::file_writer::FileWriter;
use crate::blob::{BLOB_BYTES_MAX, BlobRef, BlobSink, BlobStorage, FileMeta};
use crate::util::json;
use crate::web::blobserver::STAT_BLOBS_MAX;
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
/// The address `serve` listens on by default, for the hint when the store
/// is held by a running server.
const DEFAULT_SERVER: &str = "http://127.0.0.1:3179/";

const _: () = assert!(BATCH_BYTES_MAX >= BLOB_BYTES_MAX / 2);

/// `--server URL`, shared by `put` and `get`.
pub const SERVER_FLAG: Flag = Flag {
    name: "server",
    value: Some("URL"),
    default: None,
    help: "go through the server at http://HOST:PORT/ (token: STRATA_TOKEN), not --data",
};

pub const COMMAND: Command = Command {
    name: "put",
    summary: "Store files as blobs; print each one's file ref, size and path.",
    positionals: "FILE…",
    flags: &[
        SERVER_FLAG,
        DATA_FLAG,
        Flag {
            name: "verbose",
            value: None,
            default: None,
            help: "say on stderr how many chunks (and bytes) were sent and skipped",
        },
    ],
};

/// What one put sent and skipped. "Skipped" blobs were on the server
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

/// Where the files go.
enum Target {
    Server(Box<Client>),
    Store(DbStorage),
}

/// Runs `strata put`.
pub fn run(parsed: &Parsed) -> Result<(), Failure> {
    if parsed.positionals.is_empty() {
        return Err(COMMAND.error("name at least one FILE").into());
    }
    let mut target = open_target(parsed, &COMMAND)?;
    let verbose = parsed.switch("verbose");
    let mut failures = Vec::new();
    for path in &parsed.positionals {
        match put_one(&mut target, Path::new(path)) {
            Ok((put, report)) => {
                println!("{} {} {path}", put.file_ref, put.size);
                if verbose {
                    eprintln!("strata put: {path}: {report}");
                }
            }
            Err(message) => failures.push(format!("{path}: {message}")),
        }
    }
    match failures.len() {
        0 => Ok(()),
        1 => Err(Failure::Runtime(failures.remove(0))),
        count => {
            for failure in &failures {
                eprintln!("strata put: {failure}");
            }
            let total = parsed.positionals.len();
            Err(Failure::Runtime(format!(
                "{count} of {total} files not stored"
            )))
        }
    }
}

fn open_target(parsed: &Parsed, command: &Command) -> Result<Target, Failure> {
    match parsed.get(command, "server") {
        Some(url) => Ok(Target::Server(Box::new(connect(&url, command)?))),
        None => {
            let data = PathBuf::from(parsed.get(command, "data").unwrap_or_default());
            Ok(Target::Store(open_store(&data)?))
        }
    }
}

/// A client of `url` with the token from `STRATA_TOKEN`. A bad URL is a
/// usage error of `command`.
pub fn connect(url: &str, command: &Command) -> Result<Client, Failure> {
    let server = super::client::ServerUrl::parse(url)
        .map_err(|error| Failure::from(command.error(&error.to_string())))?;
    let token = std::env::var(super::client::TOKEN_VARIABLE)
        .ok()
        .filter(|token| !token.is_empty());
    Client::new(server, token).map_err(runtime)
}

/// Opens the data folder's store; a store held by a running server is
/// said so, with the `--server` flag to use instead.
pub fn open_store(data: &Path) -> Result<DbStorage, Failure> {
    DbStorage::open(&data_store_dir(data)).map_err(|error| {
        let busy = matches!(&error, crate::blob::StorageError::Io(inner)
            if inner.kind() == io::ErrorKind::ResourceBusy);
        if busy {
            Failure::Runtime(format!("{error}; go through it: --server {DEFAULT_SERVER}"))
        } else {
            Failure::Runtime(format!(
                "cannot open the store in {}: {error}",
                data.display()
            ))
        }
    })
}

fn runtime(error: impl Display) -> Failure {
    Failure::Runtime(error.to_string())
}

fn put_one(target: &mut Target, path: &Path) -> Result<(PutFile, String), String> {
    let file = File::open(path).map_err(|error| error.to_string())?;
    let metadata = file.metadata().map_err(|error| error.to_string())?;
    if !metadata.is_file() {
        return Err("not a regular file (strata put takes files)".to_string());
    }
    let meta = file_meta(path);
    match target {
        Target::Server(client) => {
            let (put, transfer) = put_remote(client, &file, &meta, WINDOW_REFS_MAX)?;
            Ok((put, transfer.to_string()))
        }
        Target::Store(storage) => {
            let mut counts = StoredCounts::default();
            let put = put_direct(storage, &file, &meta, &mut counts)?;
            Ok((put, counts.to_string()))
        }
    }
}

/// The `file` blob's members: the base name (left out when the server
/// would refuse it as a `filename`), no mtime, as `PUT /api/file` makes
/// them, so both give the same ref for the same file and name.
pub fn file_meta(path: &Path) -> FileMeta {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    let acceptable = name.len() <= 255
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    FileMeta {
        file_name: if acceptable {
            name.to_string()
        } else {
            String::new()
        },
        unix_mtime: None,
    }
}

/// Blobs stored directly, new and already there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoredCounts {
    pub blobs_new: u64,
    pub bytes_new: u64,
    pub blobs_present: u64,
    pub bytes_present: u64,
}

impl Display for StoredCounts {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "stored {} new blobs ({} bytes), {} were there already ({} bytes)",
            self.blobs_new, self.bytes_new, self.blobs_present, self.bytes_present
        )
    }
}

/// A sink that stores into a `BlobStorage` and counts what was new.
struct CountingSink<'s> {
    storage: &'s dyn BlobStorage,
    counts: RefCell<StoredCounts>,
}

impl BlobSink for CountingSink<'_> {
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        // Synced once per file, by `put_direct`, before the file is named.
        let mut body = bytes;
        let limit_bytes = BLOB_BYTES_MAX as u64;
        let received = self
            .storage
            .receive_deferred(None, &mut body, limit_bytes)?;
        let mut counts = self.counts.borrow_mut();
        if received.newly_stored {
            counts.blobs_new += 1;
            counts.bytes_new += received.size;
        } else {
            counts.blobs_present += 1;
            counts.bytes_present += received.size;
        }
        Ok(received.blob_ref)
    }
}

/// Writes `file` into `storage` (the direct mode), counting into `counts`.
/// The blobs are written without a sync each and synced once at the end,
/// before the file's ref is returned (as `PUT /api/file` does).
pub fn put_direct(
    storage: &dyn BlobStorage,
    file: &File,
    meta: &FileMeta,
    counts: &mut StoredCounts,
) -> Result<PutFile, String> {
    let sink = CountingSink {
        storage,
        counts: RefCell::new(StoredCounts::default()),
    };
    let written = crate::blob::write_file(&sink, file, meta).map_err(|error| error.to_string())?;
    storage.sync().map_err(|error| error.to_string())?;
    *counts = sink.counts.into_inner();
    Ok(PutFile {
        file_ref: written.file_ref,
        size: written.size,
    })
}

/// Schema blobs the file writer made, held until the chunks of their
/// window are on the server.
#[derive(Default)]
struct HeldSchemas {
    blobs: RefCell<Vec<(BlobRef, Vec<u8>)>>,
}

impl HeldSchemas {
    fn len(&self) -> usize {
        self.blobs.borrow().len()
    }

    fn take(&self) -> Vec<(BlobRef, Vec<u8>)> {
        std::mem::take(&mut self.blobs.borrow_mut())
    }
}

impl BlobSink for HeldSchemas {
    fn put(&self, bytes: &[u8]) -> io::Result<BlobRef> {
        if bytes.len() > BLOB_BYTES_MAX {
            let why = format!("a schema blob of {} bytes", bytes.len());
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        }
        let blob_ref = BlobRef::of_bytes(bytes);
        self.blobs.borrow_mut().push((blob_ref, bytes.to_vec()));
        Ok(blob_ref)
    }
}

/// A chunk hashed but not yet settled: where to read it again.
#[derive(Clone, Copy, Debug)]
struct PendingChunk {
    blob_ref: BlobRef,
    offset: u64,
    size: usize,
}

/// A window hashed and ready to settle: its chunks, and the schema blobs
/// the file writer made with them.
struct Plan {
    chunks: Vec<PendingChunk>,
    schemas: Vec<(BlobRef, Vec<u8>)>,
}

/// Windows hashed ahead of the one being sent. Hashing the next window
/// overlaps with sending this one (the client's core hashes while the
/// server's core receives); memory holds this many plans besides the two
/// being worked on.
const PLANS_AHEAD_MAX: usize = 1;

/// Puts `file` through `client`, asking about at most `window_refs_max`
/// blobs per window (see the module header). One thread hashes windows
/// while this one sends them.
pub fn put_remote(
    client: &mut Client,
    file: &File,
    meta: &FileMeta,
    window_refs_max: usize,
) -> Result<(PutFile, Transfer), String> {
    assert!((2..=STAT_BLOBS_MAX).contains(&window_refs_max));
    let (sender, receiver) = mpsc::sync_channel::<Plan>(PLANS_AHEAD_MAX);
    std::thread::scope(|scope| {
        let planner = scope.spawn(move || plan_windows(file, meta, window_refs_max, sender));
        let uploads = Uploads::start(scope, client);
        let mut window = Window::new(client, file, uploads);
        let mut sent = Ok(());
        for plan in &receiver {
            sent = window.settle(plan);
            if sent.is_err() {
                break;
            }
        }
        let sent = sent.and_then(|()| window.uploads.wait_idle());
        // The planner stops at its next window once nobody receives.
        drop(receiver);
        let planned = planner.join().expect("the hashing thread does not panic");
        sent?;
        Ok((planned?, window.transfer))
    })
}

/// Chunks and hashes `file`, sending a plan to `plans` each time a window
/// is full; returns the file once its last window is sent. Stops with an
/// error when the receiver is gone (sending failed).
fn plan_windows(
    file: &File,
    meta: &FileMeta,
    window_refs_max: usize,
    plans: mpsc::SyncSender<Plan>,
) -> Result<PutFile, String> {
    let stopped = |_| "stopped: sending failed".to_string();
    let held = HeldSchemas::default();
    let mut writer = FileWriter::new(&held);
    let mut chunker = Chunker::new(file);
    let mut chunks = Vec::new();
    while let Some(chunk) = chunker.next_chunk().map_err(|error| error.to_string())? {
        let blob_ref = BlobRef::of_bytes(chunk.bytes);
        let size = chunk.bytes.len();
        chunks.push(PendingChunk {
            blob_ref,
            offset: chunk.offset,
            size,
        });
        writer
            .add_chunk(blob_ref, size as u64, chunk.bits)
            .map_err(|error| error.to_string())?;
        // A chunk adds at most one schema blob, so the next one fits.
        if chunks.len() + held.len() + 1 >= window_refs_max {
            let chunks = std::mem::take(&mut chunks);
            plans
                .send(Plan {
                    chunks,
                    schemas: held.take(),
                })
                .map_err(stopped)?;
        }
    }
    let written = writer.finish(meta).map_err(|error| error.to_string())?;
    plans
        .send(Plan {
            chunks,
            schemas: held.take(),
        })
        .map_err(stopped)?;
    Ok(PutFile {
        file_ref: written.file_ref,
        size: written.size,
    })
}

/// One window of blobs on its way to the server.
struct Window<'c> {
    client: &'c mut Client,
    file: &'c File,
    uploads: Uploads,
    batch: Batch,
    transfer: Transfer,
}

impl<'c> Window<'c> {
    fn new(client: &'c mut Client, file: &'c File, uploads: Uploads) -> Window<'c> {
        Window {
            client,
            file,
            uploads,
            batch: Batch::new(),
            transfer: Transfer::default(),
        }
    }

    /// Stats the plan's chunks and schema blobs and sends what the server
    /// lacks, chunks first.
    fn settle(&mut self, plan: Plan) -> Result<(), String> {
        let Plan { chunks, schemas } = plan;
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
            self.batch.add_chunk(self.file, &chunk)?;
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
fn upload(client: &mut Client, batch: Batch) -> Result<(), String> {
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
fn json_answer(
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

/// A multipart/form-data body being built (RFC 7578): one part per blob,
/// named by its ref, as Perkeep's upload handler reads them.
struct Batch {
    boundary: String,
    bytes: Vec<u8>,
    refs: Vec<BlobRef>,
    parts: usize,
    blob_bytes: usize,
}

/// A finished batch: its body and the refs in it.
struct BatchBody {
    bytes: Vec<u8>,
    refs: Vec<BlobRef>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            boundary: String::new(),
            bytes: Vec::new(),
            refs: Vec::new(),
            parts: 0,
            blob_bytes: 0,
        }
    }

    /// Starts the next part and returns where its bytes go.
    fn start_part(&mut self, blob_ref: &BlobRef, size: usize) -> usize {
        if self.boundary.is_empty() {
            self.boundary = boundary();
            // One allocation per batch: the blobs and their part heads.
            self.bytes.reserve(BATCH_BYTES_MAX + 64 * 1024);
        }
        let head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{blob_ref}\"; \
             filename=\"{blob_ref}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            self.boundary
        );
        self.bytes.extend_from_slice(head.as_bytes());
        let start = self.bytes.len();
        self.bytes.resize(start + size, 0);
        self.bytes.extend_from_slice(b"\r\n");
        self.refs.push(*blob_ref);
        self.parts += 1;
        self.blob_bytes += size;
        start
    }

    fn add(&mut self, blob_ref: &BlobRef, blob: &[u8]) {
        let start = self.start_part(blob_ref, blob.len());
        self.bytes[start..start + blob.len()].copy_from_slice(blob);
    }

    /// Reads the chunk again from `file`, straight into the body.
    fn add_chunk(&mut self, file: &File, chunk: &PendingChunk) -> Result<(), String> {
        let start = self.start_part(&chunk.blob_ref, chunk.size);
        let slot = &mut self.bytes[start..start + chunk.size];
        file.read_exact_at(slot, chunk.offset).map_err(|error| {
            format!(
                "cannot read the file again at byte {}: {error}",
                chunk.offset
            )
        })
    }

    /// The body with its close delimiter, and its Content-Type.
    fn finish(mut self) -> (BatchBody, String) {
        self.bytes
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        let content_type = format!("multipart/form-data; boundary={}", self.boundary);
        let body = BatchBody {
            bytes: self.bytes,
            refs: self.refs,
        };
        (body, content_type)
    }
}

/// A boundary no blob will contain: 128 random bits (RFC 2046 §5.1.1
/// allows up to 70 characters).
fn boundary() -> String {
    let random = crate::web::credentials::random_bytes::<16>().unwrap_or_else(|_| {
        // No /dev/urandom: the time still makes a collision with blob
        // bytes a practical impossibility.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        nanos.to_le_bytes()
    });
    format!("strata-{}", crate::util::hex::encode(&random))
}

#[cfg(test)]
pub(super) mod tests;
mod uploads;
