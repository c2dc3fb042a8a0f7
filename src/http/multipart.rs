//! A streaming `multipart/form-data` parser (RFC 7578 over RFC 2046
//! §5.1.1) that reads from any `Read` (a request body) through one buffer
//! of [`BUFFER_BYTES`], and hands out each part's body as a `Read` that
//! stops at the next delimiter, however large the part.
//!
//! The body grammar, as parsed here:
//!
//! ```text
//! body      = [preamble CRLF] "--" boundary *LWSP CRLF
//!             part *(CRLF "--" boundary *LWSP CRLF part)
//!             CRLF "--" boundary "--" [epilogue]
//! part      = *(header CRLF) CRLF content
//! ```
//!
//! - The delimiter is `CRLF "--" boundary`; the parser prepends a virtual
//!   CRLF to the stream so a first delimiter with no preamble is the same.
//!   The preamble (at most [`PREAMBLE_BYTES_MAX`]) and everything after the
//!   close delimiter are ignored; the epilogue is not even read.
//! - `CRLF "--" boundary` inside a part is a delimiter only when followed
//!   by `--`, space, tab, CR or LF (as Go's `mime/multipart` decides);
//!   followed by anything else, it is content. After a delimiter, only
//!   spaces and tabs (at most [`TRANSPORT_PADDING_BYTES_MAX`]) may come
//!   before the CRLF.
//! - Each part's header block is at most [`PART_HEADER_BYTES_MAX`] and
//!   [`PART_HEADERS_COUNT_MAX`] fields, UTF-8, `name: value` lines (no
//!   obsolete line folding). It must have `Content-Disposition: form-data`
//!   with a `name` parameter (RFC 7578 §4.2); `filename` and the part's
//!   `Content-Type` are optional. Parameter values are tokens or quoted
//!   strings, whose backslash escapes are undone.
//! - At most [`PARTS_MAX`] parts (each limit can be changed per use with
//!   [`Limits`]).
//!
//! A delimiter split across reads, or bytes that look like the start of a
//! delimiter, are handled by keeping the last `delimiter - 1` bytes of a
//! read back until the next read decides them.

mod params;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::{self, Read};

/// The longest boundary RFC 2046 allows.
pub const BOUNDARY_BYTES_MAX: usize = 70;
/// Parts in one body, by default.
pub const PARTS_MAX: usize = 1000;
/// One part's header block (all its lines), by default.
pub const PART_HEADER_BYTES_MAX: usize = 8 * 1024;
/// Header fields in one part, by default.
pub const PART_HEADERS_COUNT_MAX: usize = 16;
/// Bytes skipped before the first delimiter, by default.
pub const PREAMBLE_BYTES_MAX: usize = 64 * 1024;
/// Spaces and tabs allowed between a boundary and its CRLF.
pub const TRANSPORT_PADDING_BYTES_MAX: usize = 256;
/// The parser's one buffer.
pub const BUFFER_BYTES: usize = 64 * 1024;

const DELIMITER_PREFIX: &[u8] = b"\r\n--";
const CRLF: &[u8] = b"\r\n";
const HEADER_END: &[u8] = b"\r\n\r\n";

const _: () = assert!(
    PART_HEADER_BYTES_MAX + TRANSPORT_PADDING_BYTES_MAX + BOUNDARY_BYTES_MAX + 16 < BUFFER_BYTES
);

/// The bounds on one body; [`Limits::default`] uses the constants above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub parts_max: usize,
    /// At most [`PART_HEADER_BYTES_MAX`] (the buffer is sized for it).
    pub part_header_bytes_max: usize,
    pub part_headers_count_max: usize,
    pub preamble_bytes_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            parts_max: PARTS_MAX,
            part_header_bytes_max: PART_HEADER_BYTES_MAX,
            part_headers_count_max: PART_HEADERS_COUNT_MAX,
            preamble_bytes_max: PREAMBLE_BYTES_MAX,
        }
    }
}

