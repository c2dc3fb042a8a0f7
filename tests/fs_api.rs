//! The file tree API (`/api/fs`, `/api/history`, `/api/changes`,
//! `/api/permanode`) over TCP against the real `strata serve` with its
//! real store: TREE.md's worked example read back at and between claim
//! dates, every error status of API.md, Range, history, and a restart.

mod common;

use common::{RawResponse, ServedBinary, call, json_of};
use std::net::SocketAddr;
use strata::blob::BlobRef;
use strata::fs::parse_time;
use strata::schema::{ClaimBuilder, Place};
use strata::util::json::Value;
use strata::util::rfc3339::Timestamp;

fn get(address: SocketAddr, path: &str) -> RawResponse {
    call(address, "GET", path, "", b"")
}

fn put(address: SocketAddr, path: &str, body: &[u8]) -> RawResponse {
    call(address, "PUT", path, "", body)
}

fn post(address: SocketAddr, path: &str) -> RawResponse {
    call(address, "POST", path, "", b"")
}

/// A string member of a JSON answer.
fn text(value: &Value, name: &str) -> String {
    let member = value.get(name).and_then(Value::as_str);
    member
        .unwrap_or_else(|| panic!("no {name} in {value:?}"))
        .to_owned()
}

/// The `claimDate` of a change's answer, which must have `status`.
fn claim_date(response: &RawResponse, status: u16) -> Timestamp {
    assert_eq!(response.status, status, "{}", response.text());
    parse_time(&text(&json_of(response), "claimDate")).unwrap()
}

/// The names of a folder's entries at `query` (`""` for now).
fn names(address: SocketAddr, path: &str, query: &str) -> Vec<String> {
    let response = get(address, &format!("{path}{query}"));
    assert_eq!(response.status, 200, "{path}{query}: {}", response.text());
    let value = json_of(&response);
    let entries = value.get("entries").and_then(Value::as_array).unwrap();
    entries.iter().map(|entry| text(entry, "name")).collect()
}

/// The body of a file at `query`, or the status when it is not 200.
fn read(address: SocketAddr, path: &str, query: &str) -> Result<Vec<u8>, u16> {
    let response = get(address, &format!("{path}{query}"));
    match response.status {
        200 => Ok(response.body),
        status => Err(status),
    }
}

fn at(time: Timestamp) -> String {
    format!("?at={time}")
}

/// Halfway between two dates (to the nanosecond).
fn between(earlier: Timestamp, later: Timestamp) -> Timestamp {
    let nanos = |t: Timestamp| i128::from(t.unix_seconds()) * 1_000_000_000 + i128::from(t.nanos());
    let middle = (nanos(earlier) + nanos(later)) / 2;
    let seconds = middle.div_euclid(1_000_000_000) as i64;
    Timestamp::new(seconds, middle.rem_euclid(1_000_000_000) as u32).unwrap()
}

/// One nanosecond before `time`.
fn before(time: Timestamp) -> Timestamp {
    match time.nanos() {
        0 => Timestamp::new(time.unix_seconds() - 1, 999_999_999).unwrap(),
        nanos => Timestamp::new(time.unix_seconds(), nanos - 1).unwrap(),
    }
}

