//! Writing JSON: a compact form for API answers, and Perkeep's canonical
//! form for schema blobs.
//!
//! Perkeep's canonical form (pkg/schema `mapJSON`) is Go's
//! `json.MarshalIndent(m, "", "  ")` of the object without `camliVersion`,
//! whose leading `{\n` is replaced by `{"camliVersion": 1,\n`:
//!
//! ```text
//! {"camliVersion": 1,
//!   "camliType": "permanode",
//!   "random": "…"
//! }
//! ```
//!
//! Every object's members are sorted by name (Go marshals maps that way;
//! Perkeep builds nested parts and claims as maps too), `": "` separates a
//! name from its value, each level indents two spaces, empty arrays and
//! objects stay `[]` and `{}`, and there is no final newline. Strings are
//! escaped as Go (1.22 and later) escapes them: `\"`, `\\`, `\b`, `\f`,
//! `\n`, `\r`, `\t`, other control characters and `<`, `>`, `&` as
//! `\u00xx`, and U+2028, U+2029 as `\u2028`, `\u2029`. Numbers are written
//! as their stored text: Perkeep's schema numbers are integers, so build
//! them from integers.

use super::value::Value;
use std::fmt;

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";
const CAMLI_VERSION: &str = "camliVersion";
const INDENT: &str = "  ";

/// Why a value has no canonical schema form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CanonicalError {
    /// A schema blob is a JSON object.
    NotAnObject,
    /// A schema blob needs a `camliVersion` member.
    MissingCamliVersion,
    /// Nothing but `camliVersion`: Perkeep's form has no way to write it.
    NoMembersBesideCamliVersion,
    /// An object names a member twice (only a hand-built value can).
    DuplicateKey { name: String },
}

impl fmt::Display for CanonicalError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CanonicalError::NotAnObject => write!(formatter, "schema blob is not an object"),
            CanonicalError::MissingCamliVersion => {
                write!(formatter, "schema blob lacks camliVersion")
            }
            CanonicalError::NoMembersBesideCamliVersion => {
                write!(formatter, "schema blob has only camliVersion")
            }
            CanonicalError::DuplicateKey { name } => write!(formatter, "duplicate member {name:?}"),
        }
    }
}

impl std::error::Error for CanonicalError {}

/// `value` as compact JSON: no whitespace, members in stored order.
pub fn to_compact(value: &Value) -> String {
    let mut out = String::new();
    write_compact(value, &mut out);
    out
}

/// Appends `value` as compact JSON to `out`.
pub fn write_compact(value: &Value, out: &mut String) {
    match value {
        Value::Array(elements) => {
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_compact(element, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (index, (name, member)) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(name, Escaping::Minimal, out);
                out.push(':');
                write_compact(member, out);
            }
            out.push('}');
        }
        scalar => write_scalar(scalar, Escaping::Minimal, out),
    }
}

/// Appends `text` as a compact JSON string (quoted and escaped exactly as
/// [`write_compact`] writes a string), for answers written without
/// building a [`Value`].
pub fn write_compact_string(text: &str, out: &mut String) {
    write_string(text, Escaping::Minimal, out);
}

/// Perkeep's canonical bytes for a schema blob (see the module header).
pub fn to_canonical_schema(value: &Value) -> Result<String, CanonicalError> {
    let members = value.as_object().ok_or(CanonicalError::NotAnObject)?;
    let version = value
        .get(CAMLI_VERSION)
        .ok_or(CanonicalError::MissingCamliVersion)?;
    let rest: Vec<&(String, Value)> = members
        .iter()
        .filter(|(name, _)| name != CAMLI_VERSION)
        .collect();
    if rest.is_empty() {
        return Err(CanonicalError::NoMembersBesideCamliVersion);
    }
    if rest.len() + 1 != members.len() {
        return Err(CanonicalError::DuplicateKey {
            name: CAMLI_VERSION.to_owned(),
        });
    }
    let mut out = String::from("{\"camliVersion\": ");
    write_compact(version, &mut out);
    out.push_str(",\n");
    write_members_indented(rest, 0, &mut out)?;
    Ok(out)
}

