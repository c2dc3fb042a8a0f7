//! The website from the store over TCP against the real `strata serve`
//! (src/site/SITE.md): index pages, the slash redirect, the 404 page,
//! media types, validators, Range, Cache-Control, precompressed
//! variants, `/@X/` at several moments with and without the banner,
//! Memento headers and TimeMaps, publish atomicity under readers,
//! `--site-live`, `--site-host`, and the first-start publish.

mod common;

use common::{RawResponse, ServedBinary, call, exchange, json_of};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use strata::util::json::Value;

fn put(address: SocketAddr, path: &str, body: &[u8]) {
    let response = call(address, "PUT", &format!("/api/fs{path}"), "", body);
    assert!(response.status < 300, "PUT {path}: {}", response.text());
}

fn delete(address: SocketAddr, path: &str) {
    let response = call(address, "DELETE", &format!("/api/fs{path}"), "", b"");
    assert!(response.status < 300, "DELETE {path}: {}", response.text());
}

/// Publishes now; answers the publish record.
fn publish(address: SocketAddr) -> Value {
    let response = call(address, "POST", "/api/site/publish", "", b"");
    assert_eq!(response.status, 201, "{}", response.text());
    json_of(&response)
}

fn member<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap()
}

/// A visitor's GET (no credentials) with `extra` header lines.
fn visit(address: SocketAddr, path: &str, extra: &str) -> RawResponse {
    let request = format!("GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n");
    exchange(address, request.as_bytes())
}

fn body(address: SocketAddr, path: &str) -> String {
    let response = visit(address, path, "");
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.text()
}

/// A server whose `/site` holds a small site, published.
fn small_site(name: &str, flags: &[&str]) -> ServedBinary {
    let served = ServedBinary::start_with(name, flags);
    let address = served.address;
    put(
        address,
        "/site/index.html",
        b"<html><body><p>home</p></body></html>",
    );
    put(address, "/site/about/index.html", b"<p>about</p>");
    put(address, "/site/404.html", b"<p>custom not found</p>");
    put(address, "/site/app.3f9a1c2b.js", b"console.log(1)");
    put(address, "/site/style.css", b"body{}");
    put(address, "/site/font.woff2", b"wOF2");
    put(address, "/site/logo.svg", b"<svg/>");
    put(address, "/site/data.bin", b"\x00\x01");
    put(address, "/site/notes.txt", b"0123456789");
    publish(address);
    served
}

#[test]
fn index_pages_redirects_and_the_404_page() {
    let served = small_site("site-index", &[]);
    let address = served.address;
    assert_eq!(body(address, "/"), "<html><body><p>home</p></body></html>");
    assert_eq!(body(address, "/about/"), "<p>about</p>");
    let redirect = visit(address, "/about?x=1&y=2", "");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/about/?x=1&y=2"));
    let missing = visit(address, "/no/such/page", "");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.text(), "<p>custom not found</p>");
    assert_eq!(
        missing.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    // A file asked for as a folder is missing too.
    assert_eq!(visit(address, "/style.css/", "").status, 404);
    // Without a 404.html: a plain 404.
    delete(address, "/site/404.html");
    publish(address);
    let plain = visit(address, "/nothing", "");
    assert_eq!(plain.status, 404);
    assert!(
        plain.text().contains("no such page: /nothing"),
        "{}",
        plain.text()
    );
}