#[test]
fn worked_example_of_tree_md_reads_back_at_and_between_claim_dates() {
    let served = ServedBinary::start("fs-worked");
    let address = served.address;
    let t1 = claim_date(&post(address, "/api/fs/docs?op=mkdir"), 201);
    let t2 = claim_date(&put(address, "/api/fs/docs/a.txt", b"one"), 201);
    let t3 = claim_date(&put(address, "/api/fs/docs/a.txt", b"two"), 200);
    let t4 = claim_date(&post(address, "/api/fs/docs/a.txt?op=move&to=/b.txt"), 200);
    let t5 = claim_date(&call(address, "DELETE", "/api/fs/docs", "", b""), 200);
    let restore = post(address, &format!("/api/fs/docs?op=restore&at={t3}"));
    assert_eq!(restore.status, 200, "{}", restore.text());
    let file = "/api/fs/docs/a.txt";
    assert_eq!(read(address, file, &at(before(t1))), Err(404));
    assert_eq!(
        names(address, "/api/fs/docs", &at(t1)),
        Vec::<String>::new()
    );
    assert_eq!(read(address, file, &at(t2)).unwrap(), b"one");
    assert_eq!(read(address, file, &at(between(t2, t3))).unwrap(), b"one");
    assert_eq!(read(address, file, &at(t3)).unwrap(), b"two");
    assert_eq!(
        names(address, "/api/fs/docs", &at(t4)),
        Vec::<String>::new()
    );
    assert_eq!(read(address, "/api/fs/b.txt", &at(t4)).unwrap(), b"two");
    // `site` is the starter website, put there on the first start.
    assert_eq!(names(address, "/api/fs/", &at(t5)), ["b.txt", "site"]);
    assert_eq!(read(address, file, &at(between(t4, t5))), Err(404));
    assert_eq!(names(address, "/api/fs/", ""), ["docs", "site"]);
    assert_eq!(read(address, file, "").unwrap(), b"two");
    assert_eq!(read(address, "/api/fs/b.txt", ""), Err(404));
    // Unix seconds name the same instants.
    let unix = format!("?at={}.{:09}", t2.unix_seconds(), t2.nanos());
    assert_eq!(read(address, file, &unix).unwrap(), b"one");
    let events = json_of(&get(address, "/api/history/docs/a.txt"));
    let types: Vec<String> = events
        .get("events")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|event| text(event, "type"))
        .collect();
    assert_eq!(types, ["restored", "moved", "edited", "created"]);
}

#[test]
fn put_makes_missing_parents_and_an_identical_body_makes_no_version() {
    let served = ServedBinary::start("fs-put");
    let address = served.address;
    let first = put(address, "/api/fs/a/b/c/report%20one.txt", b"hello");
    assert_eq!(first.status, 201, "{}", first.text());
    let value = json_of(&first);
    assert_eq!(text(&value, "path"), "/a/b/c/report one.txt");
    assert_eq!(value.get("size").and_then(Value::as_u64), Some(5));
    assert_eq!(names(address, "/api/fs/a/b", ""), ["c"]);
    let again = put(address, "/api/fs/a/b/c/report%20one.txt", b"hello");
    assert_eq!(again.status, 200, "{}", again.text());
    let again = json_of(&again);
    assert_eq!(again.get("changed").and_then(Value::as_bool), Some(false));
    assert_eq!(text(&again, "content"), text(&value, "content"));
    assert_eq!(text(&again, "claimDate"), text(&value, "claimDate"));
    let history = json_of(&get(address, "/api/history/a/b/c/report%20one.txt"));
    let events = history.get("events").and_then(Value::as_array).unwrap();
    assert_eq!(events.len(), 1, "{history:?}");
    let changed = json_of(&put(address, "/api/fs/a/b/c/report%20one.txt", b"world"));
    assert_eq!(changed.get("changed").and_then(Value::as_bool), Some(true));
    assert_eq!(changed.get("created").and_then(Value::as_bool), Some(false));
}

#[test]
fn a_put_streams_a_chunked_body_of_many_chunks() {
    let served = ServedBinary::start("fs-chunked");
    let address = served.address;
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut wire = common::Wire::connect(address);
    let head = format!(
        "PUT /api/fs/big.bin HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\n\
         Transfer-Encoding: chunked\r\n\r\n",
        common::TOKEN
    );
    wire.send(head.as_bytes());
    for piece in bytes.chunks(100_000) {
        wire.send(format!("{:x}\r\n", piece.len()).as_bytes());
        wire.send(piece).send(b"\r\n");
    }
    wire.send(b"0\r\n\r\n");
    let response = wire.response().unwrap();
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(read(address, "/api/fs/big.bin", "").unwrap(), bytes);
}

