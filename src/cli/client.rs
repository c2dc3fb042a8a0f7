//! The command line's HTTP/1.1 client (RFC 9112): one keep-alive
//! connection to one `http://` server, requests with `Content-Length`
//! bodies, responses read with the server's own parsing pieces
//! (`http::parse` for header fields, `http::body` for `Content-Length` and
//! `chunked` bodies), and the owner token sent as `Bearer`.
//!
//! Promises:
//! - One request at a time on one connection, reused while the server
//!   keeps it open. A reused connection found closed before the first byte
//!   of an answer (the server's idle timeout ran out between requests) is
//!   replaced once, for a request whose body can be sent again.
//! - A response body reaches the caller as a stream, never buffered whole.
//!   A body left unread is drained (up to [`DRAIN_BYTES_MAX`]) or the
//!   connection dropped, so a later request never reads stale bytes.
//! - `401` is always [`ClientError::Unauthorized`], whose message tells
//!   the user to set `STRATA_TOKEN`.
//! - Every wait is bounded: [`CONNECT_TIMEOUT_MS`], [`IO_TIMEOUT_MS`].
//! - A read or write ended by EINTR is made again: a command stopped and
//!   resumed (Ctrl-Z, `fg`) carries on where it was.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::http::body::{Body, BodyFailure, Framing, is_timeout};
use crate::http::limits::Limits;
use crate::http::parse::{HeadScanner, parse_field_line};

/// How long connecting to one address of the server may take.
pub const CONNECT_TIMEOUT_MS: u64 = 10_000;
/// How long one read or write may wait. Generous: the server syncs each
/// upload to disk before it answers.
pub const IO_TIMEOUT_MS: u64 = 120_000;
/// The largest response head (status line and fields) accepted.
pub const HEAD_BYTES_MAX: usize = 64 * 1024;
/// The most header fields in one response.
pub const HEADERS_COUNT_MAX: usize = 100;
/// Bytes read from the socket per call; also the room for a head.
const BUFFER_BYTES: usize = 128 * 1024;
/// A response body left unread is read and dropped up to this many bytes
/// to keep the connection; a longer one closes it.
pub const DRAIN_BYTES_MAX: u64 = 64 * 1024;
/// Request bodies up to this size go out in one write with their head.
const INLINE_BODY_BYTES_MAX: usize = 64 * 1024;
/// The environment variable that holds the owner token.
pub const TOKEN_VARIABLE: &str = "STRATA_TOKEN";
/// What a `401` tells the user.
pub const UNAUTHORIZED_MESSAGE: &str = "the server refused the token (set STRATA_TOKEN)";

const _: () = assert!(HEAD_BYTES_MAX < BUFFER_BYTES);

/// Why a request failed.
#[derive(Debug)]
pub enum ClientError {
    /// The `--server` URL is not one this client can use.
    BadUrl(String),
    /// No connection could be made to `server`.
    Connect { server: String, error: io::Error },
    /// The server sent nothing for [`IO_TIMEOUT_MS`] (or took longer than
    /// [`CONNECT_TIMEOUT_MS`] to accept).
    Timeout { server: String },
    /// The connection broke mid-exchange, or the server's answer broke
    /// HTTP/1.1's grammar; the text says which.
    Protocol(String),
    /// The server answered `401`.
    Unauthorized,
    /// The caller's own side failed (reading a request body from a file,
    /// writing a response body out).
    Local(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::BadUrl(why) => write!(formatter, "bad --server URL: {why}"),
            ClientError::Connect { server, error } => {
                write!(formatter, "cannot connect to {server}: {error}")?;
                if error.kind() == io::ErrorKind::ConnectionRefused {
                    write!(formatter, " (is 'strata serve' running there?)")?;
                }
                Ok(())
            }
            ClientError::Timeout { server } => {
                write!(formatter, "{server} did not answer in time")
            }
            ClientError::Protocol(why) => write!(formatter, "{why}"),
            ClientError::Unauthorized => write!(formatter, "{UNAUTHORIZED_MESSAGE}"),
            ClientError::Local(error) => write!(formatter, "{error}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// A server's address, from an `http://host[:port][/prefix]` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl {
    /// `host[:port]` as given, for the `Host` field (RFC 9110 §7.2).
    pub authority: String,
    /// The host name or address (an IPv6 address without brackets).
    pub host: String,
    pub port: u16,
    /// A path every request path is put under: empty, or `/prefix`
    /// without a trailing slash.
    pub base_path: String,
}

impl ServerUrl {
    /// Parses `http://host[:port][/prefix][/]` (RFC 3986 §3, the subset a
    /// server address needs); the port defaults to 80. Anything else is
    /// `BadUrl` with the reason.
    pub fn parse(text: &str) -> Result<ServerUrl, ClientError> {
        let bad = |why: &str| ClientError::BadUrl(format!("{text:?}: {why}"));
        let scheme_end = text
            .find("://")
            .ok_or_else(|| bad("expected http://HOST:PORT/"))?;
        let scheme = &text[..scheme_end];
        if scheme.eq_ignore_ascii_case("https") {
            return Err(bad(
                "https is not supported; strata's client speaks plain http://",
            ));
        }
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(bad("only http:// URLs are supported"));
        }
        let rest = &text[scheme_end + 3..];
        if rest.contains(['?', '#']) {
            return Err(bad("a server URL has no query or fragment"));
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err(bad("no user in the URL; the token goes in STRATA_TOKEN"));
        }
        let (host, port) = split_host_port(authority).map_err(bad)?;
        let base_path = path.trim_end_matches('/');
        if !base_path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("the path has spaces or control characters"));
        }
        Ok(ServerUrl {
            authority: authority.to_string(),
            host,
            port,
            base_path: base_path.to_string(),
        })
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "http://{}{}/", self.authority, self.base_path)
    }
}

