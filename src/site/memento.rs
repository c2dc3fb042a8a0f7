//! Memento (RFC 7089) for the site: every `/path` is its own TimeGate
//! (pattern 1.1 of §4.1.1: URI-R = URI-G, 302-style negotiation),
//! `/@X/path` are its Mementos, `/timemap/path` its TimeMap in
//! `application/link-format` (RFC 6690). SITE.md, "Time travel".
//!
//! The versions of a page, with publishes: one Memento per run of
//! publishes in which the page's content stayed the same, dated by the
//! first publish of the run; with `--site-live`: one per content event
//! of the file now at the path.

use super::publish::latest_at;
use super::resolve::Lookup;
use super::serve::{Served, Site};
use super::url::{Moment, TIMEMAP_PREFIX};
use crate::fs::{FsError, latest};
use crate::http::target::percent_encode_path;
use crate::http::{Body, Request, Response, Status};
use crate::index::EventKind;
use crate::util::rfc3339::Timestamp;
use crate::util::time::{format_http_date, parse_http_date};

/// The media type of a TimeMap (RFC 7089 §5.1.1).
pub const LINK_FORMAT: &str = "application/link-format";

/// One Memento of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memento {
    /// The moment in its URI: `/@<moment>/path` (a publish date, or a
    /// claim date with `--site-live`).
    pub moment: Timestamp,
}

impl Memento {
    fn uri(&self, path: &str) -> String {
        memento_uri(self.moment, path)
    }

    fn datetime(&self) -> String {
        format_http_date(self.moment.unix_seconds())
    }
}

/// `/@<moment>/path`, percent-encoded.
pub fn memento_uri(moment: Timestamp, path: &str) -> String {
    percent_encode_path(&format!("/@{moment}{path}"))
}

/// The `Link` of an original resource that is its own TimeGate.
pub fn original_links(path: &str) -> String {
    let uri = percent_encode_path(path);
    format!(
        "<{uri}>; rel=\"original timegate\", <{}>; rel=\"timemap\"; type=\"{LINK_FORMAT}\"",
        timemap_uri(path)
    )
}

fn timemap_uri(path: &str) -> String {
    percent_encode_path(&format!("{}{}", TIMEMAP_PREFIX.trim_end_matches('/'), path))
}

/// Adds `Memento-Datetime` and `Link` to a Memento's answer (§2.1.1,
/// §2.2.1). `mementos` are the page's versions (empty when the answer
/// is no page): the one shown is the latest dated at or before
/// `datetime`; its date is the `Memento-Datetime` (when the page came to
/// be as shown), and the links name the first, last, previous and next.
pub fn memento_headers(
    response: Response,
    path: &str,
    datetime: Timestamp,
    mementos: &[Memento],
) -> Response {
    let shown = mementos.partition_point(|memento| memento.moment <= datetime);
    let Some(index) = shown.checked_sub(1) else {
        return response
            .header(
                "Memento-Datetime",
                format_http_date(datetime.unix_seconds()),
            )
            .header("Link", original_links(path));
    };
    let last = mementos.len() - 1;
    let mut related: std::collections::BTreeMap<usize, Vec<&str>> = Default::default();
    related.entry(0).or_default().push("first");
    related.entry(last).or_default().push("last");
    if index > 0 {
        related.entry(index - 1).or_default().push("prev");
    }
    if index < last {
        related.entry(index + 1).or_default().push("next");
    }
    let mut links = vec![original_links(path)];
    for (at, words) in related {
        let memento = &mementos[at];
        links.push(format!(
            "<{}>; rel=\"{} memento\"; datetime=\"{}\"",
            memento.uri(path),
            words.join(" "),
            memento.datetime()
        ));
    }
    response
        .header("Memento-Datetime", mementos[index].datetime())
        .header("Link", links.join(", "))
}

