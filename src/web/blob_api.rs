//! The curl API for blobs and files (issue 4; every route and status is in
//! `API.md` beside this file): `PUT`/`POST /api/blob`, `GET`/`HEAD
//! /api/blob/<ref>`, `PUT`/`POST /api/file`, `GET`/`HEAD /api/file/<ref>`.
//! Errors are JSON, `{"error": "…"}`, with their status from
//! [`storage_status`], the one mapping of storage errors to statuses for
//! this API and the blob-server protocol.
//!
//! A file is read back through a reader that plans [`FILE_WINDOW_BYTES`]
//! of the range at a time (reading only the schema blobs on the way) and
//! fetches only the chunks the range covers, so memory stays flat. For a
//! range of [`OPEN_AHEAD_BYTES_MIN`] or more, a thread of the reader's own
//! plans and opens the chunks (their lookups) up to [`SLICES_AHEAD_MAX`]
//! ahead, while the connection's thread reads, checks and sends bytes.
//!
//! `PUT /api/file` stores through [`upload_file`]: a pipeline that is
//! durable (one sync, after the last blob) before the answer is sent.

use super::check_method;
use crate::blob::file_reader::{self, ChunkSlice, SliceSource};
use crate::blob::file_schema::SCHEMA_BYTES_MAX;
use crate::blob::{
    BLOB_BYTES_MAX, BlobRef, BlobStorage, FileError, FileMeta, Received, StorageError, upload_file,
};
use crate::http::conditional::{Representation, respond};
use crate::http::target::percent_decode;
use crate::http::{Body, Request, RequestBody, Response, Status};
use crate::util::json::{self, Value};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

/// The largest file `PUT /api/file` takes, in bytes.
pub const FILE_BYTES_MAX: u64 = 1 << 40;
/// How much of a file's range is planned (its chunks listed) at a time.
pub const FILE_WINDOW_BYTES: u64 = 64 * 1024 * 1024;
/// The longest `filename`, in bytes (as most file systems allow).
pub const FILE_NAME_BYTES_MAX: usize = 255;
/// Blobs and files never change: caches may keep them for a year.
pub const IMMUTABLE_CACHE_CONTROL: &str = "private, max-age=31536000, immutable";

const BLOB_PREFIX: &str = "/api/blob";
const FILE_PREFIX: &str = "/api/file";
const UPLOAD_METHODS: &str = "PUT, POST, OPTIONS";
const DOWNLOAD_METHODS: &str = "GET, HEAD, OPTIONS";

/// Which protocol an answer follows: they differ in one status (PERKEEP.md
/// says 400 for a blob over 16 MiB, this API says 413).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Api,
    Perkeep,
}

/// The status for a storage error: the one mapping both protocols use.
pub fn storage_status(error: &StorageError, protocol: Protocol) -> Status {
    match error {
        StorageError::TooLarge { .. } if protocol == Protocol::Api => Status::CONTENT_TOO_LARGE,
        StorageError::TooLarge { .. } => Status::BAD_REQUEST,
        StorageError::DigestMismatch { .. } => Status::BAD_REQUEST,
        StorageError::UnsupportedHash { .. } => Status::BAD_REQUEST,
        StorageError::Corruption { .. } | StorageError::Io(_) => Status::INTERNAL_SERVER_ERROR,
    }
}

/// `{"error": message}` with `status`.
pub fn json_error(status: Status, message: &str) -> Response {
    let value = Value::object([("error", Value::String(message.to_owned()))]);
    Response::json(status, json::to_compact(&value)).header("Cache-Control", "no-store")
}

/// The answer for a storage error.
pub fn storage_error(error: &StorageError, protocol: Protocol) -> Response {
    json_error(storage_status(error, protocol), &error.to_string())
}

/// 503 for every blob route when the server has no blob storage.
pub fn unavailable() -> Response {
    json_error(Status::SERVICE_UNAVAILABLE, "blob storage not available")
}

/// 204 for OPTIONS, 405 (JSON, with `Allow`) for another method not in
/// `allowed`, `None` to go on.
pub fn refuse_method(request: &Request<'_>, allowed: &'static str) -> Option<Response> {
    let refused = check_method(request, allowed)?;
    if refused.status != Status::METHOD_NOT_ALLOWED {
        return Some(refused);
    }
    let message = format!("{} is not allowed here; allowed: {allowed}", request.method);
    Some(json_error(Status::METHOD_NOT_ALLOWED, &message).header("Allow", allowed))
}

