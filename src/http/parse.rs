//! The request-head parser (RFC 9112 §2–§5): finds the end of a head in a
//! bounded buffer while enforcing the size limits, then parses the request
//! line and header fields into spans of that buffer (nothing is copied).
//!
//! Lines end in CRLF; a bare LF is also accepted as RFC 9112 §2.2 allows,
//! a bare CR is an error. Empty lines before the request line are skipped
//! (§2.2). Header values lose their leading and trailing whitespace (§5.1).

use super::limits::Limits;
use super::status::Status;

/// One rule of RFC 9112 that a request head broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    RequestLineTooLong,
    UriTooLong,
    HeaderLineTooLong,
    HeadersTooLarge,
    TooManyHeaders,
    BareCarriageReturn,
    InvalidMethod,
    InvalidTarget,
    InvalidVersion,
    UnsupportedVersion,
    InvalidHeaderName,
    WhitespaceBeforeColon,
    MissingColon,
    ObsoleteLineFolding,
    InvalidHeaderValue,
}

impl ParseError {
    /// The status a server answers this error with.
    pub fn status(self) -> Status {
        match self {
            ParseError::RequestLineTooLong | ParseError::UriTooLong => Status::URI_TOO_LONG,
            ParseError::HeaderLineTooLong
            | ParseError::HeadersTooLarge
            | ParseError::TooManyHeaders => Status::HEADER_FIELDS_TOO_LARGE,
            ParseError::UnsupportedVersion => Status::HTTP_VERSION_NOT_SUPPORTED,
            _ => Status::BAD_REQUEST,
        }
    }

    /// A short, precise explanation for the error response's body.
    pub fn message(self) -> &'static str {
        match self {
            ParseError::RequestLineTooLong => "request line too long",
            ParseError::UriTooLong => "request target too long",
            ParseError::HeaderLineTooLong => "a header field line is too long",
            ParseError::HeadersTooLarge => "header fields too large in total",
            ParseError::TooManyHeaders => "too many header fields",
            ParseError::BareCarriageReturn => "bare CR in the request head",
            ParseError::InvalidMethod => "invalid method",
            ParseError::InvalidTarget => "invalid request target",
            ParseError::InvalidVersion => "invalid HTTP version",
            ParseError::UnsupportedVersion => "HTTP version not supported",
            ParseError::InvalidHeaderName => "invalid header field name",
            ParseError::WhitespaceBeforeColon => "whitespace before a header field's colon",
            ParseError::MissingColon => "header field line without a colon",
            ParseError::ObsoleteLineFolding => "obsolete line folding in a header field",
            ParseError::InvalidHeaderValue => "invalid byte in a header field value",
        }
    }
}

/// The protocol version of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// A byte range of the connection buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn of(self, buffer: &[u8]) -> &[u8] {
        &buffer[self.start as usize..self.end as usize]
    }
}

/// One header field line: name and (trimmed) value.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeaderSpan {
    pub name: Span,
    pub value: Span,
}

/// A parsed request head, as spans of the buffer it was parsed from. It
/// has no lifetime so that one `Head` (and its header vector) is reused for
/// every request of a connection.
#[derive(Debug, Default)]
pub struct Head {
    pub method: Span,
    pub target: Span,
    pub version: Option<Version>,
    pub headers: Vec<HeaderSpan>,
}

/// Finds where a head ends, across reads: remembers how far it scanned so
/// each byte is looked at once, and fails as soon as a limit is passed.
#[derive(Debug, Default)]
pub struct HeadScanner {
    scanned: usize,
    line_start: usize,
    request_start: usize,
    request_line_end: Option<usize>,
    fields: usize,
}

impl HeadScanner {
    /// Forgets the previous request.
    pub fn reset(&mut self) {
        *self = HeadScanner::default();
    }

    /// Where the request line starts (after skipped empty lines).
    pub fn request_start(&self) -> usize {
        self.request_start
    }

