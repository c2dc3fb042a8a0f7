//! Browser sessions and the cross-site check, over TCP against an
//! in-process server: `/api/login`, `/api/logout`, `/api/session`, the
//! session cookie on the protected routes, and `Origin` on changes.

mod common;

use common::{RawResponse, TOKEN, Wire, start};
use std::net::SocketAddr;
use std::sync::Arc;
use strata::blob::{BlobRef, MemoryStorage};
use strata::http::Limits;
use strata::web::App;
use strata::web::auth::Gate;
use strata::web::credentials::Credentials;
use strata::web::session::Sessions;

fn server(name: &str) -> SocketAddr {
    let folder = std::env::temp_dir().join(format!("strata-session-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let (credentials, _) = Credentials::open_or_create(&folder, Some(TOKEN)).unwrap();
    let gate = Gate::new(credentials).with_sessions(Sessions::open(&folder).unwrap());
    let app = App::new(gate).with_blobs(Arc::new(MemoryStorage::new()));
    start(Limits::default(), app)
}

/// Sends `method path` with `extra` header lines (no credentials added).
fn send(address: SocketAddr, method: &str, path: &str, extra: &str, body: &[u8]) -> RawResponse {
    let mut wire = Wire::connect(address);
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n{extra}\r\n",
        body.len()
    );
    wire.send(head.as_bytes()).send(body);
    wire.response_to(method == "HEAD").expect("a response")
}

fn login_json(address: SocketAddr, token: &str) -> RawResponse {
    let body = format!(r#"{{"token":"{token}"}}"#);
    let extra = "Content-Type: application/json\r\nOrigin: http://t\r\n";
    send(address, "POST", "/api/login", extra, body.as_bytes())
}

/// The `name=value` of a response's Set-Cookie.
fn cookie_of(response: &RawResponse) -> String {
    let set_cookie = response.header("set-cookie").expect("a Set-Cookie field");
    set_cookie.split(';').next().unwrap().to_string()
}

#[test]
fn a_signed_in_browser_reaches_the_protected_routes_with_its_cookie() {
    let address = server("signed-in");
    let answer = login_json(address, TOKEN);
    assert_eq!(answer.status, 200, "{}", answer.text());
    let set_cookie = answer.header("set-cookie").unwrap();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    let cookie = format!("Cookie: other=1; {}\r\n", cookie_of(&answer));
    let whoami = send(address, "GET", "/api/session", &cookie, b"");
    assert_eq!(whoami.status, 200);
    assert!(
        whoami.text().contains(r#""proof":"session""#),
        "{}",
        whoami.text()
    );
    let missing = BlobRef::of_bytes(b"never stored");
    let fetched = send(
        address,
        "GET",
        &format!("/api/blob/{missing}"),
        &cookie,
        b"",
    );
    assert_eq!(fetched.status, 404, "past the gate: {}", fetched.text());
}

#[test]
fn a_change_with_the_cookie_needs_our_own_origin() {
    let address = server("origin");
    let cookie = format!("Cookie: {}\r\n", cookie_of(&login_json(address, TOKEN)));
    let no_origin = send(address, "PUT", "/api/blob", &cookie, b"x");
    assert_eq!(no_origin.status, 403, "{}", no_origin.text());
    let evil = format!("{cookie}Origin: http://evil.example\r\n");
    assert_eq!(send(address, "PUT", "/api/blob", &evil, b"x").status, 403);
    let cross = format!("{cookie}Origin: http://t\r\nSec-Fetch-Site: cross-site\r\n");
    assert_eq!(send(address, "PUT", "/api/blob", &cross, b"x").status, 403);
    let ours = format!("{cookie}Origin: http://t\r\nSec-Fetch-Site: same-origin\r\n");
    let stored = send(address, "PUT", "/api/blob", &ours, b"x");
    assert_eq!(stored.status, 201, "{}", stored.text());
}

#[test]
fn a_token_change_from_curl_needs_no_origin_but_a_foreign_one_is_refused() {
    let address = server("token-origin");
    let bearer = format!("Authorization: Bearer {TOKEN}\r\n");
    assert_eq!(send(address, "PUT", "/api/blob", &bearer, b"y").status, 201);
    let foreign = format!("{bearer}Origin: https://evil.example\r\n");
    assert_eq!(
        send(address, "PUT", "/api/blob", &foreign, b"y").status,
        403
    );
}

#[test]
fn sign_out_ends_the_session_and_clears_the_cookie() {
    let address = server("logout");
    let cookie = format!("Cookie: {}\r\n", cookie_of(&login_json(address, TOKEN)));
    let extra = format!("{cookie}Origin: http://t\r\n");
    let out = send(address, "POST", "/api/logout", &extra, b"");
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = send(address, "GET", "/api/session", &cookie, b"");
    assert_eq!(after.status, 401);
    assert!(after.text().contains("sign in again"), "{}", after.text());
}

#[test]
fn a_wrong_token_is_401_and_repeated_failures_are_429() {
    let address = server("wrong");
    let first = login_json(address, "not-the-token");
    assert_eq!(first.status, 401);
    assert!(first.header("set-cookie").is_none());
    let statuses: Vec<u16> = (0..12)
        .map(|_| login_json(address, "nope").status)
        .collect();
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert_eq!(
        login_json(address, TOKEN).status,
        429,
        "blocked even when right"
    );
}

#[test]
fn a_plain_form_signs_in_and_goes_to_the_ui() {
    let address = server("form");
    let body = format!("token={TOKEN}");
    let extra = "Content-Type: application/x-www-form-urlencoded\r\nOrigin: http://t\r\n";
    let answer = send(address, "POST", "/api/login", extra, body.as_bytes());
    assert_eq!(answer.status, 303, "{}", answer.text());
    assert_eq!(answer.header("location"), Some("/ui/"));
    assert!(answer.header("set-cookie").is_some());
}

#[test]
fn malformed_sign_ins_get_precise_statuses() {
    let address = server("malformed");
    let plain = send(
        address,
        "POST",
        "/api/login",
        "Content-Type: text/plain\r\n",
        b"x",
    );
    assert_eq!(plain.status, 415);
    let json = "Content-Type: application/json\r\n";
    assert_eq!(send(address, "POST", "/api/login", json, b"{}").status, 400);
    assert_eq!(
        send(address, "POST", "/api/login", json, b"{broken").status,
        400
    );
    let huge = vec![b' '; 5000];
    assert_eq!(send(address, "POST", "/api/login", json, &huge).status, 413);
    let get = send(address, "GET", "/api/login", "", b"");
    assert_eq!((get.status, get.header("allow")), (405, Some("POST")));
    let foreign = "Content-Type: application/json\r\nOrigin: http://evil.example\r\n";
    let body = format!(r#"{{"token":"{TOKEN}"}}"#);
    assert_eq!(
        send(address, "POST", "/api/login", foreign, body.as_bytes()).status,
        403
    );
}

#[test]
fn a_script_gets_no_basic_challenge_so_the_browser_shows_no_dialog() {
    let address = server("challenge");
    let fetched = send(
        address,
        "GET",
        "/api/session",
        "Sec-Fetch-Mode: cors\r\n",
        b"",
    );
    assert_eq!(fetched.status, 401);
    assert_eq!(challenges(&fetched), ["Bearer realm=\"strata\""]);
    let navigated = send(
        address,
        "GET",
        "/api/session",
        "Sec-Fetch-Mode: navigate\r\n",
        b"",
    );
    assert_eq!(challenges(&navigated).len(), 2);
}

fn challenges(response: &RawResponse) -> Vec<&str> {
    let named = |(name, _): &&(String, String)| name.eq_ignore_ascii_case("www-authenticate");
    response
        .headers
        .iter()
        .filter(named)
        .map(|(_, value)| value.as_str())
        .collect()
}