#[test]
fn media_types_and_nosniff() {
    let served = small_site("site-mime", &[]);
    for (path, media_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/app.3f9a1c2b.js", "text/javascript; charset=utf-8"),
        ("/font.woff2", "font/woff2"),
        ("/logo.svg", "image/svg+xml"),
        ("/notes.txt", "text/plain; charset=utf-8"),
        ("/data.bin", "application/octet-stream"),
    ] {
        let response = visit(served.address, path, "");
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some(media_type), "{path}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    }
}

#[test]
fn validators_conditionals_and_ranges() {
    let served = small_site("site-validators", &[]);
    let address = served.address;
    let meta = call(address, "GET", "/api/fs/site/notes.txt?meta=1", "", b"");
    let content = member(&json_of(&meta), "content").to_owned();
    let response = visit(address, "/notes.txt", "");
    let etag = format!("\"{content}\"");
    assert_eq!(response.header("etag"), Some(etag.as_str()));
    assert!(response.header("last-modified").is_some());
    let again = visit(address, "/notes.txt", &format!("If-None-Match: {etag}\r\n"));
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let range = visit(address, "/notes.txt", "Range: bytes=2-4\r\n");
    assert_eq!(range.status, 206);
    assert_eq!(range.text(), "234");
    assert_eq!(range.header("content-range"), Some("bytes 2-4/10"));
    let past = visit(address, "/notes.txt", "Range: bytes=50-\r\n");
    assert_eq!(past.status, 416);
}

#[test]
fn cache_control_defaults_and_rules() {
    let served = small_site("site-cache", &[]);
    for (path, expected) in [
        ("/", "no-cache"),
        ("/about/", "no-cache"),
        ("/app.3f9a1c2b.js", "public, max-age=31536000, immutable"),
        ("/style.css", "public, max-age=3600"),
    ] {
        let response = visit(served.address, path, "");
        assert_eq!(response.header("cache-control"), Some(expected), "{path}");
    }
    let ruled = small_site(
        "site-cache-rules",
        &[
            "--site-cache",
            "*.css=public, max-age=60",
            "--site-cache",
            "/about/*=no-store",
        ],
    );
    let css = visit(ruled.address, "/style.css", "");
    assert_eq!(css.header("cache-control"), Some("public, max-age=60"));
    let about = visit(ruled.address, "/about/", "");
    assert_eq!(about.header("cache-control"), Some("no-store"));
}

#[test]
fn precompressed_variants_follow_accept_encoding() {
    let served = small_site("site-encoding", &[]);
    let address = served.address;
    put(address, "/site/big.css", b"identity bytes");
    put(address, "/site/big.css.gz", b"gzip bytes");
    put(address, "/site/big.css.br", b"brotli bytes");
    publish(address);
    let cases = [
        ("", "identity bytes", None),
        ("Accept-Encoding: gzip\r\n", "gzip bytes", Some("gzip")),
        ("Accept-Encoding: gzip, br\r\n", "brotli bytes", Some("br")),
        (
            "Accept-Encoding: br;q=0, gzip\r\n",
            "gzip bytes",
            Some("gzip"),
        ),
        (
            "Accept-Encoding: gzip;q=0.5, br;q=0.4\r\n",
            "gzip bytes",
            Some("gzip"),
        ),
        ("Accept-Encoding: *;q=0\r\n", "identity bytes", None),
        ("Accept-Encoding: deflate\r\n", "identity bytes", None),
    ];
    for (extra, expected, coding) in cases {
        let response = visit(address, "/big.css", extra);
        assert_eq!(response.status, 200, "{extra}");
        assert_eq!(response.text(), expected, "{extra}");
        assert_eq!(response.header("content-encoding"), coding, "{extra}");
        assert_eq!(response.header("vary"), Some("Accept-Encoding"), "{extra}");
        assert_eq!(
            response.header("content-type"),
            Some("text/css; charset=utf-8")
        );
    }
    // The variant has its own ETag; 304 keeps Vary.
    let gzip = visit(address, "/big.css", "Accept-Encoding: gzip\r\n");
    let etag = gzip.header("etag").unwrap().to_owned();
    let identity = visit(address, "/big.css", "");
    assert_ne!(identity.header("etag"), Some(etag.as_str()));
    let extra = format!("Accept-Encoding: gzip\r\nIf-None-Match: {etag}\r\n");
    let not_modified = visit(address, "/big.css", &extra);
    assert_eq!(not_modified.status, 304);
    assert_eq!(not_modified.header("vary"), Some("Accept-Encoding"));
    // A path without variants says nothing of encodings.
    assert_eq!(
        visit(address, "/style.css", "Accept-Encoding: gzip\r\n")
            .header("vary")
            .unwrap(),
        "accept-datetime"
    );
}

#[test]
fn edits_go_live_only_when_published_and_rollback_undoes() {
    let served = small_site("site-publish", &[]);
    let address = served.address;
    put(address, "/site/notes.txt", b"draft");
    assert_eq!(body(address, "/notes.txt"), "0123456789");
    publish(address);
    assert_eq!(body(address, "/notes.txt"), "draft");
    let back = call(address, "POST", "/api/site/rollback", "", b"");
    assert_eq!(back.status, 201, "{}", back.text());
    assert_eq!(body(address, "/notes.txt"), "0123456789");
}

#[test]
fn mementos_serve_the_site_as_it_was_at_each_moment() {
    let served = small_site("site-mementos", &[]);
    let address = served.address;
    put(address, "/site/page.html", b"v1");
    let first = publish(address);
    put(address, "/site/page.html", b"v2");
    let second = publish(address);
    put(address, "/site/page.html", b"v3 unpublished");
    let (n1, n2) = (
        first.get("number").unwrap().as_u64().unwrap(),
        second.get("number").unwrap().as_u64().unwrap(),
    );
    let (p1, p2) = (member(&first, "published"), member(&second, "published"));
    assert_eq!(body(address, "/page.html"), "v2");
    assert_eq!(body(address, &format!("/@{n1}/page.html")), "v1");
    assert_eq!(body(address, &format!("/@{n2}/page.html")), "v2");
    assert_eq!(body(address, &format!("/@{p1}/page.html")), "v1");
    assert_eq!(body(address, &format!("/@{p2}/page.html")), "v2");
    assert_eq!(body(address, "/@2999-01-01T00:00:00Z/page.html"), "v2");
    // Before the first publish there was no site.
    let before = visit(address, "/@1970-01-01T00:00:00Z/page.html", "");
    assert_eq!(before.status, 404);
    // A memento names its datetime and its original.
    let memento = visit(address, &format!("/@{n1}/page.html"), "");
    assert!(
        memento
            .header("memento-datetime")
            .unwrap()
            .ends_with(" GMT")
    );
    let link = memento.header("link").unwrap();
    assert!(
        link.contains("</page.html>; rel=\"original timegate\""),
        "{link}"
    );
    assert!(
        link.contains("</timemap/page.html>; rel=\"timemap\""),
        "{link}"
    );
    // Folders redirect under the prefix; the bare prefix too.
    let slash = visit(address, &format!("/@{n1}/about"), "");
    assert_eq!(
        slash.header("location"),
        Some(format!("/@{n1}/about/").as_str())
    );
    assert_eq!(
        visit(address, &format!("/@{n1}"), "").header("location"),
        Some(format!("/@{n1}/").as_str())
    );
    // No publish 999; and an `@name` that is no moment is content.
    assert_eq!(visit(address, "/@999/page.html", "").status, 404);
    put(address, "/site/@ada/index.html", b"handle page");
    put(address, "/site/timemap", b"a file called timemap");
    let latest = publish(address);
    assert_eq!(body(address, "/@ada/"), "handle page");
    let number = latest.get("number").unwrap().as_u64().unwrap();
    assert_eq!(
        body(address, &format!("/@{number}/timemap")),
        "a file called timemap"
    );
}

#[test]
fn the_banner_marks_memento_pages_only_when_asked() {
    let plain = small_site("site-no-banner", &[]);
    let page = body(plain.address, "/@2999-01-01T00:00:00Z/");
    assert_eq!(page, "<html><body><p>home</p></body></html>");
    let served = small_site("site-banner", &["--site-banner"]);
    let address = served.address;
    let page = body(address, "/@2999-01-01T00:00:00Z/");
    assert!(page.starts_with("<html><body><div role=\"note\""), "{page}");
    assert!(page.contains("See it now"));
    assert!(page.ends_with("<p>home</p></body></html>"));
    assert_eq!(body(address, "/"), "<html><body><p>home</p></body></html>");
    assert_eq!(body(address, "/@2999-01-01T00:00:00Z/style.css"), "body{}");
}

#[test]
fn the_timegate_redirects_and_the_timemap_lists_each_version() {
    let served = small_site("site-timemap", &[]);
    let address = served.address;
    put(address, "/site/page.html", b"v1");
    let first = publish(address);
    put(address, "/site/other.txt", b"unrelated");
    publish(address);
    put(address, "/site/page.html", b"v2");
    let third = publish(address);
    let original = visit(address, "/page.html", "");
    assert_eq!(original.header("vary"), Some("accept-datetime"));
    let map = visit(address, "/timemap/page.html", "");
    assert_eq!(map.status, 200);
    assert_eq!(map.header("content-type"), Some("application/link-format"));
    let text = map.text();
    let mementos: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("memento\""))
        .collect();
    assert_eq!(mementos.len(), 2, "{text}");
    let p1 = member(&first, "published");
    let p3 = member(&third, "published");
    assert!(
        mementos[0].starts_with(&format!("</@{p1}/page.html>; rel=\"first memento\"")),
        "{text}"
    );
    assert!(
        mementos[1].starts_with(&format!("</@{p3}/page.html>; rel=\"last memento\"")),
        "{text}"
    );
    assert!(
        text.starts_with("</page.html>; rel=\"original\",\n"),
        "{text}"
    );
    assert!(text.contains("</timemap/page.html>; rel=\"self\"; type=\"application/link-format\""));
    // Accept-Datetime long ago gives the first; far ahead the last.
    let gate = visit(
        address,
        "/page.html",
        "Accept-Datetime: Thu, 01 Jan 1970 00:00:00 GMT\r\n",
    );
    assert_eq!(gate.status, 302);
    assert_eq!(
        gate.header("location"),
        Some(format!("/@{p1}/page.html").as_str())
    );
    assert_eq!(gate.header("vary"), Some("accept-datetime"));
    assert!(
        gate.header("link")
            .unwrap()
            .contains("rel=\"original timegate\"")
    );
    let late = visit(
        address,
        "/page.html",
        "Accept-Datetime: Fri, 01 Jan 2999 00:00:00 GMT\r\n",
    );
    assert_eq!(
        late.header("location"),
        Some(format!("/@{p3}/page.html").as_str())
    );
    let following = visit(address, late.header("location").unwrap(), "");
    assert_eq!(following.text(), "v2");
    // The Memento names its version's date and its neighbours.
    let link = following.header("link").unwrap();
    assert!(
        link.contains(&format!("</@{p1}/page.html>; rel=\"first prev memento\"")),
        "{link}"
    );
    assert!(
        link.contains(&format!("</@{p3}/page.html>; rel=\"last memento\"")),
        "{link}"
    );
    let third_date = strata::util::rfc3339::Timestamp::parse_rfc3339(p3).unwrap();
    let datetime = strata::util::time::format_http_date(third_date.unix_seconds());
    assert_eq!(
        following.header("memento-datetime"),
        Some(datetime.as_str())
    );
    let bad = visit(address, "/page.html", "Accept-Datetime: yesterday\r\n");
    assert_eq!(bad.status, 400);
    assert_eq!(visit(address, "/timemap/never.html", "").status, 404);
    assert_eq!(
        visit(address, "/timemap", "").header("location"),
        Some("/timemap/")
    );
}

