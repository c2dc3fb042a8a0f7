//! Perkeep's blob-server protocol (`/bs/camli/`) over TCP against the real
//! `strata serve` with its real store (a storage that fails on purpose is
//! an in-process double).

mod common;

use common::{RawResponse, TOKEN, Wire, blob_server, call, json_of, owner_gate, start};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use strata::blob::storage::conformance::pattern;
use strata::blob::{
    BLOB_BYTES_MAX, BlobRef, BlobStorage, Fetched, MemoryStorage, Received, StorageError,
};
use strata::http::Limits;
use strata::util::json::Value;
use strata::web::App;

const BOUNDARY: &str = "strata-test-boundary";

/// The `(blobRef, size)` entries of a list member.
fn entries(value: &Value, member: &str) -> Vec<(BlobRef, u64)> {
    let list = value.get(member).and_then(Value::as_array).expect(member);
    list.iter()
        .map(|entry| {
            let text = entry.get("blobRef").and_then(Value::as_str).unwrap();
            let size = entry.get("size").and_then(Value::as_u64).unwrap();
            (BlobRef::parse(text).unwrap(), size)
        })
        .collect()
}

/// A multipart body with one part per `(name, bytes)`.
fn multipart(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, bytes) in parts {
        let head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
             filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        );
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn upload(address: SocketAddr, parts: &[(String, Vec<u8>)]) -> RawResponse {
    let content_type = format!("Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n");
    call(
        address,
        "POST",
        "/bs/camli/upload",
        &content_type,
        &multipart(parts),
    )
}

/// A part named by the ref of its bytes.
fn good_part(bytes: &[u8]) -> (String, Vec<u8>) {
    (BlobRef::of_bytes(bytes).to_string(), bytes.to_vec())
}

#[test]
fn put_by_ref_is_204_then_get_and_head_answer_the_bytes() {
    let (address, storage) = blob_server("put");
    let blob_ref = BlobRef::of_bytes(b"perkeep");
    let path = format!("/bs/camli/{blob_ref}");
    let put = call(address, "PUT", &path, "", b"perkeep");
    assert_eq!(put.status, 204, "{}", put.text());
    assert!(put.body.is_empty());
    let read = call(address, "GET", &path, "", b"");
    assert_eq!((read.status, read.body.as_slice()), (200, &b"perkeep"[..]));
    assert_eq!(
        read.header("content-type"),
        Some("application/octet-stream")
    );
    assert!(read.header("cache-control").unwrap().contains("immutable"));
    let head = call(address, "HEAD", &path, "", b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("7"));
    let range = call(address, "GET", &path, "Range: bytes=1-2\r\n", b"");
    assert_eq!((range.status, range.body.as_slice()), (206, &b"er"[..]));
    assert_eq!(call(address, "PUT", &path, "", b"perkeep").status, 204);
    assert_eq!(storage.len(), 1);
    let absent = format!("/bs/camli/{}", BlobRef::of_bytes(b"absent"));
    assert_eq!(call(address, "GET", &absent, "", b"").status, 404);
    assert_eq!(call(address, "HEAD", &absent, "", b"").status, 404);
    assert_eq!(
        call(address, "GET", "/bs/camli/sha224-xyz", "", b"").status,
        400
    );
}

#[test]
fn put_refuses_mismatch_unsupported_hash_and_over_16_mib_with_400() {
    let (address, storage) = blob_server("put-refused");
    let claimed = BlobRef::of_bytes(b"claimed");
    let mismatch = call(address, "PUT", &format!("/bs/camli/{claimed}"), "", b"sent");
    assert_eq!(mismatch.status, 400);
    let error = json_of(&mismatch);
    let text = error.get("error").and_then(Value::as_str).unwrap();
    assert!(
        text.contains(&BlobRef::of_bytes(b"sent").to_string()),
        "{text}"
    );
    let sha1 = "/bs/camli/sha1-da39a3ee5e6b4b0d3255bfef95601890afd80709";
    assert_eq!(call(address, "PUT", sha1, "", b"").status, 400);
    let big = pattern(BLOB_BYTES_MAX + 1, 21);
    let path = format!("/bs/camli/{}", BlobRef::of_bytes(&big));
    let mut wire = Wire::connect(address);
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        big.len()
    );
    wire.send(head.as_bytes());
    assert_eq!(wire.response().unwrap().status, 400, "Perkeep says 400");
    assert!(storage.is_empty(), "nothing stored by any refused put");
}