/// `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str) -> Result<(String, u16), &'static str> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or("unclosed [ in the host")?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("not an IPv6 address between [ ]");
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or("junk after ]")?),
        };
        (host, port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_ok = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b));
    if host.is_empty() || !host_ok {
        return Err("missing or malformed host");
    }
    let port = match port {
        None => 80,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => digits
            .parse::<u16>()
            .ok()
            .filter(|&port| port != 0)
            .ok_or("port out of range")?,
        Some(_) => return Err("the port is not a number"),
    };
    Ok((host.to_string(), port))
}

/// A request body.
pub enum RequestBody<'r> {
    /// No body and no `Content-Length` (GET, HEAD).
    None,
    /// These bytes (can be sent again on a fresh connection).
    Bytes(&'r [u8]),
    /// Exactly `length` bytes from `reader` (sent once: a stale connection
    /// is not retried).
    Stream {
        reader: &'r mut dyn Read,
        length: u64,
    },
}

/// One request: `path` starts with `/` and is already percent-encoded.
pub struct Request<'r> {
    pub method: &'r str,
    pub path: &'r str,
    /// Extra header fields (the client adds Host, Authorization,
    /// Content-Length, User-Agent).
    pub headers: Vec<(&'r str, String)>,
    pub body: RequestBody<'r>,
}

impl<'r> Request<'r> {
    /// A request without a body.
    pub fn get(path: &'r str) -> Request<'r> {
        Request {
            method: "GET",
            path,
            headers: Vec::new(),
            body: RequestBody::None,
        }
    }
}

/// A response's status and header fields.
#[derive(Clone, Debug, Default)]
pub struct ResponseHead {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    /// The first field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, value)| value.as_str())
    }

    /// Every value of the fields named `name`, split at commas.
    fn header_list<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        let fields = self
            .headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name));
        fields.flat_map(|(_, value)| value.split(',').map(str::trim))
    }
}

/// An open connection and the bytes read from it but not used yet.
struct Connection {
    stream: TcpStream,
    buffer: Box<[u8]>,
    buffered: usize,
}

/// A client of one server (see the module header).
pub struct Client {
    server: ServerUrl,
    token: Option<String>,
    connection: Option<Connection>,
    io_timeout_ms: u64,
}

/// How a response head ended up.
enum Attempt {
    Answered(ResponseHead),
    /// The reused connection was closed before any answer.
    Stale,
}

impl Client {
    /// A client of `server`, sending `token` as `Bearer` when given. No
    /// connection is made until the first request.
    pub fn new(server: ServerUrl, token: Option<String>) -> Result<Client, ClientError> {
        if let Some(token) = &token
            && !token.bytes().all(|b| b.is_ascii_graphic())
        {
            let why = "the token has spaces or control characters";
            return Err(ClientError::Protocol(format!("{TOKEN_VARIABLE}: {why}")));
        }
        Ok(Client {
            server,
            token,
            connection: None,
            io_timeout_ms: IO_TIMEOUT_MS,
        })
    }