/// The tree time of `/@X/`, with the Memento's shown moment and
/// datetime; None when no site was in force then.
pub(super) fn moment_of(
    site: &Site,
    generation: u64,
    moment: Moment,
) -> Result<Option<Served>, FsError> {
    let publishes = site.publishes(generation)?;
    let served = match moment {
        Moment::Number(number) => {
            let index = number.checked_sub(1).map(|index| index as usize);
            index
                .and_then(|index| publishes.get(index))
                .map(|publish| Served {
                    at: publish.at,
                    memento: Some((publish.published, publish.published)),
                })
        }
        Moment::Time(time) if site.options.live => Some(Served {
            at: time,
            memento: Some((time, time)),
        }),
        Moment::Time(time) => latest_at(&publishes, time).map(|publish| Served {
            at: publish.at,
            memento: Some((time, publish.published)),
        }),
    };
    Ok(served)
}

/// Every Memento of `path`, oldest first.
pub(super) fn mementos(site: &Site, generation: u64, path: &str) -> Result<Vec<Memento>, FsError> {
    if site.options.live {
        return live_mementos(site, generation, path);
    }
    let mut found = Vec::new();
    let mut previous = None;
    for publish in site.publishes(generation)?.iter() {
        let content = match site.lookup(generation, publish.at, path)? {
            Lookup::Page(page) => Some(page.identity.etag.clone()),
            _ => None,
        };
        if content.is_some() && content != previous {
            found.push(Memento {
                moment: publish.published,
            });
        }
        previous = content;
    }
    Ok(found)
}

/// With `--site-live`: each content event of the file at `path` now.
fn live_mementos(site: &Site, generation: u64, path: &str) -> Result<Vec<Memento>, FsError> {
    let Lookup::Page(page) = site.lookup(generation, latest(), path)? else {
        return Ok(Vec::new());
    };
    let mut events = site.tree.history_of(&page.identity.node)?;
    events.reverse();
    let mut found = Vec::new();
    let mut previous = None;
    for event in events {
        let changes_content = matches!(
            event.kind,
            EventKind::Created | EventKind::Edited | EventKind::Restored
        );
        if changes_content && event.content != previous {
            found.push(Memento {
                moment: event.key.date,
            });
            previous = event.content;
        }
    }
    Ok(found)
}

/// The Memento of `mementos` for `wanted` (Unix seconds): the latest
/// dated at or before it, else the first (RFC 7089 §4.1.1: the one
/// closest in time).
fn best(mementos: &[Memento], wanted: i64) -> Option<Memento> {
    let count = mementos.partition_point(|m| m.moment.unix_seconds() <= wanted);
    mementos.get(count.saturating_sub(1)).copied()
}

/// `/path` with `Accept-Datetime`: 302 to the Memento for that moment.
pub(super) fn timegate(
    site: &Site,
    request: &Request<'_>,
    path: &str,
    wanted: &str,
) -> Result<Response, FsError> {
    let Some(wanted) = parse_http_date(wanted.trim()) else {
        return Ok(Response::error(
            Status::BAD_REQUEST,
            "Accept-Datetime must be an HTTP-date, e.g. Tue, 01 Dec 2026 09:00:00 GMT \
             (RFC 7089 §2.1.1)",
        )
        .header("Vary", "accept-datetime"));
    };
    let generation = site.tree.generation();
    let found = mementos(site, generation, path)?;
    let Some(memento) = best(&found, wanted) else {
        let message = format!("no version of {path} was ever published");
        return Ok(Response::error(Status::NOT_FOUND, &message)
            .header("Vary", "accept-datetime")
            .header("Link", original_links(path)));
    };
    let mut location = memento.uri(path);
    if let Some(query) = request.query {
        location.push('?');
        location.push_str(query);
    }
    Ok(
        Response::error(Status::FOUND, &format!("found at {location}"))
            .header("Location", location)
            .header("Vary", "accept-datetime")
            .header("Link", original_links(path))
            .header("Cache-Control", "no-cache"),
    )
}

