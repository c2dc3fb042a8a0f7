//! `import --server` against a server older than put-many: a proxy in
//! front of a real `strata serve` answers every `?op=put-many` as such a
//! server does (`400`, `unknown op "put-many"`) and forwards the rest
//! unchanged, so the client's fallback, one `op=put` per file, is what
//! names the files.

mod common;

use common::{
    CLIENT_TIMEOUT, ServedBinary, TOKEN, call, scratch_folder, stdout_of_success,
    strata_with_token, write_file,
};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use strata::util::json::{self, Value};
use strata::util::splitmix::pseudo_random_bytes;

/// The longest request or response head the proxy reads.
const HEAD_BYTES_MAX: u64 = 64 * 1024;
/// The longest request or response body the proxy reads.
const BODY_BYTES_MAX: u64 = 64 * 1024 * 1024;

/// What the proxy did, for the test to check.
#[derive(Default)]
struct Seen {
    /// `?op=put-many` requests answered with the old server's `400`.
    put_many_refused: AtomicUsize,
    /// The targets of the `?op=put` requests forwarded.
    puts_forwarded: Mutex<Vec<String>>,
}

/// Starts the proxy on 127.0.0.1:0 in front of `backend`, one thread per
/// client connection; its address. Its threads live as long as the test
/// process.
fn start_old_server_proxy(backend: SocketAddr) -> (SocketAddr, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let shared = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let seen = shared.clone();
            std::thread::spawn(move || relay(client, backend, &seen));
        }
    });
    (address, seen)
}

/// Serves the requests of one keep-alive client connection in turn until
/// the client closes it (or a read or write fails, which closes it too).
fn relay(client: TcpStream, backend: SocketAddr, seen: &Seen) -> io::Result<()> {
    client.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    let mut from_client = BufReader::new(client.try_clone()?);
    let mut to_client = client;
    while let Some(head) = read_head(&mut from_client)? {
        // Read whole even when refused, so the next request starts clean.
        let body = read_body(&mut from_client, &head)?;
        let target = head.split(' ').nth(1).unwrap_or("");
        let op = target
            .split_once('?')
            .and_then(|(_, query)| query.split('&').find_map(|pair| pair.strip_prefix("op=")));
        let answer = if op == Some("put-many") {
            seen.put_many_refused.fetch_add(1, Ordering::SeqCst);
            unknown_put_many_answer()
        } else {
            if op == Some("put") {
                seen.puts_forwarded.lock().unwrap().push(target.to_owned());
            }
            forward(backend, &head, &body)?
        };
        to_client.write_all(&answer)?;
    }
    Ok(())
}

/// What a server without put-many answers to `?op=put-many`: the `400`
/// and `{"error"}` of `src/web/fs_post.rs` for an unknown op, its ops
/// listed without put-many.
fn unknown_put_many_answer() -> Vec<u8> {
    let message = format!(
        "unknown op {:?}; ops: mkdir, move, copy, restore, put",
        "put-many"
    );
    let body = json::to_compact(&Value::object([("error", Value::String(message))]));
    let head = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\
         Cache-Control: no-store\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    (head + &body).into_bytes()
}

/// Sends one request to `backend` on a fresh connection (so none sits idle
/// past the server's idle timeout while the client is busy); the raw bytes
/// of the response.
fn forward(backend: SocketAddr, head: &str, body: &[u8]) -> io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(backend)?;
    server.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    server.write_all(head.as_bytes())?;
    server.write_all(body)?;
    let mut from_server = BufReader::new(server);
    let answer_head = read_head(&mut from_server)?.ok_or(io::ErrorKind::UnexpectedEof)?;
    let status = answer_head.get(9..12).unwrap_or("");
    let bodiless = head.starts_with("HEAD ") || status == "204" || status == "304";
    let mut answer = answer_head.clone().into_bytes();
    if !bodiless {
        answer.extend(read_body(&mut from_server, &answer_head)?);
    }
    Ok(answer)
}

/// The next head (start line to the empty line, CRLFs kept); None when
/// the peer closed before sending a byte of it.
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    if reader.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let mut head = Vec::new();
    while append_line(reader, &mut head)? != b"\r\n" {
        if head.len() as u64 > HEAD_BYTES_MAX {
            return Err(io::Error::other("a head over HEAD_BYTES_MAX"));
        }
    }
    String::from_utf8(head).map(Some).map_err(io::Error::other)
}

