//! The request target (RFC 9112 §3.2): its form, the path with
//! percent-decoding (RFC 3986 §2.1), and the query.
//!
//! A path reaches a handler decoded and checked: valid UTF-8, no NUL, no
//! `.` or `..` segment (after decoding, so `%2e%2e` and `..%2f` are caught
//! too). Anything else is a 400 before any handler runs.

use std::borrow::Cow;

/// Why a request target was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetError {
    /// Not one of the four forms of RFC 9112 §3.2.
    InvalidForm,
    /// A `%` not followed by two hex digits.
    InvalidPercentEncoding,
    /// The decoded path is not UTF-8.
    InvalidUtf8,
    /// The decoded path holds a NUL byte.
    NulInPath,
    /// The decoded path has a `.` or `..` segment.
    DotSegment,
}

impl TargetError {
    pub fn message(self) -> &'static str {
        match self {
            TargetError::InvalidForm => "invalid request target",
            TargetError::InvalidPercentEncoding => "invalid percent-encoding in the path",
            TargetError::InvalidUtf8 => "the path is not valid UTF-8",
            TargetError::NulInPath => "NUL in the path",
            TargetError::DotSegment => "'.' or '..' segment in the path",
        }
    }
}

/// A request target, split and decoded.
#[derive(Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The decoded path, starting with `/`; `*` for the asterisk form.
    pub path: Cow<'a, str>,
    /// The raw query after `?`, still percent-encoded.
    pub query: Option<&'a str>,
    /// The authority of an absolute-form target (`http://host/...`).
    pub authority: Option<&'a str>,
}

/// Splits and decodes a request target.
pub fn parse_target(raw: &[u8]) -> Result<Target<'_>, TargetError> {
    if let Some(plain) = parse_plain_origin_form(raw) {
        return plain;
    }
    parse_general(raw)
}

/// Every target form, without the fast path of plain origin-form targets
/// (the two must agree wherever the fast path answers).
fn parse_general(raw: &[u8]) -> Result<Target<'_>, TargetError> {
    let raw = std::str::from_utf8(raw).map_err(|_| TargetError::InvalidUtf8)?;
    if raw == "*" {
        return Ok(Target {
            path: Cow::Borrowed("*"),
            query: None,
            authority: None,
        });
    }
    let (authority, rest) = split_absolute_form(raw)?;
    if rest.contains('#') {
        return Err(TargetError::InvalidForm);
    }
    let (raw_path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let path = if raw_path.is_empty() {
        Cow::Borrowed("/")
    } else {
        decode_path(raw_path)?
    };
    Ok(Target {
        path,
        query,
        authority,
    })
}

/// The common case in one pass over the bytes: an origin-form target in
/// ASCII without `%` or `#`, which needs no decoding. `None` leaves
/// anything else to the general path; the outcome is the same either way.
fn parse_plain_origin_form(raw: &[u8]) -> Option<Result<Target<'_>, TargetError>> {
    if raw.first() != Some(&b'/') {
        return None;
    }
    let mut segment_start = 1;
    let mut path_end = raw.len();
    for (index, &byte) in raw.iter().enumerate().skip(1) {
        match byte {
            b'?' => {
                path_end = index;
                break;
            }
            b'/' => {
                if is_dot_segment(&raw[segment_start..index]) {
                    return Some(Err(TargetError::DotSegment));
                }
                segment_start = index + 1;
            }
            b'%' | b'#' | 0 | 0x80.. => return None,
            _ => {}
        }
    }
    if is_dot_segment(&raw[segment_start..path_end]) {
        return Some(Err(TargetError::DotSegment));
    }
    let query = match raw.get(path_end + 1..) {
        Some(query) if query.iter().any(|&b| b == b'#' || b >= 0x80) => return None,
        Some(query) => Some(std::str::from_utf8(query).ok()?),
        None => None,
    };
    let path = std::str::from_utf8(&raw[..path_end]).ok()?;
    Some(Ok(Target {
        path: Cow::Borrowed(path),
        query,
        authority: None,
    }))
}

fn is_dot_segment(segment: &[u8]) -> bool {
    segment == b"." || segment == b".."
}

/// `absolute-form` has a scheme and authority before the path; the
/// `origin-form` is just the path.
fn split_absolute_form(raw: &str) -> Result<(Option<&str>, &str), TargetError> {
    if raw.starts_with('/') {
        return Ok((None, raw));
    }
    let (scheme, after) = raw.split_once("://").ok_or(TargetError::InvalidForm)?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(TargetError::InvalidForm);
    }
    let authority_end = after.find(['/', '?']).unwrap_or(after.len());
    let authority = &after[..authority_end];
    if authority.is_empty() {
        return Err(TargetError::InvalidForm);
    }
    Ok((Some(authority), &after[authority_end..]))
}

fn decode_path(raw: &str) -> Result<Cow<'_, str>, TargetError> {
    if !raw.starts_with('/') {
        return Err(TargetError::InvalidForm);
    }
    let path = if raw.contains('%') {
        let bytes = percent_decode(raw.as_bytes(), false)?;
        Cow::Owned(String::from_utf8(bytes).map_err(|_| TargetError::InvalidUtf8)?)
    } else {
        Cow::Borrowed(raw)
    };
    check_path(&path)?;
    Ok(path)
}

