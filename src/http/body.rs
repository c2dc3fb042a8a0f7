//! Request bodies: how a body is framed (RFC 9112 §6), checked so that no
//! request can be smuggled, and read as a stream (`Read`) from the
//! connection, with `Content-Length` or `chunked` framing (§7.1), chunk
//! extensions and trailers, a size limit, and `Expect: 100-continue`.
//!
//! A body reader never buffers a whole body: bytes already read past the
//! head are served first, then reads go to the socket. When it fails it
//! records why, so the connection answers the right status (400, 408,
//! 413) whatever the handler made of the error.

use std::io::{self, Read, Write};

use super::limits::{CHUNK_LINE_BYTES_MAX, TRAILERS_BYTES_MAX};
use super::parse::is_token_byte;
use super::request::Request;
use super::status::Status;

/// How the body of a request is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: n` (no field at all means 0).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A request whose framing cannot be trusted; answered and then closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FramingError {
    BothLengthAndTransferEncoding,
    ConflictingContentLengths,
    InvalidContentLength,
    ChunkedNotLast,
    UnsupportedTransferCoding,
    TransferEncodingInHttp10,
}

impl FramingError {
    pub fn status(self) -> Status {
        match self {
            FramingError::UnsupportedTransferCoding => Status::NOT_IMPLEMENTED,
            _ => Status::BAD_REQUEST,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            FramingError::BothLengthAndTransferEncoding => {
                "both Content-Length and Transfer-Encoding"
            }
            FramingError::ConflictingContentLengths => "conflicting Content-Length values",
            FramingError::InvalidContentLength => "invalid Content-Length",
            FramingError::ChunkedNotLast => "chunked is not the final transfer coding",
            FramingError::UnsupportedTransferCoding => "unsupported transfer coding",
            FramingError::TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 request",
        }
    }
}

/// Decides the framing of `request`'s body by RFC 9112 §6.1 and §6.3.
pub fn framing(request: &Request<'_>) -> Result<Framing, FramingError> {
    let has_transfer_encoding = request.header("transfer-encoding").is_some();
    let content_length = content_length(request)?;
    if has_transfer_encoding {
        if content_length.is_some() {
            return Err(FramingError::BothLengthAndTransferEncoding);
        }
        if request.version == super::parse::Version::Http10 {
            return Err(FramingError::TransferEncodingInHttp10);
        }
        return transfer_coding(request);
    }
    Ok(Framing::Length(content_length.unwrap_or(0)))
}

/// Every Content-Length value, in every field line and list element, must
/// be the same run of digits (§6.3 rule 5).
fn content_length(request: &Request<'_>) -> Result<Option<u64>, FramingError> {
    let mut length = None;
    for value in request.header_all("content-length") {
        let text = std::str::from_utf8(value).map_err(|_| FramingError::InvalidContentLength)?;
        for element in text.split(',').map(str::trim) {
            let parsed = parse_decimal(element).ok_or(FramingError::InvalidContentLength)?;
            if length.is_some_and(|previous| previous != parsed) {
                return Err(FramingError::ConflictingContentLengths);
            }
            length = Some(parsed);
        }
    }
    Ok(length)
}

/// `1*DIGIT` that fits in u64; no sign, no spaces.
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn transfer_coding(request: &Request<'_>) -> Result<Framing, FramingError> {
    let codings: Vec<&str> = request.header_list("transfer-encoding").collect();
    let chunked_count = codings
        .iter()
        .filter(|c| c.eq_ignore_ascii_case("chunked"))
        .count();
    match codings.last() {
        Some(last) if last.eq_ignore_ascii_case("chunked") && chunked_count == 1 => {}
        _ if chunked_count > 1 => return Err(FramingError::ChunkedNotLast),
        _ => return Err(FramingError::ChunkedNotLast),
    }
    if codings.len() > 1 {
        return Err(FramingError::UnsupportedTransferCoding);
    }
    Ok(Framing::Chunked)
}

/// Why reading a body failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFailure {
    Malformed(&'static str),
    TooLarge,
    Timeout,
    /// The client closed the connection before the end of the body.
    Truncated,
    Io,
}