/// Why a body is not acceptable `multipart/form-data`.
#[derive(Debug)]
pub enum MultipartError {
    /// The Content-Type is not `multipart/form-data`.
    NotFormData,
    /// The Content-Type's parameters do not parse.
    MalformedContentType,
    /// The Content-Type has no `boundary` parameter.
    MissingBoundary,
    /// The boundary is empty, longer than 70 bytes, has a byte RFC 2046
    /// does not allow, or ends with a space.
    InvalidBoundary,
    /// More than the preamble limit before the first delimiter.
    PreambleTooLarge,
    /// The body ended before the close delimiter.
    UnexpectedEnd,
    /// A delimiter is followed by something other than padding and CRLF.
    MalformedDelimiter,
    /// A part header line is not `name: value` in UTF-8.
    MalformedHeader,
    /// A part's header block is over the limit.
    PartHeaderTooLarge,
    /// A part has more header fields than the limit.
    TooManyHeaders,
    /// The body has more parts than the limit.
    TooManyParts,
    /// A part lacks `Content-Disposition: form-data; name=…`, or has two,
    /// or its parameters do not parse.
    BadContentDisposition,
    /// An earlier call failed; the stream cannot be resumed.
    AfterError,
    /// Reading the body failed.
    Io(io::Error),
}

impl fmt::Display for MultipartError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            MultipartError::NotFormData => "content type is not multipart/form-data",
            MultipartError::MalformedContentType => "malformed content type parameters",
            MultipartError::MissingBoundary => "multipart content type lacks a boundary",
            MultipartError::InvalidBoundary => "invalid multipart boundary",
            MultipartError::PreambleTooLarge => "multipart preamble too large",
            MultipartError::UnexpectedEnd => "multipart body ended before its close delimiter",
            MultipartError::MalformedDelimiter => "malformed multipart delimiter line",
            MultipartError::MalformedHeader => "malformed part header",
            MultipartError::PartHeaderTooLarge => "part header too large",
            MultipartError::TooManyHeaders => "too many part header fields",
            MultipartError::TooManyParts => "too many parts",
            MultipartError::BadContentDisposition => "missing or malformed Content-Disposition",
            MultipartError::AfterError => "multipart stream already failed",
            MultipartError::Io(error) => return write!(formatter, "{error}"),
        };
        formatter.write_str(text)
    }
}

impl std::error::Error for MultipartError {}

impl From<io::Error> for MultipartError {
    fn from(error: io::Error) -> MultipartError {
        MultipartError::Io(error)
    }
}

impl From<MultipartError> for io::Error {
    /// Read errors pass through; format errors become `InvalidData`
    /// (`UnexpectedEof` for a truncated body) carrying the precise error.
    fn from(error: MultipartError) -> io::Error {
        match error {
            MultipartError::Io(error) => error,
            MultipartError::UnexpectedEnd => io::Error::new(io::ErrorKind::UnexpectedEof, error),
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

impl MultipartError {
    /// The precise error inside an `io::Error` from a part's `read`.
    pub fn from_io(error: io::Error) -> MultipartError {
        if error
            .get_ref()
            .is_some_and(|inner| inner.is::<MultipartError>())
        {
            let inner = error.into_inner().expect("checked above");
            return *inner.downcast::<MultipartError>().expect("checked above");
        }
        MultipartError::Io(error)
    }
}

/// The boundary named by a `Content-Type` field value, which must be
/// `multipart/form-data` with a valid `boundary` parameter.
pub fn boundary_from_content_type(value: &str) -> Result<String, MultipartError> {
    let (media_type, parameters) =
        params::parse(value).map_err(|_| MultipartError::MalformedContentType)?;
    if !media_type.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotFormData);
    }
    let boundary = params::find(&parameters, "boundary").ok_or(MultipartError::MissingBoundary)?;
    validate_boundary(boundary)?;
    Ok(boundary.to_owned())
}

/// Checks `boundary` against RFC 2046's `boundary` rule.
fn validate_boundary(boundary: &str) -> Result<(), MultipartError> {
    let allowed = |byte: u8| byte.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&byte);
    let bytes = boundary.as_bytes();
    if bytes.is_empty()
        || bytes.len() > BOUNDARY_BYTES_MAX
        || !bytes.iter().all(|&byte| allowed(byte))
        || bytes.ends_with(b" ")
    {
        return Err(MultipartError::InvalidBoundary);
    }
    Ok(())
}

