//! The strict RFC 8259 parser: recursive descent over bytes, with the
//! nesting depth and input size bounded before any work is done.

use super::value::{Number, Value, number_length};
use std::collections::HashSet;
use std::fmt;

/// Deepest nesting of arrays and objects accepted by [`parse`].
pub const DEPTH_MAX: usize = 128;
/// Largest input accepted by [`parse`]: a whole blob (16 MiB).
pub const INPUT_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Objects up to this many members check duplicates by linear scan;
/// larger ones use a hash set.
const LINEAR_DUPLICATE_CHECK_MEMBERS_MAX: usize = 16;

/// Bounds on what a parse may accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and objects; 1 allows `[1]` but not `[[1]]`.
    pub depth_max: usize,
    /// Largest input, in bytes.
    pub input_bytes_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            depth_max: DEPTH_MAX,
            input_bytes_max: INPUT_BYTES_MAX,
        }
    }
}

/// Which rule the input broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The input is longer than the size limit.
    TooLarge,
    /// Arrays and objects nest deeper than the depth limit.
    TooDeep,
    /// The input ended inside a value (or was empty).
    UnexpectedEnd,
    /// A byte that cannot start or continue a value here.
    UnexpectedByte,
    /// A `,` directly before `]` or `}`.
    TrailingComma,
    /// Something other than whitespace after the value.
    TrailingCharacters,
    /// A number that breaks RFC 8259's grammar (leading zero, bare `.`…).
    InvalidNumber,
    /// A backslash escape other than the nine the RFC defines.
    InvalidEscape,
    /// A `\u` escape of a UTF-16 surrogate without its other half.
    LoneSurrogate,
    /// An unescaped control character (below U+0020) inside a string.
    ControlCharacterInString,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// An object has two members with the same name.
    DuplicateKey,
}

/// Why the input is not acceptable JSON, and the byte offset where that
/// became clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "invalid JSON at byte {}: {:?}",
            self.offset, self.kind
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses one JSON text under the default [`Limits`].
pub fn parse(input: &[u8]) -> Result<Value, ParseError> {
    parse_with_limits(input, Limits::default())
}

/// Parses one JSON text: a value surrounded by optional whitespace.
pub fn parse_with_limits(input: &[u8], limits: Limits) -> Result<Value, ParseError> {
    if input.len() > limits.input_bytes_max {
        return Err(ParseError {
            kind: ParseErrorKind::TooLarge,
            offset: limits.input_bytes_max,
        });
    }
    let mut parser = Parser {
        input,
        position: 0,
        depth: 0,
        depth_max: limits.depth_max,
    };
    parser.skip_whitespace();
    let value = parser.parse_value()?;
    parser.skip_whitespace();
    if parser.position != input.len() {
        return Err(parser.error(ParseErrorKind::TrailingCharacters));
    }
    Ok(value)
}

struct Parser<'a> {
    input: &'a [u8],
    position: usize,
    depth: usize,
    depth_max: usize,
}

