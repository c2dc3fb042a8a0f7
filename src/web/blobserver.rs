//! Perkeep's blob-server protocol under `/bs/camli/`, as PERKEEP.md's
//! table says (every route and status is also in `API.md`): get and head,
//! put, multipart upload, stat, enumerate-blobs.
//!
//! Where strata differs from Perkeep's server (**ours** in PERKEEP.md):
//! - upload: each part stands on its own. A bad part stores nothing of
//!   itself and is named in `errorText`; the parts after it still go in
//!   (Perkeep stops at the first bad one).
//! - stat: gaps in `blobN` numbering, a duplicate or a malformed
//!   parameter are 400 (Perkeep stops reading at the first gap).
//! - enumerate-blobs: the page is built before anything is sent, and a
//!   storage error is a 5xx (Perkeep writes an error into a 200 body).
//! - long polling (`maxwaitsec`) is not offered: `canLongPoll` is false.

use super::blob_api::{
    self, Protocol, form_pairs, form_pairs_borrowed, json_error, parse_ref, receive_body,
    refuse_method, storage_error,
};
use crate::blob::{BLOB_BYTES_MAX, BlobRef, BlobStorage, Received, StorageError};
use crate::http::multipart::{Multipart, MultipartError, Part, boundary_from_content_type};
use crate::http::{Request, RequestBody, Response, Status};
use crate::util::json::{self, Value};
use std::io::Read;

/// The most refs one stat request may ask about.
pub const STAT_BLOBS_MAX: usize = 1000;
/// Blobs in an enumerate-blobs page when `limit` is not given.
pub const ENUMERATE_LIMIT_DEFAULT: usize = 100;
/// The largest page; a larger `limit` is lowered to it (as Perkeep does).
pub const ENUMERATE_LIMIT_MAX: usize = 10_000;
/// A POSTed stat form, in bytes (1,000 `blobN=<sha256 ref>` pairs take
/// about 82 KB).
pub const STAT_FORM_BYTES_MAX: u64 = 256 * 1024;
/// One multipart upload body, in bytes.
pub const UPLOAD_BYTES_MAX: u64 = 1 << 30;

const PREFIX: &str = "/bs/camli/";

/// Is `path` one of this protocol's routes?
pub fn owns(path: &str) -> bool {
    path.starts_with(PREFIX)
}

/// Answers a request for which [`owns`] is true.
pub fn handle(
    storage: &dyn BlobStorage,
    request: &Request<'_>,
    body: &mut RequestBody<'_>,
) -> Response {
    let rest = &request.path[PREFIX.len()..];
    let (allowed, route): (&'static str, Route) = match rest {
        "upload" => ("POST, OPTIONS", Route::Upload),
        "stat" => ("GET, HEAD, POST, OPTIONS", Route::Stat),
        "enumerate-blobs" => ("GET, HEAD, OPTIONS", Route::Enumerate),
        _ => ("GET, HEAD, PUT, OPTIONS", Route::Blob),
    };
    if let Some(refused) = refuse_method(request, allowed) {
        return refused;
    }
    match route {
        Route::Upload => upload(storage, request, body),
        Route::Stat => stat(storage, request, body),
        Route::Enumerate => enumerate(storage, request),
        Route::Blob if request.method == "PUT" => put(storage, rest, body),
        Route::Blob => blob_api::serve_blob(storage, request, rest),
    }
}

#[derive(Clone, Copy)]
enum Route {
    Upload,
    Stat,
    Enumerate,
    Blob,
}

/// `{"blobRef": …, "size": …}`, as every list of this protocol has them.
fn blob_entry(blob_ref: &BlobRef, size: u64) -> Value {
    Value::object([
        ("blobRef", Value::String(blob_ref.to_string())),
        ("size", Value::from(size)),
    ])
}

fn put(storage: &dyn BlobStorage, text: &str, body: &mut RequestBody<'_>) -> Response {
    let blob_ref = match parse_ref(text) {
        Ok(blob_ref) => blob_ref,
        Err(refused) => return refused,
    };
    match receive_body(storage, Some(&blob_ref), body, Protocol::Perkeep) {
        Ok(_) => Response::empty(Status::NO_CONTENT),
        Err(refused) => refused,
    }
}

/// Why one part of an upload failed.
enum PartFailure {
    /// This part only: named in `errorText`, the next parts go on.
    Part(String),
    /// The body itself is broken (its framing, or reading it), or the
    /// storage failed: the answer is this error.
    Fatal(Response),
}

