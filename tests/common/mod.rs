//! Helpers for the server tests: start a real server on 127.0.0.1:0 (in
//! process, or the `strata` binary as a child with its real store) and
//! speak raw HTTP/1.1 to it over TCP.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
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

    /// A client over a connection the caller opened (and wrote to).
    pub fn from_stream(stream: TcpStream) -> Wire {
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

    /// Reads what arrives next; false at the end of the stream or on an
    /// error. `Interrupted` is retried: with a read timeout set, Linux ends
    /// a blocked `read` with EINTR when the process is stopped and resumed
    /// (SIGSTOP/SIGCONT, a cgroup freeze), even without a signal handler
    /// (signal(7)); that is not the server closing.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 65536];
        loop {
            return match self.stream.read(&mut chunk) {
                Ok(0) => false,
                Ok(count) => {
                    self.pending.extend_from_slice(&chunk[..count]);
                    true
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(_) => false,
            };
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
        loop {
            return match self.stream.read(&mut byte) {
                Ok(0) => true,
                Ok(_) => false,
                // Stopped and resumed, not closed (see `fill`).
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            };
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

/// The owner token of the servers `blob_server` and `owner_gate` set up.
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

/// An in-process server with the blob routes over a fresh
/// `MemoryStorage` (for tests that need to reach into the storage).
pub fn memory_blob_server(name: &str) -> (SocketAddr, Arc<strata::blob::MemoryStorage>) {
    let storage = Arc::new(strata::blob::MemoryStorage::new());
    let app = strata::web::App::new(owner_gate(name)).with_blobs(storage.clone());
    (start(Limits::default(), app), storage)
}

/// The real `strata serve` (the binary) on a fresh data folder, with the
/// real store, the owner token [`TOKEN`] and no access log. Keep the
/// second value alive: dropping it kills the server.
pub fn blob_server(name: &str) -> (SocketAddr, ServedBinary) {
    let served = ServedBinary::start(name);
    (served.address, served)
}

/// A `strata serve` child process; killed (SIGKILL) and its folder
/// removed when dropped.
pub struct ServedBinary {
    child: std::process::Child,
    pub address: SocketAddr,
    /// The data folder (`--data`).
    pub data: PathBuf,
    /// Blobs the server made itself on first start (the tree's root
    /// permanode and its claim): [`ServedBinary::blobs`] leaves them out,
    /// so tests count only what they stored.
    own_blobs: Vec<(String, u64)>,
    /// Flags given to `serve` besides the test's own.
    flags: Vec<String>,
}

impl ServedBinary {
    /// Starts a server on a fresh data folder named after `name`.
    pub fn start(name: &str) -> ServedBinary {
        ServedBinary::start_with(name, &[])
    }

    /// Starts a server with more `serve` flags (kept for restarts).
    pub fn start_with(name: &str, flags: &[&str]) -> ServedBinary {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        let data = std::env::temp_dir().join(format!(
            "strata-served-{name}-{}-{serial}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&data);
        let flags: Vec<String> = flags.iter().map(|flag| flag.to_string()).collect();
        let (child, address) = spawn_serve_with(&data, &flags);
        let mut served = ServedBinary {
            child,
            address,
            data,
            own_blobs: Vec::new(),
            flags,
        };
        served.own_blobs = served.all_blobs();
        served
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL (no chance to clean up) and waits.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the server and starts another on the same data folder (on a
    /// new port: `address` changes).
    pub fn restart(&mut self) {
        self.kill();
        let (child, address) = spawn_serve_with(&self.data, &self.flags);
        self.child = child;
        self.address = address;
    }

    /// Every blob stored since the server first started, `(ref, size)`
    /// in ref order (the server's own blobs left out).
    pub fn blobs(&self) -> Vec<(String, u64)> {
        let mut blobs = self.all_blobs();
        blobs.retain(|blob| !self.own_blobs.contains(blob));
        blobs
    }

    /// Every stored blob, `(ref, size)` in ref order, paged through
    /// `enumerate-blobs`.
    pub fn all_blobs(&self) -> Vec<(String, u64)> {
        let mut all = Vec::new();
        let mut after = String::new();
        loop {
            let path = format!("/bs/camli/enumerate-blobs?limit=10000&after={after}");
            let response = call(self.address, "GET", &path, "", b"");
            assert_eq!(response.status, 200, "{}", response.text());
            let value = json_of(&response);
            let page = value.get("blobs").and_then(|list| list.as_array()).unwrap();
            for entry in page {
                let blob_ref = entry.get("blobRef").and_then(|text| text.as_str());
                let size = entry.get("size").and_then(|size| size.as_u64());
                all.push((blob_ref.unwrap().to_owned(), size.unwrap()));
            }
            match value.get("continueAfter").and_then(|text| text.as_str()) {
                Some(next) => after = next.to_owned(),
                None => return all,
            }
        }
    }

    /// How many blobs are stored.
    pub fn len(&self) -> usize {
        self.blobs().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `blob_ref` is stored (asked with `stat`).
    pub fn contains(&self, blob_ref: &impl std::fmt::Display) -> bool {
        let path = format!("/bs/camli/stat?camliversion=1&blob1={blob_ref}");
        let response = call(self.address, "GET", &path, "", b"");
        assert_eq!(response.status, 200, "{}", response.text());
        let value = json_of(&response);
        let stat = value.get("stat").and_then(|list| list.as_array()).unwrap();
        !stat.is_empty()
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// Runs `strata serve` on `data` with the test token; reads its output up
/// to the listening line.
pub fn spawn_serve(data: &std::path::Path) -> (std::process::Child, SocketAddr) {
    spawn_serve_with(data, &[])
}

/// [`spawn_serve`] with more flags.
pub fn spawn_serve_with(
    data: &std::path::Path,
    flags: &[String],
) -> (std::process::Child, SocketAddr) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["serve", "--listen", "127.0.0.1:0", "--access-log", "off"])
        .args(["--token", TOKEN, "--data"])
        .arg(data)
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let Some(Ok(line)) = lines.next() else {
            let status = child.wait().unwrap();
            panic!("strata serve ended before listening: {status}");
        };
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.strip_suffix('/').unwrap().parse().unwrap();
        }
    };
    (child, address)
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

/// A fresh, empty temporary folder for one test: `strata-<kind>-<name>-<pid>`.
pub fn scratch_folder(kind: &str, name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("strata-{kind}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// Writes `bytes` to `path`, making its parent folders.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Runs the `strata` binary with `args` and `STRATA_TOKEN` = `token`.
pub fn strata_with_token(token: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .env("STRATA_TOKEN", token)
        .output()
        .unwrap()
}

/// The standard output of a `strata` run of `args` that must have
/// succeeded (the failure names the command and its standard error).
pub fn stdout_of_success(args: &[&str], output: std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