#[test]
fn upload_takes_several_parts_and_a_bad_part_in_the_middle_stores_nothing_of_itself() {
    let (address, storage) = blob_server("upload");
    let first = good_part(b"first blob");
    let second = good_part(&pattern(300_000, 22));
    let liar = (
        BlobRef::of_bytes(b"claimed").to_string(),
        b"actual".to_vec(),
    );
    let unnamed = ("not-a-ref".to_owned(), b"whatever".to_vec());
    let last = good_part(b"");
    let parts = [first.clone(), liar, second.clone(), unnamed, last.clone()];
    let response = upload(address, &parts);
    assert_eq!(response.status, 200, "{}", response.text());
    let value = json_of(&response);
    let received = entries(&value, "received");
    let expected: Vec<(BlobRef, u64)> = [&first, &second, &last]
        .iter()
        .map(|(name, bytes)| (BlobRef::parse(name).unwrap(), bytes.len() as u64))
        .collect();
    assert_eq!(
        received, expected,
        "good parts before and after the bad ones"
    );
    let error_text = value.get("errorText").and_then(Value::as_str).unwrap();
    assert!(error_text.contains("not-a-ref"), "{error_text}");
    assert!(error_text.contains(&BlobRef::of_bytes(b"actual").to_string()));
    assert_eq!(storage.len(), 3);
    assert!(!storage.contains(&BlobRef::of_bytes(b"actual")));
    assert!(!storage.contains(&BlobRef::of_bytes(b"claimed")));
}

#[test]
fn upload_of_good_parts_has_no_error_text_and_bad_bodies_are_refused() {
    let (address, storage) = blob_server("upload-good");
    let response = upload(address, &[good_part(b"a"), good_part(b"b")]);
    let value = json_of(&response);
    assert_eq!(entries(&value, "received").len(), 2);
    assert!(value.get("errorText").is_none());
    let plain = call(
        address,
        "POST",
        "/bs/camli/upload",
        "Content-Type: text/plain\r\n",
        b"x",
    );
    assert_eq!(plain.status, 415);
    let mut truncated = multipart(&[good_part(b"c")]);
    truncated.truncate(truncated.len() - 10);
    let content_type = format!("Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n");
    let broken = call(
        address,
        "POST",
        "/bs/camli/upload",
        &content_type,
        &truncated,
    );
    assert_eq!(broken.status, 400, "{}", broken.text());
    assert_eq!(storage.len(), 2, "the truncated part is not stored");
    let get = call(address, "GET", "/bs/camli/upload", "", b"");
    assert_eq!(get.status, 405);
}

#[test]
fn an_upload_part_over_16_mib_is_refused_and_the_next_part_still_goes_in() {
    let (address, storage) = blob_server("upload-big-part");
    let big = pattern(BLOB_BYTES_MAX + 1, 23);
    let parts = [good_part(&big), good_part(b"after the big one")];
    let value = json_of(&upload(address, &parts));
    let received = entries(&value, "received");
    assert_eq!(received, [(BlobRef::of_bytes(b"after the big one"), 17)]);
    let error_text = value.get("errorText").and_then(Value::as_str).unwrap();
    assert!(error_text.contains("larger than 16777216"), "{error_text}");
    assert_eq!(storage.len(), 1);
}

/// Uploads `count` small blobs in batches of 1,000 parts; their refs.
fn upload_many(address: SocketAddr, count: usize) -> Vec<BlobRef> {
    let mut refs = Vec::new();
    let all: Vec<Vec<u8>> = (0..count)
        .map(|i| format!("blob {i}").into_bytes())
        .collect();
    for batch in all.chunks(1000) {
        let parts: Vec<(String, Vec<u8>)> = batch.iter().map(|b| good_part(b)).collect();
        let response = upload(address, &parts);
        assert_eq!(entries(&json_of(&response), "received").len(), batch.len());
        refs.extend(batch.iter().map(|bytes| BlobRef::of_bytes(bytes)));
    }
    refs.sort();
    refs
}

fn stat_query(refs: &[BlobRef]) -> String {
    let mut query = "camliversion=1".to_owned();
    for (index, blob_ref) in refs.iter().enumerate() {
        query.push_str(&format!("&blob{}={blob_ref}", index + 1));
    }
    query
}

