//! The curl blob and file API (`/api/blob`, `/api/file`) over TCP against
//! the real `strata serve` with its real store; tests that need a storage
//! double (damage, counting reads, no storage) use an in-process server.

mod common;

use common::{
    RawResponse, TOKEN, Wire, blob_server, call, json_of, memory_blob_server, owner_gate, start,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use strata::blob::storage::conformance::pattern;
use strata::blob::{
    BLOB_BYTES_MAX, BlobRef, BlobStorage, Fetched, MemoryStorage, Received, StorageError,
};
use strata::http::Limits;
use strata::util::json::Value;
use strata::web::App;

const MIB: usize = 1024 * 1024;

fn get(address: SocketAddr, path: &str, extra: &str) -> RawResponse {
    call(address, "GET", path, extra, b"")
}

/// The `ref` and `size` of a stored answer.
fn stored(response: &RawResponse) -> (BlobRef, u64) {
    let value = json_of(response);
    let blob_ref = BlobRef::parse(value.get("ref").and_then(Value::as_str).unwrap()).unwrap();
    (blob_ref, value.get("size").and_then(Value::as_u64).unwrap())
}

fn error_text(response: &RawResponse) -> String {
    let value = json_of(response);
    value
        .get("error")
        .and_then(Value::as_str)
        .unwrap()
        .to_owned()
}

#[test]
fn zero_byte_blob_is_created_then_found_existing() {
    let (address, storage) = blob_server("zero");
    let first = call(address, "PUT", "/api/blob", "", b"");
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(stored(&first), (BlobRef::of_bytes(b""), 0));
    let location = format!("/api/blob/{}", BlobRef::of_bytes(b""));
    assert_eq!(first.header("location"), Some(location.as_str()));
    let again = call(address, "POST", "/api/blob", "", b"");
    assert_eq!(again.status, 200, "the same bytes again are not new");
    assert_eq!(storage.len(), 1);
    let read = get(address, &location, "");
    assert_eq!((read.status, read.body.len()), (200, 0));
}

#[test]
fn one_byte_blob_reads_back_with_immutable_headers() {
    let (address, _server) = blob_server("one");
    let put = call(address, "POST", "/api/blob", "", b"x");
    assert_eq!(put.status, 201);
    let (blob_ref, size) = stored(&put);
    assert_eq!((blob_ref, size), (BlobRef::of_bytes(b"x"), 1));
    let path = format!("/api/blob/{blob_ref}");
    for method in ["GET", "HEAD"] {
        let read = call(address, method, &path, "", b"");
        assert_eq!(read.status, 200);
        assert_eq!(
            read.header("etag"),
            Some(format!("\"{blob_ref}\"").as_str())
        );
        assert_eq!(
            read.header("cache-control"),
            Some("private, max-age=31536000, immutable")
        );
        assert_eq!(
            read.header("content-type"),
            Some("application/octet-stream")
        );
        assert_eq!(read.header("content-length"), Some("1"));
        let expected: &[u8] = if method == "GET" { b"x" } else { b"" };
        assert_eq!(read.body, expected);
    }
    let etag = format!("If-None-Match: \"{blob_ref}\"\r\n");
    assert_eq!(get(address, &path, &etag).status, 304);
}

#[test]
fn blob_of_exactly_16_mib_is_stored_and_read_back() {
    let (address, storage) = blob_server("max");
    let bytes = pattern(BLOB_BYTES_MAX, 11);
    let put = call(address, "PUT", "/api/blob", "", &bytes);
    assert_eq!(put.status, 201, "{}", put.text());
    assert_eq!(
        stored(&put),
        (BlobRef::of_bytes(&bytes), BLOB_BYTES_MAX as u64)
    );
    let read = get(
        address,
        &format!("/api/blob/{}", BlobRef::of_bytes(&bytes)),
        "",
    );
    assert_eq!(read.status, 200);
    assert!(read.body == bytes, "16 MiB read back differ");
    assert_eq!(storage.len(), 1);
}

#[test]
fn blob_declared_over_16_mib_is_413_before_any_byte_and_nothing_is_stored() {
    let (address, storage) = blob_server("declared-over");
    let mut wire = Wire::connect(address);
    let head = format!(
        "PUT /api/blob HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        BLOB_BYTES_MAX + 1
    );
    wire.send(head.as_bytes());
    let refused = wire.response().expect("an answer before the body");
    assert_eq!(refused.status, 413);
    assert!(error_text(&refused).contains("16777216"));
    assert!(storage.is_empty());
}

/// Sends `body` chunked (1 MiB chunks) and reads the answer.
fn put_chunked(address: SocketAddr, path: &str, body: &[u8]) -> RawResponse {
    let mut wire = Wire::connect(address);
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    wire.send(head.as_bytes());
    for chunk in body.chunks(MIB) {
        wire.send(format!("{:x}\r\n", chunk.len()).as_bytes());
        wire.send(chunk).send(b"\r\n");
    }
    wire.send(b"0\r\n\r\n");
    wire.response().expect("a response")
}

#[test]
fn chunked_blob_one_byte_over_16_mib_is_413_and_nothing_is_stored() {
    let (address, storage) = blob_server("chunked-over");
    let bytes = pattern(BLOB_BYTES_MAX + 1, 12);
    let refused = put_chunked(address, "/api/blob", &bytes);
    assert_eq!(refused.status, 413, "{}", refused.text());
    assert!(storage.is_empty());
    let exact = put_chunked(address, "/api/blob", &bytes[..BLOB_BYTES_MAX]);
    assert_eq!(exact.status, 201, "a chunked body of exactly 16 MiB fits");
}

#[test]
fn unknown_refs_are_404_and_malformed_refs_400() {
    let (address, _server) = blob_server("refs");
    let absent = get(
        address,
        &format!("/api/blob/{}", BlobRef::of_bytes(b"?")),
        "",
    );
    assert_eq!(absent.status, 404);
    assert!(error_text(&absent).contains("not stored"));
    let sha1 = "sha1-da39a3ee5e6b4b0d3255bfef95601890afd80709";
    assert_eq!(get(address, &format!("/api/blob/{sha1}"), "").status, 404);
    let upper = BlobRef::of_bytes(b"?").to_string().to_uppercase();
    for bad in ["x", "sha224-00", "md5-00", upper.as_str(), ""] {
        let refused = get(address, &format!("/api/blob/{bad}"), "");
        assert_eq!(refused.status, 400, "{bad}");
        assert!(error_text(&refused).contains("malformed blob ref"));
        assert_eq!(get(address, &format!("/api/file/{bad}"), "").status, 400);
    }
}

#[test]
fn blob_ranges_answer_206_and_416() {
    let (address, _server) = blob_server("blob-range");
    let bytes = pattern(1000, 13);
    let (blob_ref, _) = stored(&call(address, "PUT", "/api/blob", "", &bytes));
    let path = format!("/api/blob/{blob_ref}");
    let part = get(address, &path, "Range: bytes=100-199\r\n");
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), Some("bytes 100-199/1000"));
    assert_eq!(part.body, &bytes[100..200]);
    let tail = get(address, &path, "Range: bytes=-10\r\n");
    assert_eq!(tail.body, &bytes[990..]);
    let beyond = get(address, &path, "Range: bytes=1000-\r\n");
    assert_eq!(beyond.status, 416);
    assert_eq!(beyond.header("content-range"), Some("bytes */1000"));
    assert_eq!(error_text(&beyond), "range not satisfiable");
}

