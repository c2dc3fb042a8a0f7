//! Tests of the multipart parser: the RFC example, many parts, content that
//! looks like a delimiter, every way of splitting the input, truncation at
//! every byte, malformed headers, and each limit.

use super::*;
use std::io::Read;

const BOUNDARY: &str = "AaB03x";

/// A reader that returns at most `step` bytes per call (and sometimes
/// `Interrupted`), to split delimiters across reads in every way.
struct Trickle<'data> {
    data: &'data [u8],
    step: usize,
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(5) {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let length = self.step.min(out.len()).min(self.data.len());
        out[..length].copy_from_slice(&self.data[..length]);
        self.data = &self.data[length..];
        Ok(length)
    }
}

type Parsed = Vec<(PartHeaders, Vec<u8>)>;

/// Every part of `body`, read `step` bytes at a time from the source and
/// `out_step` bytes at a time from each part.
fn parse_with(
    body: &[u8],
    step: usize,
    out_step: usize,
    limits: Limits,
) -> Result<Parsed, MultipartError> {
    let source = Trickle {
        data: body,
        step,
        calls: 0,
    };
    let mut parser = Multipart::with_limits(source, BOUNDARY, limits)?;
    let mut parts = Vec::new();
    while let Some(mut part) = parser.next_part()? {
        let mut content = Vec::new();
        let mut piece = vec![0; out_step];
        loop {
            let read = part.read(&mut piece).map_err(MultipartError::from_io)?;
            if read == 0 {
                break;
            }
            content.extend_from_slice(&piece[..read]);
        }
        parts.push((part.headers.clone(), content));
    }
    Ok(parts)
}

fn parse(body: &[u8]) -> Result<Parsed, MultipartError> {
    parse_with(body, usize::MAX, 8192, Limits::default())
}