/// The body `head` announces, its framing kept as sent: `Content-Length`
/// bytes, or `chunked` with its size lines and trailers (the CLI sends only
/// `Content-Length`; the server may answer `chunked`).
fn read_body(reader: &mut impl BufRead, head: &str) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if let Some(length) = header(head, "content-length") {
        append_exactly(reader, length.parse().map_err(io::Error::other)?, &mut body)?;
    } else if header(head, "transfer-encoding") == Some("chunked") {
        loop {
            let line = append_line(reader, &mut body)?;
            let line = String::from_utf8_lossy(&line);
            let size = line.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size, 16).map_err(io::Error::other)?;
            if size == 0 {
                // Trailer fields, then the empty line.
                while append_line(reader, &mut body)? != b"\r\n" {}
                return Ok(body);
            }
            // The chunk's data and its CRLF.
            append_exactly(reader, size + 2, &mut body)?;
        }
    }
    Ok(body)
}

/// Appends the next line (up to `HEAD_BYTES_MAX` bytes) to `bytes`; that line.
fn append_line(reader: &mut impl BufRead, bytes: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let start = bytes.len();
    if reader.take(HEAD_BYTES_MAX).read_until(b'\n', bytes)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes[start..].to_vec())
}

/// Appends the next `count` bytes to `bytes`, which stay within
/// `BODY_BYTES_MAX`.
fn append_exactly(reader: &mut impl BufRead, count: u64, bytes: &mut Vec<u8>) -> io::Result<()> {
    if bytes.len() as u64 + count > BODY_BYTES_MAX {
        return Err(io::Error::other("a body over BODY_BYTES_MAX"));
    }
    if reader.take(count).read_to_end(bytes)? as u64 != count {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// The value of the field `name` in `head`.
fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().skip(1).find_map(|line| {
        let (field, value) = line.split_once(':')?;
        field.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Runs a command that must succeed; its standard output.
fn ok(args: &[&str]) -> String {
    stdout_of_success(args, strata_with_token(TOKEN, args))
}

#[test]
fn import_against_a_server_without_put_many_names_each_file_with_one_put() {
    let served = ServedBinary::start("cli-old-server");
    let (proxy, seen) = start_old_server_proxy(served.address);
    let root = scratch_folder("cli-old-server", "import");
    let source = root.join("source");
    let files: Vec<(String, Vec<u8>)> = (0..12u64)
        .map(|index| {
            let path = format!("d{}/e{}/f{index}.bin", index % 3, index % 2);
            (path, pseudo_random_bytes(index, 100 + 37 * index as usize))
        })
        .collect();
    for (path, bytes) in &files {
        write_file(&source.join(path), bytes);
    }
    let source_text = source.to_str().unwrap();
    let server = format!("http://{proxy}/");
    let first = ok(&["import", source_text, "/backup", "--server", &server]);
    assert!(
        first.contains("12 files (12 new, 0 changed, 0 unchanged)"),
        "{first}"
    );
    let refused = seen.put_many_refused.load(Ordering::SeqCst);
    assert!(refused >= 1, "the client never asked for put-many");
    let mut put_paths: Vec<String> = seen.puts_forwarded.lock().unwrap().clone();
    put_paths
        .iter_mut()
        .for_each(|target| target.truncate(target.find('?').unwrap()));
    put_paths.sort();
    let mut expected: Vec<String> = files
        .iter()
        .map(|(path, _)| format!("/api/fs/backup/{path}"))
        .collect();
    expected.sort();
    assert_eq!(put_paths, expected, "one op=put per file");
    for (path, bytes) in &files {
        let response = call(
            served.address,
            "GET",
            &format!("/api/fs/backup/{path}"),
            "",
            b"",
        );
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        assert!(response.body == *bytes, "{path}: other bytes arrived");
    }

    let stored = served.len();
    let again = ok(&["import", source_text, "/backup", "--server", &server]);
    assert!(again.contains("sent 0 chunks (0 bytes)"), "{again}");
    assert!(again.contains("schema blobs sent 0"), "{again}");
    assert!(
        again.contains("(0 new, 0 changed, 12 unchanged)"),
        "{again}"
    );
    assert_eq!(served.len(), stored, "nothing new stored");
    assert_eq!(seen.puts_forwarded.lock().unwrap().len(), files.len());
    assert_eq!(seen.put_many_refused.load(Ordering::SeqCst), refused);
    let _ = std::fs::remove_dir_all(&root);
}
