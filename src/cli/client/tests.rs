use super::*;
use std::net::TcpListener;
use std::sync::mpsc::{self, Receiver};
use std::thread;

/// One request as a fake server saw it: head text and body.
#[derive(Debug)]
struct Seen {
    connection: usize,
    head: String,
    body: Vec<u8>,
}

/// A server that answers each connection with the next script: for each
/// canned response, it reads one request (head and Content-Length body),
/// then writes the response; after the last one it closes. Every request
/// is sent to the returned channel.
fn fake_server(scripts: Vec<Vec<&'static [u8]>>) -> (ServerUrl, Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for (connection, script) in scripts.into_iter().enumerate() {
            let (mut stream, _) = listener.accept().unwrap();
            for response in script {
                let Some((head, body)) = read_request(&mut stream) else {
                    break;
                };
                let _ = sender.send(Seen {
                    connection,
                    head,
                    body,
                });
                let _ = stream.write_all(response);
            }
        }
    });
    let url = ServerUrl::parse(&format!("http://{address}/")).unwrap();
    (url, receiver)
}

fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        bytes.push(byte[0]);
    }
    let head = String::from_utf8(bytes).unwrap();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .map_or(0, |value| value.parse::<usize>().unwrap());
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn client(url: ServerUrl) -> Client {
    Client::new(url, Some("secret".into())).unwrap()
}

fn get_text(client: &mut Client, path: &str) -> Result<(u16, String), ClientError> {
    let (head, body) = client.exchange_to_vec(&mut Request::get(path), 1 << 20)?;
    Ok((head.status, String::from_utf8(body).unwrap()))
}

#[test]
fn server_urls_parse_with_default_port_and_base_path() {
    let url = ServerUrl::parse("http://127.0.0.1:3179/").unwrap();
    assert_eq!((url.host.as_str(), url.port), ("127.0.0.1", 3179));
    assert_eq!(url.base_path, "");
    assert_eq!(url.to_string(), "http://127.0.0.1:3179/");
    let url = ServerUrl::parse("HTTP://files.example").unwrap();
    assert_eq!((url.authority.as_str(), url.port), ("files.example", 80));
    let url = ServerUrl::parse("http://[::1]:8080/strata/").unwrap();
    assert_eq!((url.host.as_str(), url.port), ("::1", 8080));
    assert_eq!(url.base_path, "/strata");
}

#[test]
fn bad_server_urls_say_what_is_wrong() {
    let cases = [
        ("127.0.0.1:3179", "expected http://"),
        ("https://example.org/", "https is not supported"),
        ("ftp://example.org/", "only http://"),
        ("http://user:pw@example.org/", "STRATA_TOKEN"),
        ("http://example.org:99999/", "port out of range"),
        ("http://example.org:0/", "port out of range"),
        ("http://example.org:x/", "not a number"),
        ("http:///path", "host"),
        ("http://[::1/", "unclosed"),
        ("http://example.org/?a=b", "no query"),
        ("http://exa mple.org/", "host"),
    ];
    for (text, expected) in cases {
        let error = ServerUrl::parse(text).unwrap_err().to_string();
        assert!(error.contains(expected), "{text}: {error}");
        assert!(error.starts_with("bad --server URL"), "{error}");
    }
}

#[test]
fn requests_carry_host_token_and_length_and_stream_their_body() {
    let (url, seen) = fake_server(vec![vec![b"HTTP/1.1 204 No Content\r\n\r\n"]]);
    let authority = url.authority.clone();
    let mut client = client(url);
    let mut source: &[u8] = &[7u8; 300_000];
    let mut request = Request {
        method: "PUT",
        path: "/bs/camli/x",
        headers: vec![("Content-Type", "application/octet-stream".into())],
        body: RequestBody::Stream {
            reader: &mut source,
            length: 300_000,
        },
    };
    let status = client
        .exchange(&mut request, |head, _| Ok(head.status))
        .unwrap();
    assert_eq!(status, 204);
    let seen = seen.recv().unwrap();
    assert!(
        seen.head.starts_with("PUT /bs/camli/x HTTP/1.1\r\n"),
        "{}",
        seen.head
    );
    assert!(seen.head.contains(&format!("Host: {authority}\r\n")));
    assert!(seen.head.contains("Authorization: Bearer secret\r\n"));
    assert!(seen.head.contains("Content-Length: 300000\r\n"));
    assert!(
        seen.head
            .contains("Content-Type: application/octet-stream\r\n")
    );
    assert_eq!(seen.body, vec![7u8; 300_000]);
}