/// Is `path` one of this API's routes?
pub fn owns(path: &str) -> bool {
    [BLOB_PREFIX, FILE_PREFIX].iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Answers a request for which [`owns`] is true.
pub fn handle(
    storage: &Arc<dyn BlobStorage>,
    request: &Request<'_>,
    body: &mut RequestBody<'_>,
) -> Response {
    let path: &str = &request.path;
    if path == BLOB_PREFIX || path == FILE_PREFIX {
        if let Some(refused) = refuse_method(request, UPLOAD_METHODS) {
            return refused;
        }
        return if path == BLOB_PREFIX {
            put_blob(storage.as_ref(), body)
        } else {
            put_file(storage.as_ref(), request, body)
        };
    }
    if let Some(refused) = refuse_method(request, DOWNLOAD_METHODS) {
        return refused;
    }
    if let Some(text) = path.strip_prefix("/api/blob/") {
        return serve_blob(storage.as_ref(), request, text);
    }
    match path.strip_prefix("/api/file/") {
        Some(text) => serve_file(storage, request, text),
        None => json_error(Status::NOT_FOUND, &format!("no such API route: {path}")),
    }
}

/// Reads one blob from `body` into `storage`, checking the declared length
/// first (a body declared over 16 MiB is refused unread, before any
/// `100 Continue`).
pub fn receive_body(
    storage: &dyn BlobStorage,
    expected: Option<&BlobRef>,
    body: &mut RequestBody<'_>,
    protocol: Protocol,
) -> Result<Received, Response> {
    let limit_bytes = BLOB_BYTES_MAX as u64;
    if body
        .declared_length()
        .is_some_and(|length| length > limit_bytes)
    {
        return Err(storage_error(
            &StorageError::TooLarge { limit_bytes },
            protocol,
        ));
    }
    // One byte past the limit, so that the storage (not the body) tells a
    // chunked body over it, with the protocol's status.
    if let Err(failure) = body.set_limit(limit_bytes + 1) {
        return Err(json_error(failure.status(), failure.message()));
    }
    storage
        .receive(expected, body, limit_bytes)
        .map_err(|error| storage_error(&error, protocol))
}

/// `{"ref": …, "size": …}`: 201 (with `Location`) when new, else 200.
fn stored_answer(blob_ref: &BlobRef, size: u64, newly_stored: bool, prefix: &str) -> Response {
    let value = Value::object([
        ("ref", Value::String(blob_ref.to_string())),
        ("size", Value::from(size)),
    ]);
    let status = if newly_stored {
        Status::CREATED
    } else {
        Status::OK
    };
    Response::json(status, json::to_compact(&value))
        .header("Location", format!("{prefix}/{blob_ref}"))
        .header("Cache-Control", "no-store")
}

fn put_blob(storage: &dyn BlobStorage, body: &mut RequestBody<'_>) -> Response {
    match receive_body(storage, None, body, Protocol::Api) {
        Ok(received) => stored_answer(
            &received.blob_ref,
            received.size,
            received.newly_stored,
            BLOB_PREFIX,
        ),
        Err(refused) => refused,
    }
}

/// `name=value` pairs of an `application/x-www-form-urlencoded` text,
/// decoded; a pair that does not decode is an error, never dropped.
pub fn form_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let pairs = form_pairs_borrowed(text)?;
    Ok(pairs
        .into_iter()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect())
}

/// One decoded `name=value` pair of a form, borrowed where it can be.
pub type FormPair<'text> = (Cow<'text, str>, Cow<'text, str>);

/// `form_pairs` without a copy of what needs no decoding: a name or value
/// without `%` or `+` (every blob ref) is borrowed from `text`, so a stat
/// form of 1,000 refs allocates nothing per ref.
pub fn form_pairs_borrowed(text: &str) -> Result<Vec<FormPair<'_>>, String> {
    fn decode(raw: &str) -> Option<Cow<'_, str>> {
        if !raw.bytes().any(|byte| byte == b'%' || byte == b'+') {
            return Some(Cow::Borrowed(raw));
        }
        let bytes = percent_decode(raw.as_bytes(), true).ok()?;
        String::from_utf8(bytes).ok().map(Cow::Owned)
    }
    let mut pairs = Vec::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (decode(name), decode(value)) {
            (Some(name), Some(value)) => pairs.push((name, value)),
            _ => return Err(format!("form pair {pair:?} does not decode")),
        }
    }
    Ok(pairs)
}

