//! A parsed request as a handler sees it: method, decoded path, query,
//! version, header fields (borrowed from the connection buffer) and the
//! client's address.

use std::borrow::Cow;
use std::net::SocketAddr;

use super::parse::{Head, Version};
use super::target::{Target, query_pairs};

/// One request. Borrowed from the connection: valid while its handler runs.
#[derive(Debug)]
pub struct Request<'a> {
    buffer: &'a [u8],
    head: &'a Head,
    /// The method, case-sensitive (RFC 9110 §9.1).
    pub method: &'a str,
    /// The decoded path (see `target.rs` for what is refused before this).
    pub path: Cow<'a, str>,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    pub version: Version,
    /// The target exactly as received (for logs).
    pub raw_target: &'a str,
    pub peer: SocketAddr,
    authority: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// Assembles a request from a parsed head and its decoded target.
    pub fn new(buffer: &'a [u8], head: &'a Head, target: Target<'a>, peer: SocketAddr) -> Self {
        let text = |span: super::parse::Span| std::str::from_utf8(span.of(buffer)).unwrap_or("");
        Request {
            buffer,
            head,
            method: text(head.method),
            path: target.path,
            query: target.query,
            version: head.version.unwrap_or(Version::Http11),
            raw_target: text(head.target),
            peer,
            authority: target.authority,
        }
    }

    /// Every header field line, in order: (name, value).
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + '_ {
        let buffer = self.buffer;
        self.head.headers.iter().map(move |field| {
            let name = std::str::from_utf8(field.name.of(buffer)).unwrap_or("");
            (name, field.value.of(buffer))
        })
    }

    /// Values of the fields named `name` (case-insensitive), compared as
    /// bytes: names are tokens, so no UTF-8 check is needed on this hot path.
    fn values_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a [u8]> + 's {
        let buffer = self.buffer;
        let wanted = name.as_bytes();
        self.head.headers.iter().filter_map(move |field| {
            let field_name = field.name.of(buffer);
            let same = field_name.len() == wanted.len() && field_name.eq_ignore_ascii_case(wanted);
            same.then(|| field.value.of(buffer))
        })
    }

    /// The value of the first field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.values_named(name).next()
    }

    /// The first field named `name` as text (`None` if it is not UTF-8).
    pub fn header_str(&self, name: &str) -> Option<&'a str> {
        self.header(name)
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    /// Values of every field named `name`.
    pub fn header_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a [u8]> + 's {
        self.values_named(name)
    }

    /// The comma-separated list elements of every field named `name`
    /// (RFC 9110 §5.6.1), trimmed, empty elements dropped.
    pub fn header_list<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.header_all(name)
            .filter_map(|value| std::str::from_utf8(value).ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|element| !element.is_empty())
    }

    /// Does a list field hold `token` (case-insensitive)?
    pub fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.header_list(name)
            .any(|element| element.eq_ignore_ascii_case(token))
    }

    /// The host the request was for: the authority of an absolute-form
    /// target, else the Host field (RFC 9112 §3.2.2).
    pub fn host(&self) -> Option<&'a str> {
        self.authority.or_else(|| self.header_str("host"))
    }

    /// The decoded value of the first query parameter called `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(self.query?)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}