#[test]
fn stat_lists_only_present_blobs_by_get_and_post() {
    let (address, _server) = blob_server("stat");
    let present = upload_many(address, 3000);
    let absent = BlobRef::of_bytes(b"absent");
    let mut asked: Vec<BlobRef> = present.iter().step_by(3).take(999).copied().collect();
    asked.insert(500, absent);
    // A request line holds at most 8 KiB (about 90 refs): many refs go by POST.
    let query = stat_query(&asked);
    let form = "Content-Type: application/x-www-form-urlencoded\r\n";
    let by_post = call(address, "POST", "/bs/camli/stat", form, query.as_bytes());
    let value = json_of(&by_post);
    assert_eq!(value.get("canLongPoll"), Some(&Value::Bool(false)));
    let listed = entries(&value, "stat");
    assert_eq!(listed.len(), 999);
    assert!(
        listed
            .iter()
            .all(|(blob_ref, size)| *blob_ref != absent && *size > 0)
    );
    let few = stat_query(&asked[490..520]);
    let by_get = call(address, "GET", &format!("/bs/camli/stat?{few}"), "", b"");
    let listed_by_get = entries(&json_of(&by_get), "stat");
    assert_eq!(listed_by_get.len(), 29);
    assert!(listed_by_get.iter().all(|entry| listed.contains(entry)));
}

#[test]
fn stat_refuses_missing_version_too_many_refs_gaps_and_malformed_refs() {
    let (address, _server) = blob_server("stat-refused");
    let blob_ref = BlobRef::of_bytes(b"x");
    let too_many: Vec<BlobRef> = (0..1001u32)
        .map(|i| BlobRef::of_bytes(&i.to_le_bytes()))
        .collect();
    let bad = [
        format!("blob1={blob_ref}"),
        stat_query(&too_many),
        format!("camliversion=1&blob1={blob_ref}&blob3={blob_ref}"),
        "camliversion=1&blob1=sha224-nothex".to_owned(),
        format!("camliversion=1&blob1={blob_ref}&blob1={blob_ref}"),
        "camliversion=1&blob1=%zz".to_owned(),
    ];
    let form = "Content-Type: application/x-www-form-urlencoded\r\n";
    for query in &bad {
        let refused = call(address, "POST", "/bs/camli/stat", form, query.as_bytes());
        assert_eq!(refused.status, 400, "{}", &query[..query.len().min(80)]);
        assert!(json_of(&refused).get("error").is_some());
        if query.len() < 1000 {
            let path = format!("/bs/camli/stat?{query}");
            assert_eq!(call(address, "GET", &path, "", b"").status, 400, "{query}");
        }
    }
    let thousand = stat_query(&too_many[..1000]);
    let ok = call(address, "POST", "/bs/camli/stat", form, thousand.as_bytes());
    assert_eq!(ok.status, 200, "exactly 1,000 refs are fine");
    let wrong_type = call(
        address,
        "POST",
        "/bs/camli/stat",
        "Content-Type: text/plain\r\n",
        b"x",
    );
    assert_eq!(wrong_type.status, 415);
}

/// Pages through enumerate-blobs with `limit`; every ref seen, and the
/// number of pages.
fn enumerate_all(address: SocketAddr, limit: usize) -> (Vec<BlobRef>, usize) {
    let mut seen = Vec::new();
    let mut after = String::new();
    let mut pages = 0;
    loop {
        let path = format!("/bs/camli/enumerate-blobs?after={after}&limit={limit}");
        let value = json_of(&call(address, "GET", &path, "", b""));
        let page = entries(&value, "blobs");
        pages += 1;
        seen.extend(page.iter().map(|(blob_ref, _)| *blob_ref));
        match value.get("continueAfter").and_then(Value::as_str) {
            Some(next) => {
                assert_eq!(page.len(), limit, "continueAfter only on a full page");
                assert_eq!(next, page.last().unwrap().0.to_string());
                after = next.to_owned();
            }
            None => {
                assert!(page.len() < limit, "a full page has continueAfter");
                return (seen, pages);
            }
        }
    }
}

#[test]
fn enumerate_pages_through_thousands_of_blobs_in_ref_order() {
    let (address, _server) = blob_server("enumerate");
    // The server's own blobs (the tree's root and its claim) are listed too.
    let (own, _) = enumerate_all(address, 10_000);
    let mut refs = upload_many(address, 3000);
    refs.extend(own);
    refs.sort();
    for limit in [1000, 999, 7000] {
        let (seen, pages) = enumerate_all(address, limit);
        assert_eq!(seen, refs, "limit {limit}");
        assert_eq!(pages, refs.len() / limit + 1);
    }
    let first = json_of(&call(address, "GET", "/bs/camli/enumerate-blobs", "", b""));
    assert_eq!(entries(&first, "blobs").len(), 100, "default limit");
    let path = format!("/bs/camli/enumerate-blobs?after={}&limit=2", refs[10]);
    let page = entries(&json_of(&call(address, "GET", &path, "", b"")), "blobs");
    let page_refs: Vec<BlobRef> = page.iter().map(|(blob_ref, _)| *blob_ref).collect();
    assert_eq!(page_refs, &refs[11..13], "after is exclusive");
}