    /// Scans `buffer` (the bytes read so far); `Ok(Some(end))` when the head
    /// is complete, `end` being the offset just past its empty line.
    pub fn scan(&mut self, buffer: &[u8], limits: &Limits) -> Result<Option<usize>, ParseError> {
        while let Some(found) = find_newline(&buffer[self.scanned..]) {
            let newline = self.scanned + found;
            self.scanned = newline + 1;
            let line_length = newline - self.line_start;
            let line_is_empty =
                line_length == 0 || (line_length == 1 && buffer[self.line_start] == b'\r');
            match self.request_line_end {
                None if line_is_empty => self.request_start = newline + 1,
                None => {
                    check_request_line(line_length, limits)?;
                    self.request_line_end = Some(newline + 1);
                }
                Some(_) if line_is_empty => return Ok(Some(newline + 1)),
                Some(request_line_end) => {
                    self.fields += 1;
                    check_field_line(line_length, newline + 1 - request_line_end, limits)?;
                    if self.fields > limits.headers_count_max {
                        return Err(ParseError::TooManyHeaders);
                    }
                }
            }
            self.line_start = newline + 1;
            if self.request_line_end.is_none() && self.request_start > limits.request_line_bytes_max
            {
                return Err(ParseError::RequestLineTooLong);
            }
        }
        self.scanned = buffer.len();
        self.check_partial_line(buffer.len(), limits)?;
        Ok(None)
    }

    fn check_partial_line(&self, filled: usize, limits: &Limits) -> Result<(), ParseError> {
        let partial = filled - self.line_start;
        match self.request_line_end {
            None => check_request_line(partial, limits),
            Some(request_line_end) => check_field_line(partial, filled - request_line_end, limits),
        }
    }
}

fn check_request_line(length: usize, limits: &Limits) -> Result<(), ParseError> {
    if length > limits.request_line_bytes_max {
        return Err(ParseError::RequestLineTooLong);
    }
    Ok(())
}

fn check_field_line(length: usize, total: usize, limits: &Limits) -> Result<(), ParseError> {
    if length > limits.header_line_bytes_max {
        return Err(ParseError::HeaderLineTooLong);
    }
    if total > limits.headers_bytes_max {
        return Err(ParseError::HeadersTooLarge);
    }
    Ok(())
}

fn find_newline(bytes: &[u8]) -> Option<usize> {
    find_byte(bytes, b'\n')
}

/// Position of the first `needle`, eight bytes at a time (SWAR: a byte of
/// `word ^ needle…` is zero where `word` has the needle; the lowest
/// flagged byte of the zero-byte test is always exact).
fn find_byte(bytes: &[u8], needle: u8) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let flags = zero_byte_flags(word ^ repeat_byte(needle));
        if flags != 0 {
            return Some(offset + flags.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let tail = chunks.remainder().iter().position(|&byte| byte == needle);
    tail.map(|index| offset + index)
}

const fn repeat_byte(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// High bit set in each byte of `word` that is zero (exact for the lowest
/// one; higher ones may be false alarms after a true zero).
fn zero_byte_flags(word: u64) -> u64 {
    word.wrapping_sub(repeat_byte(0x01)) & !word & repeat_byte(0x80)
}

/// Are all of `bytes` field-value bytes? Eight at a time: a word without
/// a byte below 0x20 and without 0x7f is clean; anything else (a tab, or
/// a real error) is looked at byte by byte.
fn all_field_value_bytes(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let below_space = word.wrapping_sub(repeat_byte(0x20)) & !word & repeat_byte(0x80);
        let delete = zero_byte_flags(word ^ repeat_byte(0x7f));
        if below_space | delete != 0 && !chunk.iter().all(|&b| is_field_value_byte(b)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| is_field_value_byte(b))
}

/// Parses the complete head `buffer[start..end]` (as found by
/// [`HeadScanner`]) into `head`.
pub fn parse_head(
    buffer: &[u8],
    start: usize,
    end: usize,
    limits: &Limits,
    head: &mut Head,
) -> Result<(), ParseError> {
    head.headers.clear();
    let mut lines = Lines {
        buffer,
        position: start,
        end,
    };
    let (line_start, line_end) = lines.next_line()?.ok_or(ParseError::InvalidMethod)?;
    parse_request_line(buffer, line_start, line_end, limits, head)?;
    while let Some((line_start, line_end)) = lines.next_line()? {
        if line_start == line_end {
            break;
        }
        head.headers
            .push(parse_field_line(buffer, line_start, line_end)?);
    }
    Ok(())
}

struct Lines<'a> {
    buffer: &'a [u8],
    position: usize,
    end: usize,
}

impl Lines<'_> {
    /// The next line without its terminator, as (start, end) offsets.
    fn next_line(&mut self) -> Result<Option<(usize, usize)>, ParseError> {
        if self.position >= self.end {
            return Ok(None);
        }
        let start = self.position;
        let newline = start
            + find_newline(&self.buffer[start..self.end]).ok_or(ParseError::InvalidHeaderValue)?;
        self.position = newline + 1;
        let mut end = newline;
        if end > start && self.buffer[end - 1] == b'\r' {
            end -= 1;
        }
        Ok(Some((start, end)))
    }
}