#[test]
fn a_damaged_blob_is_500_never_its_bytes() {
    let (address, storage) = memory_blob_server("damaged");
    let blob_ref = BlobRef::of_bytes(b"good");
    storage.store_unverified_for_tests(blob_ref, b"evil");
    let read = get(address, &format!("/api/blob/{blob_ref}"), "");
    assert_eq!(read.status, 500);
    assert!(!read.text().contains("evil"));
    assert!(error_text(&read).contains("corrupt"));
}

/// SHA-224 of `bytes`, for comparing large bodies.
fn digest(bytes: &[u8]) -> BlobRef {
    BlobRef::of_bytes(bytes)
}

#[test]
fn a_50_mib_file_round_trips_through_put_api_file() {
    let (address, storage) = blob_server("file50");
    let bytes = pattern(50 * MIB, 14);
    let put = call(address, "PUT", "/api/file?filename=big.bin", "", &bytes);
    assert_eq!(put.status, 201, "{}", put.text());
    let (file_ref, size) = stored(&put);
    assert_eq!(size, bytes.len() as u64);
    assert!(storage.len() > 40, "chunked into many blobs");
    let path = format!("/api/file/{file_ref}");
    let read = get(address, &path, "");
    assert_eq!(read.status, 200);
    assert_eq!(
        read.header("etag"),
        Some(format!("\"{file_ref}\"").as_str())
    );
    assert_eq!(
        digest(&read.body),
        digest(&bytes),
        "50 MiB read back differ"
    );
    let head = call(address, "HEAD", &path, "", b"");
    assert_eq!(head.header("content-length"), Some("52428800"));
    let again = call(address, "POST", "/api/file?filename=big.bin", "", &bytes);
    assert_eq!(again.status, 200, "the same file again is not new");
    assert_eq!(stored(&again).0, file_ref);
    let renamed = call(address, "POST", "/api/file?filename=other.bin", "", &bytes);
    assert_eq!(renamed.status, 201, "another name is another file blob");
}