impl BodyFailure {
    pub fn status(self) -> Status {
        match self {
            BodyFailure::TooLarge => Status::CONTENT_TOO_LARGE,
            BodyFailure::Timeout => Status::REQUEST_TIMEOUT,
            _ => Status::BAD_REQUEST,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            BodyFailure::Malformed(why) => why,
            BodyFailure::TooLarge => "request body too large",
            BodyFailure::Timeout => "request body timed out",
            BodyFailure::Truncated => "request body ended early",
            BodyFailure::Io => "request body could not be read",
        }
    }
}

impl std::fmt::Display for BodyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for BodyFailure {}

/// Something a body can be read from and a `100 Continue` written to.
pub trait Transport: Read + Write {}
impl<T: Read + Write> Transport for T {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Length { remaining: u64 },
    ChunkSize,
    ChunkData { remaining: u64 },
    ChunkDataEnd,
    Trailers { bytes: usize },
    Done,
}

/// The body of one request, as a stream.
pub struct Body<'a> {
    transport: &'a mut dyn Transport,
    buffer: &'a mut [u8],
    start: usize,
    end: usize,
    state: State,
    declared_length: Option<u64>,
    received_bytes: u64,
    limit_bytes: u64,
    continue_pending: bool,
    failure: Option<BodyFailure>,
}