/// Parses the ref of a route, or the 400 to answer.
pub fn parse_ref(text: &str) -> Result<BlobRef, Response> {
    BlobRef::parse(text).map_err(|error| {
        json_error(
            Status::BAD_REQUEST,
            &format!("malformed blob ref {text:?}: {error}"),
        )
    })
}

/// `GET`/`HEAD` of one blob, with Range and conditional requests; shared
/// with the blob-server protocol.
pub fn serve_blob(storage: &dyn BlobStorage, request: &Request<'_>, text: &str) -> Response {
    let blob_ref = match parse_ref(text) {
        Ok(blob_ref) => blob_ref,
        Err(refused) => return refused,
    };
    let fetched = match storage.fetch(&blob_ref) {
        Ok(Some(fetched)) => fetched,
        Ok(None) => return not_found(&blob_ref),
        Err(error) => return storage_error(&error, Protocol::Api),
    };
    let etag = format!("\"{blob_ref}\"");
    let representation = Representation {
        length: fetched.size,
        etag: Some(&etag),
        last_modified: None,
    };
    let mut reader = fetched.reader;
    let response = respond(
        request,
        &representation,
        "application/octet-stream",
        move |start, length| {
            let skipped = io::copy(&mut (&mut reader).take(start), &mut io::sink())?;
            if skipped < start {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "blob too short",
                ));
            }
            let reader = Box::new(reader.take(length));
            let length = Some(length);
            Ok(Body::Stream { reader, length })
        },
    );
    immutable(response)
}

fn not_found(blob_ref: &BlobRef) -> Response {
    json_error(Status::NOT_FOUND, &format!("{blob_ref} is not stored"))
}

/// Adds the headers of immutable content; errors from `respond` (412,
/// 416, 500) get JSON bodies, their other headers kept.
fn immutable(mut response: Response) -> Response {
    if response.status.0 >= 400 {
        let message = match response.status {
            Status::RANGE_NOT_SATISFIABLE => "range not satisfiable",
            Status::PRECONDITION_FAILED => "precondition failed",
            _ => "the blob could not be read",
        };
        response
            .headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
        let error = json_error(response.status, message);
        response.headers.extend(error.headers);
        return response.body(error.body);
    }
    response
        .header("Cache-Control", IMMUTABLE_CACHE_CONTROL)
        .header("X-Content-Type-Options", "nosniff")
}

/// Checks a `filename` query value: a base name, no controls.
fn check_file_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name == "." || name == ".." {
        return Err("filename is empty, . or ..");
    }
    if name.len() > FILE_NAME_BYTES_MAX {
        return Err("filename is longer than 255 bytes");
    }
    if name
        .chars()
        .any(|c| c == '/' || c == '\\' || c.is_control())
    {
        return Err("filename has a slash, backslash or control character");
    }
    Ok(())
}

fn put_file(
    storage: &dyn BlobStorage,
    request: &Request<'_>,
    body: &mut RequestBody<'_>,
) -> Response {
    let pairs = match form_pairs(request.query.unwrap_or("")) {
        Ok(pairs) => pairs,
        Err(message) => return json_error(Status::BAD_REQUEST, &message),
    };
    let given = pairs.into_iter().find(|(name, _)| name == "filename");
    let file_name = given.map(|(_, value)| value);
    if let Some(name) = &file_name
        && let Err(why) = check_file_name(name)
    {
        return json_error(Status::BAD_REQUEST, why);
    }
    let file_name = file_name.unwrap_or_default();
    if let Err(failure) = body.set_limit(FILE_BYTES_MAX) {
        return json_error(failure.status(), failure.message());
    }
    let meta = FileMeta {
        file_name,
        unix_mtime: None,
    };
    // Acknowledged only once every chunk and the file blob are durable:
    // `upload_file` syncs once, after the last blob, before it returns.
    match upload_file(storage, body, &meta) {
        Ok(uploaded) => stored_answer(
            &uploaded.written.file_ref,
            uploaded.written.size,
            uploaded.newly_stored,
            FILE_PREFIX,
        ),
        Err(FileError::Io(error)) => storage_error(&StorageError::from(error), Protocol::Api),
        Err(FileError::TooManyParts { count }) => json_error(
            Status::CONTENT_TOO_LARGE,
            &format!("file needs {count} parts in one schema blob"),
        ),
        Err(other) => json_error(Status::INTERNAL_SERVER_ERROR, &other.to_string()),
    }
}