#[test]
fn traversal_attempts_never_leave_the_site() {
    let served = small_site("site-traversal", &[]);
    let address = served.address;
    put(address, "/secret.txt", b"TOP SECRET");
    put(address, "/site/a/b.txt", b"inside");
    publish(address);
    let attempts = [
        ("/../secret.txt", 400),
        ("/a/../../secret.txt", 400),
        ("/%2e%2e/secret.txt", 400),
        ("/%2E%2E/secret.txt", 400),
        ("/a/..%2f..%2fsecret.txt", 400),
        ("/..%5csecret.txt", 404),
        ("/..\\secret.txt", 404),
        ("/a\\..\\..\\secret.txt", 404),
        ("/a%00/b.txt", 400),
        ("//secret.txt", 400),
        ("/@1/../secret.txt", 400),
        ("/@1/%2e%2e/secret.txt", 400),
        ("/timemap/../secret.txt", 400),
        ("http://t/../secret.txt", 400),
        ("/secret.txt", 404),
    ];
    for (target, status) in attempts {
        let request = format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n");
        let response = exchange(address, request.as_bytes());
        assert_eq!(response.status, status, "{target}: {}", response.text());
        assert!(!response.text().contains("TOP SECRET"), "{target}");
    }
    assert_eq!(body(address, "/a/b.txt"), "inside");
    assert_eq!(body(address, "/a%2fb.txt"), "inside");
}