/// `/timemap/path`: the page's Mementos in link-format (§5.1.1).
pub(super) fn timemap(site: &Site, path: &str) -> Result<Response, FsError> {
    let generation = site.tree.generation();
    let found = mementos(site, generation, path)?;
    let (Some(first), Some(last)) = (found.first(), found.last()) else {
        let message = format!("no version of {path} was ever published");
        return Ok(Response::error(Status::NOT_FOUND, &message));
    };
    let original = percent_encode_path(path);
    let mut lines = vec![
        format!("<{original}>; rel=\"original\""),
        format!(
            "<{}>; rel=\"self\"; type=\"{LINK_FORMAT}\"; from=\"{}\"; until=\"{}\"",
            timemap_uri(path),
            first.datetime(),
            last.datetime()
        ),
        format!("<{original}>; rel=\"timegate\""),
    ];
    for (index, memento) in found.iter().enumerate() {
        let rel = match (index == 0, index + 1 == found.len()) {
            (true, true) => "first last memento",
            (true, false) => "first memento",
            (false, true) => "last memento",
            (false, false) => "memento",
        };
        lines.push(format!(
            "<{}>; rel=\"{rel}\"; datetime=\"{}\"",
            memento.uri(path),
            memento.datetime()
        ));
    }
    let body = format!("{}\n", lines.join(",\n"));
    Ok(
        Response::with_body(Status::OK, LINK_FORMAT, Body::Bytes(body.into_bytes()))
            .header("Cache-Control", "no-cache"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: u32) -> Memento {
        Memento {
            moment: Timestamp::new(seconds, nanos).unwrap(),
        }
    }

    #[test]
    fn the_gate_picks_the_latest_memento_by_then_or_the_first() {
        let list = [at(100, 500), at(200, 0), at(300, 0)];
        assert_eq!(best(&list, 50), Some(list[0]));
        assert_eq!(best(&list, 100), Some(list[0]));
        assert_eq!(best(&list, 250), Some(list[1]));
        assert_eq!(best(&list, 9999), Some(list[2]));
        assert_eq!(best(&[], 9999), None);
    }

    #[test]
    fn a_memento_names_its_date_and_its_neighbours() {
        let list = [at(100, 0), at(200, 0), at(300, 0), at(400, 0), at(500, 0)];
        let response = memento_headers(
            Response::empty(Status::OK),
            "/p",
            Timestamp::new(350, 0).unwrap(),
            &list,
        );
        let datetime = response.header_value("memento-datetime").unwrap();
        assert_eq!(datetime, format_http_date(300));
        let link = response.header_value("link").unwrap();
        for rel in [
            "first memento",
            "prev memento",
            "next memento",
            "last memento",
        ] {
            assert!(link.contains(&format!("rel=\"{rel}\"")), "{rel}: {link}");
        }
        let near = memento_headers(Response::empty(Status::OK), "/p", at(120, 0).moment, &list);
        let link = near.header_value("link").unwrap();
        assert!(link.contains("rel=\"first memento\""), "{link}");
        assert!(link.contains("rel=\"next memento\""), "{link}");
        assert!(!link.contains("prev"), "{link}");
        let lone = memento_headers(
            Response::empty(Status::OK),
            "/p",
            Timestamp::new(150, 0).unwrap(),
            &list[..1],
        );
        let link = lone.header_value("link").unwrap();
        assert!(link.contains("rel=\"first last memento\""), "{link}");
        let before = memento_headers(Response::empty(Status::OK), "/p", at(50, 0).moment, &list);
        assert_eq!(before.header_value("link").unwrap(), original_links("/p"));
    }

    #[test]
    fn links_name_the_original_timegate_and_timemap() {
        assert_eq!(
            original_links("/a b/"),
            "</a%20b/>; rel=\"original timegate\", </timemap/a%20b/>; rel=\"timemap\"; \
             type=\"application/link-format\""
        );
        let moment = Timestamp::new(0, 5).unwrap();
        assert_eq!(
            memento_uri(moment, "/x"),
            "/@1970-01-01T00:00:00.000000005Z/x"
        );
    }
}