/// What a part's header block says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartHeaders {
    /// The `name` parameter of Content-Disposition.
    pub name: String,
    /// The `filename` parameter, if any.
    pub filename: Option<String>,
    /// The part's Content-Type, if any.
    pub content_type: Option<String>,
    /// Every field, names as sent, values trimmed.
    pub fields: Vec<(String, String)>,
}

impl PartHeaders {
    /// The value of the first field called `name` (any case).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Preamble,
    /// At a delimiter (`start` points at its CRLF).
    Delimiter,
    Body,
    Done,
    Failed,
}

/// Where the next delimiter is, as far as the buffer tells.
enum Search {
    /// A delimiter starts here.
    Found(usize),
    /// Something that may be a delimiter starts here; more bytes decide.
    Undecided(usize),
    NotFound,
}

/// The parser (see the module header).
pub struct Multipart<Source> {
    source: Source,
    buffer: Vec<u8>,
    /// Unconsumed bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    at_end: bool,
    /// `CRLF "--" boundary`.
    delimiter: Vec<u8>,
    state: State,
    parts: usize,
    limits: Limits,
    /// `buffer[start..ready_end]` is content known to precede the next
    /// delimiter; when `delimiter_next`, that delimiter is at `ready_end`.
    ready_end: usize,
    delimiter_next: bool,
}

/// One part: its headers, and its content as a `Read`.
pub struct Part<'parser, Source> {
    pub headers: PartHeaders,
    parser: &'parser mut Multipart<Source>,
}

impl<Source: Read> Read for Part<'_, Source> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.parser.read_content(out).map_err(io::Error::from)
    }
}

impl<Source: Read> Multipart<Source> {
    /// A parser of `source` with the default [`Limits`].
    pub fn new(source: Source, boundary: &str) -> Result<Multipart<Source>, MultipartError> {
        Multipart::with_limits(source, boundary, Limits::default())
    }

    /// A parser of `source`, separated by `boundary`, within `limits`.
    pub fn with_limits(
        source: Source,
        boundary: &str,
        limits: Limits,
    ) -> Result<Multipart<Source>, MultipartError> {
        validate_boundary(boundary)?;
        assert!(limits.part_header_bytes_max <= PART_HEADER_BYTES_MAX);
        let mut buffer = vec![0; BUFFER_BYTES];
        // The virtual CRLF before the first delimiter.
        buffer[..CRLF.len()].copy_from_slice(CRLF);
        Ok(Multipart {
            source,
            buffer,
            start: 0,
            end: CRLF.len(),
            at_end: false,
            delimiter: [DELIMITER_PREFIX, boundary.as_bytes()].concat(),
            state: State::Preamble,
            parts: 0,
            limits,
            ready_end: 0,
            delimiter_next: false,
        })
    }

