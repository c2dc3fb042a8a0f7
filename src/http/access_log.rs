//! The access log: one line per request in the combined log format
//! (`host ident user [date] "request" status bytes "referer" "agent"`).
//!
//! Lines gather in [`SHARDS`] buffers, each worker thread keeping to one, and
//! reach the file in batches: the worker that fills a buffer past
//! [`SHARD_BYTES_MAX`] writes it, and a background thread writes every
//! buffer each [`FLUSH_INTERVAL`], so logging costs a request no system call
//! and no lock that all workers wait on. (One shared buffer behind one lock
//! made a lock convoy: a worker preempted while holding it stalled every
//! other worker, and on a loaded machine p99 latency at 256 connections was
//! 50-140 ms, against 6-18 ms with these buffers.) The lines of one buffer
//! keep their order; batches of different buffers interleave, as the logs
//! of nginx's buffered workers do.

use std::io::{self, Write};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::date::with_log_date;
use super::response::push_decimal;

/// How often buffered log lines are written to their file.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(200);
/// Buffers that lines gather in; workers are spread over them.
pub const SHARDS: usize = 64;
/// Bytes a buffer gathers before the worker that fills it writes it.
pub const SHARD_BYTES_MAX: usize = 16 * 1024;

/// What every clone of one log shares.
struct Sink {
    shards: Box<[Mutex<Vec<u8>>]>,
    writer: Mutex<Box<dyn Write + Send>>,
}

/// Where access log lines go; `None` logs nothing.
#[derive(Clone)]
pub struct AccessLog {
    sink: Option<Arc<Sink>>,
}

/// What one log line records.
pub struct Entry<'a> {
    pub client: IpAddr,
    pub method: &'a str,
    pub target: &'a str,
    pub version: &'a str,
    pub status: u16,
    pub bytes: u64,
    pub referer: Option<&'a [u8]>,
    pub user_agent: Option<&'a [u8]>,
}

impl AccessLog {
    /// A log that drops every line.
    pub fn off() -> AccessLog {
        AccessLog { sink: None }
    }

    /// A log writing to `writer`, flushed every [`FLUSH_INTERVAL`].
    pub fn to_writer(writer: Box<dyn Write + Send>) -> AccessLog {
        let sink = Arc::new(Sink {
            shards: (0..SHARDS).map(|_| Mutex::new(Vec::new())).collect(),
            writer: Mutex::new(writer),
        });
        let weak = Arc::downgrade(&sink);
        std::thread::Builder::new()
            .name("access-log-flush".into())
            .spawn(move || {
                while let Some(sink) = weak.upgrade() {
                    sink.flush();
                    drop(sink);
                    std::thread::sleep(FLUSH_INTERVAL);
                }
            })
            .expect("spawn the access log flusher");
        AccessLog { sink: Some(sink) }
    }

    /// A log to stderr.
    pub fn to_stderr() -> AccessLog {
        AccessLog::to_writer(Box::new(io::stderr()))
    }

    /// A log appended to the file at `path`.
    pub fn to_file(path: &std::path::Path) -> io::Result<AccessLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(AccessLog::to_writer(Box::new(file)))
    }

    pub fn is_on(&self) -> bool {
        self.sink.is_some()
    }

    /// Formats and records one request; `line` is the caller's scratch.
    pub fn record(&self, entry: &Entry<'_>, line: &mut Vec<u8>) {
        let Some(sink) = &self.sink else { return };
        line.clear();
        format_entry(entry, line);
        sink.append(line);
    }

    /// Writes every buffered line now (tests; a clean stop).
    pub fn flush(&self) {
        if let Some(sink) = &self.sink {
            sink.flush();
        }
    }
}

/// The buffer the calling thread writes its lines to.
fn shard_of_this_thread() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|shard| *shard)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Sink {
    /// Adds `line` to this thread's buffer; writes the buffer when full.
    fn append(&self, line: &[u8]) {
        let mut shard = lock(&self.shards[shard_of_this_thread()]);
        shard.extend_from_slice(line);
        if shard.len() >= SHARD_BYTES_MAX {
            self.write_out(&mut shard);
        }
    }

    /// Writes every buffer's lines. A buffer is written while it is
    /// locked (always before the writer: one lock order), so the lines
    /// of a buffer reach the file in the order they were added, and every
    /// line added before `flush` was called is written when it returns.
    fn flush(&self) {
        for shard in &self.shards {
            let mut shard = lock(shard);
            if !shard.is_empty() {
                self.write_out(&mut shard);
            }
        }
        let _ = lock(&self.writer).flush();
    }

    /// One write of whole lines (with `O_APPEND`, never split by others);
    /// the buffer keeps its capacity.
    fn write_out(&self, shard: &mut Vec<u8>) {
        let _ = lock(&self.writer).write_all(shard);
        shard.clear();
    }
}

impl Drop for Sink {
    /// The last clone is gone: what is still buffered goes out now.
    fn drop(&mut self) {
        self.flush();
    }
}

/// Appends the combined-format line for `entry` to `line`. Written by
/// hand, without `core::fmt`: formatting was most of a small request's
/// user time in the server.
pub fn format_entry(entry: &Entry<'_>, line: &mut Vec<u8>) {
    push_ip(line, entry.client);
    line.extend_from_slice(b" - - [");
    with_log_date(|date| line.extend_from_slice(date.as_bytes()));
    line.extend_from_slice(b"] \"");
    push_escaped(line, entry.method.as_bytes());
    line.push(b' ');
    push_escaped(line, entry.target.as_bytes());
    line.push(b' ');
    line.extend_from_slice(entry.version.as_bytes());
    line.extend_from_slice(b"\" ");
    push_decimal(line, u64::from(entry.status));
    line.push(b' ');
    push_decimal(line, entry.bytes);
    line.extend_from_slice(b" \"");
    push_escaped(line, entry.referer.unwrap_or(b"-"));
    line.extend_from_slice(b"\" \"");
    push_escaped(line, entry.user_agent.unwrap_or(b"-"));
    line.extend_from_slice(b"\"\n");
}