fn check_path(path: &str) -> Result<(), TargetError> {
    if path.contains('\0') {
        return Err(TargetError::NulInPath);
    }
    if path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return Err(TargetError::DotSegment);
    }
    Ok(())
}

/// Decodes `%XX` escapes; with `plus_as_space`, `+` is a space (form
/// encoding, for query strings).
pub fn percent_decode(bytes: &[u8], plus_as_space: bool) -> Result<Vec<u8>, TargetError> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let high = bytes.get(index + 1).and_then(|&b| hex_value(b));
                let low = bytes.get(index + 2).and_then(|&b| hex_value(b));
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(TargetError::InvalidPercentEncoding);
                };
                out.push(high << 4 | low);
                index += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    Ok(out)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes a path for a `Location` or a link: keeps unreserved
/// characters, `/` and RFC 3986's sub-delims that are safe in a path.
pub fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'/' | b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\''
            )
            || matches!(
                byte,
                b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'@'
            );
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The decoded `name=value` pairs of a query string (form encoding).
/// Pairs that do not decode to UTF-8 are skipped.
pub fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = String::from_utf8(percent_decode(name.as_bytes(), true).ok()?).ok()?;
            let value = String::from_utf8(percent_decode(value.as_bytes(), true).ok()?).ok()?;
            Some((name, value))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_form_splits_path_and_query() {
        let target = parse_target(b"/a/b?x=1&y=2").unwrap();
        assert_eq!(target.path, "/a/b");
        assert_eq!(target.query, Some("x=1&y=2"));
        assert_eq!(target.authority, None);
    }

    #[test]
    fn absolute_form_takes_the_authority() {
        let target = parse_target(b"http://example.org:8080/p?q").unwrap();
        assert_eq!(target.authority, Some("example.org:8080"));
        assert_eq!(target.path, "/p");
        assert_eq!(target.query, Some("q"));
        let bare = parse_target(b"HTTPS://example.org").unwrap();
        assert_eq!(bare.path, "/");
        assert_eq!(parse_target(b"ftp://x/"), Err(TargetError::InvalidForm));
        assert_eq!(parse_target(b"http:///p"), Err(TargetError::InvalidForm));
    }

    #[test]
    fn asterisk_and_authority_forms() {
        assert_eq!(parse_target(b"*").unwrap().path, "*");
        assert_eq!(
            parse_target(b"example.org:443"),
            Err(TargetError::InvalidForm)
        );
    }

    #[test]
    fn percent_decoding_is_applied_and_checked() {
        assert_eq!(
            parse_target(b"/a%20b/%E2%82%AC").unwrap().path,
            "/a b/\u{20ac}"
        );
        assert_eq!(
            parse_target(b"/a%2").map(|_| ()),
            Err(TargetError::InvalidPercentEncoding)
        );
        assert_eq!(
            parse_target(b"/a%zz").map(|_| ()),
            Err(TargetError::InvalidPercentEncoding)
        );
        assert_eq!(
            parse_target(b"/%ff").map(|_| ()),
            Err(TargetError::InvalidUtf8)
        );
    }

    #[test]
    fn traversal_and_nul_are_rejected_in_every_spelling() {
        for bad in [
            &b"/../etc/passwd"[..],
            b"/a/..",
            b"/a/./b",
            b"/%2e%2e/x",
            b"/%2E%2E/x",
            b"/a/..%2f..%2fetc",
            b"/a%2f%2e%2e%2fb",
            b"/.%2e/x",
        ] {
            assert_eq!(
                parse_target(bad).map(|_| ()),
                Err(TargetError::DotSegment),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_target(b"/a%00b").map(|_| ()),
            Err(TargetError::NulInPath)
        );
    }

    #[test]
    fn the_one_pass_path_agrees_with_the_general_one() {
        for raw in [
            &b"/"[..],
            b"/a/b/c.html",
            b"/a?",
            b"/a?b=c/../d",
            b"/?",
            b"/..",
            b"/.",
            b"/a/.",
            b"/a/../b",
            b"/..?x",
            b"/a//b/",
            b"/a?x#y",
            b"/a#b",
            b"/a?\xc3\xa9",
            b"/\xc3\xa9",
            b"/a%20b",
            b"/...",
        ] {
            let general = parse_general(raw);
            assert_eq!(parse_target(raw), general, "{raw:?}");
        }
    }

    #[test]
    fn dots_inside_names_are_fine() {
        assert_eq!(
            parse_target(b"/a..b/.hidden/...").unwrap().path,
            "/a..b/.hidden/..."
        );
    }

    #[test]
    fn fragment_is_not_part_of_a_request_target() {
        assert_eq!(
            parse_target(b"/a#frag").map(|_| ()),
            Err(TargetError::InvalidForm)
        );
    }

    #[test]
    fn query_pairs_decode_form_encoding() {
        let pairs: Vec<_> = query_pairs("a=1&b=x+y&c=%2F&d&&e=").collect();
        assert_eq!(
            pairs,
            [("a", "1"), ("b", "x y"), ("c", "/"), ("d", ""), ("e", "")]
                .map(|(n, v)| (n.to_string(), v.to_string()))
        );
    }

    #[test]
    fn percent_encode_path_round_trips() {
        let path = "/a b/€/x?y#z%";
        let encoded = percent_encode_path(path);
        assert_eq!(encoded, "/a%20b/%E2%82%AC/x%3Fy%23z%25");
        assert_eq!(parse_target(encoded.as_bytes()).unwrap().path, path);
    }
}