/// A body with one part per `(name, content)`, with a preamble and an
/// epilogue.
fn encode(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = b"This is the preamble.\r\n".to_vec();
    for (name, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let header = format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n");
        body.extend_from_slice(header.as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\nThis is the epilogue.").as_bytes());
    body
}

fn contents(parsed: &Parsed) -> Vec<(&str, &[u8])> {
    parsed
        .iter()
        .map(|(headers, content)| (headers.name.as_str(), content.as_slice()))
        .collect()
}

#[test]
fn rfc_7578_charset_example_parses() {
    let body = b"--AaB03x\r\n\
        content-disposition: form-data; name=\"field1\"\r\n\
        content-type: text/plain;charset=UTF-8\r\n\
        content-transfer-encoding: quoted-printable\r\n\
        \r\n\
        Joe owes =E2=82=AC100.\r\n\
        --AaB03x--";
    let parsed = parse(body).unwrap();
    assert_eq!(parsed.len(), 1);
    let (headers, content) = &parsed[0];
    assert_eq!(headers.name, "field1");
    assert_eq!(headers.filename, None);
    assert_eq!(
        headers.content_type.as_deref(),
        Some("text/plain;charset=UTF-8")
    );
    assert_eq!(
        headers.field("Content-Transfer-Encoding"),
        Some("quoted-printable")
    );
    assert_eq!(content, b"Joe owes =E2=82=AC100.");
}

#[test]
fn several_parts_with_files_and_empty_content_parse_in_order() {
    let body = b"--AaB03x\r\n\
        Content-Disposition: form-data; name=\"submit-name\"\r\n\r\n\
        Larry\r\n\
        --AaB03x\r\n\
        Content-Disposition: form-data; name=\"files\"; filename=\"file1.txt\"\r\n\
        Content-Type: text/plain\r\n\r\n\
        ... contents of file1.txt ...\r\n\
        --AaB03x\r\n\
        Content-Disposition: form-data; name=\"empty\"\r\n\r\n\
        \r\n\
        --AaB03x--\r\n";
    let parsed = parse(body).unwrap();
    assert_eq!(
        contents(&parsed),
        vec![
            ("submit-name", &b"Larry"[..]),
            ("files", &b"... contents of file1.txt ..."[..]),
            ("empty", &b""[..]),
        ]
    );
    assert_eq!(parsed[1].0.filename.as_deref(), Some("file1.txt"));
    assert_eq!(parsed[1].0.content_type.as_deref(), Some("text/plain"));
}

#[test]
fn content_that_looks_like_a_delimiter_is_kept_as_content() {
    let tricky: &[&[u8]] = &[
        b"\r\n--",
        b"\r\n--AaB03",
        b"\r\n--AaB03xZ and more",
        b"--AaB03x at the start is not after a CRLF",
        b"ends with \r\n-",
        b"ends with \r\n--AaB0",
        b"\r\r\n\r\n--A\r\n--Aa",
        b"\r\n--AaB03x-not-the-close",
    ];
    let parts: Vec<(&str, &[u8])> = tricky.iter().map(|content| ("x", *content)).collect();
    let body = encode(&parts);
    let parsed = parse(&body).unwrap();
    assert_eq!(contents(&parsed), parts);
}

#[test]
fn every_read_size_on_either_side_gives_the_same_parts() {
    let big: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let parts: Vec<(&str, &[u8])> = vec![
        ("a", b"\r\n--AaB03xQ"),
        ("b", &big),
        ("c", b""),
        ("d", b"-\r\n--AaB03"),
    ];
    let body = encode(&parts);
    for step in [1, 2, 3, 7, 64, 1000, 65_536, 70_001] {
        for out_step in [1, 5, 4096] {
            if step * out_step == 1 && body.len() > 250_000 {
                continue;
            }
            let parsed = parse_with(&body, step, out_step, Limits::default()).unwrap();
            assert!(contents(&parsed) == parts, "step {step}, out {out_step}");
        }
    }
}

#[test]
fn input_fed_one_byte_at_a_time_parses() {
    let parts: Vec<(&str, &[u8])> = vec![("one", b"1\r\n--AaB"), ("two", b"22")];
    let body = encode(&parts);
    let parsed = parse_with(&body, 1, 1, Limits::default()).unwrap();
    assert_eq!(contents(&parsed), parts);
}

#[test]
fn truncation_at_every_byte_is_an_unexpected_end_never_a_panic() {
    let body = encode(&[("a", b"first\r\n--AaB"), ("b", b"second")]);
    let close = body
        .windows(10)
        .position(|window| window == b"--AaB03x--")
        .unwrap();
    for cut in 0..body.len() {
        let result = parse_with(&body[..cut], 3, 7, Limits::default());
        if cut >= close + 10 {
            assert_eq!(result.unwrap().len(), 2, "cut at {cut}");
        } else {
            assert!(
                matches!(result, Err(MultipartError::UnexpectedEnd)),
                "cut at {cut}: {result:?}"
            );
        }
    }
}

#[test]
fn a_truncated_part_fails_its_read_with_unexpected_eof() {
    let body = b"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nsome content";
    let mut parser = Multipart::new(&body[..], BOUNDARY).unwrap();
    let mut part = parser.next_part().unwrap().unwrap();
    let error = part.read_to_end(&mut Vec::new()).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    assert!(matches!(
        MultipartError::from_io(error),
        MultipartError::UnexpectedEnd
    ));
    let again = part.read(&mut [0u8; 4]).unwrap_err();
    assert!(matches!(
        MultipartError::from_io(again),
        MultipartError::AfterError
    ));
    assert!(matches!(
        parser.next_part(),
        Err(MultipartError::AfterError)
    ));
}

#[test]
fn the_epilogue_is_never_read() {
    let mut body = encode(&[("a", b"x")]);
    body.truncate(body.len() - "\r\nThis is the epilogue.".len());
    struct FailAfter<'data>(&'data [u8]);
    impl Read for FailAfter<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("read past the close delimiter"));
            }
            let length = out.len().min(self.0.len());
            out[..length].copy_from_slice(&self.0[..length]);
            self.0 = &self.0[length..];
            Ok(length)
        }
    }
    let mut parser = Multipart::new(FailAfter(&body), BOUNDARY).unwrap();
    assert!(parser.next_part().unwrap().is_some());
    assert!(parser.next_part().unwrap().is_none());
    assert!(parser.next_part().unwrap().is_none());
}