/// `GET`/`HEAD` of a file by its `file` (or `bytes`) schema ref.
fn serve_file(storage: &Arc<dyn BlobStorage>, request: &Request<'_>, text: &str) -> Response {
    let file_ref = match parse_ref(text) {
        Ok(file_ref) => file_ref,
        Err(refused) => return refused,
    };
    let size = match storage.stat(&[file_ref]) {
        Ok(stat) if stat.is_empty() => return not_found(&file_ref),
        Ok(stat) => stat[0].1,
        Err(error) => return storage_error(&error, Protocol::Api),
    };
    if size > SCHEMA_BYTES_MAX as u64 {
        return not_a_file(&file_ref, "larger than any schema blob");
    }
    let schema = match file_reader::read_schema(storage.as_ref(), &file_ref) {
        Ok(schema) => schema,
        Err(FileError::Schema { error, .. }) => return not_a_file(&file_ref, &error.to_string()),
        Err(FileError::Io(error)) if error.kind() == io::ErrorKind::NotFound => {
            return not_found(&file_ref);
        }
        Err(FileError::Io(error)) => {
            return storage_error(&StorageError::from(error), Protocol::Api);
        }
        Err(other) => return json_error(Status::INTERNAL_SERVER_ERROR, &other.to_string()),
    };
    let etag = format!("\"{file_ref}\"");
    let representation = Representation {
        length: schema.size(),
        etag: Some(&etag),
        last_modified: None,
    };
    let storage = Arc::clone(storage);
    let response = respond(
        request,
        &representation,
        "application/octet-stream",
        move |start, length| {
            let reader = Box::new(FileRangeReader::new(storage, file_ref, start, length));
            let length = Some(length);
            Ok(Body::Stream { reader, length })
        },
    );
    immutable(response)
}

fn not_a_file(file_ref: &BlobRef, why: &str) -> Response {
    let message = format!("{file_ref} is not a file schema blob: {why}");
    json_error(Status::UNPROCESSABLE_CONTENT, &message)
}

/// One slice of a range, opened: a reader of exactly `length` bytes.
struct OpenSlice {
    reader: Box<dyn Read + Send>,
    length: u64,
}

/// Plans a range a window at a time and opens its slices in order (the
/// chunk lookups: a row read and a value-log header read each).
#[derive(Clone)]
struct SliceOpener {
    storage: Arc<dyn BlobStorage>,
    file_ref: BlobRef,
    /// The first byte not yet planned.
    planned_to: u64,
    end: u64,
    slices: VecDeque<ChunkSlice>,
}

impl SliceOpener {
    /// The next slice, opened; `None` after the last.
    fn next_open(&mut self) -> io::Result<Option<OpenSlice>> {
        loop {
            if let Some(slice) = self.slices.pop_front() {
                return self.open(slice).map(Some);
            }
            if self.planned_to >= self.end {
                return Ok(None);
            }
            self.plan()?;
        }
    }

    /// Lists the slices of the next window.
    fn plan(&mut self) -> io::Result<()> {
        let window_end = self
            .end
            .min(self.planned_to.saturating_add(FILE_WINDOW_BYTES));
        let slices = file_reader::chunks_covering(
            self.storage.as_ref(),
            &self.file_ref,
            self.planned_to,
            window_end,
        )
        .map_err(file_error_to_io)?;
        self.slices.extend(slices);
        self.planned_to = window_end;
        Ok(())
    }