fn parse_request_line(
    buffer: &[u8],
    start: usize,
    end: usize,
    limits: &Limits,
    head: &mut Head,
) -> Result<(), ParseError> {
    let line = &buffer[start..end];
    let method_end = line
        .iter()
        .position(|&b| b == b' ')
        .ok_or(ParseError::InvalidMethod)?;
    if method_end == 0 || !line[..method_end].iter().all(|&b| is_token_byte(b)) {
        return Err(ParseError::InvalidMethod);
    }
    let rest = &line[method_end + 1..];
    let target_end = find_byte(rest, b' ').ok_or(ParseError::InvalidVersion)?;
    let target = &rest[..target_end];
    if target.is_empty() || !target.iter().all(|&b| b > b' ' && b != 0x7f) {
        return Err(check_bare_cr(line).unwrap_or(ParseError::InvalidTarget));
    }
    if target.len() > limits.uri_bytes_max {
        return Err(ParseError::UriTooLong);
    }
    let version_bytes = &rest[target_end + 1..];
    head.version =
        Some(parse_version(version_bytes).map_err(|e| check_bare_cr(line).unwrap_or(e))?);
    head.method = Span::new(start, start + method_end);
    let target_start = start + method_end + 1;
    head.target = Span::new(target_start, target_start + target_end);
    Ok(())
}

fn check_bare_cr(line: &[u8]) -> Option<ParseError> {
    line.contains(&b'\r')
        .then_some(ParseError::BareCarriageReturn)
}

/// `HTTP-version = "HTTP/" DIGIT "." DIGIT` (RFC 9112 §2.3). Any 1.x above
/// 1.1 is served as 1.1; another major version is not supported.
fn parse_version(bytes: &[u8]) -> Result<Version, ParseError> {
    let [b'H', b'T', b'T', b'P', b'/', major, b'.', minor] = *bytes else {
        return Err(ParseError::InvalidVersion);
    };
    if !major.is_ascii_digit() || !minor.is_ascii_digit() {
        return Err(ParseError::InvalidVersion);
    }
    match (major, minor) {
        (b'1', b'0') => Ok(Version::Http10),
        (b'1', _) => Ok(Version::Http11),
        _ => Err(ParseError::UnsupportedVersion),
    }
}

/// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5): the
/// line `buffer[start..end]` (without its line ending) as spans of
/// `buffer`. The same grammar holds in requests and responses, so the
/// command-line client parses response fields with it too.
pub fn parse_field_line(buffer: &[u8], start: usize, end: usize) -> Result<HeaderSpan, ParseError> {
    let line = &buffer[start..end];
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Err(ParseError::ObsoleteLineFolding);
    }
    let colon = find_byte(line, b':')
        .ok_or_else(|| check_bare_cr(line).unwrap_or(ParseError::MissingColon))?;
    let name = &line[..colon];
    if name.is_empty() {
        return Err(ParseError::InvalidHeaderName);
    }
    if let Some(bad) = name.iter().find(|&&b| !is_token_byte(b)) {
        return Err(match bad {
            b' ' | b'\t' => ParseError::WhitespaceBeforeColon,
            b'\r' => ParseError::BareCarriageReturn,
            _ => ParseError::InvalidHeaderName,
        });
    }
    let mut value_start = colon + 1;
    let mut value_end = line.len();
    while value_start < value_end && matches!(line[value_start], b' ' | b'\t') {
        value_start += 1;
    }
    while value_end > value_start && matches!(line[value_end - 1], b' ' | b'\t') {
        value_end -= 1;
    }
    let value = &line[value_start..value_end];
    if !all_field_value_bytes(value)
        && let Some(&bad) = value.iter().find(|&&b| !is_field_value_byte(b))
    {
        return Err(if bad == b'\r' {
            ParseError::BareCarriageReturn
        } else {
            ParseError::InvalidHeaderValue
        });
    }
    Ok(HeaderSpan {
        name: Span::new(start, start + colon),
        value: Span::new(start + value_start, start + value_end),
    })
}

/// `tchar` of RFC 9110 §5.6.2.
pub fn is_token_byte(byte: u8) -> bool {
    TOKEN_BYTES[byte as usize]
}

/// `field-vchar / SP / HTAB` of RFC 9110 §5.5 (obs-text allowed).
fn is_field_value_byte(byte: u8) -> bool {
    byte == b'\t' || (byte >= b' ' && byte != 0x7f)
}

static TOKEN_BYTES: [bool; 256] = token_table();

const fn token_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        byte += 1;
    }
    table
}

