//! The banner `--site-banner` puts on pages of `/@T/`: one small,
//! self-contained `<div>` (inline style, no request) right after the
//! `<body>` tag, saying which moment is shown and linking to now.

use crate::http::target::percent_encode_path;
use crate::util::rfc3339::Timestamp;

/// Pages larger than this are served without the banner.
pub const BANNER_PAGE_BYTES_MAX: u64 = 1024 * 1024;

/// The suffix of the entity-tag of a page with the banner.
pub const ETAG_SUFFIX: &str = "+banner";

/// `page` with the banner for a memento of `path` at `moment` inserted
/// after its `<body…>` tag (at the start when it has none).
pub fn insert(page: &[u8], moment: Timestamp, path: &str) -> Vec<u8> {
    let banner = format!(
        "<div role=\"note\" style=\"all:initial;display:block;box-sizing:border-box;\
         width:100%;padding:.5em 1em;background:#222;color:#eee;font:14px/1.4 \
         system-ui,sans-serif;text-align:center\">This is this site as it was on \
         <time datetime=\"{moment}\">{moment}</time>. <a href=\"{now}\" \
         style=\"all:initial;color:#9cf;font:inherit;text-decoration:underline;\
         cursor:pointer\">See it now</a></div>",
        now = escape(&percent_encode_path(path)),
    );
    let at = body_tag_end(page).unwrap_or(0);
    let mut out = Vec::with_capacity(page.len() + banner.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(banner.as_bytes());
    out.extend_from_slice(&page[at..]);
    out
}

/// The index just after the first `<body…>` tag (ASCII case-insensitive).
fn body_tag_end(page: &[u8]) -> Option<usize> {
    let start = page
        .windows(5)
        .position(|window| window.eq_ignore_ascii_case(b"<body"))?;
    let after = page.get(start + 5)?;
    if !(after.is_ascii_whitespace() || *after == b'>') {
        return None;
    }
    let close = page[start..].iter().position(|&b| b == b'>')?;
    Some(start + close + 1)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_goes_after_the_body_tag() {
        let moment = Timestamp::new(0, 0).unwrap();
        let page = b"<html><BODY class=\"x\"><p>hi</p></body></html>";
        let out = String::from_utf8(insert(page, moment, "/a b/")).unwrap();
        let banner = out.find("<div role=\"note\"").unwrap();
        assert_eq!(&out[..banner], "<html><BODY class=\"x\">");
        assert!(out.ends_with("<p>hi</p></body></html>"));
        assert!(out.contains("href=\"/a%20b/\""));
        let bare = String::from_utf8(insert(b"<p>x</p>", moment, "/")).unwrap();
        assert!(bare.starts_with("<div role=\"note\""));
    }
}
