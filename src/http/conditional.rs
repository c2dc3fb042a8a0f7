//! Conditional and range requests for any body of known length (RFC 9110
//! §13 and §14): a handler describes its representation (length, ETag,
//! Last-Modified) and gets back what to send: the whole body, one range,
//! 304, 412 or 416. Evaluation follows the order of §13.2.2.

use super::request::Request;
use super::response::{Body, Response};
use super::status::Status;
use crate::util::time::{format_http_date, parse_http_date};

/// What a handler knows about the body it is about to send.
#[derive(Clone, Copy, Debug)]
pub struct Representation<'a> {
    pub length: u64,
    /// The entity-tag with its quotes, e.g. `"sha224-…"` or `W/"x"`.
    pub etag: Option<&'a str>,
    /// Unix seconds.
    pub last_modified: Option<i64>,
}

/// The outcome of evaluating a request's preconditions and Range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// 200 with the whole body.
    Full,
    /// 206 with `length` bytes from `start`.
    Partial {
        start: u64,
        length: u64,
    },
    NotModified,
    PreconditionFailed,
    /// 416: the range starts past the end.
    Unsatisfiable,
}

/// Evaluates If-Match, If-Unmodified-Since, If-None-Match,
/// If-Modified-Since, If-Range and Range, in that order.
pub fn select(request: &Request<'_>, representation: &Representation<'_>) -> Selection {
    let is_read = matches!(request.method, "GET" | "HEAD");
    if let Some(selection) = check_preconditions(request, representation, is_read) {
        return selection;
    }
    if request.method != "GET" {
        return Selection::Full;
    }
    let Some(range) = request.header_str("range") else {
        return Selection::Full;
    };
    if let Some(if_range) = request.header_str("if-range")
        && !if_range_matches(if_range, representation)
    {
        return Selection::Full;
    }
    match parse_range(range, representation.length) {
        RangeSpec::Single { start, length } => Selection::Partial { start, length },
        RangeSpec::Unsatisfiable => Selection::Unsatisfiable,
        RangeSpec::Ignored => Selection::Full,
    }
}

fn check_preconditions(
    request: &Request<'_>,
    representation: &Representation<'_>,
    is_read: bool,
) -> Option<Selection> {
    let etag = representation.etag;
    if let Some(if_match) = request.header_str("if-match") {
        if !etag_list_matches(if_match, etag, Comparison::Strong) {
            return Some(Selection::PreconditionFailed);
        }
    } else if let Some(since) = request.header_str("if-unmodified-since")
        && let (Some(since), Some(modified)) =
            (parse_http_date(since), representation.last_modified)
        && modified > since
    {
        return Some(Selection::PreconditionFailed);
    }
    if let Some(if_none_match) = request.header_str("if-none-match") {
        if etag_list_matches(if_none_match, etag, Comparison::Weak) {
            let failed = if is_read {
                Selection::NotModified
            } else {
                Selection::PreconditionFailed
            };
            return Some(failed);
        }
    } else if is_read
        && let Some(since) = request.header_str("if-modified-since")
        && let (Some(since), Some(modified)) =
            (parse_http_date(since), representation.last_modified)
        && modified <= since
    {
        return Some(Selection::NotModified);
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Strong,
    Weak,
}

/// Does `header` (`*` or a list of entity-tags) match `etag`?
fn etag_list_matches(header: &str, etag: Option<&str>, comparison: Comparison) -> bool {
    if header.trim() == "*" {
        return etag.is_some();
    }
    let Some(etag) = etag.and_then(parse_etag) else {
        return false;
    };
    header
        .split(',')
        .filter_map(|candidate| parse_etag(candidate.trim()))
        .any(|candidate| etags_match(candidate, etag, comparison))
}

/// An entity-tag split into (weak, opaque-tag); `None` if malformed.
fn parse_etag(text: &str) -> Option<(bool, &str)> {
    let (weak, quoted) = match text.strip_prefix("W/") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let opaque = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let valid = opaque
        .bytes()
        .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80);
    valid.then_some((weak, opaque))
}

/// RFC 9110 §8.8.3.2: strong comparison needs both strong and equal;
/// weak comparison needs only the opaque tags equal.
fn etags_match(a: (bool, &str), b: (bool, &str), comparison: Comparison) -> bool {
    let strong_ok = comparison == Comparison::Weak || (!a.0 && !b.0);
    strong_ok && a.1 == b.1
}

/// If-Range (§13.1.5): an entity-tag matched strongly, or a date equal
/// to Last-Modified.
fn if_range_matches(if_range: &str, representation: &Representation<'_>) -> bool {
    let if_range = if_range.trim();
    if if_range.starts_with('"') || if_range.starts_with("W/") {
        let (Some(candidate), Some(etag)) = (
            parse_etag(if_range),
            representation.etag.and_then(parse_etag),
        ) else {
            return false;
        };
        return etags_match(candidate, etag, Comparison::Strong);
    }
    match (parse_http_date(if_range), representation.last_modified) {
        (Some(date), Some(modified)) => date == modified,
        _ => false,
    }
}

/// A parsed Range field, resolved against a body length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeSpec {
    Single {
        start: u64,
        length: u64,
    },
    Unsatisfiable,
    /// Malformed, another unit, or several ranges: answer the whole body.
    Ignored,
}