fn upload(
    storage: &dyn BlobStorage,
    request: &Request<'_>,
    body: &mut RequestBody<'_>,
) -> Response {
    let content_type = request.header_str("content-type").unwrap_or("");
    let boundary = match boundary_from_content_type(content_type) {
        Ok(boundary) => boundary,
        Err(MultipartError::NotFormData) => {
            let message = "upload needs a multipart/form-data body";
            return json_error(Status::UNSUPPORTED_MEDIA_TYPE, message);
        }
        Err(error) => return json_error(Status::BAD_REQUEST, &error.to_string()),
    };
    if let Err(failure) = body.set_limit(UPLOAD_BYTES_MAX) {
        return json_error(failure.status(), failure.message());
    }
    let mut parts = match Multipart::new(body, &boundary) {
        Ok(parts) => parts,
        Err(error) => return json_error(Status::BAD_REQUEST, &error.to_string()),
    };
    let mut received = Vec::new();
    let mut errors = Vec::new();
    loop {
        let part = match parts.next_part() {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(error) => return multipart_failure(error),
        };
        match receive_part(storage, part) {
            Ok(blob) => received.push(blob_entry(&blob.blob_ref, blob.size)),
            Err(PartFailure::Part(message)) => errors.push(message),
            Err(PartFailure::Fatal(response)) => return response,
        }
    }
    // Parts were received deferred: one sync before any is acknowledged.
    if let Err(error) = storage.sync() {
        return storage_error(&error, Protocol::Perkeep);
    }
    let mut members = vec![("received", Value::Array(received))];
    if !errors.is_empty() {
        members.push(("errorText", Value::String(errors.join("; "))));
    }
    Response::json(Status::OK, json::to_compact(&Value::object(members)))
}

fn multipart_failure(error: MultipartError) -> Response {
    let message = format!("malformed multipart body: {error}");
    json_error(Status::BAD_REQUEST, &message)
}

fn receive_part<Source: Read>(
    storage: &dyn BlobStorage,
    mut part: Part<'_, Source>,
) -> Result<Received, PartFailure> {
    let name = part.headers.name.clone();
    let blob_ref = BlobRef::parse(&name)
        .map_err(|error| PartFailure::Part(format!("part {name:?} is not a blob ref: {error}")))?;
    match storage.receive_deferred(Some(&blob_ref), &mut part, BLOB_BYTES_MAX as u64) {
        Ok(received) => Ok(received),
        Err(StorageError::Io(error)) => {
            let error = MultipartError::from_io(error);
            if let MultipartError::Io(error) = error {
                let error = StorageError::Io(error);
                return Err(PartFailure::Fatal(storage_error(&error, Protocol::Perkeep)));
            }
            Err(PartFailure::Fatal(multipart_failure(error)))
        }
        Err(error @ StorageError::Corruption { .. }) => {
            Err(PartFailure::Fatal(storage_error(&error, Protocol::Perkeep)))
        }
        Err(error) => Err(PartFailure::Part(format!("{blob_ref}: {error}"))),
    }
}

fn stat(storage: &dyn BlobStorage, request: &Request<'_>, body: &mut RequestBody<'_>) -> Response {
    let form = if request.method == "POST" {
        match read_form(request, body) {
            Ok(form) => form,
            Err(refused) => return refused,
        }
    } else {
        String::new()
    };
    let refs = match stat_refs(request.query.unwrap_or(""), &form) {
        Ok(refs) => refs,
        Err(message) => return json_error(Status::BAD_REQUEST, &message),
    };
    // Looked up once each, in key order: neighbours share table blocks,
    // and each lookup thread walks one range of keys.
    let mut sorted = refs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let present = match storage.stat(&sorted) {
        Ok(present) => present,
        Err(error) => return storage_error(&error, Protocol::Perkeep),
    };
    let listed = in_asked_order(&refs, &present);
    let mut text = String::from("{\"stat\":");
    write_blob_list(&mut text, &listed);
    text.push_str(",\"canLongPoll\":false}");
    Response::json(Status::OK, text)
}

/// The entries of `present` (sorted by ref, each once) for the refs of
/// `asked`, in the order asked, each ref once.
fn in_asked_order(asked: &[BlobRef], present: &[(BlobRef, u64)]) -> Vec<(BlobRef, u64)> {
    let mut listed_already = vec![false; present.len()];
    let mut listed = Vec::with_capacity(present.len());
    for blob_ref in asked {
        let Ok(index) = present.binary_search_by(|(stored, _)| stored.cmp(blob_ref)) else {
            continue;
        };
        if !std::mem::replace(&mut listed_already[index], true) {
            listed.push(present[index]);
        }
    }
    listed
}