    /// Opens the reader of one slice's bytes.
    fn open(&self, slice: ChunkSlice) -> io::Result<OpenSlice> {
        let reader: Box<dyn Read + Send> = match slice.source {
            SliceSource::Zeros => Box::new(io::repeat(0).take(slice.length)),
            SliceSource::Blob { blob, blob_offset } => {
                let Some(fetched) = self.storage.fetch(&blob)? else {
                    let message = format!("chunk {blob} of {} is missing", self.file_ref);
                    return Err(io::Error::new(io::ErrorKind::NotFound, message));
                };
                let mut reader = fetched.reader;
                io::copy(&mut (&mut reader).take(blob_offset), &mut io::sink())?;
                Box::new(reader.take(slice.length))
            }
        };
        let length = slice.length;
        Ok(OpenSlice { reader, length })
    }

    /// Opens every slice on a thread of its own, at most
    /// [`SLICES_AHEAD_MAX`] ahead of the reader; the thread ends after the
    /// last slice or the first error (both sent), or once the reader is
    /// dropped. `None` when no thread can be started.
    fn run_ahead(mut self) -> Option<Receiver<io::Result<OpenSlice>>> {
        let (opened, ahead) = sync_channel(SLICES_AHEAD_MAX);
        let thread = std::thread::Builder::new().name("strata-file-reader".to_owned());
        let spawned = thread.spawn(move || {
            loop {
                let next = self.next_open();
                let last = !matches!(next, Ok(Some(_)));
                let Some(next) = next.transpose() else {
                    return;
                };
                if opened.send(next).is_err() || last {
                    return;
                }
            }
        });
        spawned.ok().map(|_| ahead)
    }
}

/// Where a [`FileRangeReader`] gets its slices.
enum Slices {
    /// Opened on the reader's thread, when it needs them.
    InTurn(SliceOpener),
    /// Opened ahead by a thread of their own.
    Ahead(Receiver<io::Result<OpenSlice>>),
}

/// Bytes `position..end` of a file, planned a window at a time and read
/// chunk by chunk (see the module header). A range of
/// [`OPEN_AHEAD_BYTES_MIN`] or more has its chunks looked up by a thread
/// of its own, ahead of the reads, so the reader's thread only reads,
/// checks and sends bytes.
pub struct FileRangeReader {
    file_ref: BlobRef,
    slices: Slices,
    current: Option<Box<dyn Read + Send>>,
    current_left: u64,
}

/// Chunks opened ahead of a [`FileRangeReader`], at most.
pub const SLICES_AHEAD_MAX: usize = 16;
/// From this many bytes on, a range's chunks are opened ahead.
pub const OPEN_AHEAD_BYTES_MIN: u64 = 8 << 20;

impl FileRangeReader {
    /// A reader of `length` bytes of the file from `start`.
    pub fn new(
        storage: Arc<dyn BlobStorage>,
        file_ref: BlobRef,
        start: u64,
        length: u64,
    ) -> FileRangeReader {
        let opener = SliceOpener {
            storage,
            file_ref,
            planned_to: start,
            end: start + length,
            slices: VecDeque::new(),
        };
        let ahead = (length >= OPEN_AHEAD_BYTES_MIN)
            .then(|| opener.clone().run_ahead())
            .flatten();
        let slices = match ahead {
            Some(ahead) => Slices::Ahead(ahead),
            None => Slices::InTurn(opener),
        };
        FileRangeReader {
            file_ref,
            slices,
            current: None,
            current_left: 0,
        }
    }

    /// The next slice, opened; `None` after the last.
    fn next_slice(&mut self) -> io::Result<Option<OpenSlice>> {
        match &mut self.slices {
            Slices::InTurn(opener) => opener.next_open(),
            // A closed channel after the last slice (or an error, which
            // was sent first) is the end.
            Slices::Ahead(ahead) => ahead.recv().ok().transpose(),
        }
    }
}

impl Read for FileRangeReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.current_left > 0
                && let Some(current) = &mut self.current
            {
                let count = current.read(out)?;
                if count == 0 && !out.is_empty() {
                    let message = format!("a chunk of {} is shorter than its part", self.file_ref);
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, message));
                }
                self.current_left -= count as u64;
                return Ok(count);
            }
            match self.next_slice()? {
                Some(slice) => {
                    self.current = Some(slice.reader);
                    self.current_left = slice.length;
                }
                None => return Ok(0),
            }
        }
    }
}