    /// Sets how long one read or write may wait (default
    /// [`IO_TIMEOUT_MS`]); for connections made from now on.
    pub fn with_io_timeout_ms(mut self, io_timeout_ms: u64) -> Client {
        assert!(io_timeout_ms > 0);
        self.io_timeout_ms = io_timeout_ms;
        self
    }

    /// Another client of the same server, with the same token and
    /// timeout, on a connection of its own.
    pub fn fresh(&self) -> Client {
        Client {
            server: self.server.clone(),
            token: self.token.clone(),
            connection: None,
            io_timeout_ms: self.io_timeout_ms,
        }
    }

    /// The server this client talks to.
    pub fn server(&self) -> &ServerUrl {
        &self.server
    }

    /// Sends `request` and hands the response head and body (as a stream
    /// of exactly its bytes) to `handle`, whose result is returned.
    ///
    /// A `401` is `Unauthorized` and `handle` is not called. An error of
    /// `handle` that did not come from the body is `Local`. Errors of the
    /// body reader (a cut connection, a timeout, bad chunked framing) are
    /// `Protocol` or `Timeout`, whatever `handle` made of them.
    pub fn exchange<T>(
        &mut self,
        request: &mut Request<'_>,
        handle: impl FnOnce(&ResponseHead, &mut dyn Read) -> io::Result<T>,
    ) -> Result<T, ClientError> {
        let reused = self.connection.is_some();
        let head = match self.start(request)? {
            Attempt::Answered(head) => head,
            Attempt::Stale if reused && !matches!(request.body, RequestBody::Stream { .. }) => {
                match self.start(request)? {
                    Attempt::Answered(head) => head,
                    Attempt::Stale => return Err(self.closed_early()),
                }
            }
            Attempt::Stale => return Err(self.closed_early()),
        };
        let framing = match response_framing(request.method, &head) {
            Ok(framing) => framing,
            Err(why) => {
                self.connection = None;
                return Err(ClientError::Protocol(format!("{}: {why}", self.server)));
            }
        };
        if head.status == 401 {
            self.read_body(&head, framing, |_, _| Ok(()))?;
            return Err(ClientError::Unauthorized);
        }
        self.read_body(&head, framing, handle)
    }

    /// [`Client::exchange`] with the body read into memory, up to
    /// `limit_bytes` (a longer body is a `Protocol` error).
    pub fn exchange_to_vec(
        &mut self,
        request: &mut Request<'_>,
        limit_bytes: u64,
    ) -> Result<(ResponseHead, Vec<u8>), ClientError> {
        let server = self.server.to_string();
        let result = self.exchange(request, |head, body| {
            let mut bytes = Vec::new();
            body.take(limit_bytes + 1).read_to_end(&mut bytes)?;
            Ok((head.clone(), bytes))
        })?;
        if result.1.len() as u64 > limit_bytes {
            self.connection = None;
            let why = format!("{server}: an answer longer than {limit_bytes} bytes");
            return Err(ClientError::Protocol(why));
        }
        Ok(result)
    }

    fn closed_early(&mut self) -> ClientError {
        self.connection = None;
        ClientError::Protocol(format!(
            "{} closed the connection without answering",
            self.server
        ))
    }

    /// Sends the request and reads the response head, skipping interim
    /// (1xx) responses (RFC 9110 §15.2).
    fn start(&mut self, request: &mut Request<'_>) -> Result<Attempt, ClientError> {
        if self.connection.is_none() {
            self.connection = Some(self.connect()?);
        }
        match self.send(request) {
            Ok(()) => {}
            Err(SendFailure::Socket(error)) if is_stale_error(&error) => {
                self.connection = None;
                return Ok(Attempt::Stale);
            }
            Err(SendFailure::Socket(error)) => {
                self.connection = None;
                return Err(socket_error(&self.server.to_string(), "sending", error));
            }
            Err(SendFailure::Local(error)) => {
                self.connection = None;
                return Err(ClientError::Local(error));
            }
        }
        loop {
            let attempt = self.read_head();
            if attempt.is_err() {
                self.connection = None;
            }
            match attempt? {
                Attempt::Answered(head) if (100..200).contains(&head.status) => continue,
                Attempt::Answered(head) => return Ok(Attempt::Answered(head)),
                Attempt::Stale => {
                    self.connection = None;
                    return Ok(Attempt::Stale);
                }
            }
        }
    }

