//! Responses: a status, header fields and a body, and how they are
//! written on the wire (RFC 9112 §4, §6). The connection adds `Date`,
//! `Server`, `Content-Length` or `Transfer-Encoding` and `Connection`; a
//! handler never writes framing fields itself.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;

use super::status::Status;

/// Header fields a response has room for before it reallocates.
const HEADERS_CAPACITY: usize = 8;

/// A header field name or value: static text or owned text.
pub type Text = Cow<'static, str>;

/// The content of a response.
pub enum Body {
    Empty,
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    /// `length` bytes of `file` from `offset`, sent with sendfile.
    File {
        file: File,
        offset: u64,
        length: u64,
    },
    /// A stream; `length: None` is sent chunked (or until close to 1.0).
    Stream {
        reader: Box<dyn Read + Send>,
        length: Option<u64>,
    },
}

impl Body {
    /// The content's length when known in advance.
    pub fn length(&self) -> Option<u64> {
        match self {
            Body::Empty => Some(0),
            Body::Bytes(bytes) => Some(bytes.len() as u64),
            Body::Static(bytes) => Some(bytes.len() as u64),
            Body::File { length, .. } => Some(*length),
            Body::Stream { length, .. } => *length,
        }
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Body({:?} bytes)", self.length())
    }
}

/// A response a handler returns.
#[derive(Debug)]
pub struct Response {
    pub status: Status,
    pub headers: Vec<(Text, Text)>,
    pub body: Body,
    /// Close the connection after this response.
    pub close: bool,
}

impl Response {
    /// A response with no content.
    pub fn empty(status: Status) -> Response {
        Response {
            status,
            headers: Vec::with_capacity(HEADERS_CAPACITY),
            body: Body::Empty,
            close: false,
        }
    }

    /// A response with `body` of the given media type.
    pub fn with_body(status: Status, content_type: impl Into<Text>, body: Body) -> Response {
        Response::empty(status)
            .header("Content-Type", content_type)
            .body(body)
    }

    /// A plain-text response (UTF-8).
    pub fn text(status: Status, text: impl Into<String>) -> Response {
        let bytes = text.into().into_bytes();
        Response::with_body(status, "text/plain; charset=utf-8", Body::Bytes(bytes))
    }

    /// A JSON response.
    pub fn json(status: Status, json: impl Into<String>) -> Response {
        let bytes = json.into().into_bytes();
        Response::with_body(status, "application/json", Body::Bytes(bytes))
    }

    /// An error response: the status's reason and a precise message.
    pub fn error(status: Status, message: &str) -> Response {
        Response::text(
            status,
            format!("{} {}: {message}\n", status.0, status.reason()),
        )
    }

    /// Adds a header field.
    pub fn header(mut self, name: impl Into<Text>, value: impl Into<Text>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: Body) -> Response {
        self.body = body;
        self
    }

    /// Asks the connection to close after this response.
    pub fn closing(mut self) -> Response {
        self.close = true;
        self
    }

    /// The first value of the header field `name`, if set.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// How the body of a written response is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseFraming {
    /// No content and no length field (1xx, 204, 304).
    None,
    Length(u64),
    Chunked,
    /// Until the connection closes (an HTTP/1.0 client, length unknown).
    UntilClose,
}

/// What the connection knows when it writes a head.
pub struct HeadContext<'a> {
    pub http10: bool,
    pub keep_alive: bool,
    pub date: &'a str,
    pub server: &'a str,
}