#[test]
fn a_reader_sees_the_old_site_or_the_new_never_a_mix() {
    const FILES: usize = 12;
    let served = ServedBinary::start("site-atomic");
    let address = served.address;
    for index in 0..FILES {
        put(address, &format!("/site/f{index}.txt"), b"old");
    }
    publish(address);
    let publishing = std::sync::atomic::AtomicBool::new(false);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut rounds = Vec::new();
                    while !done.load(Ordering::Acquire) {
                        let round: Vec<String> = (0..FILES)
                            .map(|index| body(address, &format!("/f{index}.txt")))
                            .collect();
                        // Read after the round: false means the whole
                        // round ran before the publish was asked for.
                        let publish_began = publishing.load(Ordering::Acquire);
                        rounds.push((publish_began, round));
                    }
                    rounds
                })
            })
            .collect();
        for index in 0..FILES {
            put(address, &format!("/site/f{index}.txt"), b"new");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        publishing.store(true, Ordering::Release);
        publish(address);
        std::thread::sleep(std::time::Duration::from_millis(200));
        done.store(true, Ordering::Release);
        for reader in readers {
            let rounds = reader.join().unwrap();
            assert!(rounds.len() >= 2, "the readers ran");
            for (publish_began, round) in rounds {
                let switched = round.iter().position(|text| text == "new");
                if let Some(first_new) = switched {
                    // Once one file is new, every file read after it is.
                    assert!(publish_began, "new content before the publish: {round:?}");
                    assert!(
                        round[first_new..].iter().all(|text| text == "new"),
                        "{round:?}"
                    );
                }
                assert!(round.iter().all(|text| text == "old" || text == "new"));
            }
        }
    });
    for index in 0..FILES {
        assert_eq!(body(address, &format!("/f{index}.txt")), "new");
    }
}