/// Appends `[{"blobRef":"<ref>","size":N},…]` to `out`: the compact JSON
/// of [`blob_entry`] values, written without building them (a page of
/// 10,000 would be 30,000 allocations). A ref's text is ASCII letters,
/// digits and `-`, which JSON strings hold unescaped (RFC 8259, section 7).
fn write_blob_list(out: &mut String, entries: &[(BlobRef, u64)]) {
    use std::fmt::Write as _;
    out.reserve(entries.len() * 100);
    out.push('[');
    for (index, (blob_ref, size)) in entries.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"blobRef\":\"{blob_ref}\",\"size\":{size}}}");
    }
    out.push(']');
}

/// The text of a POSTed `application/x-www-form-urlencoded` body.
fn read_form(request: &Request<'_>, body: &mut RequestBody<'_>) -> Result<String, Response> {
    let media_type = request.header_str("content-type").unwrap_or("");
    let media_type = media_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        let message = "stat by POST needs an application/x-www-form-urlencoded body";
        return Err(json_error(Status::UNSUPPORTED_MEDIA_TYPE, message));
    }
    if let Err(failure) = body.set_limit(STAT_FORM_BYTES_MAX) {
        return Err(json_error(failure.status(), failure.message()));
    }
    let bytes = body
        .read_to_vec()
        .map_err(|error| json_error(Status::BAD_REQUEST, &error.to_string()))?;
    String::from_utf8(bytes).map_err(|_| json_error(Status::BAD_REQUEST, "stat form is not UTF-8"))
}

/// The refs of `blob1`…`blobN` of the query and the form together, in
/// that order (repeats kept), after checking `camliversion` and the
/// numbering; the error says what is wrong. No allocation per ref.
fn stat_refs(query: &str, form: &str) -> Result<Vec<BlobRef>, String> {
    let mut pairs = form_pairs_borrowed(query)?;
    pairs.extend(form_pairs_borrowed(form)?);
    let has_version = pairs
        .iter()
        .any(|(name, value)| name == "camliversion" && !value.is_empty());
    if !has_version {
        return Err("stat needs camliversion=1".to_owned());
    }
    let mut numbered: Vec<Option<BlobRef>> = Vec::new();
    let mut count = 0;
    for (name, value) in &pairs {
        let Some(digits) = name.strip_prefix("blob") else {
            continue; // camliversion, maxwaitsec and others
        };
        let number = blob_number(digits).ok_or(format!("{name:?} is not blob1 to blob1000"))?;
        let blob_ref = BlobRef::parse(value)
            .map_err(|error| format!("{name}: malformed blob ref {value:?}: {error}"))?;
        if numbered.len() < number {
            numbered.resize(number, None);
        }
        if numbered[number - 1].replace(blob_ref).is_some() {
            return Err(format!("{name} is given twice"));
        }
        count += 1;
    }
    if count != numbered.len() {
        return Err("blobN must be numbered from blob1 without gaps".to_owned());
    }
    Ok(numbered.into_iter().flatten().collect())
}

/// `1` to [`STAT_BLOBS_MAX`] in canonical decimal.
fn blob_number(digits: &str) -> Option<usize> {
    let canonical = !digits.is_empty()
        && digits.len() <= 4
        && !digits.starts_with('0')
        && digits.bytes().all(|byte| byte.is_ascii_digit());
    let number: usize = if canonical {
        digits.parse().ok()?
    } else {
        None?
    };
    (1..=STAT_BLOBS_MAX).contains(&number).then_some(number)
}

fn enumerate(storage: &dyn BlobStorage, request: &Request<'_>) -> Response {
    let (after, limit) = match enumerate_params(request) {
        Ok(params) => params,
        Err(message) => return json_error(Status::BAD_REQUEST, &message),
    };
    // The whole page is built before anything is sent: a storage error is
    // a 5xx, never an error inside a 200 body.
    let page = match storage.enumerate(after.as_ref(), limit) {
        Ok(page) => page,
        Err(error) => return storage_error(&error, Protocol::Perkeep),
    };
    let mut text = String::from("{\"blobs\":");
    write_blob_list(&mut text, &page);
    if page.len() == limit
        && let Some((last, _)) = page.last()
    {
        text.push_str(&format!(",\"continueAfter\":\"{last}\""));
    }
    text.push('}');
    Response::json(Status::OK, text)
}