impl<'a> Body<'a> {
    /// A body framed by `framing`, whose first `buffered` bytes are already
    /// at the start of `buffer` (the rest of `buffer` is scratch space).
    pub fn new(
        transport: &'a mut dyn Transport,
        buffer: &'a mut [u8],
        buffered: usize,
        framing: Framing,
        limit_bytes: u64,
    ) -> Body<'a> {
        assert!(buffered <= buffer.len());
        let (state, declared_length) = match framing {
            Framing::Length(0) => (State::Done, Some(0)),
            Framing::Length(length) => (State::Length { remaining: length }, Some(length)),
            Framing::Chunked => (State::ChunkSize, None),
        };
        Body {
            transport,
            buffer,
            start: 0,
            end: buffered,
            state,
            declared_length,
            received_bytes: 0,
            limit_bytes,
            continue_pending: false,
            failure: None,
        }
    }

    /// The client sent `Expect: 100-continue`: send `100 Continue` before
    /// the first read from the socket.
    pub fn expect_continue(&mut self) {
        self.continue_pending = self.state != State::Done;
    }

    /// The Content-Length, when the body has one.
    pub fn declared_length(&self) -> Option<u64> {
        self.declared_length
    }

    /// Sets the largest body this handler accepts. A declared length above
    /// it fails at once (so a `100 Continue` is never sent for it).
    pub fn set_limit(&mut self, limit_bytes: u64) -> Result<(), BodyFailure> {
        self.limit_bytes = limit_bytes;
        if self
            .declared_length
            .is_some_and(|length| length > limit_bytes)
        {
            return Err(self.fail(BodyFailure::TooLarge));
        }
        Ok(())
    }

    /// Reads the whole body into memory, up to the current limit.
    pub fn read_to_vec(&mut self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(self.declared_length.unwrap_or(0).min(1 << 20) as usize);
        self.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Has the whole body been read?
    pub fn is_complete(&self) -> bool {
        self.state == State::Done
    }

    /// Why reading failed, if it did.
    pub fn failure(&self) -> Option<BodyFailure> {
        self.failure
    }

    /// Was a `100 Continue` owed and never sent (the client may be waiting
    /// to send the body)?
    pub fn continue_pending(&self) -> bool {
        self.continue_pending
    }

    /// Bytes buffered past the end of the body (a pipelined request), as a
    /// range of the buffer given to [`Body::new`].
    pub fn leftover(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// Reads and drops the rest of the body, up to `bytes_max`; true when
    /// the body ended cleanly (so the connection can carry on).
    pub fn drain(&mut self, bytes_max: u64) -> bool {
        if self.failure.is_some() || self.continue_pending || self.is_complete() {
            return self.is_complete();
        }
        self.drain_rest(bytes_max)
    }

    /// The loop of [`Body::drain`], apart so that its 8 KiB scratch is
    /// neither zeroed nor even probed on the stack by a request that has
    /// no body left (most of them): that cost more than the rest of a
    /// small GET's user time.
    #[inline(never)]
    fn drain_rest(&mut self, bytes_max: u64) -> bool {
        let mut scratch = [0u8; 8192];
        let mut drained = 0u64;
        while !self.is_complete() && drained <= bytes_max {
            match self.read(&mut scratch) {
                Ok(0) => break,
                Ok(n) => drained += n as u64,
                Err(_) => return false,
            }
        }
        self.is_complete()
    }

    fn fail(&mut self, failure: BodyFailure) -> BodyFailure {
        self.failure.get_or_insert(failure);
        failure
    }

    fn error(&mut self, failure: BodyFailure) -> io::Error {
        let failure = self.fail(failure);
        let kind = match failure {
            BodyFailure::Timeout => io::ErrorKind::TimedOut,
            BodyFailure::Truncated => io::ErrorKind::UnexpectedEof,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, failure)
    }

    fn send_continue(&mut self) -> io::Result<()> {
        self.continue_pending = false;
        if self.start < self.end {
            return Ok(()); // the client already started sending (RFC 9110 §10.1.1)
        }
        let result = self.transport.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        result.map_err(|_| self.error(BodyFailure::Io))
    }

    /// Reads raw body bytes: buffered ones first, then from the transport.
    fn read_raw(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start < self.end {
            let count = out.len().min(self.end - self.start);
            out[..count].copy_from_slice(&self.buffer[self.start..self.start + count]);
            self.start += count;
            return Ok(count);
        }
        self.read_transport(out)
    }

    fn read_transport(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            return match self.transport.read(out) {
                Ok(0) => Err(self.error(BodyFailure::Truncated)),
                Ok(count) => Ok(count),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) => Err(self.error(BodyFailure::Timeout)),
                Err(_) => Err(self.error(BodyFailure::Io)),
            };
        }
    }

    fn count_received(&mut self, count: usize) -> io::Result<()> {
        self.received_bytes += count as u64;
        if self.received_bytes > self.limit_bytes {
            return Err(self.error(BodyFailure::TooLarge));
        }
        Ok(())
    }

    /// The next line of chunked framing, without its CRLF, as a range of
    /// the buffer; reads more when the line is not complete yet.
    fn read_line(&mut self, bytes_max: usize) -> io::Result<std::ops::Range<usize>> {
        loop {
            let pending = &self.buffer[self.start..self.end];
            if let Some(offset) = pending.iter().position(|&b| b == b'\n') {
                let line_start = self.start;
                let mut line_end = self.start + offset;
                self.start = line_end + 1;
                if line_end > line_start && self.buffer[line_end - 1] == b'\r' {
                    line_end -= 1;
                }
                return Ok(line_start..line_end);
            }
            if pending.len() > bytes_max {
                return Err(self.error(BodyFailure::Malformed("chunk framing line too long")));
            }
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buffer.len() {
                return Err(self.error(BodyFailure::Malformed("chunk framing line too long")));
            }
            let spare = std::mem::take(&mut self.buffer);
            let result = self.read_transport(&mut spare[self.end..]);
            self.buffer = spare;
            self.end += result?;
        }
    }

    fn read_chunk_size(&mut self) -> io::Result<()> {
        let line = self.read_line(CHUNK_LINE_BYTES_MAX)?;
        match parse_chunk_size_line(&self.buffer[line]) {
            Some(0) => self.state = State::Trailers { bytes: 0 },
            Some(size) => self.state = State::ChunkData { remaining: size },
            None => return Err(self.error(BodyFailure::Malformed("invalid chunk size line"))),
        }
        Ok(())
    }

    fn read_chunk_data_end(&mut self) -> io::Result<()> {
        let line = self.read_line(2)?;
        if !line.is_empty() {
            return Err(self.error(BodyFailure::Malformed("chunk data not followed by CRLF")));
        }
        self.state = State::ChunkSize;
        Ok(())
    }

    /// Trailer fields (RFC 9112 §7.1.2) are checked and dropped.
    fn read_trailer(&mut self, bytes: usize) -> io::Result<()> {
        let line = self.read_line(TRAILERS_BYTES_MAX)?;
        let total = bytes + line.len() + 2;
        if line.is_empty() {
            self.state = State::Done;
            return Ok(());
        }
        if total > TRAILERS_BYTES_MAX {
            return Err(self.error(BodyFailure::Malformed("trailer fields too large")));
        }
        if !is_field_line(&self.buffer[line]) {
            return Err(self.error(BodyFailure::Malformed("invalid trailer field")));
        }
        self.state = State::Trailers { bytes: total };
        Ok(())
    }
}