#[test]
fn live_mode_serves_edits_without_a_publish() {
    let served = small_site("site-live", &["--site-live"]);
    let address = served.address;
    put(address, "/site/notes.txt", b"edited");
    assert_eq!(body(address, "/notes.txt"), "edited");
    let site = json_of(&call(address, "GET", "/api/site", "", b""));
    assert_eq!(site.get("live"), Some(&Value::from(true)));
    // `/@T/` is the tree at T.
    let map = visit(address, "/timemap/notes.txt", "").text();
    assert_eq!(
        map.lines()
            .filter(|line| line.contains("memento\""))
            .count(),
        2,
        "{map}"
    );
}

#[test]
fn the_site_host_gets_the_site_and_other_hosts_the_ui() {
    let served = small_site("site-host", &["--site-host", "example.org"]);
    let address = served.address;
    let on_site = |path: &str| {
        let request = format!("GET {path} HTTP/1.1\r\nHost: Example.org:8080\r\n\r\n");
        exchange(address, request.as_bytes())
    };
    assert_eq!(on_site("/").text(), "<html><body><p>home</p></body></html>");
    // /ui/ and /api/ are the site's paths there (its 404 page).
    assert_eq!(on_site("/ui/").text(), "<p>custom not found</p>");
    assert_eq!(on_site("/api/site").status, 404);
    let elsewhere = visit(address, "/", "");
    assert_eq!(elsewhere.status, 302);
    assert_eq!(elsewhere.header("location"), Some("/ui/"));
    assert_eq!(visit(address, "/ui/", "").status, 200);
    assert_eq!(visit(address, "/style.css", "").status, 404);
}

#[test]
fn the_first_start_publishes_the_starter_site_once() {
    let mut served = ServedBinary::start("site-first-start");
    let address = served.address;
    let page = body(address, "/");
    assert!(page.contains("<title>Ada Example</title>"), "{page}");
    assert_eq!(visit(address, "/style.css", "").status, 200);
    assert_eq!(
        visit(address, "/favicon.svg", "").header("content-type"),
        Some("image/svg+xml")
    );
    assert_eq!(visit(address, "/missing", "").status, 404);
    let site = json_of(&call(address, "GET", "/api/site", "", b""));
    assert_eq!(
        site.get("publishes")
            .and_then(Value::as_array)
            .unwrap()
            .len(),
        1
    );
    delete(address, "/site");
    served.restart();
    let address = served.address;
    let site = json_of(&call(address, "GET", "/api/site", "", b""));
    assert_eq!(
        site.get("publishes")
            .and_then(Value::as_array)
            .unwrap()
            .len(),
        1
    );
    let listing = json_of(&call(address, "GET", "/api/fs/", "", b""));
    assert_eq!(
        listing
            .get("entries")
            .and_then(Value::as_array)
            .unwrap()
            .len(),
        0
    );
    // The publish still serves the site as it was when published.
    assert!(body(address, "/").contains("Ada Example"));
}

#[test]
fn head_options_and_other_methods() {
    let served = small_site("site-methods", &[]);
    let address = served.address;
    let mut wire = common::Wire::connect(address);
    wire.send(
        b"HEAD /notes.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /notes.txt HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    let head = wire.response_to(true).unwrap();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("10"));
    assert!(head.header("etag").is_some());
    // The next answer on the connection is the GET's: HEAD sent no body.
    assert_eq!(wire.response().unwrap().text(), "0123456789");
    let options = exchange(address, b"OPTIONS / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(options.status, 204);
    assert_eq!(options.header("allow"), Some("GET, HEAD, OPTIONS"));
    let post = exchange(
        address,
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD, OPTIONS"));
}