/// `after` (empty or absent: from the start) and `limit` (default 100,
/// lowered to 10,000; 0 or not a number is an error).
fn enumerate_params(request: &Request<'_>) -> Result<(Option<BlobRef>, usize), String> {
    let pairs = form_pairs(request.query.unwrap_or(""))?;
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let after = match value("after") {
        None | Some("") => None,
        Some(text) => Some(
            BlobRef::parse(text)
                .map_err(|error| format!("after: malformed blob ref {text:?}: {error}"))?,
        ),
    };
    let limit = match value("limit") {
        None | Some("") => ENUMERATE_LIMIT_DEFAULT,
        Some(text) => {
            let digits = text.len() <= 19 && text.bytes().all(|byte| byte.is_ascii_digit());
            let limit: u64 = if digits { text.parse().ok() } else { None }
                .ok_or(format!("limit {text:?} is not a number"))?;
            if limit == 0 {
                return Err("limit must be at least 1".to_owned());
            }
            usize::try_from(limit)
                .unwrap_or(usize::MAX)
                .min(ENUMERATE_LIMIT_MAX)
        }
    };
    Ok((after, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        form_pairs(text).unwrap()
    }

    #[test]
    fn stat_refs_need_camliversion_and_numbering_without_gaps() {
        let a = BlobRef::of_bytes(b"a");
        let b = BlobRef::of_bytes(b"b");
        let ok = stat_refs(&format!("camliversion=1&blob2={b}&blob1={a}&blob3={a}"), "");
        assert_eq!(ok, Ok(vec![a, b, a]));
        let split = stat_refs(&format!("blob2={b}"), &format!("camliversion=1&blob1={a}"));
        assert_eq!(split, Ok(vec![a, b]), "query and form count together");
        assert!(stat_refs(&format!("blob1={a}"), "").is_err());
        assert!(stat_refs(&format!("camliversion=1&blob2={a}"), "").is_err());
        assert!(stat_refs(&format!("camliversion=1&blob1={a}&blob1={b}"), "").is_err());
        assert!(stat_refs(&format!("camliversion=1&blob01={a}"), "").is_err());
        assert!(stat_refs("camliversion=1&blob1=sha224-00", "").is_err());
        assert!(stat_refs("camliversion=1&blob1=%zz", "").is_err());
        assert_eq!(stat_refs("camliversion=1", ""), Ok(vec![]));
        let encoded = format!("camliversion=1&blob1={}", a.as_str().replace('-', "%2D"));
        assert_eq!(
            stat_refs(&encoded, ""),
            Ok(vec![a]),
            "percent-encoded refs decode"
        );
    }

    #[test]
    fn stat_lists_present_refs_in_the_order_asked_each_once() {
        let [a, b, c] = [b"a", b"b", b"c"].map(|bytes| BlobRef::of_bytes(bytes));
        let mut present = vec![(a, 1), (c, 3)];
        present.sort();
        let listed = in_asked_order(&[c, b, a, c, a], &present);
        assert_eq!(listed, [(c, 3), (a, 1)]);
        assert!(in_asked_order(&[b], &present).is_empty());
    }

    #[test]
    fn blob_lists_are_the_compact_json_of_their_entries() {
        let sha256 = BlobRef::parse(&format!("sha256-{}", "ab".repeat(32))).unwrap();
        for entries in [
            vec![],
            vec![(BlobRef::of_bytes(b"a"), 0), (sha256, u64::MAX)],
        ] {
            let mut written = String::new();
            write_blob_list(&mut written, &entries);
            let values = entries.iter().map(|(r, size)| blob_entry(r, *size));
            let expected = json::to_compact(&Value::Array(values.collect()));
            assert_eq!(written, expected);
            assert!(json::parse(written.as_bytes()).is_ok());
        }
    }

    #[test]
    fn blob_numbers_stop_at_one_thousand() {
        assert_eq!(blob_number("1"), Some(1));
        assert_eq!(blob_number("1000"), Some(1000));
        for bad in ["0", "1001", "", "x", "01", "+1", "99999"] {
            assert_eq!(blob_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn form_pairs_refuse_what_does_not_decode() {
        assert!(form_pairs("a=%zz").is_err());
        assert_eq!(
            pairs("a=b+c&&d"),
            [("a".into(), "b c".into()), ("d".into(), String::new())]
        );
    }
}