#[test]
fn unread_content_is_skipped_by_the_next_part() {
    let big = vec![b'z'; 300_000];
    let body = encode(&[("a", &big), ("b", b"bee")]);
    let mut parser = Multipart::new(&body[..], BOUNDARY).unwrap();
    let mut first = parser.next_part().unwrap().unwrap();
    let mut some = [0u8; 10];
    first.read_exact(&mut some).unwrap();
    let mut second = parser.next_part().unwrap().unwrap();
    assert_eq!(second.headers.name, "b");
    let mut content = Vec::new();
    second.read_to_end(&mut content).unwrap();
    assert_eq!(content, b"bee");
    assert!(parser.next_part().unwrap().is_none());
}

#[test]
fn padding_after_a_boundary_is_allowed_but_other_bytes_are_not() {
    let padded =
        b"--AaB03x \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--AaB03x--";
    assert_eq!(contents(&parse(padded).unwrap()), vec![("a", &b"x"[..])]);
    for body in [
        &b"--AaB03x junk\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--AaB03x--"[..],
        &b"--AaB03x\nContent-Disposition: form-data; name=\"a\"\n\nx\n--AaB03x--"[..],
        &b"--AaB03x\rX"[..],
    ] {
        let result = parse(body);
        assert!(
            matches!(result, Err(MultipartError::MalformedDelimiter)),
            "{result:?}"
        );
    }
}

#[test]
fn an_empty_body_or_no_delimiter_is_an_unexpected_end() {
    assert!(matches!(parse(b""), Err(MultipartError::UnexpectedEnd)));
    assert!(matches!(
        parse(b"just text\r\n"),
        Err(MultipartError::UnexpectedEnd)
    ));
    assert!(matches!(
        parse(b"--AaB03x"),
        Err(MultipartError::UnexpectedEnd)
    ));
}

#[test]
fn a_body_with_only_the_close_delimiter_has_no_parts() {
    assert!(parse(b"--AaB03x--").unwrap().is_empty());
    assert!(parse(b"preamble\r\n--AaB03x--\r\n").unwrap().is_empty());
}

fn part_with_headers(headers: &[u8]) -> Vec<u8> {
    let mut body = b"--AaB03x\r\n".to_vec();
    body.extend_from_slice(headers);
    body.extend_from_slice(b"\r\nx\r\n--AaB03x--");
    body
}

#[test]
fn malformed_part_headers_are_refused_precisely() {
    type Check = fn(&MultipartError) -> bool;
    let cases: &[(&[u8], Check)] = &[
        (b"no colon here\r\n", |e| {
            matches!(e, MultipartError::MalformedHeader)
        }),
        (
            b"Content-Disposition: form-data; name=a\r\n folded\r\n",
            |e| matches!(e, MultipartError::MalformedHeader),
        ),
        (
            b"Bad Name: x\r\nContent-Disposition: form-data; name=a\r\n",
            |e| matches!(e, MultipartError::MalformedHeader),
        ),
        (b"Content-Disposition: form-data; name=\"\xff\"\r\n", |e| {
            matches!(e, MultipartError::MalformedHeader)
        }),
        (b"Content-Disposition: form-data; name=a\x01\r\n", |e| {
            matches!(e, MultipartError::MalformedHeader)
        }),
        (b"Content-Type: text/plain\r\n", |e| {
            matches!(e, MultipartError::BadContentDisposition)
        }),
        (b"", |e| matches!(e, MultipartError::BadContentDisposition)),
        (b"Content-Disposition: attachment; name=a\r\n", |e| {
            matches!(e, MultipartError::BadContentDisposition)
        }),
        (b"Content-Disposition: form-data; filename=a\r\n", |e| {
            matches!(e, MultipartError::BadContentDisposition)
        }),
        (b"Content-Disposition: form-data; name=a; name=b\r\n", |e| {
            matches!(e, MultipartError::BadContentDisposition)
        }),
        (
            b"Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n",
            |e| matches!(e, MultipartError::BadContentDisposition),
        ),
    ];
    for (headers, expected) in cases {
        let error = parse(&part_with_headers(headers)).unwrap_err();
        assert!(
            expected(&error),
            "{:?}: {error:?}",
            String::from_utf8_lossy(headers)
        );
    }
}

