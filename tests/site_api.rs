//! `/api/site` over TCP against the real `strata serve`: the list, a
//! publish, rollbacks, and every error status of API.md ("The website").

mod common;

use common::{RawResponse, ServedBinary, call, exchange, json_of};
use std::net::SocketAddr;
use strata::util::json::Value;

fn post(address: SocketAddr, path: &str) -> RawResponse {
    call(address, "POST", path, "", b"")
}

fn overview(address: SocketAddr) -> Value {
    let response = call(address, "GET", "/api/site", "", b"");
    assert_eq!(response.status, 200, "{}", response.text());
    json_of(&response)
}

fn number(value: &Value) -> u64 {
    value.get("number").and_then(Value::as_u64).unwrap()
}

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap()
}

fn error_of(response: &RawResponse) -> String {
    text(&json_of(response), "error").to_owned()
}

#[test]
fn publish_and_rollback_answer_the_record_and_the_list_shows_it_newest_first() {
    let served = ServedBinary::start("site-api-list");
    let address = served.address;
    let before = overview(address);
    assert_eq!(before.get("live"), Some(&Value::from(false)));
    let known = before
        .get("publishes")
        .and_then(Value::as_array)
        .unwrap()
        .len() as u64;

    let first = post(address, "/api/site/publish");
    assert_eq!(first.status, 201, "{}", first.text());
    let first = json_of(&first);
    assert_eq!(number(&first), known + 1);
    assert_eq!(text(&first, "at"), text(&first, "published"));
    assert!(text(&first, "claim").starts_with("sha224-"));

    let second = post(address, "/api/site/publish?at=2020-01-01T00:00:00Z");
    assert_eq!(second.status, 201, "{}", second.text());
    assert_eq!(text(&json_of(&second), "at"), "2020-01-01T00:00:00Z");

    let back = post(address, "/api/site/rollback");
    assert_eq!(back.status, 201, "{}", back.text());
    let back = json_of(&back);
    assert_eq!(number(&back), known + 3);
    assert_eq!(text(&back, "at"), text(&first, "at"));

    let now = overview(address);
    let list = now.get("publishes").and_then(Value::as_array).unwrap();
    let numbers: Vec<u64> = list.iter().map(number).collect();
    assert_eq!(numbers[..3], [known + 3, known + 2, known + 1]);
    assert_eq!(now.get("current"), Some(&list[0]));
}

#[test]
fn errors_have_precise_statuses() {
    let served = ServedBinary::start("site-api-errors");
    let address = served.address;
    assert_eq!(post(address, "/api/site/publish").status, 201);
    for (path, status) in [
        ("/api/site/rollback?to=abc", 400),
        ("/api/site/rollback?to=0", 400),
        ("/api/site/rollback?to=-1", 400),
        ("/api/site/rollback?to=999", 404),
        ("/api/site/publish?at=yesterday", 400),
        ("/api/site/publish?at=2999-01-01T00:00:00Z", 400),
        ("/api/site/unpublish", 404),
    ] {
        let response = post(address, path);
        assert_eq!(response.status, status, "{path}: {}", response.text());
        assert!(!error_of(&response).is_empty(), "{path}");
    }
    let get = call(address, "GET", "/api/site/publish", "", b"");
    assert_eq!(get.status, 405);
    assert_eq!(get.header("allow"), Some("POST, OPTIONS"));
    let put = call(address, "PUT", "/api/site", "", b"");
    assert_eq!(put.status, 405);
}

#[test]
fn rollback_with_nothing_before_is_a_conflict() {
    let served = ServedBinary::start("site-api-conflict");
    let address = served.address;
    assert_eq!(post(address, "/api/site/publish").status, 201);
    // Roll back until the oldest version is in force, then once more.
    let mut last = post(address, "/api/site/rollback");
    for _ in 0..10 {
        if last.status != 201 {
            break;
        }
        last = post(address, "/api/site/rollback");
    }
    assert_eq!(last.status, 409, "{}", last.text());
    assert!(
        error_of(&last).contains("nothing to roll back to"),
        "{}",
        last.text()
    );
    let current = overview(address);
    let in_force = number(current.get("current").unwrap_or(&Value::Null));
    let same = post(address, &format!("/api/site/rollback?to={in_force}"));
    assert_eq!(same.status, 409, "{}", same.text());
}

#[test]
fn without_credentials_every_site_route_is_refused() {
    let served = ServedBinary::start("site-api-auth");
    for (method, path) in [
        ("GET", "/api/site"),
        ("POST", "/api/site/publish"),
        ("POST", "/api/site/rollback"),
    ] {
        let request = format!("{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
        let response = exchange(served.address, request.as_bytes());
        assert_eq!(response.status, 401, "{method} {path}");
    }
}

#[test]
fn a_browser_publish_needs_our_own_origin() {
    let served = ServedBinary::start("site-api-origin");
    let foreign = call(
        served.address,
        "POST",
        "/api/site/publish",
        "Origin: http://evil.example\r\n",
        b"",
    );
    assert_eq!(foreign.status, 403, "{}", foreign.text());
}

#[test]
fn publishes_are_not_tree_changes() {
    let served = ServedBinary::start("site-api-changes");
    let address = served.address;
    let made = json_of(&post(address, "/api/site/publish"));
    let changes = call(address, "GET", "/api/changes?limit=10000", "", b"");
    let changes = json_of(&changes);
    let entries = changes.get("changes").and_then(Value::as_array).unwrap();
    let claim = text(&made, "claim");
    assert!(entries.iter().all(|entry| text(entry, "claim") != claim));
}