impl Parser<'_> {
    fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError {
            kind,
            offset: self.position,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.position).copied()
    }

    /// The next byte, or `UnexpectedEnd`.
    fn peek_required(&self) -> Result<u8, ParseError> {
        self.peek().ok_or(self.error(ParseErrorKind::UnexpectedEnd))
    }

    /// RFC 8259 §2: whitespace is space, tab, line feed, carriage return.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.position += 1;
        }
    }

    fn parse_value(&mut self) -> Result<Value, ParseError> {
        match self.peek_required()? {
            b'{' => self.parse_object(),
            b'[' => self.parse_array(),
            b'"' => Ok(Value::String(self.parse_string()?)),
            b't' => self.parse_literal(b"true", Value::Bool(true)),
            b'f' => self.parse_literal(b"false", Value::Bool(false)),
            b'n' => self.parse_literal(b"null", Value::Null),
            b'-' | b'0'..=b'9' => Ok(Value::Number(self.parse_number()?)),
            byte if byte >= 0x80 => Err(self.non_ascii_error()),
            _ => Err(self.error(ParseErrorKind::UnexpectedByte)),
        }
    }

    /// A non-ASCII byte outside a string is never valid; say whether it
    /// is also invalid UTF-8, the more useful diagnosis.
    fn non_ascii_error(&self) -> ParseError {
        let rest = &self.input[self.position..];
        let prefix = &rest[..rest.len().min(4)];
        match std::str::from_utf8(prefix) {
            Err(error) if error.valid_up_to() == 0 && error.error_len().is_some() => {
                self.error(ParseErrorKind::InvalidUtf8)
            }
            _ => self.error(ParseErrorKind::UnexpectedByte),
        }
    }

    fn parse_literal(&mut self, word: &[u8], value: Value) -> Result<Value, ParseError> {
        let end = self.position + word.len();
        match self.input.get(self.position..end) {
            Some(text) if text == word => {
                self.position = end;
                Ok(value)
            }
            Some(_) => Err(self.error(ParseErrorKind::UnexpectedByte)),
            None if word.starts_with(&self.input[self.position..]) => {
                Err(self.error_at_end(ParseErrorKind::UnexpectedEnd))
            }
            None => Err(self.error(ParseErrorKind::UnexpectedByte)),
        }
    }

    fn error_at_end(&self, kind: ParseErrorKind) -> ParseError {
        ParseError {
            kind,
            offset: self.input.len(),
        }
    }

    fn parse_number(&mut self) -> Result<Number, ParseError> {
        let rest = &self.input[self.position..];
        let length = number_length(rest).ok_or(self.error(ParseErrorKind::InvalidNumber))?;
        // A digit right after a complete number means a leading zero ("01").
        if rest.get(length).is_some_and(u8::is_ascii_digit) {
            return Err(self.error(ParseErrorKind::InvalidNumber));
        }
        let text = std::str::from_utf8(&rest[..length]).expect("number bytes are ASCII");
        self.position += length;
        Ok(Number::from_text(text).expect("number_length validated the grammar"))
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= self.depth_max {
            return Err(self.error(ParseErrorKind::TooDeep));
        }
        self.depth += 1;
        self.position += 1;
        self.skip_whitespace();
        Ok(())
    }

    fn parse_array(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        let mut elements = Vec::new();
        if self.peek() == Some(b']') {
            self.position += 1;
            self.depth -= 1;
            return Ok(Value::Array(elements));
        }
        loop {
            elements.push(self.parse_value()?);
            if self.after_element(b']')? {
                self.depth -= 1;
                return Ok(Value::Array(elements));
            }
        }
    }

    /// After an element or member: skips `,` (then `Ok(false)`) or the
    /// closing byte (then `Ok(true)`).
    fn after_element(&mut self, close: u8) -> Result<bool, ParseError> {
        self.skip_whitespace();
        match self.peek_required()? {
            b',' => {
                self.position += 1;
                self.skip_whitespace();
                if matches!(self.peek(), Some(b']' | b'}')) {
                    return Err(self.error(ParseErrorKind::TrailingComma));
                }
                Ok(false)
            }
            byte if byte == close => {
                self.position += 1;
                Ok(true)
            }
            _ => Err(self.error(ParseErrorKind::UnexpectedByte)),
        }
    }

    fn parse_object(&mut self) -> Result<Value, ParseError> {
        self.enter()?;
        let mut members = Vec::new();
        let mut names = NameSet::default();
        if self.peek() == Some(b'}') {
            self.position += 1;
            self.depth -= 1;
            return Ok(Value::Object(members));
        }
        loop {
            let name_offset = self.position;
            let (name, value) = self.parse_member()?;
            if !names.insert(&members, &name) {
                return Err(ParseError {
                    kind: ParseErrorKind::DuplicateKey,
                    offset: name_offset,
                });
            }
            members.push((name, value));
            if self.after_element(b'}')? {
                self.depth -= 1;
                return Ok(Value::Object(members));
            }
        }
    }

    /// `"name" : value`, with the parser at the opening quote.
    fn parse_member(&mut self) -> Result<(String, Value), ParseError> {
        if self.peek_required()? != b'"' {
            return Err(self.error(ParseErrorKind::UnexpectedByte));
        }
        let name = self.parse_string()?;
        self.skip_whitespace();
        if self.peek_required()? != b':' {
            return Err(self.error(ParseErrorKind::UnexpectedByte));
        }
        self.position += 1;
        self.skip_whitespace();
        let value = self.parse_value()?;
        Ok((name, value))
    }
}