#[test]
fn quoted_file_names_are_unescaped() {
    let headers =
        b"Content-Disposition: form-data; name=\"f\"; filename=\"a \\\"b\\\" \xc3\xa9.txt\"\r\n";
    let parsed = parse(&part_with_headers(headers)).unwrap();
    assert_eq!(parsed[0].0.filename.as_deref(), Some("a \"b\" é.txt"));
}

#[test]
fn too_many_parts_is_refused_when_the_extra_part_begins() {
    let body = encode(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
    let limits = Limits {
        parts_max: 2,
        ..Limits::default()
    };
    let result = parse_with(&body, usize::MAX, 100, limits);
    assert!(
        matches!(result, Err(MultipartError::TooManyParts)),
        "{result:?}"
    );
    let exact = encode(&[("a", b"1"), ("b", b"2")]);
    assert_eq!(parse_with(&exact, 3, 100, limits).unwrap().len(), 2);
}

#[test]
fn a_part_header_over_the_limit_is_refused_even_when_never_ending() {
    let long_value = "v".repeat(PART_HEADER_BYTES_MAX);
    let headers = format!("Content-Disposition: form-data; name=a\r\nX-Long: {long_value}\r\n");
    let result = parse(&part_with_headers(headers.as_bytes()));
    assert!(
        matches!(result, Err(MultipartError::PartHeaderTooLarge)),
        "{result:?}"
    );
    // A header block that never ends, from an endless source.
    let start = b"--AaB03x\r\nX: ".to_vec();
    let endless = start.chain(io::repeat(b'y'));
    let mut parser = Multipart::new(endless, BOUNDARY).unwrap();
    assert!(matches!(
        parser.next_part(),
        Err(MultipartError::PartHeaderTooLarge)
    ));
    let small = Limits {
        part_header_bytes_max: 64,
        ..Limits::default()
    };
    let headers = format!(
        "Content-Disposition: form-data; name=a\r\nX: {}\r\n",
        "w".repeat(30)
    );
    let result = parse_with(&part_with_headers(headers.as_bytes()), 5, 10, small);
    assert!(
        matches!(result, Err(MultipartError::PartHeaderTooLarge)),
        "{result:?}"
    );
}

#[test]
fn too_many_header_fields_are_refused() {
    let mut headers = String::from("Content-Disposition: form-data; name=a\r\n");
    for index in 0..PART_HEADERS_COUNT_MAX {
        headers.push_str(&format!("X-{index}: {index}\r\n"));
    }
    let result = parse(&part_with_headers(headers.as_bytes()));
    assert!(
        matches!(result, Err(MultipartError::TooManyHeaders)),
        "{result:?}"
    );
}

#[test]
fn a_preamble_over_the_limit_is_refused() {
    let mut body = vec![b'p'; PREAMBLE_BYTES_MAX + 100];
    body.extend_from_slice(&encode(&[("a", b"x")]));
    assert!(matches!(
        parse(&body),
        Err(MultipartError::PreambleTooLarge)
    ));
    let endless = io::repeat(b'p');
    let mut parser = Multipart::new(endless, BOUNDARY).unwrap();
    assert!(matches!(
        parser.next_part(),
        Err(MultipartError::PreambleTooLarge)
    ));
}

#[test]
fn boundary_comes_from_the_content_type_quoted_or_not() {
    let found = |value: &str| boundary_from_content_type(value).map_err(|error| error.to_string());
    assert_eq!(
        found("multipart/form-data; boundary=AaB03x"),
        Ok("AaB03x".into())
    );
    assert_eq!(
        found("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"gc0p4Jq0M2Yt08jU534c0p\""),
        Ok("gc0p4Jq0M2Yt08jU534c0p".into())
    );
    assert_eq!(
        found("multipart/form-data; boundary=\"a b'(),+_-./:=?\""),
        Ok("a b'(),+_-./:=?".into())
    );
    let seventy = "b".repeat(BOUNDARY_BYTES_MAX);
    assert_eq!(
        found(&format!("multipart/form-data; boundary={seventy}")),
        Ok(seventy)
    );
}

#[test]
fn a_bad_or_missing_boundary_is_refused_precisely() {
    let error = |value: &str| boundary_from_content_type(value).unwrap_err();
    assert!(matches!(
        error("multipart/form-data"),
        MultipartError::MissingBoundary
    ));
    assert!(matches!(
        error("multipart/mixed; boundary=a"),
        MultipartError::NotFormData
    ));
    assert!(matches!(error("text/plain"), MultipartError::NotFormData));
    assert!(matches!(
        error("multipart/form-data; boundary"),
        MultipartError::MalformedContentType
    ));
    let long = format!("multipart/form-data; boundary={}", "b".repeat(71));
    for value in [
        long.as_str(),
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"ends with space \"",
        "multipart/form-data; boundary=\"semi;colon\"",
        "multipart/form-data; boundary=\"caf\u{e9}\"",
    ] {
        assert!(
            matches!(error(value), MultipartError::InvalidBoundary),
            "{value}"
        );
    }
    assert!(matches!(
        Multipart::new(&b""[..], "").err(),
        Some(MultipartError::InvalidBoundary)
    ));
}

#[test]
fn random_bodies_round_trip_under_random_read_sizes() {
    let mut state = 0x5eed_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let pieces: [&[u8]; 6] = [b"\r\n", b"--", b"AaB03x", b"-", b"\r", b"data"];
    for round in 0..200 {
        let count = (next() % 5) as usize;
        let mut owned: Vec<Vec<u8>> = Vec::new();
        for _ in 0..count {
            let length = (next() % 12) as usize;
            let content: Vec<u8> = (0..length)
                .flat_map(|_| pieces[(next() % 6) as usize].iter().copied())
                .collect();
            owned.push(content);
        }
        let parts: Vec<(&str, &[u8])> = owned.iter().map(|content| ("r", &content[..])).collect();
        let body = encode(&parts);
        let step = 1 + (next() % 40) as usize;
        let out_step = 1 + (next() % 9) as usize;
        let result = parse_with(&body, step, out_step, Limits::default());
        // Content that holds a delimiter cannot round trip (a sender must
        // pick a boundary absent from the content): any answer but a
        // panic will do. All other content must come back exactly.
        if !owned.iter().any(|content| has_delimiter(content)) {
            let parsed = result.unwrap_or_else(|error| panic!("round {round}: {error:?}"));
            assert_eq!(contents(&parsed), parts, "round {round}");
        }
    }
}

/// Whether `content`, after the CRLF that precedes every delimiter, holds
/// `CRLF--AaB03x` followed by a byte that makes it a delimiter.
fn has_delimiter(content: &[u8]) -> bool {
    let mut framed = b"\r\n".to_vec();
    framed.extend_from_slice(content);
    framed.extend_from_slice(b"\r\n");
    framed
        .windows(11)
        .any(|window| window.starts_with(b"\r\n--AaB03x") && b"- \t\r\n".contains(&window[10]))
}

#[test]
fn garbage_made_of_multipart_fragments_never_panics() {
    let fragments: [&[u8]; 10] = [
        b"--AaB03x",
        b"\r\n",
        b"--",
        b"Content-Disposition: form-data; name=",
        b"\"a\"",
        b":",
        b" ",
        b"x",
        b"\r",
        b"\xff",
    ];
    let mut state = 0x9e37_79b9_u64;
    for _ in 0..3000 {
        let mut body = Vec::new();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let count = (state % 40) as usize;
        for index in 0..count {
            body.extend_from_slice(fragments[((state >> (index % 60)) % 10) as usize]);
        }
        let step = 1 + (state % 13) as usize;
        // Any result is fine; a panic fails the test.
        let _ = parse_with(&body, step, 3, Limits::default());
    }
}