fn file_error_to_io(error: FileError) -> io::Error {
    match error {
        FileError::Io(error) => error,
        other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owns_exactly_the_blob_and_file_routes() {
        for path in [
            "/api/blob",
            "/api/blob/x",
            "/api/file",
            "/api/file/sha224-0",
        ] {
            assert!(owns(path), "{path}");
        }
        for path in [
            "/api/blobs",
            "/api/filex",
            "/api/fs/a",
            "/api/",
            "/bs/camli/x",
        ] {
            assert!(!owns(path), "{path}");
        }
    }

    #[test]
    fn storage_errors_map_to_statuses_per_protocol() {
        let too_large = StorageError::TooLarge { limit_bytes: 1 };
        assert_eq!(
            storage_status(&too_large, Protocol::Api),
            Status::CONTENT_TOO_LARGE
        );
        assert_eq!(
            storage_status(&too_large, Protocol::Perkeep),
            Status::BAD_REQUEST
        );
        let kind = crate::blob::HashKind::Sha1;
        let unsupported = StorageError::UnsupportedHash { kind };
        assert_eq!(
            storage_status(&unsupported, Protocol::Api),
            Status::BAD_REQUEST
        );
        let damaged = StorageError::Corruption { what: "x".into() };
        let status = storage_status(&damaged, Protocol::Perkeep);
        assert_eq!(status, Status::INTERNAL_SERVER_ERROR);
    }

    use crate::blob::MemoryStorage;

    /// A file of `size` pseudo-random bytes in a fresh `MemoryStorage`.
    fn stored_file(size: usize) -> (Arc<MemoryStorage>, BlobRef, Vec<u8>) {
        let storage = Arc::new(MemoryStorage::new());
        let data = crate::util::splitmix::pseudo_random_bytes(5, size);
        let written = crate::blob::write_file(storage.as_ref(), &data[..], &FileMeta::default());
        (storage, written.unwrap().file_ref, data)
    }

    fn range_reader(
        storage: &Arc<MemoryStorage>,
        file_ref: BlobRef,
        start: usize,
        length: usize,
    ) -> FileRangeReader {
        let storage: Arc<dyn BlobStorage> = storage.clone();
        FileRangeReader::new(storage, file_ref, start as u64, length as u64)
    }

    #[test]
    fn file_ranges_read_the_same_bytes_opened_in_turn_or_ahead() {
        let size = OPEN_AHEAD_BYTES_MIN as usize + 3_000_000;
        let (storage, file_ref, data) = stored_file(size);
        let ranges = [(0, size), (777, size - 777), (300_000, 1_000), (size, 0)];
        for (start, length) in ranges {
            let reader = range_reader(&storage, file_ref, start, length);
            assert_eq!(
                matches!(reader.slices, Slices::Ahead(_)),
                length as u64 >= OPEN_AHEAD_BYTES_MIN
            );
            let mut back = Vec::new();
            reader
                .take(length as u64 + 1)
                .read_to_end(&mut back)
                .unwrap();
            assert!(back == data[start..start + length], "{start}+{length}");
        }
    }

    #[test]
    fn a_damaged_chunk_ends_a_reader_opened_ahead_with_its_error() {
        let size = OPEN_AHEAD_BYTES_MIN as usize + 1_000_000;
        let (storage, file_ref, data) = stored_file(size);
        let slices = file_reader::chunks_covering(storage.as_ref(), &file_ref, 0, size as u64);
        let damaged = slices.unwrap()[20];
        let SliceSource::Blob { blob, .. } = damaged.source else {
            panic!("random bytes have no zero runs");
        };
        storage.store_unverified_for_tests(blob, b"not the chunk");
        let mut reader = range_reader(&storage, file_ref, 0, size);
        assert!(matches!(reader.slices, Slices::Ahead(_)));
        let mut good = vec![0u8; damaged.file_offset as usize];
        reader.read_exact(&mut good).unwrap();
        assert!(
            good[..] == data[..good.len()],
            "the chunks before it are read"
        );
        let error = reader.read(&mut [0u8; 4096]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
    }

    #[test]
    fn file_names_are_base_names_without_controls() {
        assert!(check_file_name("photo.jpg").is_ok());
        assert!(check_file_name("é ü.txt").is_ok());
        for bad in ["", ".", "..", "a/b", "a\\b", "a\nb", &"x".repeat(256)] {
            assert!(check_file_name(bad).is_err(), "{bad:?}");
        }
    }
}
