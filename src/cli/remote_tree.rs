//! The tree of a running server, through its file tree API (API.md, "The
//! file tree API"): what `ls`, `cat`, `log`, `import` and `publish` ask
//! when given `--server URL`. Each call is one request on the caller's
//! [`Client`]; an error answer becomes the server's own message.

use super::client::{Client, Request, RequestBody, ResponseHead};
use crate::blob::BlobRef;
use crate::fs::TreePath;
use crate::http::target::percent_encode_path;
use crate::util::json::{self, Value};
use crate::util::rfc3339::Timestamp;
use crate::web::{PUT_MANY_BODY_BYTES_MAX, PUT_MANY_FILES_MAX};
use std::io::{self, Read, Write};

/// The largest JSON answer read (a listing of 10,000 entries takes about
/// 3 MB).
pub const ANSWER_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// The most bytes of an error answer read to quote it.
const ERROR_BODY_BYTES_MAX: u64 = 64 * 1024;
/// Bytes copied to the output per step.
const COPY_STEP_BYTES: usize = 256 * 1024;

/// One entry of a listing, as the API answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteEntry {
    pub name: String,
    pub is_folder: bool,
    pub size: u64,
    pub content: Option<BlobRef>,
    /// RFC 3339, as the server wrote it.
    pub modified: String,
}

/// `/api/fs/<path>` (or another prefix), percent-encoded, with `?at=T`
/// when given and `extra` query pairs (already encoded).
pub fn route(prefix: &str, path: &TreePath, at: Option<Timestamp>, extra: &str) -> String {
    let mut target = format!("{prefix}{}", percent_encode_path(&path.to_string()));
    let mut pairs: Vec<String> = Vec::new();
    if let Some(at) = at {
        pairs.push(format!("at={}", query_encode(&at.to_string())));
    }
    if !extra.is_empty() {
        pairs.push(extra.to_owned());
    }
    if !pairs.is_empty() {
        target.push('?');
        target.push_str(&pairs.join("&"));
    }
    target
}