impl Read for Body<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if let Some(failure) = self.failure {
            return Err(io::Error::new(io::ErrorKind::InvalidData, failure));
        }
        if self.continue_pending {
            self.send_continue()?;
        }
        loop {
            match self.state {
                State::Done => return Ok(0),
                State::Length { remaining } => {
                    let count = self.read_raw(limit(out, remaining))?;
                    self.count_received(count)?;
                    let remaining = remaining - count as u64;
                    self.state = if remaining == 0 {
                        State::Done
                    } else {
                        State::Length { remaining }
                    };
                    return Ok(count);
                }
                State::ChunkData { remaining } => {
                    let count = self.read_raw(limit(out, remaining))?;
                    self.count_received(count)?;
                    let remaining = remaining - count as u64;
                    self.state = if remaining == 0 {
                        State::ChunkDataEnd
                    } else {
                        State::ChunkData { remaining }
                    };
                    return Ok(count);
                }
                State::ChunkSize => self.read_chunk_size()?,
                State::ChunkDataEnd => self.read_chunk_data_end()?,
                State::Trailers { bytes } => self.read_trailer(bytes)?,
            }
        }
    }
}

fn limit(out: &mut [u8], remaining: u64) -> &mut [u8] {
    let count = remaining.min(out.len() as u64) as usize;
    &mut out[..count]
}

pub fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Hex digits in a chunk size at most (16 = 64 bits).
const CHUNK_SIZE_DIGITS_MAX: usize = 16;

/// `chunk-size [ chunk-ext ]` (RFC 9112 §7.1, §7.1.1): the size, and
/// extensions that must be well-formed but are otherwise ignored.
pub fn parse_chunk_size_line(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > CHUNK_SIZE_DIGITS_MAX {
        return None;
    }
    let size = u64::from_str_radix(std::str::from_utf8(&line[..digits]).ok()?, 16).ok()?;
    valid_chunk_extensions(&line[digits..]).then_some(size)
}

/// `*( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )`, ext-val being a
/// token or a quoted-string.
fn valid_chunk_extensions(mut rest: &[u8]) -> bool {
    loop {
        rest = skip_whitespace(rest);
        let Some((&b';', after)) = rest.split_first() else {
            return rest.is_empty();
        };
        rest = skip_whitespace(after);
        let name = rest.iter().take_while(|&&b| is_token_byte(b)).count();
        if name == 0 {
            return false;
        }
        rest = skip_whitespace(&rest[name..]);
        if let Some((&b'=', after)) = rest.split_first() {
            let Some(value_length) = token_or_quoted(skip_whitespace(after)) else {
                return false;
            };
            rest = &skip_whitespace(after)[value_length..];
        }
    }
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let count = bytes
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    &bytes[count..]
}

/// Length of a token or quoted-string at the start of `bytes`.
fn token_or_quoted(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&b'"') {
        let length = bytes.iter().take_while(|&&b| is_token_byte(b)).count();
        return (length > 0).then_some(length);
    }
    let mut index = 1;
    while index < bytes.len() {
        match bytes[index] {
            b'"' => return Some(index + 1),
            b'\\' if index + 1 < bytes.len() => index += 2,
            b'\t' | b' '..=0x7e | 0x80..=0xff if bytes[index] != 0x7f => index += 1,
            _ => return None,
        }
    }
    None
}