#[test]
fn bad_paths_and_times_answer_400() {
    let served = ServedBinary::start("fs-bad");
    let address = served.address;
    put(address, "/api/fs/docs/a.txt", b"x");
    let long_name = "n".repeat(256);
    let fits = "n".repeat(255);
    for path in [
        "/api/fs/docs//a.txt".to_owned(),
        "/api/fs//docs".to_owned(),
        "/api/fs/docs/../a.txt".to_owned(),
        "/api/fs/docs/%2e%2e/a.txt".to_owned(),
        "/api/fs/docs/a%00b".to_owned(),
        format!("/api/fs/docs/{long_name}"),
        "/api/fs/docs/a.txt?at=yesterday".to_owned(),
        "/api/fs/docs/a.txt?at=2026-13-01T00:00:00Z".to_owned(),
        "/api/history/docs/a.txt?at=1.5x".to_owned(),
        "/api/permanode/sha224-nothex".to_owned(),
    ] {
        let response = get(address, &path);
        assert_eq!(response.status, 400, "{path}: {}", response.text());
    }
    let response = get(address, "/api/fs/docs//a.txt");
    assert!(text(&json_of(&response), "error").contains("empty"));
    let response = put(address, &format!("/api/fs/docs/{long_name}"), b"x");
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(
        put(address, &format!("/api/fs/docs/{fits}"), b"x").status,
        201
    );
    for query in [
        "op=move&to=/docs//b.txt",
        "op=move",
        "op=copy&to=/x/%00",
        "op=restore",
        "op=restore&at=noon",
        "op=explode",
        "",
    ] {
        let response = post(address, &format!("/api/fs/docs/a.txt?{query}"));
        assert_eq!(response.status, 400, "{query}: {}", response.text());
    }
}

#[test]
fn missing_paths_answer_404_and_conflicts_409() {
    let served = ServedBinary::start("fs-conflicts");
    let address = served.address;
    put(address, "/api/fs/docs/a.txt", b"a");
    put(address, "/api/fs/docs/b.txt", b"b");
    post(address, "/api/fs/docs/sub/deeper?op=mkdir");
    for (method, path, status) in [
        ("GET", "/api/fs/nothing", 404),
        ("GET", "/api/fs/docs/nothing.txt", 404),
        ("DELETE", "/api/fs/nothing", 404),
        ("GET", "/api/history/nothing", 404),
        ("POST", "/api/fs/nothing?op=move&to=/x", 404),
        ("POST", "/api/fs/docs/a.txt?op=move&to=/nowhere/a.txt", 404),
        ("GET", "/api/fs/docs/a.txt/inside", 409),
        ("PUT", "/api/fs/docs/a.txt/inside", 409),
        ("POST", "/api/fs/docs/a.txt/x?op=mkdir", 409),
        ("PUT", "/api/fs/docs", 409),
        ("POST", "/api/fs/docs/a.txt?op=move&to=/docs/b.txt", 409),
        ("POST", "/api/fs/docs?op=move&to=/docs/sub/docs", 409),
        ("POST", "/api/fs/docs?op=copy&to=/docs/sub/copy", 409),
        ("DELETE", "/api/fs/", 409),
    ] {
        let response = call(address, method, path, "", b"");
        assert_eq!(
            response.status,
            status,
            "{method} {path}: {}",
            response.text()
        );
        assert!(json_of(&response).get("error").is_some());
    }
    // Nothing above changed the tree.
    assert_eq!(
        names(address, "/api/fs/docs", ""),
        ["a.txt", "b.txt", "sub"]
    );
    let replaced = post(
        address,
        "/api/fs/docs/a.txt?op=move&to=/docs/b.txt&replace=1",
    );
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    assert_eq!(names(address, "/api/fs/docs", ""), ["b.txt", "sub"]);
    assert_eq!(read(address, "/api/fs/docs/b.txt", "").unwrap(), b"a");
}