/// Percent-encodes a query value: everything but RFC 3986's unreserved
/// characters (§2.3), so `+` and `:` of a time survive form decoding.
pub fn query_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The message of an error answer: its JSON `error`, else its text.
pub fn refusal(head: &ResponseHead, body: &[u8]) -> String {
    let parsed = json::parse(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|value| value.get("error"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    format!("{message} (the server answered {})", head.status)
}

/// Sends `method target` (no body) and reads a JSON answer: `Ok(None)`
/// for `404`, `Err` with the server's message for any other non-2xx.
pub fn call_json(
    client: &mut Client,
    method: &'static str,
    target: &str,
) -> Result<Option<Value>, String> {
    let mut request = Request {
        method,
        path: target,
        headers: Vec::new(),
        body: if method == "GET" {
            RequestBody::None
        } else {
            RequestBody::Bytes(b"")
        },
    };
    let (head, body) = client
        .exchange_to_vec(&mut request, ANSWER_BYTES_MAX)
        .map_err(|error| error.to_string())?;
    match head.status {
        200..=299 => json::parse(&body)
            .map(Some)
            .map_err(|error| format!("the answer to {target} is not JSON: {error}")),
        404 => Ok(None),
        _ => Err(refusal(&head, &body)),
    }
}

/// [`call_json`] where `404` is an error with the server's message.
pub fn call_strict(
    client: &mut Client,
    method: &'static str,
    target: &str,
) -> Result<Value, String> {
    let mut request = Request {
        method,
        path: target,
        headers: Vec::new(),
        body: RequestBody::Bytes(b""),
    };
    if method == "GET" {
        request.body = RequestBody::None;
    }
    let (head, body) = client
        .exchange_to_vec(&mut request, ANSWER_BYTES_MAX)
        .map_err(|error| error.to_string())?;
    if !(200..=299).contains(&head.status) {
        return Err(refusal(&head, &body));
    }
    json::parse(&body).map_err(|error| format!("the answer to {target} is not JSON: {error}"))
}

/// [`call_json`] where `404` is an error too.
pub fn call_found(
    client: &mut Client,
    method: &'static str,
    target: &str,
    path: &TreePath,
) -> Result<Value, String> {
    call_json(client, method, target)?.ok_or_else(|| format!("{path}: not found"))
}

/// The entry at `path` (`?meta=1`), or None when nothing is there.
pub fn stat(
    client: &mut Client,
    path: &TreePath,
    at: Option<Timestamp>,
) -> Result<Option<RemoteEntry>, String> {
    let target = route("/api/fs", path, at, "meta=1");
    match call_json(client, "GET", &target)? {
        None => Ok(None),
        Some(value) => entry(&value).map(Some),
    }
}

/// The entries of the folder at `path`, or None when nothing is there.
pub fn list(
    client: &mut Client,
    path: &TreePath,
    at: Option<Timestamp>,
) -> Result<Option<Vec<RemoteEntry>>, String> {
    let target = route("/api/fs", path, at, "");
    let Some(value) = call_json(client, "GET", &target)? else {
        return Ok(None);
    };
    if value.get("kind").and_then(Value::as_str) != Some("folder") {
        return Err(format!("{path}: not a folder"));
    }
    let entries = value.get("entries").and_then(Value::as_array);
    let entries = entries.ok_or_else(|| format!("the listing of {path} has no entries"))?;
    entries
        .iter()
        .map(entry)
        .collect::<Result<_, _>>()
        .map(Some)
}

/// One listing entry (or a `?meta=1` answer) from its JSON.
fn entry(value: &Value) -> Result<RemoteEntry, String> {
    let text = |name: &str| value.get(name).and_then(Value::as_str);
    let bad = || {
        format!(
            "an entry the client cannot read: {}",
            json::to_compact(value)
        )
    };
    let content = match text("content") {
        None => None,
        Some(text) => Some(BlobRef::parse(text).map_err(|_| bad())?),
    };
    Ok(RemoteEntry {
        name: text("name").ok_or_else(bad)?.to_owned(),
        is_folder: text("kind").ok_or_else(bad)? == "folder",
        size: value.get("size").and_then(Value::as_u64).ok_or_else(bad)?,
        content,
        modified: text("modified").ok_or_else(bad)?.to_owned(),
    })
}

/// Writes the bytes of the file at `path` (as at `at`) to `out`; the
/// number of bytes. A folder is refused as direct mode refuses it.
pub fn cat(
    client: &mut Client,
    path: &TreePath,
    at: Option<Timestamp>,
    out: &mut dyn Write,
) -> Result<u64, String> {
    let target = route("/api/fs", path, at, "");
    let answer = client.exchange(&mut Request::get(&target), |head, body| {
        // Only a file's answer names its node in X-Strata-Node.
        if head.status != 200 || head.header("x-strata-node").is_none() {
            let mut text = Vec::new();
            body.take(ERROR_BODY_BYTES_MAX).read_to_end(&mut text)?;
            return Ok(Err((head.clone(), text)));
        }
        copy(body, out).map(Ok)
    });
    match answer.map_err(|error| error.to_string())? {
        Ok(count) => Ok(count),
        Err((head, _)) if head.status == 200 => Err(format!("{path}: is a folder")),
        Err((head, _)) if head.status == 404 => Err(format!("{path}: not found")),
        Err((head, body)) => Err(refusal(&head, &body)),
    }
}

fn copy(body: &mut dyn Read, out: &mut dyn Write) -> io::Result<u64> {
    let mut step = vec![0u8; COPY_STEP_BYTES];
    let mut total = 0u64;
    loop {
        let count = match body.read(&mut step) {
            Ok(0) => return Ok(total),
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        out.write_all(&step[..count])?;
        total += count as u64;
    }
}

/// The events of the node at `path` (`/api/history`), newest first, as
/// their JSON objects.
pub fn history(
    client: &mut Client,
    path: &TreePath,
    at: Option<Timestamp>,
) -> Result<Vec<Value>, String> {
    let target = route("/api/history", path, at, "");
    let value = call_found(client, "GET", &target, path)?;
    let events = value.get("events").and_then(Value::as_array);
    let events = events.ok_or_else(|| format!("the history of {path} has no events"))?;
    Ok(events.to_vec())
}

/// `POST ?op=mkdir`: the folder and its missing parents.
pub fn mkdir(client: &mut Client, path: &TreePath) -> Result<(), String> {
    let target = route("/api/fs", path, None, "op=mkdir");
    call_found(client, "POST", &target, path).map(drop)
}

/// `DELETE`: a tombstone on the node at `path`.
pub fn delete(client: &mut Client, path: &TreePath) -> Result<(), String> {
    let target = route("/api/fs", path, None, "");
    call_found(client, "DELETE", &target, path).map(drop)
}

/// What naming content at a path did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutAnswer {
    pub created: bool,
    pub changed: bool,
}

/// `POST ?op=put&content=REF&size=N`: stored content becomes the file at
/// `path` (one request; no new version when unchanged).
pub fn put_content(
    client: &mut Client,
    path: &TreePath,
    content: &BlobRef,
    size: u64,
) -> Result<PutAnswer, String> {
    let extra = format!("op=put&content={content}&size={size}");
    let target = route("/api/fs", path, None, &extra);
    let value = call_found(client, "POST", &target, path)?;
    put_answer_of(&value).map_err(|why| format!("{path}: {why}"))
}

/// One file of a [`put_many`]: its path, its stored `file` ref, its size.
pub struct PutFile<'p> {
    pub path: &'p TreePath,
    pub content: BlobRef,
    pub size: u64,
}

/// `POST /api/fs/?op=put-many`: many [`put_content`]s in one request,
/// made durable by one sync on the server. At most one of
/// [`put_many_batches`]'s batches a call. Answers each file's outcome,
/// in order (`None` from a server older than put-many: it says `unknown
/// op`); a refusal names the file it stopped at.
pub fn put_many(
    client: &mut Client,
    files: &[PutFile<'_>],
) -> Result<Option<Vec<PutAnswer>>, String> {
    let body = put_many_body(files);
    let target = "/api/fs/?op=put-many";
    let mut request = Request {
        method: "POST",
        path: target,
        headers: vec![("Content-Type", "application/json".to_owned())],
        body: RequestBody::Bytes(body.as_bytes()),
    };
    let (head, answer) = client
        .exchange_to_vec(&mut request, ANSWER_BYTES_MAX)
        .map_err(|error| error.to_string())?;
    if !(200..=299).contains(&head.status) {
        let message = refusal(&head, &answer);
        if head.status == 400 && message.starts_with("unknown op \"put-many\"") {
            return Ok(None);
        }
        return Err(message);
    }
    let value = json::parse(&answer)
        .map_err(|error| format!("the answer to {target} is not JSON: {error}"))?;
    let done = value.get("files").and_then(Value::as_array).unwrap_or(&[]);
    if done.len() != files.len() {
        return Err(format!(
            "the server answered {} of {} files put",
            done.len(),
            files.len()
        ));
    }
    done.iter()
        .map(put_answer_of)
        .collect::<Result<_, _>>()
        .map(Some)
}

/// The JSON body of a [`put_many`] of `files`.
fn put_many_body(files: &[PutFile<'_>]) -> String {
    let entries = files.iter().map(|file| {
        Value::object([
            ("path", Value::String(file.path.to_string())),
            ("content", Value::String(file.content.to_string())),
            ("size", Value::from(file.size)),
        ])
    });
    json::to_compact(&Value::object([("files", Value::Array(entries.collect()))]))
}

/// `files` cut into [`put_many`] requests the server takes: at most
/// `PUT_MANY_FILES_MAX` files, and a body under `PUT_MANY_BODY_BYTES_MAX`
/// (each entry counted at its longest: every path byte escaped as
/// `\u00XX`, plus the ref, the size and the punctuation).
pub fn put_many_batches<'f, 'p>(files: &'f [PutFile<'p>]) -> Vec<&'f [PutFile<'p>]> {
    const ENTRY_BYTES_BESIDES_PATH: u64 = 160;
    let body_max = PUT_MANY_BODY_BYTES_MAX - 64;
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (index, file) in files.iter().enumerate() {
        let entry = 6 * file.path.to_string().len() as u64 + ENTRY_BYTES_BESIDES_PATH;
        if index > start && (index - start == PUT_MANY_FILES_MAX || bytes + entry > body_max) {
            batches.push(&files[start..index]);
            (start, bytes) = (index, 0);
        }
        bytes += entry;
    }
    if start < files.len() {
        batches.push(&files[start..]);
    }
    batches
}

/// The `created`/`changed` flags of a put's answer.
fn put_answer_of(value: &Value) -> Result<PutAnswer, String> {
    let flag = |name: &str| value.get(name).and_then(Value::as_bool);
    match (flag("created"), flag("changed")) {
        (Some(created), Some(changed)) => Ok(PutAnswer { created, changed }),
        _ => Err("the answer to a put lacks created/changed".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_many_batches_keep_to_the_count_and_the_body_limit() {
        let content = BlobRef::of_bytes(b"x");
        let put = |paths: &[TreePath]| -> Vec<(TreePath, BlobRef)> {
            paths.iter().map(|path| (path.clone(), content)).collect()
        };
        let files_of = |pairs: &[(TreePath, BlobRef)]| -> Vec<String> {
            let files: Vec<PutFile<'_>> = pairs
                .iter()
                .map(|(path, content)| PutFile {
                    path,
                    content: *content,
                    size: 1,
                })
                .collect();
            put_many_batches(&files)
                .iter()
                .map(|batch| put_many_body(batch))
                .collect()
        };
        let short: Vec<TreePath> = (0..2500)
            .map(|i| TreePath::parse(&format!("/f{i}")).unwrap())
            .collect();
        let bodies = files_of(&put(&short));
        let counts: Vec<usize> = bodies
            .iter()
            .map(|body| body.matches("\"path\"").count())
            .collect();
        assert_eq!(counts, [PUT_MANY_FILES_MAX, PUT_MANY_FILES_MAX, 500]);
        let deep = format!("/{}", vec!["n".repeat(250); 16].join("/"));
        let long: Vec<TreePath> = (0..300)
            .map(|i| TreePath::parse(&format!("{deep}/f{i}")).unwrap())
            .collect();
        let bodies = files_of(&put(&long));
        assert!(bodies.len() > 1, "{}", bodies.len());
        let total: usize = bodies
            .iter()
            .map(|body| body.matches("\"path\"").count())
            .sum();
        assert_eq!(total, 300);
        for body in bodies {
            assert!(
                body.len() as u64 <= PUT_MANY_BODY_BYTES_MAX,
                "{}",
                body.len()
            );
        }
        assert!(put_many_batches(&[]).is_empty());
    }

    #[test]
    fn routes_encode_the_path_and_the_time() {
        let path = TreePath::parse("/docs/a b?.txt").unwrap();
        let at = Timestamp::new(1_795_000_000, 500_000_000).unwrap();
        let target = route("/api/fs", &path, Some(at), "meta=1");
        assert_eq!(
            target,
            format!(
                "/api/fs/docs/a%20b%3F.txt?at={}&meta=1",
                query_encode(&at.to_string())
            )
        );
        assert_eq!(
            query_encode("2026-01-01T00:00:00+01:00"),
            "2026-01-01T00%3A00%3A00%2B01%3A00"
        );
        assert_eq!(route("/api/fs", &TreePath::root(), None, ""), "/api/fs/");
    }
}
