//! What a URL of the site names ([SITE.md](SITE.md), "URLs"): a page
//! now (`/about/`), a page at a moment (`/@2026-12-01T09:00:00Z/about/`,
//! `/@3/about/`), or a page's TimeMap (`/timemap/about/`).
//!
//! Reserved at the top level only: a first segment `timemap`, and a
//! first segment `@X` where X is a publish number (1 to 9 digits) or an
//! RFC 3339 time. Any other `@…` segment (`/@ada/`) is content, and
//! after `/@T/` or deeper in the tree every name is content, so a file
//! called `timemap` or `@3` is still reachable as `/@T/timemap` or
//! `/a/@3`.

use crate::util::rfc3339::Timestamp;

/// The URL prefix of TimeMaps, with its slash.
pub const TIMEMAP_PREFIX: &str = "/timemap/";
/// The most digits of a publish number in a URL.
pub const PUBLISH_NUMBER_DIGITS_MAX: usize = 9;

/// A moment named in a memento URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// The site as served at this time.
    Time(Timestamp),
    /// The site of publish N.
    Number(u64),
}

impl Moment {
    /// `X` of `/@X/`, or None when X is neither a number nor a time.
    pub fn parse(text: &str) -> Option<Moment> {
        let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        if digits {
            return (text.len() <= PUBLISH_NUMBER_DIGITS_MAX)
                .then(|| text.parse().ok().map(Moment::Number))
                .flatten();
        }
        Timestamp::parse_rfc3339(text).ok().map(Moment::Time)
    }
}

/// A site URL, split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteUrl<'a> {
    /// `/path` as served now.
    Page(&'a str),
    /// `/@X/path`: `path` (from its `/`) at the moment.
    Memento { moment: Moment, path: &'a str },
    /// `/@X` without its slash: 301 to `/@X/`.
    MementoRoot,
    /// `/timemap/path`: the versions of `path` (from its `/`).
    TimeMap(&'a str),
    /// `/timemap` without its slash: 301 to `/timemap/`.
    TimeMapRoot,
}

/// Splits a decoded request path (from its `/`).
pub fn parse(path: &str) -> SiteUrl<'_> {
    if path == "/timemap" {
        return SiteUrl::TimeMapRoot;
    }
    if let Some(rest) = path.strip_prefix("/timemap/") {
        return SiteUrl::TimeMap(&path[path.len() - rest.len() - 1..]);
    }
    if let Some(after) = path.strip_prefix("/@") {
        let end = after.find('/').unwrap_or(after.len());
        if let Some(moment) = Moment::parse(&after[..end]) {
            return match end == after.len() {
                true => SiteUrl::MementoRoot,
                false => SiteUrl::Memento {
                    moment,
                    path: &after[end..],
                },
            };
        }
    }
    SiteUrl::Page(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_pages_mementos_and_timemaps() {
        let time = Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap();
        assert_eq!(parse("/about/"), SiteUrl::Page("/about/"));
        assert_eq!(
            parse("/@2026-12-01T09:00:00Z/about/"),
            SiteUrl::Memento {
                moment: Moment::Time(time),
                path: "/about/"
            }
        );
        assert_eq!(
            parse("/@3/"),
            SiteUrl::Memento {
                moment: Moment::Number(3),
                path: "/"
            }
        );
        assert_eq!(parse("/@3"), SiteUrl::MementoRoot);
        assert_eq!(parse("/timemap/a/b"), SiteUrl::TimeMap("/a/b"));
        assert_eq!(parse("/timemap/"), SiteUrl::TimeMap("/"));
        assert_eq!(parse("/timemap"), SiteUrl::TimeMapRoot);
    }

    #[test]
    fn other_at_names_and_deeper_names_are_content() {
        for content in [
            "/@ada/",
            "/@/x",
            "/@1234567890/",
            "/@2026-13-01T00:00:00Z/x",
        ] {
            assert_eq!(parse(content), SiteUrl::Page(content), "{content}");
        }
        assert_eq!(parse("/a/timemap/x"), SiteUrl::Page("/a/timemap/x"));
        assert_eq!(parse("/timemaps/x"), SiteUrl::Page("/timemaps/x"));
        assert_eq!(
            parse("/@1/timemap/x"),
            SiteUrl::Memento {
                moment: Moment::Number(1),
                path: "/timemap/x"
            }
        );
    }
}