#[test]
fn a_file_answers_ranges_and_conditionals_with_its_content_ref_as_etag() {
    let served = ServedBinary::start("fs-range");
    let address = served.address;
    let content = text(
        &json_of(&put(address, "/api/fs/t.txt", b"0123456789")),
        "content",
    );
    let ranged = call(address, "GET", "/api/fs/t.txt", "Range: bytes=2-5\r\n", b"");
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.body, b"2345");
    assert_eq!(ranged.header("content-range"), Some("bytes 2-5/10"));
    let whole = get(address, "/api/fs/t.txt");
    let etag = format!("\"{content}\"");
    assert_eq!(whole.header("etag"), Some(etag.as_str()));
    assert_eq!(whole.header("x-strata-content"), Some(content.as_str()));
    assert_eq!(
        whole.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(whole.header("last-modified").is_some());
    assert!(whole.header("x-strata-node").is_some());
    let extra = format!("If-None-Match: {etag}\r\n");
    assert_eq!(
        call(address, "GET", "/api/fs/t.txt", &extra, b"").status,
        304
    );
    let unsatisfiable = call(address, "GET", "/api/fs/t.txt", "Range: bytes=50-\r\n", b"");
    assert_eq!(unsatisfiable.status, 416);
    let head = call(address, "HEAD", "/api/fs/t.txt", "", b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("10"));
    assert!(head.body.is_empty());
    let meta = json_of(&get(address, "/api/fs/t.txt?meta=1"));
    assert_eq!(text(&meta, "kind"), "file");
    assert_eq!(text(&meta, "name"), "t.txt");
    assert_eq!(text(&meta, "created"), text(&meta, "modified"));
}

#[test]
fn history_lists_every_event_newest_first_with_places_and_contents() {
    let served = ServedBinary::start("fs-history");
    let address = served.address;
    post(address, "/api/fs/a?op=mkdir");
    let one = text(
        &json_of(&put(address, "/api/fs/a/f.txt", b"one")),
        "content",
    );
    let two = text(
        &json_of(&put(address, "/api/fs/a/f.txt", b"two!")),
        "content",
    );
    post(address, "/api/fs/a/f.txt?op=move&to=/g.txt");
    call(address, "DELETE", "/api/fs/g.txt", "", b"");
    let history = get(address, "/api/history/g.txt");
    assert_eq!(history.status, 404, "a deleted file is not there now");
    let changes = json_of(&get(address, "/api/changes?limit=10000"));
    let list = changes.get("changes").and_then(Value::as_array).unwrap();
    let last_date = parse_time(&text(list.last().unwrap(), "date")).unwrap();
    let query = format!("?at={}", before(last_date));
    let history = json_of(&get(address, &format!("/api/history/g.txt{query}")));
    let events = history.get("events").and_then(Value::as_array).unwrap();
    let types: Vec<String> = events.iter().map(|e| text(e, "type")).collect();
    assert_eq!(types, ["deleted", "moved", "edited", "created"]);
    assert_eq!(text(&events[0], "from"), "/g.txt");
    assert_eq!(text(&events[1], "from"), "/a/f.txt");
    assert_eq!(text(&events[1], "to"), "/g.txt");
    assert_eq!(text(&events[2], "content"), two);
    assert_eq!(events[2].get("size").and_then(Value::as_u64), Some(4));
    assert_eq!(text(&events[3], "content"), one);
    let dates: Vec<String> = events.iter().map(|e| text(e, "date")).collect();
    let mut sorted = dates.clone();
    sorted.sort_by_key(|date| std::cmp::Reverse(parse_time(date).unwrap()));
    assert_eq!(dates, sorted);
}

