//! The access log: one line per request in the combined log format
//! (`host ident user [date] "request" status bytes "referer" "agent"`),
//! buffered and flushed by a background thread so that logging costs a
//! request no system call.

use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::date::with_log_date;
use super::response::push_decimal;

/// How often buffered log lines are flushed to their file.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(200);
/// Bytes buffered before a write to the log file is forced.
pub const BUFFER_BYTES: usize = 64 * 1024;

/// A buffered log destination shared by every worker.
type Sink = Arc<Mutex<BufWriter<Box<dyn Write + Send>>>>;

/// Where access log lines go; `None` logs nothing.
#[derive(Clone)]
pub struct AccessLog {
    sink: Option<Sink>,
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
        let sink = Arc::new(Mutex::new(BufWriter::with_capacity(BUFFER_BYTES, writer)));
        let weak = Arc::downgrade(&sink);
        std::thread::Builder::new()
            .name("access-log-flush".into())
            .spawn(move || {
                while let Some(sink) = weak.upgrade() {
                    if let Ok(mut writer) = sink.lock() {
                        let _ = writer.flush();
                    }
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

    /// Formats and records one request.
    pub fn record(&self, entry: &Entry<'_>, line: &mut Vec<u8>) {
        let Some(sink) = &self.sink else { return };
        line.clear();
        format_entry(entry, line);
        if let Ok(mut writer) = sink.lock() {
            let _ = writer.write_all(line);
        }
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