#[test]
fn length_and_chunked_bodies_are_read_and_the_connection_is_kept() {
    let (url, seen) = fake_server(vec![vec![
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
          3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
    ]]);
    let mut client = client(url);
    assert_eq!(get_text(&mut client, "/a").unwrap(), (200, "hello".into()));
    assert_eq!(get_text(&mut client, "/b").unwrap(), (200, "abcde".into()));
    assert_eq!(get_text(&mut client, "/c").unwrap(), (404, String::new()));
    let connections: Vec<usize> = seen.try_iter().map(|s| s.connection).collect();
    assert_eq!(connections, [0, 0, 0], "one keep-alive connection");
}

#[test]
fn a_body_delimited_by_close_is_read_to_the_end() {
    let (url, _seen) = fake_server(vec![
        vec![b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"],
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"],
    ]);
    let mut client = client(url);
    assert_eq!(get_text(&mut client, "/").unwrap().1, "until the end");
    assert_eq!(
        get_text(&mut client, "/").unwrap().1,
        "ok",
        "a new connection"
    );
}

#[test]
fn a_connection_closed_by_the_server_while_idle_is_replaced_once() {
    let (url, seen) = fake_server(vec![
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"],
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"],
    ]);
    let mut client = client(url);
    assert_eq!(get_text(&mut client, "/").unwrap().1, "a");
    // The fake server closed the first connection after its one answer.
    assert_eq!(get_text(&mut client, "/").unwrap().1, "b");
    let connections: Vec<usize> = seen.try_iter().map(|s| s.connection).collect();
    assert_eq!(connections, [0, 1]);
}

#[test]
fn a_streamed_body_is_not_sent_twice_on_a_stale_connection() {
    let (url, _seen) = fake_server(vec![
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"],
        vec![b"HTTP/1.1 204 No Content\r\n\r\n"],
    ]);
    let mut client = client(url);
    get_text(&mut client, "/").unwrap();
    thread::sleep(Duration::from_millis(50));
    let mut source: &[u8] = b"once";
    let mut request = Request {
        method: "PUT",
        path: "/",
        headers: Vec::new(),
        body: RequestBody::Stream {
            reader: &mut source,
            length: 4,
        },
    };
    let error = client
        .exchange(&mut request, |head, _| Ok(head.status))
        .unwrap_err();
    assert!(matches!(error, ClientError::Protocol(_)), "{error:?}");
    // The next request gets a fresh connection.
    let status = client.exchange(&mut Request::get("/"), |head, _| Ok(head.status));
    assert_eq!(status.unwrap(), 204);
}

#[test]
fn a_401_is_the_token_message() {
    let (url, _seen) = fake_server(vec![vec![
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 4\r\n\r\nnope",
    ]]);
    let error = get_text(&mut client(url), "/api/blob/x").unwrap_err();
    assert!(matches!(error, ClientError::Unauthorized));
    assert_eq!(
        error.to_string(),
        "the server refused the token (set STRATA_TOKEN)"
    );
}

#[test]
fn a_refused_connection_suggests_starting_the_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let url = ServerUrl::parse(&format!("http://{address}/")).unwrap();
    let error = get_text(&mut client(url), "/").unwrap_err();
    assert!(matches!(error, ClientError::Connect { .. }), "{error:?}");
    assert!(
        error.to_string().contains("is 'strata serve' running"),
        "{error}"
    );
}

#[test]
fn a_silent_server_is_a_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let url = ServerUrl::parse(&format!("http://{address}/")).unwrap();
    let mut client = client(url).with_io_timeout_ms(200);
    let error = get_text(&mut client, "/").unwrap_err();
    assert!(matches!(error, ClientError::Timeout { .. }), "{error:?}");
    drop(listener);
}

#[test]
fn malformed_responses_are_protocol_errors() {
    let cases: [(&'static [u8], &str); 6] = [
        (b"HTTP/2 200 OK\r\n\r\n", "malformed status line"),
        (b"HTTP/1.1 20 OK\r\n\r\n", "malformed status line"),
        (
            b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            "malformed response field",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "both Transfer-Encoding and Content-Length",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nab",
            "invalid Content-Length",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            "mid-response",
        ),
    ];
    for (response, expected) in cases {
        let (url, _seen) = fake_server(vec![vec![response]]);
        let error = get_text(&mut client(url), "/").unwrap_err();
        assert!(matches!(error, ClientError::Protocol(_)), "{error:?}");
        assert!(error.to_string().contains(expected), "{expected}: {error}");
    }
}

#[test]
fn a_failure_of_the_handler_itself_is_local() {
    let (url, _seen) = fake_server(vec![vec![
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ]]);
    let result: Result<(), _> = client(url).exchange(&mut Request::get("/"), |_, _| {
        Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
    });
    let error = result.unwrap_err();
    assert!(matches!(error, ClientError::Local(_)), "{error:?}");
    assert_eq!(error.to_string(), "disk full");
}

#[test]
fn interim_responses_are_skipped() {
    let (url, _seen) = fake_server(vec![vec![
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ]]);
    assert_eq!(get_text(&mut client(url), "/").unwrap(), (200, "ok".into()));
}