    fn connect(&self) -> Result<Connection, ClientError> {
        let server = self.server.to_string();
        let target = (self.server.host.as_str(), self.server.port);
        let addresses: Vec<SocketAddr> = target
            .to_socket_addrs()
            .map_err(|error| ClientError::Connect {
                server: server.clone(),
                error,
            })?
            .collect();
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address for the host");
        for address in addresses {
            let timeout = Duration::from_millis(CONNECT_TIMEOUT_MS);
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(stream) => return configure(stream, &server, self.io_timeout_ms),
                Err(error) if is_timeout(&error) => return Err(ClientError::Timeout { server }),
                Err(error) => last_error = error,
            }
        }
        Err(ClientError::Connect {
            server,
            error: last_error,
        })
    }

    /// Writes the head and body.
    fn send(&mut self, request: &mut Request<'_>) -> Result<(), SendFailure> {
        let head = self.request_head(request);
        let stream = &mut self.connection.as_mut().expect("connected").stream;
        match &mut request.body {
            RequestBody::None => stream.write_all(&head).map_err(SendFailure::Socket),
            RequestBody::Bytes(bytes) if bytes.len() <= INLINE_BODY_BYTES_MAX => {
                let mut message = head;
                message.extend_from_slice(bytes);
                stream.write_all(&message).map_err(SendFailure::Socket)
            }
            RequestBody::Bytes(bytes) => {
                stream.write_all(&head).map_err(SendFailure::Socket)?;
                stream.write_all(bytes).map_err(SendFailure::Socket)
            }
            RequestBody::Stream { reader, length } => {
                stream.write_all(&head).map_err(SendFailure::Socket)?;
                send_stream(stream, *reader, *length)
            }
        }
    }

    fn request_head(&self, request: &Request<'_>) -> Vec<u8> {
        let mut head = format!(
            "{} {}{} HTTP/1.1\r\nHost: {}\r\nUser-Agent: strata/{}\r\n",
            request.method,
            self.server.base_path,
            request.path,
            self.server.authority,
            crate::web::VERSION
        );
        if let Some(token) = &self.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let length = match &request.body {
            RequestBody::None => None,
            RequestBody::Bytes(bytes) => Some(bytes.len() as u64),
            RequestBody::Stream { length, .. } => Some(*length),
        };
        if let Some(length) = length {
            head.push_str(&format!("Content-Length: {length}\r\n"));
        }
        for (name, value) in &request.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head.into_bytes()
    }

    /// Reads one response head; `Stale` when the connection ends before
    /// its first byte.
    fn read_head(&mut self) -> Result<Attempt, ClientError> {
        let server = self.server.to_string();
        let connection = self.connection.as_mut().expect("connected");
        let limits = head_limits();
        let mut scanner = HeadScanner::default();
        let end = loop {
            let filled = connection.buffered;
            match scanner.scan(&connection.buffer[..filled], &limits) {
                Ok(Some(end)) => break end,
                Ok(None) => {}
                Err(error) => {
                    let why = format!("{server}: malformed response head: {}", error.message());
                    return Err(ClientError::Protocol(
                        why.replace("request line", "status line"),
                    ));
                }
            }
            let read = connection.stream.read(&mut connection.buffer[filled..]);
            match read {
                Ok(0) if filled == 0 => return Ok(Attempt::Stale),
                Ok(0) => {
                    let why = format!("{server} closed the connection in a response head");
                    return Err(ClientError::Protocol(why));
                }
                Ok(count) => connection.buffered += count,
                // With a read timeout set, Linux ends a blocked read with
                // EINTR when the process is stopped and resumed (Ctrl-Z,
                // `fg`), with no signal handler installed (signal(7)).
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) if filled == 0 && is_stale_error(&error) => return Ok(Attempt::Stale),
                Err(error) => return Err(socket_error(&server, "reading", error)),
            }
        };
        let start = scanner.request_start();
        let head = parse_response_head(&connection.buffer[start..end])
            .map_err(|why| ClientError::Protocol(format!("{server}: {why}")))?;
        connection.buffer.copy_within(end..connection.buffered, 0);
        connection.buffered -= end;
        Ok(Attempt::Answered(head))
    }

    /// Streams the body of the response `head` to `handle`, then keeps the
    /// connection for the next request or drops it.
    fn read_body<T>(
        &mut self,
        head: &ResponseHead,
        framing: Option<Framing>,
        handle: impl FnOnce(&ResponseHead, &mut dyn Read) -> io::Result<T>,
    ) -> Result<T, ClientError> {
        let server = self.server.to_string();
        let connection = self.connection.as_mut().expect("connected");
        let Some(framing) = framing else {
            // Delimited by the end of the connection (RFC 9112 §6.3 rule 8).
            let buffered = &connection.buffer[..connection.buffered];
            let mut reader = Watched::new(buffered.chain(&mut connection.stream));
            let result = handle(head, &mut reader);
            let failed = reader.failed.take();
            self.connection = None;
            return finish(result, failed, &server);
        };
        let mut body = Body::new(
            &mut connection.stream,
            &mut connection.buffer,
            connection.buffered,
            framing,
            u64::MAX,
        );
        let mut reader = Watched::new(&mut body);
        let result = handle(head, &mut reader);
        let failed = reader.failed.take();
        let complete = failed.is_none() && body.drain(DRAIN_BYTES_MAX);
        let leftover = body.leftover();
        let keep = complete && leftover.is_empty() && keeps_alive(head);
        if keep {
            connection.buffered = 0;
        } else {
            self.connection = None;
        }
        finish(result, failed, &server)
    }
}