/// Appends the status line and header fields of `response` to `out`.
pub fn write_head(
    out: &mut Vec<u8>,
    response: &Response,
    framing: ResponseFraming,
    context: &HeadContext<'_>,
) {
    out.extend_from_slice(b"HTTP/1.1 ");
    push_status(out, response.status);
    out.extend_from_slice(b"\r\nDate: ");
    out.extend_from_slice(context.date.as_bytes());
    out.extend_from_slice(b"\r\nServer: ");
    out.extend_from_slice(context.server.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in &response.headers {
        assert!(
            is_safe_field(name) && is_safe_field(value),
            "header field with CR or LF"
        );
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    match framing {
        ResponseFraming::Length(length) => push_content_length(out, length),
        ResponseFraming::Chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
        ResponseFraming::None | ResponseFraming::UntilClose => {}
    }
    if !context.keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if context.http10 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

fn push_status(out: &mut Vec<u8>, status: Status) {
    let code = status.0;
    assert!((100..1000).contains(&code));
    out.extend_from_slice(&[b'0' + (code / 100) as u8, b'0' + (code / 10 % 10) as u8]);
    out.extend_from_slice(&[b'0' + (code % 10) as u8, b' ']);
    out.extend_from_slice(status.reason().as_bytes());
}

fn push_content_length(out: &mut Vec<u8>, length: u64) {
    out.extend_from_slice(b"Content-Length: ");
    push_decimal(out, length);
    out.extend_from_slice(b"\r\n");
}

/// Appends `value` in decimal without allocating.
pub fn push_decimal(out: &mut Vec<u8>, mut value: u64) {
    // Statuses, address octets and small lengths: no loop.
    let digit = |d: u64| b'0' + d as u8;
    match value {
        0..10 => return out.push(digit(value)),
        10..100 => return out.extend_from_slice(&[digit(value / 10), digit(value % 10)]),
        100..1000 => {
            let digits = [
                digit(value / 100),
                digit(value / 10 % 10),
                digit(value % 10),
            ];
            return out.extend_from_slice(&digits);
        }
        _ => {}
    }
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

/// No CR, LF or NUL in `text`: eight bytes at a time, since every byte
/// of every response head passes here. CR, LF and NUL are all below 0x0e,
/// so a word with no byte below 0x0e is clean; one with such a byte (a
/// tab, say) is looked at byte by byte.
fn is_safe_field(text: &str) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
    let is_unsafe = |byte: &u8| matches!(byte, b'\r' | b'\n' | 0);
    let mut chunks = text.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let below_0e = word.wrapping_sub(ONES * 0x0e) & !word & HIGH_BITS;
        if below_0e != 0 && chunk.iter().any(is_unsafe) {
            return false;
        }
    }
    !chunks.remainder().iter().any(is_unsafe)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(response: &Response, framing: ResponseFraming, keep_alive: bool) -> String {
        let context = HeadContext {
            http10: false,
            keep_alive,
            date: "D",
            server: "S",
        };
        let mut out = Vec::new();
        write_head(&mut out, response, framing, &context);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn head_has_status_date_server_fields_and_length() {
        let response = Response::empty(Status::NOT_FOUND).header("x-a", "1");
        assert_eq!(
            head(&response, ResponseFraming::Length(12), true),
            "HTTP/1.1 404 Not Found\r\nDate: D\r\nServer: S\r\nx-a: 1\r\nContent-Length: 12\r\n\r\n"
        );
    }

    #[test]
    fn closing_and_chunked_heads_say_so() {
        let response = Response::empty(Status::OK);
        let text = head(&response, ResponseFraming::Chunked, false);
        assert!(text.ends_with("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
    }

    #[test]
    #[should_panic(expected = "CR or LF")]
    fn header_injection_is_a_programmer_error() {
        let response = Response::empty(Status::OK).header("x", "a\r\nSet-Cookie: b");
        head(&response, ResponseFraming::None, true);
    }

    #[test]
    fn unsafe_bytes_are_found_at_every_offset() {
        for length in 0..20 {
            let clean = "a\tb".repeat(length);
            assert!(is_safe_field(&clean), "{clean:?}");
            for at in 0..clean.len() {
                for bad in ['\r', '\n', '\0'] {
                    let mut text = clean.clone().into_bytes();
                    text[at] = bad as u8;
                    let text = String::from_utf8(text).unwrap();
                    assert!(!is_safe_field(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn decimal_pushes_every_magnitude() {
        for value in [
            0,
            7,
            9,
            10,
            42,
            99,
            100,
            404,
            999,
            1000,
            1024,
            1234567890,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            push_decimal(&mut out, value);
            assert_eq!(out, value.to_string().as_bytes());
        }
    }
}