/// Parses `bytes=first-last`, `bytes=first-` or `bytes=-suffix` (§14.1.2).
pub fn parse_range(header: &str, length: u64) -> RangeSpec {
    let Some((unit, set)) = header.split_once('=') else {
        return RangeSpec::Ignored;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return RangeSpec::Ignored;
    }
    let Some((first, last)) = set.trim().split_once('-') else {
        return RangeSpec::Ignored;
    };
    let number = |text: &str| -> Option<u64> {
        let ok = !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit());
        if ok { text.parse().ok() } else { None }
    };
    match (first, last) {
        ("", suffix) => match number(suffix) {
            Some(0) => RangeSpec::Unsatisfiable,
            Some(suffix) if length > 0 => {
                let count = suffix.min(length);
                RangeSpec::Single {
                    start: length - count,
                    length: count,
                }
            }
            Some(_) => RangeSpec::Unsatisfiable,
            None => RangeSpec::Ignored,
        },
        (first, last) => {
            let Some(start) = number(first) else {
                return RangeSpec::Ignored;
            };
            let end = if last.is_empty() {
                Some(u64::MAX)
            } else {
                number(last)
            };
            match end {
                Some(end) if end < start => RangeSpec::Ignored,
                Some(_) if start >= length => RangeSpec::Unsatisfiable,
                Some(end) => RangeSpec::Single {
                    start,
                    length: end.min(length - 1) - start + 1,
                },
                None => RangeSpec::Ignored,
            }
        }
    }
}

/// Builds the response for `selection`: status, validators, Accept-Ranges,
/// Content-Range, and the body from `open(start, length)` when one is sent.
pub fn respond<F>(
    request: &Request<'_>,
    representation: &Representation<'_>,
    content_type: &str,
    open: F,
) -> Response
where
    F: FnOnce(u64, u64) -> std::io::Result<Body>,
{
    let selection = select(request, representation);
    let mut response = match selection {
        Selection::NotModified => Response::empty(Status::NOT_MODIFIED),
        Selection::PreconditionFailed => {
            return Response::error(Status::PRECONDITION_FAILED, "precondition failed");
        }
        Selection::Unsatisfiable => {
            let range = format!("bytes */{}", representation.length);
            return Response::error(Status::RANGE_NOT_SATISFIABLE, "range not satisfiable")
                .header("Content-Range", range);
        }
        Selection::Full => ranged(Status::OK, content_type, open(0, representation.length)),
        Selection::Partial { start, length } => {
            let end = start + length - 1;
            let range = format!("bytes {start}-{end}/{}", representation.length);
            ranged(Status::PARTIAL_CONTENT, content_type, open(start, length))
                .header("Content-Range", range)
        }
    };
    if let Some(etag) = representation.etag {
        response = response.header("ETag", etag.to_string());
    }
    if let Some(modified) = representation.last_modified {
        response = response.header("Last-Modified", format_http_date(modified));
    }
    response
}

fn ranged(status: Status, content_type: &str, body: std::io::Result<Body>) -> Response {
    match body {
        Ok(body) => Response::with_body(status, content_type.to_string(), body)
            .header("Accept-Ranges", "bytes"),
        Err(error) => Response::error(Status::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_against_the_length() {
        let single = |start, length| RangeSpec::Single { start, length };
        assert_eq!(parse_range("bytes=0-0", 10), single(0, 1));
        assert_eq!(parse_range("bytes=2-5", 10), single(2, 4));
        assert_eq!(parse_range("bytes=5-", 10), single(5, 5));
        assert_eq!(parse_range("bytes=5-100", 10), single(5, 5));
        assert_eq!(parse_range("bytes=-3", 10), single(7, 3));
        assert_eq!(parse_range("bytes=-30", 10), single(0, 10));
        assert_eq!(parse_range("BYTES = 1-1", 10), single(1, 1));
    }

    #[test]
    fn unsatisfiable_and_ignored_ranges() {
        assert_eq!(parse_range("bytes=10-", 10), RangeSpec::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 10), RangeSpec::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), RangeSpec::Unsatisfiable);
        assert_eq!(parse_range("bytes=-5", 0), RangeSpec::Unsatisfiable);
        for ignored in [
            "bytes=5-2",
            "items=0-1",
            "bytes=0-1,3-4",
            "bytes=a-b",
            "bytes",
            "bytes=1",
        ] {
            assert_eq!(parse_range(ignored, 10), RangeSpec::Ignored, "{ignored}");
        }
    }

    #[test]
    fn etag_comparison_is_strong_or_weak_as_asked() {
        let strong = Some("\"abc\"");
        let weak = Some("W/\"abc\"");
        assert!(etag_list_matches("\"abc\"", strong, Comparison::Strong));
        assert!(!etag_list_matches("W/\"abc\"", strong, Comparison::Strong));
        assert!(!etag_list_matches("\"abc\"", weak, Comparison::Strong));
        assert!(etag_list_matches("W/\"abc\"", strong, Comparison::Weak));
        assert!(etag_list_matches("\"x\", \"abc\"", weak, Comparison::Weak));
        assert!(etag_list_matches("*", strong, Comparison::Weak));
        assert!(!etag_list_matches("*", None, Comparison::Weak));
        assert!(!etag_list_matches("abc", strong, Comparison::Weak));
    }
}