#[test]
fn file_ranges_answer_206_across_chunk_boundaries() {
    let (address, _server) = blob_server("file-range");
    let bytes = pattern(5 * MIB + 123, 15);
    let (file_ref, _) = stored(&call(address, "PUT", "/api/file", "", &bytes));
    let path = format!("/api/file/{file_ref}");
    for (start, end) in [(0, 0), (262_143, 262_144), (1_000_000, 3_500_000)] {
        let range = format!("Range: bytes={start}-{end}\r\n");
        let part = get(address, &path, &range);
        assert_eq!(part.status, 206);
        assert!(part.body == bytes[start..=end], "bytes {start}-{end}");
    }
    let tail = get(address, &path, "Range: bytes=-5\r\n");
    assert_eq!(tail.body, &bytes[bytes.len() - 5..]);
    assert_eq!(
        get(address, &path, "Range: bytes=99999999-\r\n").status,
        416
    );
}

/// A storage that counts fetches, to see which blobs a read touches.
struct CountingStorage {
    inner: MemoryStorage,
    fetches: AtomicUsize,
}

impl BlobStorage for CountingStorage {
    fn receive(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn std::io::Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        self.inner.receive(expected, body, limit_bytes)
    }
    fn fetch(&self, blob_ref: &BlobRef) -> Result<Option<Fetched>, StorageError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        self.inner.fetch(blob_ref)
    }
    fn stat(&self, refs: &[BlobRef]) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        self.inner.stat(refs)
    }
    fn enumerate(
        &self,
        after: Option<&BlobRef>,
        limit: usize,
    ) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        self.inner.enumerate(after, limit)
    }
    fn contains(&self, blob_ref: &BlobRef) -> Result<bool, StorageError> {
        self.inner.contains(blob_ref)
    }
}

#[test]
fn a_file_range_reads_only_the_chunks_it_covers() {
    let storage = Arc::new(CountingStorage {
        inner: MemoryStorage::new(),
        fetches: AtomicUsize::new(0),
    });
    let app = App::new(owner_gate("counting")).with_blobs(storage.clone());
    let address = start(Limits::default(), app);
    let bytes = pattern(20 * MIB, 16);
    let (file_ref, _) = stored(&call(address, "PUT", "/api/file", "", &bytes));
    let chunks = storage.inner.len();
    assert!(chunks > 10);
    storage.fetches.store(0, Ordering::Relaxed);
    let part = get(
        address,
        &format!("/api/file/{file_ref}"),
        "Range: bytes=10000000-10000099\r\n",
    );
    assert_eq!(part.body, &bytes[10_000_000..10_000_100]);
    let fetches = storage.fetches.load(Ordering::Relaxed);
    // The file blob (twice: once for the head, once to plan), any `bytes`
    // blobs on the way down, and one or two chunks: far fewer than all.
    assert!(fetches <= 8, "{fetches} fetches of {chunks} blobs");
}

