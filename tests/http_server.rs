//! The HTTP server over raw TCP: every malformed request class gets its
//! status and the server keeps serving; pipelining, bodies, 100-continue,
//! ranges, conditionals, timeouts, caps, panics.

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Wire, exchange, get, start};
use strata::http::conditional::{Representation, respond};
use strata::http::{Body, Handler, Limits, Request, RequestBody, Response, Status};

const RANGE_BODY: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?";
const RANGE_ETAG: &str = "\"v1\"";
const RANGE_MODIFIED: i64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT

struct TestHandler;

impl Handler for TestHandler {
    fn handle(&self, request: &Request<'_>, body: &mut RequestBody<'_>) -> Response {
        match &*request.path {
            "/echo" => echo(request, body),
            "/panic" => panic!("a handler bug"),
            "/range" => {
                let representation = Representation {
                    length: RANGE_BODY.len() as u64,
                    etag: Some(RANGE_ETAG),
                    last_modified: Some(RANGE_MODIFIED),
                };
                respond(request, &representation, "text/plain", |start, length| {
                    Ok(Body::Static(
                        &RANGE_BODY[start as usize..(start + length) as usize],
                    ))
                })
            }
            "/stream" => {
                let data = vec![b'x'; 100_000];
                let reader = Box::new(std::io::Cursor::new(data));
                Response::with_body(
                    Status::OK,
                    "text/plain",
                    Body::Stream {
                        reader,
                        length: None,
                    },
                )
            }
            "/file" => {
                let path = request.query_param("path").unwrap();
                let file = std::fs::File::open(&path).unwrap();
                let length = file.metadata().unwrap().len();
                let body = Body::File {
                    file,
                    offset: 0,
                    length,
                };
                Response::with_body(Status::OK, "application/octet-stream", body)
            }
            "/slow" => {
                std::thread::sleep(Duration::from_millis(300));
                Response::text(Status::OK, "slow")
            }
            path => Response::text(Status::OK, format!("{} {path}", request.method)),
        }
    }
}

fn echo(request: &Request<'_>, body: &mut RequestBody<'_>) -> Response {
    if let Some(limit) = request.query_param("limit")
        && body.set_limit(limit.parse().unwrap()).is_err()
    {
        return Response::error(Status::CONTENT_TOO_LARGE, "too large");
    }
    match body.read_to_vec() {
        Ok(bytes) => {
            Response::with_body(Status::OK, "application/octet-stream", Body::Bytes(bytes))
        }
        Err(error) => Response::error(Status::BAD_REQUEST, &error.to_string()),
    }
}

fn server() -> SocketAddr {
    start(Limits::default(), TestHandler)
}

fn server_with(limits: Limits) -> SocketAddr {
    start(limits, TestHandler)
}

/// After a bad request, the server still answers a good one.
fn assert_still_serving(address: SocketAddr) {
    let response = get(address, "/ok");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "GET /ok");
}

fn assert_rejected(address: SocketAddr, request: &[u8], status: u16) {
    let mut wire = Wire::connect(address);
    wire.try_send(request);
    let response = wire.response().unwrap_or_else(|| {
        panic!(
            "no response to {:?}",
            String::from_utf8_lossy(&request[..request.len().min(200)])
        )
    });
    assert_eq!(
        response.status,
        status,
        "{:?} -> {}",
        String::from_utf8_lossy(&request[..request.len().min(200)]),
        response.text()
    );
    assert_eq!(response.header("connection"), Some("close"));
    assert!(wire.is_closed(), "a rejected connection is closed");
    assert_still_serving(address);
}