#[test]
fn changes_page_through_every_claim_in_date_order() {
    let served = ServedBinary::start("fs-changes");
    let address = served.address;
    for index in 0..5 {
        put(address, &format!("/api/fs/f{index}.txt"), b"x");
    }
    let all = json_of(&get(address, "/api/changes"));
    assert!(all.get("continueAfter").is_none());
    let every = all
        .get("changes")
        .and_then(Value::as_array)
        .unwrap()
        .to_vec();
    let mut paged = Vec::new();
    let mut after = String::new();
    loop {
        let query = match after.is_empty() {
            true => "?limit=2".to_owned(),
            false => format!("?limit=2&after={after}"),
        };
        let page = json_of(&get(address, &format!("/api/changes{query}")));
        paged.extend(
            page.get("changes")
                .and_then(Value::as_array)
                .unwrap()
                .to_vec(),
        );
        match page.get("continueAfter").and_then(Value::as_str) {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(paged, every);
    assert!(every.len() >= 6, "the root and five files: {every:?}");
    assert_eq!(get(address, "/api/changes?limit=0").status, 400);
    assert_eq!(get(address, "/api/changes?limit=10001").status, 400);
}

#[test]
fn permanode_answers_attributes_at_a_time_and_every_claim() {
    let served = ServedBinary::start("fs-permanode");
    let address = served.address;
    let first = json_of(&put(address, "/api/fs/p.txt", b"one"));
    let node = text(&first, "node");
    let t1 = parse_time(&text(&first, "claimDate")).unwrap();
    let second = json_of(&put(address, "/api/fs/p.txt", b"two"));
    let now = json_of(&get(address, &format!("/api/permanode/{node}")));
    assert_eq!(now.get("at"), Some(&Value::Null));
    let content = |value: &Value| {
        let attributes = value.get("attributes").unwrap();
        let values = attributes.get("camliContent").and_then(Value::as_array);
        values
            .unwrap()
            .last()
            .and_then(Value::as_str)
            .unwrap()
            .to_owned()
    };
    assert_eq!(content(&now), text(&second, "content"));
    let then = json_of(&get(address, &format!("/api/permanode/{node}?at={t1}")));
    assert_eq!(content(&then), text(&first, "content"));
    let claims = now.get("claims").and_then(Value::as_array).unwrap();
    assert_eq!(claims.len(), 2, "{claims:?}");
    let missing = BlobRef::of_bytes(b"never stored");
    assert_eq!(
        get(address, &format!("/api/permanode/{missing}")).status,
        404
    );
    let not_node = get(
        address,
        &format!("/api/permanode/{}", text(&first, "content")),
    );
    assert_eq!(not_node.status, 409, "{}", not_node.text());
}

#[test]
fn a_claim_uploaded_through_the_blob_server_is_indexed() {
    let served = ServedBinary::start("fs-upload");
    let address = served.address;
    let file = json_of(&put(address, "/api/fs/old.txt", b"moved by a peer"));
    let node = BlobRef::parse(&text(&file, "node")).unwrap();
    let root = text(&json_of(&get(address, "/api/fs/?meta=1")), "node");
    let place = Place::new(BlobRef::parse(&root).unwrap(), "new.txt").unwrap();
    let date = parse_time(&text(&file, "claimDate")).unwrap();
    let later = Timestamp::new(date.unix_seconds() + 1, 0).unwrap();
    let claim = ClaimBuilder::new(BlobRef::of_bytes(b"strata owner"), later)
        .set_attribute(node, "strataPlace", &place.encode())
        .build()
        .unwrap();
    let bytes = claim.to_canonical();
    let claim_ref = BlobRef::of_bytes(bytes.as_bytes());
    let path = format!("/bs/camli/{claim_ref}");
    let response = call(address, "PUT", &path, "", bytes.as_bytes());
    assert!(response.status < 300, "{}", response.text());
    assert_eq!(names(address, "/api/fs/", &at(later)), ["new.txt", "site"]);
    assert_eq!(names(address, "/api/fs/", &at(date)), ["old.txt", "site"]);
}

#[test]
fn a_claim_uploaded_as_a_file_through_the_file_api_is_indexed() {
    let served = ServedBinary::start("fs-upload-file");
    let address = served.address;
    let file = json_of(&put(address, "/api/fs/old.txt", b"moved by a peer"));
    let node = BlobRef::parse(&text(&file, "node")).unwrap();
    let root = text(&json_of(&get(address, "/api/fs/?meta=1")), "node");
    let place = Place::new(BlobRef::parse(&root).unwrap(), "new.txt").unwrap();
    let date = parse_time(&text(&file, "claimDate")).unwrap();
    let later = Timestamp::new(date.unix_seconds() + 1, 0).unwrap();
    let claim = ClaimBuilder::new(BlobRef::of_bytes(b"strata owner"), later)
        .set_attribute(node, "strataPlace", &place.encode())
        .build()
        .unwrap();
    // A one-chunk file's chunk is the claim's bytes: the same blob.
    let bytes = claim.to_canonical();
    let response = call(address, "PUT", "/api/file", "", bytes.as_bytes());
    assert!(response.status < 300, "{}", response.text());
    assert_eq!(names(address, "/api/fs/", &at(later)), ["new.txt", "site"]);
}

#[test]
fn everything_reads_back_after_a_restart() {
    let mut served = ServedBinary::start("fs-restart");
    let t1 = claim_date(&put(served.address, "/api/fs/keep/a.txt", b"first"), 201);
    put(served.address, "/api/fs/keep/a.txt", b"second");
    post(served.address, "/api/fs/keep/a.txt?op=copy&to=/keep/b.txt");
    served.restart();
    let address = served.address;
    assert_eq!(names(address, "/api/fs/keep", ""), ["a.txt", "b.txt"]);
    assert_eq!(read(address, "/api/fs/keep/a.txt", "").unwrap(), b"second");
    assert_eq!(read(address, "/api/fs/keep/b.txt", "").unwrap(), b"second");
    assert_eq!(
        read(address, "/api/fs/keep/a.txt", &at(t1)).unwrap(),
        b"first"
    );
    let t4 = claim_date(&put(address, "/api/fs/keep/a.txt", b"third"), 200);
    assert!(t4 > t1);
    assert_eq!(read(address, "/api/fs/keep/a.txt", "").unwrap(), b"third");
}

#[test]
fn the_tree_routes_refuse_other_methods_and_need_the_token() {
    let served = ServedBinary::start("fs-methods");
    let address = served.address;
    let response = call(address, "PATCH", "/api/fs/x", "", b"");
    assert_eq!(response.status, 405);
    assert!(response.header("allow").unwrap().contains("PUT"));
    assert_eq!(call(address, "PUT", "/api/history/x", "", b"").status, 405);
    let anonymous = common::exchange(address, b"GET /api/fs/ HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(anonymous.status, 401);
}

#[test]
fn a_listing_larger_than_one_piece_is_whole_with_its_content_length() {
    let served = ServedBinary::start("fs-big-listing");
    let address = served.address;
    // About 300 bytes an entry: 500 of them are several pieces of
    // `listing_body::PIECE_BYTES` (128 KiB), so the body is streamed.
    let count = 500;
    for index in (0..count).rev() {
        let path = format!("/api/fs/big/entry {index:04} with a name long enough to fill.txt");
        let response = put(address, &path.replace(' ', "%20"), b"x");
        assert_eq!(response.status, 201, "{}", response.text());
    }
    let response = get(address, "/api/fs/big/");
    assert_eq!(response.status, 200, "{}", response.text());
    let length = response.header("content-length").expect("a Content-Length");
    assert_eq!(length.parse::<usize>().unwrap(), response.body.len());
    assert!(response.body.len() > 128 << 10, "{}", response.body.len());
    let listed = names(address, "/api/fs/big/", "");
    let expected: Vec<String> = (0..count)
        .map(|index| format!("entry {index:04} with a name long enough to fill.txt"))
        .collect();
    assert_eq!(listed, expected);
    let head = call(address, "HEAD", "/api/fs/big/", "", b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some(length));
    assert!(head.body.is_empty());
}