#[test]
fn empty_file_round_trips() {
    let (address, _server) = blob_server("empty-file");
    let put = call(address, "PUT", "/api/file", "", b"");
    assert_eq!(put.status, 201);
    let (file_ref, size) = stored(&put);
    assert_eq!(size, 0);
    let read = get(address, &format!("/api/file/{file_ref}"), "");
    assert_eq!((read.status, read.body.len()), (200, 0));
}

#[test]
fn file_routes_refuse_bad_names_unknown_refs_and_non_file_blobs() {
    let (address, _server) = blob_server("file-errors");
    for bad in ["", "a%2Fb", "..", "a%00b", "%zz"] {
        let refused = call(
            address,
            "POST",
            &format!("/api/file?filename={bad}"),
            "",
            b"x",
        );
        assert_eq!(refused.status, 400, "{bad:?}: {}", refused.text());
    }
    let absent = get(
        address,
        &format!("/api/file/{}", BlobRef::of_bytes(b"?")),
        "",
    );
    assert_eq!(absent.status, 404);
    let (plain, _) = stored(&call(address, "PUT", "/api/blob", "", b"not json"));
    let not_file = get(address, &format!("/api/file/{plain}"), "");
    assert_eq!(not_file.status, 422);
    assert!(error_text(&not_file).contains("not a file schema blob"));
}

#[test]
fn wrong_methods_are_405_with_allow_and_options_204() {
    let (address, _server) = blob_server("methods");
    let refused = call(address, "DELETE", "/api/blob", "", b"");
    assert_eq!(refused.status, 405);
    assert_eq!(refused.header("allow"), Some("PUT, POST, OPTIONS"));
    assert!(error_text(&refused).contains("DELETE"));
    let path = format!("/api/blob/{}", BlobRef::of_bytes(b""));
    assert_eq!(call(address, "PUT", &path, "", b"").status, 405);
    let options = call(address, "OPTIONS", "/api/file", "", b"");
    assert_eq!(options.status, 204);
    assert_eq!(options.header("allow"), Some("PUT, POST, OPTIONS"));
}

/// Every route of this API, as (method, path).
fn routes() -> Vec<(&'static str, String)> {
    let blob_ref = BlobRef::of_bytes(b"");
    vec![
        ("PUT", "/api/blob".to_owned()),
        ("POST", "/api/blob".to_owned()),
        ("GET", format!("/api/blob/{blob_ref}")),
        ("HEAD", format!("/api/blob/{blob_ref}")),
        ("PUT", "/api/file".to_owned()),
        ("POST", "/api/file?filename=a".to_owned()),
        ("GET", format!("/api/file/{blob_ref}")),
        ("HEAD", format!("/api/file/{blob_ref}")),
    ]
}

#[test]
fn every_route_needs_the_owner_token() {
    let (address, storage) = blob_server("auth");
    for (method, path) in routes() {
        for authorization in ["", "Authorization: Bearer wrong-token\r\n"] {
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: t\r\n{authorization}Content-Length: 1\r\n\r\nx"
            );
            let mut wire = Wire::connect(address);
            wire.send(request.as_bytes());
            let refused = wire.response_to(method == "HEAD").unwrap();
            assert_eq!(
                refused.status, 401,
                "{method} {path} with {authorization:?}"
            );
            assert!(refused.header("www-authenticate").is_some());
        }
    }
    assert!(storage.is_empty(), "nothing stored without the token");
    let basic = strata::util::base64::encode(format!(":{TOKEN}").as_bytes());
    let request = format!(
        "PUT /api/blob HTTP/1.1\r\nHost: t\r\nAuthorization: Basic {basic}\r\n\
         Content-Length: 1\r\n\r\nx"
    );
    let mut wire = Wire::connect(address);
    wire.send(request.as_bytes());
    assert_eq!(
        wire.response().unwrap().status,
        201,
        "curl -u :$TOKEN works"
    );
}

#[test]
fn without_blob_storage_every_route_is_503() {
    let address = start(Limits::default(), App::new(owner_gate("none")));
    for (method, path) in routes() {
        let answer = call(address, method, &path, "", b"x");
        assert_eq!(answer.status, 503, "{method} {path}");
        if method != "HEAD" {
            assert_eq!(error_text(&answer), "blob storage not available");
        }
    }
    let other = get(address, "/api/nothing-here", "");
    assert_eq!(other.status, 404, "other API paths are unchanged");
}