#[test]
fn enumerate_lowers_a_limit_over_10000() {
    let (address, _server) = blob_server("enumerate-max");
    upload_many(address, 10_001);
    let path = "/bs/camli/enumerate-blobs?limit=50000";
    let value = json_of(&call(address, "GET", path, "", b""));
    assert_eq!(entries(&value, "blobs").len(), 10_000);
    assert!(value.get("continueAfter").is_some());
}

#[test]
fn enumerate_refuses_bad_parameters() {
    let (address, _server) = blob_server("enumerate-bad");
    for query in [
        "limit=0",
        "limit=abc",
        "limit=-1",
        "after=sha224-00",
        "after=%zz",
    ] {
        let path = format!("/bs/camli/enumerate-blobs?{query}");
        assert_eq!(call(address, "GET", &path, "", b"").status, 400, "{query}");
    }
}

/// A storage whose enumerate and stat fail, as a broken disk would.
struct BrokenStorage(MemoryStorage);

impl BlobStorage for BrokenStorage {
    fn receive(
        &self,
        expected: Option<&BlobRef>,
        body: &mut dyn io::Read,
        limit_bytes: u64,
    ) -> Result<Received, StorageError> {
        self.0.receive(expected, body, limit_bytes)
    }
    fn fetch(&self, blob_ref: &BlobRef) -> Result<Option<Fetched>, StorageError> {
        self.0.fetch(blob_ref)
    }
    fn stat(&self, _refs: &[BlobRef]) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        Err(StorageError::Io(io::Error::other("disk on fire")))
    }
    fn enumerate(
        &self,
        _after: Option<&BlobRef>,
        _limit: usize,
    ) -> Result<Vec<(BlobRef, u64)>, StorageError> {
        Err(StorageError::Corruption {
            what: "table 7 at offset 4096".to_owned(),
        })
    }
    fn contains(&self, blob_ref: &BlobRef) -> Result<bool, StorageError> {
        self.0.contains(blob_ref)
    }
}

#[test]
fn a_storage_error_is_a_5xx_never_an_error_inside_a_200() {
    let storage = Arc::new(BrokenStorage(MemoryStorage::new()));
    let address = start(
        Limits::default(),
        App::new(owner_gate("broken")).with_blobs(storage),
    );
    let enumerate = call(address, "GET", "/bs/camli/enumerate-blobs", "", b"");
    assert_eq!(enumerate.status, 500);
    let error = json_of(&enumerate);
    assert!(error.get("blobs").is_none());
    assert!(
        error
            .get("error")
            .and_then(Value::as_str)
            .unwrap()
            .contains("table 7")
    );
    let query = format!(
        "/bs/camli/stat?camliversion=1&blob1={}",
        BlobRef::of_bytes(b"")
    );
    assert_eq!(call(address, "GET", &query, "", b"").status, 500);
}

#[test]
fn every_route_needs_the_owner_token() {
    let (address, storage) = blob_server("auth");
    let blob_ref = BlobRef::of_bytes(b"x");
    let routes = [
        ("GET", format!("/bs/camli/{blob_ref}")),
        ("HEAD", format!("/bs/camli/{blob_ref}")),
        ("PUT", format!("/bs/camli/{blob_ref}")),
        ("POST", "/bs/camli/upload".to_owned()),
        (
            "GET",
            format!("/bs/camli/stat?camliversion=1&blob1={blob_ref}"),
        ),
        ("POST", "/bs/camli/stat".to_owned()),
        ("GET", "/bs/camli/enumerate-blobs".to_owned()),
    ];
    for (method, path) in &routes {
        for authorization in ["", "Authorization: Bearer wrong-token\r\n"] {
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: t\r\n{authorization}Content-Length: 1\r\n\r\nx"
            );
            let mut wire = Wire::connect(address);
            wire.send(request.as_bytes());
            let refused = wire.response_to(*method == "HEAD").unwrap();
            assert_eq!(
                refused.status, 401,
                "{method} {path} with {authorization:?}"
            );
        }
    }
    assert!(storage.is_empty());
    let read = call(address, "GET", "/bs/camli/enumerate-blobs", "", b"");
    assert_eq!(read.status, 200, "the right token still works");
}