/// Sets the timeouts and Nagle off (a request head and its body go out in
/// separate writes).
fn configure(
    stream: TcpStream,
    server: &str,
    io_timeout_ms: u64,
) -> Result<Connection, ClientError> {
    let timeout = Some(Duration::from_millis(io_timeout_ms));
    let result = stream
        .set_read_timeout(timeout)
        .and_then(|()| stream.set_write_timeout(timeout))
        .and_then(|()| stream.set_nodelay(true));
    result.map_err(|error| ClientError::Connect {
        server: server.to_string(),
        error,
    })?;
    Ok(Connection {
        stream,
        buffer: vec![0u8; BUFFER_BYTES].into_boxed_slice(),
        buffered: 0,
    })
}

/// Why sending a request failed.
enum SendFailure {
    /// Writing to the connection failed.
    Socket(io::Error),
    /// Reading the request body failed, or it ended short of its length.
    Local(io::Error),
}

fn send_stream(
    stream: &mut TcpStream,
    reader: &mut dyn Read,
    length: u64,
) -> Result<(), SendFailure> {
    let mut step = vec![0u8; BUFFER_BYTES];
    let mut left = length;
    while left > 0 {
        let want = step.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let count = match reader.read(&mut step[..want]) {
            Ok(0) => {
                let why = format!("the request body ended {left} bytes short of its length");
                return Err(SendFailure::Local(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    why,
                )));
            }
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(SendFailure::Local(error)),
        };
        stream
            .write_all(&step[..count])
            .map_err(SendFailure::Socket)?;
        left -= count as u64;
    }
    Ok(())
}

/// The head limits of a response, the server's own scanner reused.
fn head_limits() -> Limits {
    Limits {
        request_line_bytes_max: 8 * 1024,
        uri_bytes_max: 8 * 1024,
        header_line_bytes_max: HEAD_BYTES_MAX,
        headers_bytes_max: HEAD_BYTES_MAX,
        headers_count_max: HEADERS_COUNT_MAX,
        ..Limits::default()
    }
}

/// `status-line = HTTP-version SP status-code SP [ reason-phrase ]` and
/// the field lines after it (RFC 9112 §4, §5); `head` ends with its empty
/// line.
fn parse_response_head(head: &[u8]) -> Result<ResponseHead, String> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let status_line = lines.next().unwrap_or_default();
    let status = parse_status_line(status_line)?;
    let mut headers = Vec::new();
    for line in lines.take_while(|line| !line.is_empty()) {
        let span = parse_field_line(line, 0, line.len())
            .map_err(|error| format!("malformed response field: {}", error.message()))?;
        let name = String::from_utf8_lossy(span.name.of(line)).into_owned();
        let value = String::from_utf8_lossy(span.value.of(line)).into_owned();
        headers.push((name, value));
    }
    Ok(ResponseHead { status, headers })
}