/// Is `text` a token (RFC 9110 §5.6.2)?
pub fn is_token(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().all(|&b| is_token_byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scans and parses `input` with default limits.
    fn parse(input: &[u8]) -> Result<Option<(Head, usize)>, ParseError> {
        parse_with(input, &Limits::default())
    }

    fn parse_with(input: &[u8], limits: &Limits) -> Result<Option<(Head, usize)>, ParseError> {
        let mut scanner = HeadScanner::default();
        let Some(end) = scanner.scan(input, limits)? else {
            return Ok(None);
        };
        let mut head = Head::default();
        parse_head(input, scanner.request_start(), end, limits, &mut head)?;
        Ok(Some((head, end)))
    }

    fn fields(input: &[u8]) -> Vec<(String, String)> {
        let (head, _) = parse(input).unwrap().unwrap();
        let text = |span: Span| String::from_utf8(span.of(input).to_vec()).unwrap();
        head.headers
            .iter()
            .map(|h| (text(h.name), text(h.value)))
            .collect()
    }

    /// Each rule, one case a row: input and expected error.
    #[test]
    fn every_rule_has_its_error() {
        let cases: &[(&[u8], ParseError)] = &[
            (b"G(T / HTTP/1.1\r\n\r\n", ParseError::InvalidMethod),
            (b" GET / HTTP/1.1\r\n\r\n", ParseError::InvalidMethod),
            (b"GET\r\n\r\n", ParseError::InvalidMethod),
            (b"GET  / HTTP/1.1\r\n\r\n", ParseError::InvalidTarget),
            (b"GET /\x01 HTTP/1.1\r\n\r\n", ParseError::InvalidTarget),
            (
                b"GET /a\rb HTTP/1.1\r\n\r\n",
                ParseError::BareCarriageReturn,
            ),
            (b"GET /\r\n\r\n", ParseError::InvalidVersion),
            (b"GET / HTTP/1.1 \r\n\r\n", ParseError::InvalidVersion),
            (b"GET / HTTP/11\r\n\r\n", ParseError::InvalidVersion),
            (b"GET / HTTP/a.b\r\n\r\n", ParseError::InvalidVersion),
            (b"GET / HTTP/2.0\r\n\r\n", ParseError::UnsupportedVersion),
            (
                b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
                ParseError::WhitespaceBeforeColon,
            ),
            (
                b"GET / HTTP/1.1\r\nHost\t: x\r\n\r\n",
                ParseError::WhitespaceBeforeColon,
            ),
            (
                b"GET / HTTP/1.1\r\nA: 1\r\n b\r\n\r\n",
                ParseError::ObsoleteLineFolding,
            ),
            (
                b"GET / HTTP/1.1\r\nA: 1\r\n\tb\r\n\r\n",
                ParseError::ObsoleteLineFolding,
            ),
            (
                b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
                ParseError::MissingColon,
            ),
            (
                b"GET / HTTP/1.1\r\n: v\r\n\r\n",
                ParseError::InvalidHeaderName,
            ),
            (
                b"GET / HTTP/1.1\r\nA\"B: v\r\n\r\n",
                ParseError::InvalidHeaderName,
            ),
            (
                b"GET / HTTP/1.1\r\nA: x\x00y\r\n\r\n",
                ParseError::InvalidHeaderValue,
            ),
            (
                b"GET / HTTP/1.1\r\nA: x\x7fy\r\n\r\n",
                ParseError::InvalidHeaderValue,
            ),
            (
                b"GET / HTTP/1.1\r\nA: x\ry\r\n\r\n",
                ParseError::BareCarriageReturn,
            ),
        ];
        for (input, expected) in cases {
            let got = parse(input).map(|r| r.is_some());
            assert_eq!(got, Err(*expected), "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn a_typical_request_parses_to_spans() {
        let input = b"GET /index.html?q=1 HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n";
        let (head, end) = parse(input).unwrap().unwrap();
        assert_eq!(end, input.len());
        assert_eq!(head.method.of(input), b"GET");
        assert_eq!(head.target.of(input), b"/index.html?q=1");
        assert_eq!(head.version, Some(Version::Http11));
        assert_eq!(head.headers.len(), 2);
    }

    #[test]
    fn incomplete_heads_ask_for_more_at_every_cut() {
        let input = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
        for cut in 0..input.len() {
            assert_eq!(
                parse(&input[..cut]).map(|r| r.is_some()),
                Ok(false),
                "cut at {cut}"
            );
        }
        assert!(parse(input).unwrap().is_some());
    }

    #[test]
    fn scanning_across_reads_finds_the_same_end() {
        let input = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\nNEXT";
        let limits = Limits::default();
        let mut scanner = HeadScanner::default();
        let mut found = None;
        for filled in 1..=input.len() {
            if let Some(end) = scanner.scan(&input[..filled], &limits).unwrap() {
                found = Some(end);
                break;
            }
        }
        assert_eq!(found, Some(input.len() - 4));
    }

    #[test]
    fn values_are_trimmed_and_may_hold_inner_spaces_and_obs_text() {
        let input = b"GET / HTTP/1.1\r\nA:  x y \t\r\nB:\r\nC: caf\xc3\xa9\r\n\r\n";
        let got = fields(input);
        assert_eq!(got[0], ("A".into(), "x y".into()));
        assert_eq!(got[1], ("B".into(), "".into()));
        assert_eq!(got[2], ("C".into(), "café".into()));
    }

    #[test]
    fn bare_lf_line_ends_are_accepted() {
        let input = b"GET / HTTP/1.0\nHost: a\n\n";
        let (head, end) = parse(input).unwrap().unwrap();
        assert_eq!(end, input.len());
        assert_eq!(head.version, Some(Version::Http10));
        assert_eq!(head.headers.len(), 1);
    }

    #[test]
    fn leading_empty_lines_are_skipped_but_bounded() {
        let (head, _) = parse(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n").unwrap().unwrap();
        assert_eq!(head.method.start, 4);
        let limits = Limits {
            request_line_bytes_max: 10,
            ..Limits::default()
        };
        let flood = b"\r\n".repeat(20);
        assert_eq!(
            parse_with(&flood, &limits).map(|r| r.is_some()),
            Err(ParseError::RequestLineTooLong)
        );
    }

    #[test]
    fn later_minor_versions_are_served_as_1_1() {
        let (head, _) = parse(b"GET / HTTP/1.9\r\n\r\n").unwrap().unwrap();
        assert_eq!(head.version, Some(Version::Http11));
    }

    #[test]
    fn size_limits_fail_early_even_without_a_line_end() {
        let limits = Limits {
            request_line_bytes_max: 32,
            header_line_bytes_max: 16,
            headers_bytes_max: 40,
            headers_count_max: 2,
            uri_bytes_max: 8,
            ..Limits::default()
        };
        let check = |input: &[u8]| parse_with(input, &limits).map(|r| r.is_some());
        assert_eq!(check(&[b'G'; 33]), Err(ParseError::RequestLineTooLong));
        assert_eq!(
            check(b"GET /123456789 HTTP/1.1\r\n\r\n"),
            Err(ParseError::UriTooLong)
        );
        assert_eq!(
            check(b"GET / HTTP/1.1\r\nA: 0123456789abcdef"),
            Err(ParseError::HeaderLineTooLong)
        );
        assert_eq!(
            check(b"GET / HTTP/1.1\r\nA: 0123456789\r\nB: 0123456789\r\nC: 0123456789a"),
            Err(ParseError::HeadersTooLarge)
        );
        assert_eq!(
            check(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
            Err(ParseError::TooManyHeaders)
        );
        assert_eq!(check(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n"), Ok(true));
    }

    #[test]
    fn errors_map_to_their_statuses() {
        assert_eq!(
            ParseError::RequestLineTooLong.status(),
            Status::URI_TOO_LONG
        );
        assert_eq!(ParseError::UriTooLong.status(), Status::URI_TOO_LONG);
        assert_eq!(
            ParseError::TooManyHeaders.status(),
            Status::HEADER_FIELDS_TOO_LARGE
        );
        assert_eq!(
            ParseError::HeaderLineTooLong.status(),
            Status::HEADER_FIELDS_TOO_LARGE
        );
        assert_eq!(
            ParseError::UnsupportedVersion.status(),
            Status::HTTP_VERSION_NOT_SUPPORTED
        );
        assert_eq!(ParseError::MissingColon.status(), Status::BAD_REQUEST);
    }

    #[test]
    fn token_table_matches_rfc9110() {
        let tchars: Vec<u8> = (0u8..=255).filter(|&b| is_token_byte(b)).collect();
        let expected: Vec<u8> =
            b"!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"
                .to_vec();
        assert_eq!(tchars, expected);
    }

    #[test]
    fn word_at_a_time_helpers_agree_with_byte_at_a_time() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let length = (state % 40) as usize;
            let mut bytes = Vec::with_capacity(length);
            for _ in 0..length {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let pick = [
                    b'a', b' ', b'\t', b'\n', b'\r', 0x7f, 0x00, 0xe9, 0x1f, 0x80,
                ];
                bytes.push(pick[(state % pick.len() as u64) as usize]);
            }
            let newline = bytes.iter().position(|&b| b == b'\n');
            assert_eq!(find_newline(&bytes), newline, "{bytes:?}");
            let clean = bytes.iter().all(|&b| is_field_value_byte(b));
            assert_eq!(all_field_value_bytes(&bytes), clean, "{bytes:?}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let alphabet = b"GET /HTP1.\r\n: \tAa\x00\x7f\xff%";
        for _ in 0..20_000 {
            let length = (state % 64) as usize;
            let mut input = Vec::with_capacity(length);
            for _ in 0..length {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            let _ = parse(&input);
        }
    }
}