/// Writes sorted members, one per line at `level + 1`, then the closing
/// brace at `level`. The opening brace is the caller's.
fn write_members_indented(
    mut members: Vec<&(String, Value)>,
    level: usize,
    out: &mut String,
) -> Result<(), CanonicalError> {
    members.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = members.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(CanonicalError::DuplicateKey {
            name: pair[0].0.clone(),
        });
    }
    for (index, (name, member)) in members.iter().enumerate() {
        if index > 0 {
            out.push_str(",\n");
        }
        push_indent(level + 1, out);
        write_string(name, Escaping::Go, out);
        out.push_str(": ");
        write_indented(member, level + 1, out)?;
    }
    out.push('\n');
    push_indent(level, out);
    out.push('}');
    Ok(())
}

/// Go's `MarshalIndent` layout for a value at nesting `level`.
fn write_indented(value: &Value, level: usize, out: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Array(elements) if elements.is_empty() => out.push_str("[]"),
        Value::Object(members) if members.is_empty() => out.push_str("{}"),
        Value::Array(elements) => {
            out.push_str("[\n");
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push_str(",\n");
                }
                push_indent(level + 1, out);
                write_indented(element, level + 1, out)?;
            }
            out.push('\n');
            push_indent(level, out);
            out.push(']');
        }
        Value::Object(members) => {
            out.push_str("{\n");
            write_members_indented(members.iter().collect(), level, out)?;
        }
        scalar => write_scalar(scalar, Escaping::Go, out),
    }
    Ok(())
}

fn push_indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str(INDENT);
    }
}

/// How much of a string to escape.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escaping {
    /// Only what JSON requires: `"`, `\` and control characters.
    Minimal,
    /// As Go's encoding/json does it (see the module header).
    Go,
}

fn write_scalar(value: &Value, escaping: Escaping, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => out.push_str(number.as_text()),
        Value::String(text) => write_string(text, escaping, out),
        Value::Array(_) | Value::Object(_) => unreachable!("callers handle containers"),
    }
}

fn write_string(text: &str, escaping: Escaping, out: &mut String) {
    out.push('"');
    let mut rest = text;
    // Runs that need no escape are copied whole; every byte that stops a
    // run is ASCII or a UTF-8 lead byte, so the run ends on a character.
    while !rest.is_empty() {
        let plain = rest
            .bytes()
            .position(|byte| needs_care(byte, escaping))
            .unwrap_or(rest.len());
        out.push_str(&rest[..plain]);
        rest = &rest[plain..];
        let Some(character) = rest.chars().next() else {
            break;
        };
        write_character(character, escaping, out);
        rest = &rest[character.len_utf8()..];
    }
    out.push('"');
}

/// Whether `byte` may begin a character that `escaping` escapes (0xE2
/// leads U+2028 and U+2029).
fn needs_care(byte: u8, escaping: Escaping) -> bool {
    byte < 0x20
        || byte == b'"'
        || byte == b'\\'
        || (escaping == Escaping::Go && matches!(byte, b'<' | b'>' | b'&' | 0xE2))
}

/// One character of a string, escaped as `escaping` says.
fn write_character(character: char, escaping: Escaping, out: &mut String) {
    match character {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{08}' if escaping == Escaping::Go => out.push_str("\\b"),
        '\u{0c}' if escaping == Escaping::Go => out.push_str("\\f"),
        '\n' if escaping == Escaping::Go => out.push_str("\\n"),
        '\r' if escaping == Escaping::Go => out.push_str("\\r"),
        '\t' if escaping == Escaping::Go => out.push_str("\\t"),
        '\u{00}'..='\u{1f}' => push_unicode_escape(character, out),
        '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if escaping == Escaping::Go => {
            push_unicode_escape(character, out)
        }
        _ => out.push(character),
    }
}

/// `\uxxxx` with lowercase hex, for a character in the Basic Multilingual
/// Plane.
fn push_unicode_escape(character: char, out: &mut String) {
    let code = u32::from(character);
    assert!(code <= 0xffff, "only BMP characters are escaped");
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX_DIGITS[((code >> shift) & 0xf) as usize]));
    }
}