fn is_field_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && line[..colon].iter().all(|&b| is_token_byte(b))
        && line[colon + 1..]
            .iter()
            .all(|&b| b == b'\t' || (b >= b' ' && b != 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_size_lines_follow_the_grammar() {
        assert_eq!(parse_chunk_size_line(b"1a"), Some(26));
        assert_eq!(parse_chunk_size_line(b"0"), Some(0));
        assert_eq!(parse_chunk_size_line(b"A;name=value"), Some(10));
        assert_eq!(
            parse_chunk_size_line(b"a ; name = \"quoted \\\" v\" ;flag"),
            Some(10)
        );
        assert_eq!(parse_chunk_size_line(b"ffffffffffffffff"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b" 1",
            b"-1",
            b"0x10",
            b"1 2",
            b"1;",
            b"1;=v",
            b"1;n=",
            b"1;n=\"open",
            b"10000000000000000",
            b"g",
        ] {
            assert_eq!(
                parse_chunk_size_line(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    struct Script {
        input: std::io::Cursor<Vec<u8>>,
        written: Vec<u8>,
    }

    impl Read for Script {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            // One byte at a time, to exercise every partial-line path.
            let count = out.len().min(1);
            self.input.read(&mut out[..count])
        }
    }

    impl Write for Script {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn read_body(wire: &[u8], framing: Framing, buffered: usize) -> (io::Result<Vec<u8>>, Vec<u8>) {
        let mut buffer = vec![0u8; 64];
        buffer[..buffered].copy_from_slice(&wire[..buffered]);
        let mut script = Script {
            input: std::io::Cursor::new(wire[buffered..].to_vec()),
            written: vec![],
        };
        let mut body = Body::new(&mut script, &mut buffer, buffered, framing, 1 << 20);
        let result = body.read_to_vec();
        let leftover = buffer_leftover(&body);
        (result, leftover)
    }

    fn buffer_leftover(body: &Body<'_>) -> Vec<u8> {
        body.buffer[body.leftover()].to_vec()
    }

    #[test]
    fn chunked_body_with_extensions_and_trailers_decodes() {
        let wire = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\nNEXT";
        for buffered in [0, 3, 9, 20, 40] {
            let (result, leftover) = read_body(wire, Framing::Chunked, buffered);
            assert_eq!(result.unwrap(), b"hello world");
            let consumed_from_script = leftover.is_empty() || leftover == b"NEXT";
            assert!(consumed_from_script, "{leftover:?}");
        }
    }

    #[test]
    fn malformed_chunked_bodies_fail_as_bad_request() {
        for wire in [
            &b"5\r\nhelloXX0\r\n\r\n"[..],
            b"zz\r\n",
            b"5\r\nhel",
            b"0\r\nbad trailer\r\n\r\n",
        ] {
            let (result, _) = read_body(wire, Framing::Chunked, 0);
            assert!(result.is_err(), "{:?}", String::from_utf8_lossy(wire));
        }
    }

    #[test]
    fn content_length_body_stops_at_its_length() {
        let (result, leftover) = read_body(b"abcdefGET", Framing::Length(6), 9);
        assert_eq!(result.unwrap(), b"abcdef");
        assert_eq!(leftover, b"GET");
    }

    #[test]
    fn declared_length_over_the_limit_fails_before_reading() {
        let mut buffer = vec![0u8; 16];
        let mut script = Script {
            input: std::io::Cursor::new(vec![]),
            written: vec![],
        };
        let mut body = Body::new(&mut script, &mut buffer, 0, Framing::Length(100), 1000);
        body.expect_continue();
        assert_eq!(body.set_limit(10), Err(BodyFailure::TooLarge));
        assert!(body.read(&mut [0u8; 4]).is_err());
        assert!(
            body.continue_pending(),
            "no 100 Continue for a body we refuse"
        );
        assert!(script.written.is_empty());
    }

    #[test]
    fn continue_is_sent_on_first_read() {
        let mut buffer = vec![0u8; 16];
        let mut script = Script {
            input: std::io::Cursor::new(b"hi".to_vec()),
            written: vec![],
        };
        let mut body = Body::new(&mut script, &mut buffer, 0, Framing::Length(2), 1000);
        body.expect_continue();
        assert_eq!(body.read_to_vec().unwrap(), b"hi");
        assert_eq!(script.written, b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    #[test]
    fn chunked_body_over_the_limit_is_too_large() {
        let mut buffer = vec![0u8; 64];
        let wire = b"a\r\n0123456789\r\n0\r\n\r\n".to_vec();
        let mut script = Script {
            input: std::io::Cursor::new(wire),
            written: vec![],
        };
        let mut body = Body::new(&mut script, &mut buffer, 0, Framing::Chunked, 5);
        assert!(body.read_to_vec().is_err());
        assert_eq!(body.failure(), Some(BodyFailure::TooLarge));
    }
}