fn parse_status_line(line: &[u8]) -> Result<u16, String> {
    let bad = || format!("malformed status line {:?}", String::from_utf8_lossy(line));
    let [
        b'H',
        b'T',
        b'T',
        b'P',
        b'/',
        b'1',
        b'.',
        minor,
        b' ',
        code @ ..,
    ] = line
    else {
        return Err(bad());
    };
    if !minor.is_ascii_digit() || code.len() < 4 || code[3] != b' ' {
        return Err(bad());
    }
    let digits = &code[..3];
    if !digits.iter().all(u8::is_ascii_digit) || digits[0] == b'0' {
        return Err(bad());
    }
    let reason = &code[4..];
    if reason
        .iter()
        .any(|&b| b != b'\t' && (b < b' ' || b == 0x7f))
    {
        return Err(bad());
    }
    Ok(digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
}

/// How the body of a response to `method` is delimited (RFC 9112 §6.3);
/// `None` means "until the connection closes".
fn response_framing(method: &str, head: &ResponseHead) -> Result<Option<Framing>, String> {
    let status = head.status;
    if method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(Some(Framing::Length(0)));
    }
    let lengths: Vec<&str> = head.header_list("content-length").collect();
    if head.header("transfer-encoding").is_some() {
        if !lengths.is_empty() {
            return Err("both Transfer-Encoding and Content-Length".to_string());
        }
        let codings: Vec<&str> = head.header_list("transfer-encoding").collect();
        return match codings.as_slice() {
            [only] if only.eq_ignore_ascii_case("chunked") => Ok(Some(Framing::Chunked)),
            _ => Err(format!("unsupported Transfer-Encoding {codings:?}")),
        };
    }
    let Some(first) = lengths.first() else {
        return Ok(None);
    };
    let valid = |text: &str| {
        !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit())
    };
    if !lengths
        .iter()
        .all(|length| valid(length) && length == first)
    {
        return Err(format!("invalid Content-Length {lengths:?}"));
    }
    Ok(Some(Framing::Length(
        first.parse().expect("checked digits"),
    )))
}

/// May the connection carry another request (RFC 9112 §9.3)?
fn keeps_alive(head: &ResponseHead) -> bool {
    !head
        .header_list("connection")
        .any(|option| option.eq_ignore_ascii_case("close"))
}

/// A response body reader that remembers whether it failed, so an error
/// of the caller's own (writing the body out) is told apart from one of
/// the connection.
struct Watched<Source> {
    source: Source,
    failed: Option<io::Error>,
}

impl<Source> Watched<Source> {
    fn new(source: Source) -> Watched<Source> {
        Watched {
            source,
            failed: None,
        }
    }
}

impl<Source: Read> Read for Watched<Source> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self.source.read(out) {
            Ok(count) => Ok(count),
            Err(error) => {
                let kind = error.kind();
                self.failed = Some(error);
                Err(io::Error::new(kind, "the response body could not be read"))
            }
        }
    }
}

/// The result of a body handler, with the body's own failure first.
fn finish<T>(
    result: io::Result<T>,
    failed: Option<io::Error>,
    server: &str,
) -> Result<T, ClientError> {
    if let Some(error) = failed {
        return Err(body_error(server, error));
    }
    result.map_err(ClientError::Local)
}

fn body_error(server: &str, error: io::Error) -> ClientError {
    let failure = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<BodyFailure>())
        .copied();
    match failure {
        Some(BodyFailure::Timeout) => ClientError::Timeout {
            server: server.to_string(),
        },
        Some(BodyFailure::Truncated) => {
            ClientError::Protocol(format!("{server} closed the connection mid-response"))
        }
        Some(BodyFailure::Malformed(why)) => {
            ClientError::Protocol(format!("{server}: malformed response body: {why}"))
        }
        _ => socket_error(server, "reading", error),
    }
}

fn socket_error(server: &str, doing: &str, error: io::Error) -> ClientError {
    if is_timeout(&error) {
        return ClientError::Timeout {
            server: server.to_string(),
        };
    }
    ClientError::Protocol(format!(
        "{server}: connection failed while {doing}: {error}"
    ))
}

fn is_stale_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

#[cfg(test)]
mod tests;
