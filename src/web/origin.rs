//! Cross-site request refusal (no CSRF): a browser attaches the session
//! cookie, and cached Basic credentials, to requests any page makes, so a
//! request that changes something must show it comes from strata's own
//! pages. Browsers send `Origin` on every non-GET request (RFC 6454 §7,
//! Fetch's "origin header" rules) and `Sec-Fetch-Site` (Fetch Metadata);
//! scripts cannot forge either.
//!
//! The rule, for every method but GET, HEAD and OPTIONS:
//! - `Sec-Fetch-Site: cross-site` or `same-site` → refused;
//! - an `Origin` whose host and port differ from the request's `Host` →
//!   refused (the scheme is not compared: behind a TLS proxy the browser
//!   says `https` while strata hears plain HTTP);
//! - a request authenticated by the session cookie alone must carry
//!   `Origin` (curl and scripts use a token and send none, and are let
//!   through).

use crate::http::{Request, Response, Status};

/// Methods that change nothing, so need no origin check (RFC 9110 §9.2.1).
const SAFE_METHODS: [&str; 3] = ["GET", "HEAD", "OPTIONS"];

/// How the request proved it is the owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// `Authorization: Bearer` or `Basic`.
    Token,
    /// The session cookie.
    Session,
}

/// `Some(403)` when `request` must not change anything from where it came.
pub fn refusal(request: &Request<'_>, proof: Proof) -> Option<Response> {
    if SAFE_METHODS.contains(&request.method) {
        return None;
    }
    let site = request.header_str("sec-fetch-site").map(str::trim);
    if matches!(site, Some(value) if value.eq_ignore_ascii_case("cross-site")
        || value.eq_ignore_ascii_case("same-site"))
    {
        return Some(forbidden("request from another site refused"));
    }
    match request.header_str("origin").map(str::trim) {
        Some(origin) if !same_host(origin, request.host()) => {
            Some(forbidden("request from another origin refused"))
        }
        None if proof == Proof::Session => Some(forbidden(
            "a change made with the session cookie must carry an Origin header",
        )),
        _ => None,
    }
}

/// Does the serialized origin `origin` (`scheme://host[:port]`, RFC 6454
/// §6.2) name the authority `host`? `null` never does.
fn same_host(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host else {
        return false;
    };
    let Some((_scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    authority.eq_ignore_ascii_case(host.trim())
}

fn forbidden(message: &str) -> Response {
    Response::error(Status::FORBIDDEN, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_matches_by_host_and_port_not_scheme() {
        assert!(same_host("http://127.0.0.1:3179", Some("127.0.0.1:3179")));
        assert!(same_host("https://Example.org", Some("example.org")));
        assert!(!same_host("http://evil.example", Some("example.org")));
        assert!(!same_host("http://example.org:81", Some("example.org")));
        assert!(!same_host("null", Some("example.org")));
        assert!(!same_host("http://example.org", None));
    }
}
