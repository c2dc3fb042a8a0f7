//! Helpers for the server tests: start a real server on 127.0.0.1:0 and
//! speak raw HTTP/1.1 to it over TCP.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use strata::http::access_log::AccessLog;
use strata::http::{Context, Handler, Limits, Server};

/// How long a test client waits for the server before giving up.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts an in-process server with `handler`; returns its address.
pub fn start(limits: Limits, handler: impl Handler) -> SocketAddr {
    let context = Context {
        handler: Arc::new(handler),
        limits,
        access_log: AccessLog::off(),
        server_name: "strata-test",
    };
    Server::bind("127.0.0.1:0", context)
        .unwrap()
        .spawn()
        .unwrap()
}

/// One parsed response.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A raw TCP client.
pub struct Wire {
    pub stream: TcpStream,
    pending: Vec<u8>,
}

impl Wire {
    pub fn connect(address: SocketAddr) -> Wire {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Wire {
            stream,
            pending: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) -> &mut Wire {
        self.stream.write_all(bytes).unwrap();
        self
    }

    /// Sends, ignoring errors (the server may already have closed).
    pub fn try_send(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) | Err(_) => false,
            Ok(count) => {
                self.pending.extend_from_slice(&chunk[..count]);
                true
            }
        }
    }

    fn take_line(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.pending.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.pending[..end]).into_owned();
                self.pending.drain(..end + 2);
                return Some(line);
            }
            if !self.fill() {
                return None;
            }
        }
    }

    fn take_bytes(&mut self, count: usize) -> Option<Vec<u8>> {
        while self.pending.len() < count {
            if !self.fill() {
                return None;
            }
        }
        Some(self.pending.drain(..count).collect())
    }

    /// Reads one response; `head_only` for answers to HEAD.
    pub fn response_to(&mut self, head_only: bool) -> Option<RawResponse> {
        let status_line = self.take_line()?;
        let status = status_line.get(9..12)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            let line = self.take_line()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':')?;
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut response = RawResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status < 200 || status == 204 || status == 304 {
            return Some(response);
        }
        response.body = if let Some(length) = response.header("content-length") {
            self.take_bytes(length.parse().ok()?)?
        } else if response.header("transfer-encoding").is_some() {
            self.take_chunked()?
        } else {
            self.read_to_close()
        };
        Some(response)
    }

    pub fn response(&mut self) -> Option<RawResponse> {
        self.response_to(false)
    }

    fn take_chunked(&mut self) -> Option<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let size_line = self.take_line()?;
            let size = usize::from_str_radix(size_line.split(';').next()?.trim(), 16).ok()?;
            if size == 0 {
                while !self.take_line()?.is_empty() {}
                return Some(body);
            }
            body.extend(self.take_bytes(size)?);
            assert_eq!(self.take_line()?, "", "chunk data must end with CRLF");
        }
    }

    pub fn read_to_close(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.pending)
    }

    /// True when the server closes the connection (EOF or reset) within
    /// the client timeout; false if data or nothing arrives.
    pub fn is_closed(&mut self) -> bool {
        if !self.pending.is_empty() {
            return false;
        }
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        }
    }
}

/// Sends one request on a fresh connection and reads the response.
pub fn exchange(address: SocketAddr, request: &[u8]) -> RawResponse {
    let mut wire = Wire::connect(address);
    wire.send(request);
    wire.response().expect("a response")
}

/// A plain GET on a fresh connection.
pub fn get(address: SocketAddr, path: &str) -> RawResponse {
    exchange(
        address,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
    )
}

/// The owner token of the servers `blob_server` starts.
pub const TOKEN: &str = "test-token";

/// A gate for the owner token [`TOKEN`], kept in a fresh temporary folder
/// named after `name`.
pub fn owner_gate(name: &str) -> strata::web::auth::Gate {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    let folder = std::env::temp_dir().join(format!(
        "strata-test-{name}-{}-{serial}",
        std::process::id()
    ));
    std::fs::create_dir_all(&folder).unwrap();
    let (credentials, _) =
        strata::web::credentials::Credentials::open_or_create(&folder, Some(TOKEN)).unwrap();
    strata::web::auth::Gate::new(credentials)
}

/// A server with the blob routes over a fresh `MemoryStorage`.
pub fn blob_server(name: &str) -> (SocketAddr, Arc<strata::blob::MemoryStorage>) {
    let storage = Arc::new(strata::blob::MemoryStorage::new());
    let app = strata::web::App::new(owner_gate(name)).with_blobs(storage.clone());
    (start(Limits::default(), app), storage)
}

/// Sends `method path` with the owner's token, `extra` header lines and
/// `body` (with its Content-Length) on a fresh connection.
pub fn call(
    address: SocketAddr,
    method: &str,
    path: &str,
    extra: &str,
    body: &[u8],
) -> RawResponse {
    let mut wire = Wire::connect(address);
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Length: {}\r\n{extra}\r\n",
        body.len()
    );
    wire.send(head.as_bytes()).send(body);
    wire.response_to(method == "HEAD").expect("a response")
}

/// The JSON body of `response`, which must say it is JSON.
pub fn json_of(response: &RawResponse) -> strata::util::json::Value {
    let content_type = response.header("content-type");
    assert_eq!(
        content_type,
        Some("application/json"),
        "{}: {}",
        response.status,
        response.text()
    );
    strata::util::json::parse(&response.body).expect("a JSON body")
}