/// Member names seen so far in one object.
#[derive(Default)]
struct NameSet {
    hashed: Option<HashSet<String>>,
}

impl NameSet {
    /// Records `name`; `false` when `members` (the earlier members) or the
    /// set already holds it.
    fn insert(&mut self, members: &[(String, Value)], name: &str) -> bool {
        if let Some(hashed) = &mut self.hashed {
            return hashed.insert(name.to_owned());
        }
        if members.iter().any(|(existing, _)| existing == name) {
            return false;
        }
        if members.len() >= LINEAR_DUPLICATE_CHECK_MEMBERS_MAX {
            let mut hashed: HashSet<String> = members
                .iter()
                .map(|(existing, _)| existing.clone())
                .collect();
            hashed.insert(name.to_owned());
            self.hashed = Some(hashed);
        }
        true
    }
}

impl Parser<'_> {
    /// A string, with the parser at its opening quote.
    fn parse_string(&mut self) -> Result<String, ParseError> {
        self.position += 1;
        let mut text = String::new();
        loop {
            let run_start = self.position;
            let run_length = self.input[run_start..]
                .iter()
                .take_while(|&&byte| byte != b'"' && byte != b'\\' && byte >= 0x20)
                .count();
            self.push_utf8_run(&mut text, run_start, run_length)?;
            match self.peek() {
                None => return Err(self.error(ParseErrorKind::UnexpectedEnd)),
                Some(b'"') => {
                    self.position += 1;
                    return Ok(text);
                }
                Some(b'\\') => self.parse_escape(&mut text)?,
                Some(_) => return Err(self.error(ParseErrorKind::ControlCharacterInString)),
            }
        }
    }

    /// Appends `input[start..start + length]` after checking it is UTF-8.
    fn push_utf8_run(
        &mut self,
        text: &mut String,
        start: usize,
        length: usize,
    ) -> Result<(), ParseError> {
        let run = &self.input[start..start + length];
        match std::str::from_utf8(run) {
            Ok(valid) => {
                text.push_str(valid);
                self.position = start + length;
                Ok(())
            }
            Err(error) => Err(ParseError {
                kind: ParseErrorKind::InvalidUtf8,
                offset: start + error.valid_up_to(),
            }),
        }
    }

    /// One escape sequence, with the parser at its backslash.
    fn parse_escape(&mut self, text: &mut String) -> Result<(), ParseError> {
        let escape_offset = self.position;
        self.position += 1;
        let decoded = match self.peek_required()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{08}',
            b'f' => '\u{0c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.parse_unicode_escape(text, escape_offset),
            _ => return Err(self.error(ParseErrorKind::InvalidEscape)),
        };
        self.position += 1;
        text.push(decoded);
        Ok(())
    }

    /// `\uXXXX`, or a surrogate pair `\uD8xx\uDCxx`, with the parser at
    /// the `u`.
    fn parse_unicode_escape(
        &mut self,
        text: &mut String,
        escape_offset: usize,
    ) -> Result<(), ParseError> {
        self.position += 1;
        let unit = self.parse_hex4()?;
        let lone = ParseError {
            kind: ParseErrorKind::LoneSurrogate,
            offset: escape_offset,
        };
        let code_point = match unit {
            0xd800..=0xdbff => {
                if self.input.get(self.position..self.position + 2) != Some(b"\\u") {
                    return Err(lone);
                }
                self.position += 2;
                let low = self.parse_hex4()?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(lone);
                }
                0x10000 + ((u32::from(unit) - 0xd800) << 10) + (u32::from(low) - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(lone),
            _ => u32::from(unit),
        };
        text.push(char::from_u32(code_point).expect("surrogates were excluded"));
        Ok(())
    }

    /// Four hex digits (either case, as RFC 8259 allows).
    fn parse_hex4(&mut self) -> Result<u16, ParseError> {
        let mut unit = 0u16;
        for _ in 0..4 {
            let byte = self.peek_required()?;
            let digit = (byte as char)
                .to_digit(16)
                .ok_or(self.error(ParseErrorKind::InvalidEscape))?;
            unit = (unit << 4) | digit as u16;
            self.position += 1;
        }
        Ok(unit)
    }
}