#[test]
fn malformed_request_lines_get_400_or_505() {
    let address = server();
    for (request, status) in [
        (&b"G@T / HTTP/1.1\r\nHost: t\r\n\r\n"[..], 400),
        (b"GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        (b"GET / HTTP/1.1 \r\nHost: t\r\n\r\n", 400),
        (b"GET /\r\nHost: t\r\n\r\n", 400),
        (b"GET / HTTP/1\r\nHost: t\r\n\r\n", 400),
        (b"GET / http/1.1\r\nHost: t\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        (b"GET / HTTP/0.9\r\nHost: t\r\n\r\n", 505),
        (b"GET /a\rb HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        (b"GET /a\x00b HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        (b"GET /a#b HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        (b"GET example.org:80 HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        (b"GET * HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ] {
        assert_rejected(address, request, status);
    }
}

#[test]
fn malformed_header_fields_get_400() {
    let address = server();
    for request in [
        &b"GET / HTTP/1.1\r\nHost : t\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  folded\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\n: empty-name\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nX(A): 1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nX-A: a\x00b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nX-A: a\x7fb\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    ] {
        assert_rejected(address, request, 400);
    }
}

#[test]
fn bad_paths_get_400_before_any_handler() {
    let address = server();
    for target in [
        "/../x",
        "/a/%2e%2e/b",
        "/a/..%2fb",
        "/%00",
        "/a%zz",
        "/%ff",
        "/./a",
    ] {
        let request = format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_rejected(address, request.as_bytes(), 400);
    }
}

#[test]
fn smuggling_shapes_are_refused_and_closed() {
    let address = server();
    for (request, status) in [
        (
            &b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"[..],
            400,
        ),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 4\r\n\r\nabcd", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0x3\r\n\r\nabc", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        (b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    ] {
        assert_rejected(address, request, status);
    }
}

#[test]
fn identical_duplicate_content_lengths_are_accepted() {
    let address = server();
    let response = exchange(
        address,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"abc");
}

#[test]
fn size_limits_get_414_and_431() {
    let address = server();
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(9000));
    assert_rejected(address, long_target.as_bytes(), 414);
    let long_field = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX-A: {}\r\n\r\n",
        "a".repeat(9000)
    );
    assert_rejected(address, long_field.as_bytes(), 431);
    let many: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
    let many_fields = format!("GET / HTTP/1.1\r\nHost: t\r\n{many}\r\n");
    assert_rejected(address, many_fields.as_bytes(), 431);
    let big: String = (0..9)
        .map(|i| format!("X-{i}: {}\r\n", "b".repeat(8000)))
        .collect();
    let big_total = format!("GET / HTTP/1.1\r\nHost: t\r\n{big}\r\n");
    assert_rejected(address, big_total.as_bytes(), 431);
}

#[test]
fn limits_follow_their_settings() {
    let limits = Limits {
        request_line_bytes_max: 100,
        headers_count_max: 3,
        headers_bytes_max: 200,
        ..Limits::default()
    };
    let address = server_with(limits);
    let request = format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(100));
    assert_rejected(address, request.as_bytes(), 414);
    assert_rejected(
        address,
        b"GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        431,
    );
    let request = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nA: {}\r\n\r\n",
        "a".repeat(200)
    );
    assert_rejected(address, request.as_bytes(), 431);
}

#[test]
fn body_over_the_route_limit_gets_413_without_reading_it() {
    let address = server();
    let mut wire = Wire::connect(address);
    wire.send(b"PUT /echo?limit=10 HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n");
    let response = wire.response().unwrap();
    assert_eq!(response.status, 413);
    assert_still_serving(address);
}

#[test]
fn body_over_the_default_limit_gets_413() {
    let limits = Limits {
        body_bytes_max: 1000,
        ..Limits::default()
    };
    let address = server_with(limits);
    let mut wire = Wire::connect(address);
    wire.send(b"PUT /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    let chunk = format!("{:x}\r\n{}\r\n", 600, "x".repeat(600));
    wire.try_send(chunk.as_bytes());
    wire.try_send(chunk.as_bytes());
    wire.try_send(b"0\r\n\r\n");
    assert_eq!(wire.response().unwrap().status, 413);
    assert_still_serving(address);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let address = server();
    let mut wire = Wire::connect(address);
    let mut batch = Vec::new();
    for index in 0..20 {
        batch.extend(format!("GET /p{index} HTTP/1.1\r\nHost: t\r\n\r\n").bytes());
        if index == 10 {
            batch.extend(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
        }
    }
    wire.send(&batch);
    for index in 0..20 {
        assert_eq!(wire.response().unwrap().text(), format!("GET /p{index}"));
        if index == 10 {
            assert_eq!(wire.response().unwrap().body, b"hello");
        }
    }
}

#[test]
fn pipelined_requests_split_at_every_byte_are_answered() {
    let address = server();
    let mut wire = Wire::connect(address);
    let batch = b"GET /a HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n";
    for byte in batch.iter() {
        wire.send(std::slice::from_ref(byte));
    }
    assert_eq!(wire.response().unwrap().text(), "GET /a");
    assert_eq!(wire.response().unwrap().body, b"abc");
    assert_eq!(wire.response().unwrap().text(), "GET /b");
}

#[test]
fn chunked_body_with_extensions_and_trailers_reaches_the_handler() {
    let address = server();
    let response = exchange(
        address,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
          4;name=value;flag\r\nWiki\r\n5 ; q=\"a b\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n\
          0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n",
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "Wikipedia in\r\n\r\nchunks.");
}

#[test]
fn large_bodies_stream_through() {
    let address = server();
    let limits_body = vec![7u8; 900_000];
    let mut wire = Wire::connect(address);
    wire.send(
        format!(
            "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
            limits_body.len()
        )
        .as_bytes(),
    );
    wire.send(&limits_body);
    let response = wire.response().unwrap();
    assert_eq!(response.status, 200);
    assert!(response.body == limits_body);
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let address = server();
    let mut wire = Wire::connect(address);
    wire.send(
        b"PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    );
    let interim = wire.response().unwrap();
    assert_eq!(interim.status, 100);
    wire.send(b"hello");
    let response = wire.response().unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello");
}

#[test]
fn expect_100_continue_refused_body_gets_final_status_without_100() {
    let address = server();
    let mut wire = Wire::connect(address);
    wire.send(b"PUT /echo?limit=3 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    let response = wire.response().unwrap();
    assert_eq!(response.status, 413);
    assert_eq!(response.header("connection"), Some("close"));
}

#[test]
fn unknown_expectation_gets_417() {
    assert_rejected(
        server(),
        b"PUT /echo HTTP/1.1\r\nHost: t\r\nExpect: magic\r\nContent-Length: 0\r\n\r\n",
        417,
    );
}

#[test]
fn ranges_give_206_416_or_the_whole_body() {
    let address = server();
    let ranged = |range: &str| {
        exchange(
            address,
            format!("GET /range HTTP/1.1\r\nHost: t\r\nRange: {range}\r\n\r\n").as_bytes(),
        )
    };
    let response = ranged("bytes=2-5");
    assert_eq!(response.status, 206);
    assert_eq!(response.body, b"2345");
    assert_eq!(response.header("content-range"), Some("bytes 2-5/64"));
    let response = ranged("bytes=-3");
    assert_eq!(
        (response.status, response.body.as_slice()),
        (206, &b"Z!?"[..])
    );
    let response = ranged("bytes=60-");
    assert_eq!(
        (response.status, response.body.as_slice()),
        (206, &b"XYZ!?"[..][1..])
    );
    let response = ranged("bytes=64-");
    assert_eq!(response.status, 416);
    assert_eq!(response.header("content-range"), Some("bytes */64"));
    let response = ranged("bytes=0-1,4-5");
    assert_eq!((response.status, response.body.len()), (200, 64));
    let response = ranged("lines=1-2");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("accept-ranges"), Some("bytes"));
}

#[test]
fn conditionals_give_304_412_and_if_range_falls_back_to_200() {
    let address = server();
    let with = |fields: &str| {
        exchange(
            address,
            format!("GET /range HTTP/1.1\r\nHost: t\r\n{fields}\r\n").as_bytes(),
        )
    };
    let response = with("If-None-Match: \"v0\", W/\"v1\"\r\n");
    assert_eq!(response.status, 304);
    assert_eq!(response.header("etag"), Some(RANGE_ETAG));
    assert!(response.header("content-length").is_none());
    assert_eq!(with("If-None-Match: \"v2\"\r\n").status, 200);
    assert_eq!(
        with("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n").status,
        304
    );
    assert_eq!(
        with("If-Modified-Since: Sat, 05 Nov 1994 08:49:37 GMT\r\n").status,
        200
    );
    assert_eq!(
        with("If-None-Match: \"v2\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
            .status,
        200,
        "If-Modified-Since is ignored when If-None-Match is present"
    );
    assert_eq!(with("If-Match: \"v2\"\r\n").status, 412);
    assert_eq!(
        with("If-Match: W/\"v1\"\r\n").status,
        412,
        "If-Match compares strongly"
    );
    assert_eq!(with("If-Match: \"v1\"\r\n").status, 200);
    assert_eq!(
        with("If-Unmodified-Since: Sat, 05 Nov 1994 08:49:37 GMT\r\n").status,
        412
    );
    assert_eq!(with("Range: bytes=0-0\r\nIf-Range: \"v1\"\r\n").status, 206);
    assert_eq!(with("Range: bytes=0-0\r\nIf-Range: \"v0\"\r\n").status, 200);
    assert_eq!(
        with("Range: bytes=0-0\r\nIf-Range: W/\"v1\"\r\n").status,
        200
    );
    assert_eq!(
        with("Range: bytes=0-0\r\nIf-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n").status,
        206
    );
    let response = with("");
    assert_eq!(
        response.header("last-modified"),
        Some("Sun, 06 Nov 1994 08:49:37 GMT")
    );
}

#[test]
fn head_gives_headers_only_with_the_length() {
    let address = server();
    let mut wire = Wire::connect(address);
    wire.send(b"HEAD /range HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n");
    let response = wire.response_to(true).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-length"), Some("64"));
    assert_eq!(
        wire.response().unwrap().text(),
        "GET /after",
        "no body bytes were sent"
    );
}

#[test]
fn unknown_length_bodies_are_chunked_for_1_1_and_closed_for_1_0() {
    let address = server();
    let response = get(address, "/stream");
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert_eq!(response.body, vec![b'x'; 100_000]);
    let mut wire = Wire::connect(address);
    wire.send(b"GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let response = wire.response().unwrap();
    assert!(response.header("transfer-encoding").is_none());
    assert_eq!(response.header("connection"), Some("close"));
    assert_eq!(response.body, vec![b'x'; 100_000]);
}

#[test]
fn http_1_0_closes_unless_keep_alive_is_asked() {
    let address = server();
    let mut wire = Wire::connect(address);
    wire.send(b"GET /a HTTP/1.0\r\n\r\n");
    let response = wire.response().unwrap();
    assert_eq!(response.text(), "GET /a");
    assert_eq!(response.header("connection"), Some("close"));
    assert!(wire.is_closed());
    let mut wire = Wire::connect(address);
    wire.send(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(
        wire.response().unwrap().header("connection"),
        Some("keep-alive")
    );
    wire.send(b"GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(wire.response().unwrap().text(), "GET /b");
}

#[test]
fn connection_close_is_honoured() {
    let address = server();
    let mut wire = Wire::connect(address);
    wire.send(b"GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_eq!(wire.response().unwrap().header("connection"), Some("close"));
    assert!(wire.is_closed());
}

#[test]
fn absolute_form_targets_are_served() {
    let response = exchange(
        server(),
        b"GET http://t/abs?q=1 HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    assert_eq!(response.text(), "GET /abs");
}

#[test]
fn leading_empty_lines_are_skipped() {
    let response = exchange(server(), b"\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(response.text(), "GET /x");
}

#[test]
fn a_panicking_handler_gets_500_and_the_server_lives_on() {
    let address = server();
    for _ in 0..3 {
        let response = get(address, "/panic");
        assert_eq!(response.status, 500);
        assert_eq!(response.header("connection"), Some("close"));
        assert_still_serving(address);
    }
}

#[test]
fn slow_headers_get_408_and_close() {
    let limits = Limits {
        header_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let address = server_with(limits);
    let mut wire = Wire::connect(address);
    wire.send(b"GET / HTTP/1.1\r\n");
    let started = Instant::now();
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(100));
        wire.try_send(b"X-Trickle: 1\r\n");
    }
    let response = wire.response().unwrap();
    assert_eq!(response.status, 408);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(wire.is_closed());
    assert_still_serving(address);
}

#[test]
fn a_silent_new_connection_gets_408() {
    let limits = Limits {
        header_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let address = server_with(limits);
    let mut wire = Wire::connect(address);
    assert_eq!(wire.response().unwrap().status, 408);
}

#[test]
fn idle_keep_alive_connections_close_quietly() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let address = server_with(limits);
    let mut wire = Wire::connect(address);
    wire.send(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(wire.response().unwrap().status, 200);
    let started = Instant::now();
    assert!(wire.is_closed());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[test]
fn a_stalled_body_gets_408() {
    let limits = Limits {
        body_stall_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let address = server_with(limits);
    let mut wire = Wire::connect(address);
    wire.send(b"PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    let response = wire.response().unwrap();
    assert_eq!(response.status, 408);
    assert!(wire.is_closed());
}

#[test]
fn past_the_worker_cap_new_connections_get_503_at_once() {
    let limits = Limits {
        workers_max: 2,
        ..Limits::default()
    };
    let address = server_with(limits);
    let mut held: Vec<Wire> = (0..2).map(|_| Wire::connect(address)).collect();
    for wire in &mut held {
        wire.send(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(wire.response().unwrap().status, 200);
    }
    let started = Instant::now();
    let mut extra = Wire::connect(address);
    extra.try_send(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    let response = extra.response().unwrap();
    assert_eq!(response.status, 503);
    assert_eq!(response.header("retry-after"), Some("1"));
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(held);
    std::thread::sleep(Duration::from_millis(100));
    assert_still_serving(address);
}

#[test]
fn past_the_per_client_cap_new_connections_get_503() {
    let limits = Limits {
        connections_per_client_max: 1,
        ..Limits::default()
    };
    let address = server_with(limits);
    let mut held = Wire::connect(address);
    held.send(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(held.response().unwrap().status, 200);
    let mut extra = Wire::connect(address);
    extra.try_send(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(extra.response().unwrap().status, 503);
    drop(held);
    std::thread::sleep(Duration::from_millis(100));
    assert_still_serving(address);
}

#[test]
fn parked_workers_are_called_back() {
    // Eight connections held at once take eight workers; when they close,
    // two go back to accept and six park. Eight more at once need the
    // parked ones called back (or new ones started): all are answered.
    let address = server();
    for round in 0..3 {
        let mut held: Vec<Wire> = (0..8).map(|_| Wire::connect(address)).collect();
        for (index, wire) in held.iter_mut().enumerate() {
            wire.send(format!("GET /p{round}-{index} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        }
        for (index, wire) in held.iter_mut().enumerate() {
            let response = wire.response().unwrap();
            assert_eq!(response.text(), format!("GET /p{round}-{index}"));
        }
        drop(held);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_still_serving(address);
}

#[test]
fn idle_workers_are_reused() {
    let address = server();
    for index in 0..50 {
        let response = get(address, &format!("/r{index}"));
        assert_eq!(response.text(), format!("GET /r{index}"));
    }
}

#[test]
fn a_slow_request_does_not_hold_up_other_clients() {
    let address = server();
    let mut slow = Wire::connect(address);
    slow.send(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    let started = Instant::now();
    assert_still_serving(address);
    assert!(started.elapsed() < Duration::from_millis(300));
    assert_eq!(slow.response().unwrap().text(), "slow");
}

#[test]
fn files_are_sent_whole_small_and_large() {
    let address = server();
    let folder = std::env::temp_dir().join(format!("strata-http-test-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    for size in [0usize, 1, 65536, 65537, 3 * 1024 * 1024 + 7] {
        let path = folder.join(format!("f{size}"));
        let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&data)
            .unwrap();
        let response = get(address, &format!("/file?path={}", path.display()));
        assert_eq!(response.status, 200);
        assert!(response.body == data, "file of {size} bytes");
    }
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn options_asterisk_and_responses_carry_date_and_server() {
    let address = server();
    let response = exchange(address, b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(response.text(), "OPTIONS *");
    let response = get(address, "/x");
    assert_eq!(response.header("server"), Some("strata-test"));
    let date = response.header("date").unwrap();
    assert!(
        strata::util::time::parse_http_date(date).is_some(),
        "{date}"
    );
}

#[test]
fn a_client_that_vanishes_mid_request_does_not_hurt_the_server() {
    let address = server();
    for partial in [
        &b"GET / HT"[..],
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc",
    ] {
        let mut wire = Wire::connect(address);
        wire.send(partial);
        drop(wire);
    }
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .write_all(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut buffer = [0u8; 12];
    stream.read_exact(&mut buffer).unwrap();
    assert_eq!(&buffer, b"HTTP/1.1 200");
}