/// An IPv4 address in dotted decimal by hand; IPv6 through `Display`.
fn push_ip(line: &mut Vec<u8>, client: IpAddr) {
    match client {
        IpAddr::V4(v4) => {
            for (index, octet) in v4.octets().into_iter().enumerate() {
                if index > 0 {
                    line.push(b'.');
                }
                push_decimal(line, u64::from(octet));
            }
        }
        IpAddr::V6(v6) => {
            let _ = write!(line, "{v6}");
        }
    }
}

/// Escapes `"`, `\`, control and non-ASCII bytes as `\xHH`, as nginx does,
/// so a client cannot forge log lines. Runs of plain bytes are copied whole.
fn push_escaped(line: &mut Vec<u8>, mut bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let needs_escape = |byte: &u8| *byte == b'"' || *byte == b'\\' || !(0x20..0x7f).contains(byte);
    while let Some(at) = bytes.iter().position(needs_escape) {
        line.extend_from_slice(&bytes[..at]);
        let byte = bytes[at];
        line.extend_from_slice(&[
            b'\\',
            b'x',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 15)],
        ]);
        bytes = &bytes[at + 1..];
    }
    line.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer into memory that the test can read.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            lock(&self.0).extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).clone()).unwrap()
        }
    }

    fn entry(target: &str) -> Entry<'_> {
        Entry {
            client: "127.0.0.1".parse().unwrap(),
            method: "GET",
            target,
            version: "HTTP/1.1",
            status: 200,
            bytes: 1,
            referer: None,
            user_agent: None,
        }
    }

    #[test]
    fn lines_of_many_threads_arrive_whole_and_each_thread_in_order() {
        let captured = Captured::default();
        let log = AccessLog::to_writer(Box::new(captured.clone()));
        let threads: Vec<_> = (0..8)
            .map(|thread| {
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut line = Vec::new();
                    for request in 0..500 {
                        log.record(&entry(&format!("/{thread}/{request}")), &mut line);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        log.flush();
        let text = captured.text();
        assert_eq!(text.lines().count(), 8 * 500);
        for thread in 0..8 {
            let prefix = format!("\"GET /{thread}/");
            let requests: Vec<usize> = text
                .lines()
                .filter_map(|line| {
                    let rest = &line[line.find(&prefix)? + prefix.len()..];
                    rest.split(' ').next()?.parse().ok()
                })
                .collect();
            assert_eq!(requests, (0..500).collect::<Vec<_>>(), "thread {thread}");
        }
    }

    #[test]
    fn a_full_buffer_is_written_at_once_and_the_rest_when_the_log_goes() {
        let captured = Captured::default();
        let log = AccessLog::to_writer(Box::new(captured.clone()));
        let long_target = "/".to_string() + &"a".repeat(1000);
        let mut line = Vec::new();
        let mut recorded = 0;
        while captured.text().is_empty() {
            log.record(&entry(&long_target), &mut line);
            recorded += 1;
            assert!(
                recorded <= SHARD_BYTES_MAX / 1000 + 1,
                "not written when full"
            );
        }
        log.record(&entry("/last"), &mut line);
        drop(log);
        // The flusher thread may hold the log a moment longer; the last
        // holder writes what is left.
        for _ in 0..100 {
            if captured.text().ends_with("\"-\"\n") && captured.text().contains("/last") {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let text = captured.text();
        assert_eq!(text.lines().count(), recorded + 1);
        assert!(
            text.ends_with("\"GET /last HTTP/1.1\" 200 1 \"-\" \"-\"\n"),
            "{text}"
        );
    }

    #[test]
    fn entry_has_combined_format_and_escapes_quotes() {
        let entry = Entry {
            client: "127.0.0.1".parse().unwrap(),
            method: "GET",
            target: "/a\"b",
            version: "HTTP/1.1",
            status: 200,
            bytes: 12,
            referer: None,
            user_agent: Some(b"curl/8\n"),
        };
        let mut line = Vec::new();
        format_entry(&entry, &mut line);
        let text = String::from_utf8(line).unwrap();
        assert!(text.starts_with("127.0.0.1 - - ["), "{text}");
        assert!(
            text.ends_with("] \"GET /a\\x22b HTTP/1.1\" 200 12 \"-\" \"curl/8\\x0A\"\n"),
            "{text}"
        );
    }

    #[test]
    fn addresses_and_every_escaped_byte_are_written_as_nginx_does() {
        let entry = Entry {
            client: "10.0.255.9".parse().unwrap(),
            method: "GET",
            target: "/\\\u{7f}\u{e9}",
            version: "HTTP/1.0",
            status: 404,
            bytes: 0,
            referer: Some(b"http://r/"),
            user_agent: None,
        };
        let mut line = Vec::new();
        format_entry(&entry, &mut line);
        let text = String::from_utf8(line).unwrap();
        assert!(text.starts_with("10.0.255.9 - - ["), "{text}");
        assert!(
            text.ends_with("] \"GET /\\x5C\\x7F\\xC3\\xA9 HTTP/1.0\" 404 0 \"http://r/\" \"-\"\n"),
            "{text}"
        );
        let mut v6 = Vec::new();
        push_ip(&mut v6, "::1".parse().unwrap());
        assert_eq!(v6, b"::1");
    }
}