    /// The next part, after skipping what is left of the current one;
    /// `None` after the close delimiter. After an error, every call fails.
    pub fn next_part(&mut self) -> Result<Option<Part<'_, Source>>, MultipartError> {
        match self.state {
            State::Failed => return Err(MultipartError::AfterError),
            State::Done => return Ok(None),
            _ => {}
        }
        match self.next_headers() {
            Ok(Some(headers)) => Ok(Some(Part {
                headers,
                parser: self,
            })),
            Ok(None) => Ok(None),
            Err(error) => {
                self.state = State::Failed;
                Err(error)
            }
        }
    }

    fn next_headers(&mut self) -> Result<Option<PartHeaders>, MultipartError> {
        if self.state == State::Preamble {
            self.skip_to_delimiter(self.limits.preamble_bytes_max)?;
        } else if self.state == State::Body {
            self.skip_to_delimiter(usize::MAX)?;
        }
        self.state = State::Delimiter;
        if !self.read_delimiter_line()? {
            self.state = State::Done;
            return Ok(None);
        }
        if self.parts == self.limits.parts_max {
            return Err(MultipartError::TooManyParts);
        }
        let headers = self.read_headers()?;
        self.parts += 1;
        self.state = State::Body;
        self.ready_end = self.start;
        self.delimiter_next = false;
        Ok(Some(headers))
    }

    /// Drops content up to the next delimiter, failing past `bytes_max`.
    fn skip_to_delimiter(&mut self, bytes_max: usize) -> Result<(), MultipartError> {
        let mut skipped = 0usize;
        loop {
            if self.start == self.ready_end {
                if self.delimiter_next {
                    self.delimiter_next = false;
                    return Ok(());
                }
                self.advance()?;
                continue;
            }
            skipped = skipped.saturating_add(self.ready_end - self.start);
            self.start = self.ready_end;
            if skipped > bytes_max {
                return Err(MultipartError::PreambleTooLarge);
            }
        }
    }

    /// Copies content of the current part into `out`; 0 at its end.
    fn read_content(&mut self, out: &mut [u8]) -> Result<usize, MultipartError> {
        if self.state == State::Failed {
            return Err(MultipartError::AfterError);
        }
        if self.state != State::Body || out.is_empty() {
            return Ok(0);
        }
        if self.start == self.ready_end
            && !self.delimiter_next
            && let Err(error) = self.advance()
        {
            self.state = State::Failed;
            return Err(error);
        }
        if self.start == self.ready_end {
            // The delimiter is next: the part is over.
            self.delimiter_next = false;
            self.state = State::Delimiter;
            return Ok(0);
        }
        let count = out.len().min(self.ready_end - self.start);
        out[..count].copy_from_slice(&self.buffer[self.start..self.start + count]);
        self.start += count;
        Ok(count)
    }

    /// REQUIRES: `start == ready_end` and no delimiter next. Reads until
    /// some content is known to precede the next delimiter, or the
    /// delimiter is found at `start`.
    fn advance(&mut self) -> Result<(), MultipartError> {
        loop {
            match self.search() {
                Search::Found(at) => {
                    self.ready_end = at;
                    self.delimiter_next = true;
                    return Ok(());
                }
                Search::Undecided(at) if at > self.start => {
                    self.ready_end = at;
                    return Ok(());
                }
                Search::Undecided(_) => {}
                Search::NotFound => {
                    // The tail may be the start of a delimiter: keep it.
                    let keep = self.delimiter.len() - 1;
                    let safe = self.end.saturating_sub(keep).max(self.start);
                    if safe > self.start {
                        self.ready_end = safe;
                        return Ok(());
                    }
                }
            }
            if self.at_end {
                return Err(MultipartError::UnexpectedEnd);
            }
            self.fill()?;
        }
    }

    /// The first delimiter in the unconsumed bytes.
    fn search(&self) -> Search {
        let data = &self.buffer[self.start..self.end];
        let mut from = 0;
        while let Some(found) = find(&data[from..], &self.delimiter) {
            let at = from + found;
            let after = &data[at + self.delimiter.len()..];
            match after {
                [] | [b'-'] => return Search::Undecided(self.start + at),
                [b'-', b'-', ..] | [b' ' | b'\t' | b'\r' | b'\n', ..] => {
                    return Search::Found(self.start + at);
                }
                _ => from = at + 1,
            }
        }
        Search::NotFound
    }

    /// At a delimiter: consumes it and its line. `false` for the close
    /// delimiter (the epilogue is left unread).
    fn read_delimiter_line(&mut self) -> Result<bool, MultipartError> {
        let length = self.delimiter.len();
        self.ensure(length + 2)?;
        assert!(self.buffer[self.start..].starts_with(&self.delimiter));
        self.start += length;
        if self.buffer[self.start..self.end].starts_with(b"--") {
            self.start += 2;
            return Ok(false);
        }
        let mut padding = 0;
        loop {
            self.ensure(padding + CRLF.len())?;
            match self.buffer[self.start + padding] {
                b' ' | b'\t' if padding < TRANSPORT_PADDING_BYTES_MAX => padding += 1,
                _ => break,
            }
        }
        if !self.buffer[self.start + padding..self.end].starts_with(CRLF) {
            return Err(MultipartError::MalformedDelimiter);
        }
        // Leave the CRLF: the header block search starts with it.
        self.start += padding;
        Ok(true)
    }

    /// At the CRLF that ends a delimiter line: reads and parses the part's
    /// header block up to and including its blank line.
    fn read_headers(&mut self) -> Result<PartHeaders, MultipartError> {
        let window_max = self.limits.part_header_bytes_max + HEADER_END.len();
        loop {
            let window_end = self.end.min(self.start + window_max);
            let window = &self.buffer[self.start..window_end];
            if let Some(at) = find(window, HEADER_END) {
                let block = &self.buffer[self.start + CRLF.len()..self.start + at + CRLF.len()];
                let headers = parse_headers(block, &self.limits)?;
                self.start += at + HEADER_END.len();
                return Ok(headers);
            }
            if self.end - self.start >= window_max {
                return Err(MultipartError::PartHeaderTooLarge);
            }
            if self.at_end {
                return Err(MultipartError::UnexpectedEnd);
            }
            self.fill()?;
        }
    }

    /// Reads until at least `count` bytes are unconsumed.
    fn ensure(&mut self, count: usize) -> Result<(), MultipartError> {
        assert!(count <= BUFFER_BYTES);
        while self.end - self.start < count {
            if self.at_end {
                return Err(MultipartError::UnexpectedEnd);
            }
            self.fill()?;
        }
        Ok(())
    }

    /// Reads once from the source, first moving unconsumed bytes to the
    /// front if the buffer is full. Sets `at_end` on end of input.
    fn fill(&mut self) -> Result<(), MultipartError> {
        if self.end == self.buffer.len() {
            assert!(self.start > 0, "unconsumed bytes never fill the buffer");
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.ready_end = self.ready_end.saturating_sub(self.start);
            self.start = 0;
        }
        loop {
            match self.source.read(&mut self.buffer[self.end..]) {
                Ok(0) => {
                    self.at_end = true;
                    return Ok(());
                }
                Ok(read) if read <= self.buffer.len() - self.end => {
                    self.end += read;
                    return Ok(());
                }
                Ok(_) => {
                    return Err(io::Error::other("reader claimed more bytes than asked").into());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error.into()),
            }
        }
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let last_start = haystack.len().checked_sub(needle.len())?;
    let mut from = 0;
    while from <= last_start {
        let found = haystack[from..=last_start]
            .iter()
            .position(|&byte| byte == first)?;
        let at = from + found;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Parses a header block: `name: value` lines, each ending in CRLF.
fn parse_headers(block: &[u8], limits: &Limits) -> Result<PartHeaders, MultipartError> {
    let text = std::str::from_utf8(block).map_err(|_| MultipartError::MalformedHeader)?;
    let mut fields = Vec::new();
    for line in text.split_terminator("\r\n") {
        if fields.len() == limits.part_headers_count_max {
            return Err(MultipartError::TooManyHeaders);
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(MultipartError::MalformedHeader)?;
        let value = value.trim_matches([' ', '\t']);
        let control = |byte: u8| (byte < 0x20 && byte != b'\t') || byte == 0x7f;
        if !params::is_token(name) || value.bytes().any(control) {
            return Err(MultipartError::MalformedHeader);
        }
        fields.push((name.to_owned(), value.to_owned()));
    }
    let mut dispositions = fields
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-disposition"));
    let disposition = match (dispositions.next(), dispositions.next()) {
        (Some((_, value)), None) => value,
        _ => return Err(MultipartError::BadContentDisposition),
    };
    let (kind, parameters) =
        params::parse(disposition).map_err(|_| MultipartError::BadContentDisposition)?;
    if !kind.eq_ignore_ascii_case("form-data") {
        return Err(MultipartError::BadContentDisposition);
    }
    let name = params::find(&parameters, "name").ok_or(MultipartError::BadContentDisposition)?;
    let filename = params::find(&parameters, "filename").map(str::to_owned);
    let name = name.to_owned();
    let mut headers = PartHeaders {
        name,
        filename,
        content_type: None,
        fields,
    };
    headers.content_type = headers.field("content-type").map(str::to_owned);
    Ok(headers)
}
