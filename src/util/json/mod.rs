//! JSON (RFC 8259): a strict parser, a compact writer, and the canonical
//! form Perkeep uses for schema blobs, so the same claim always has the
//! same bytes and therefore the same ref.
//!
//! The parser accepts exactly the RFC's grammar and nothing more: no
//! comments, no trailing commas, no leading zeros, no NaN or Infinity, no
//! byte order mark, no bytes after the value, no invalid UTF-8, no lone
//! surrogates. Two rules go beyond the RFC, which leaves them open:
//! duplicate member names are an error (a schema blob with two
//! `camliContent` values must not mean different things to different
//! readers), and input size and nesting depth are bounded
//! ([`INPUT_BYTES_MAX`], [`DEPTH_MAX`]).
//!
//! Numbers are kept exactly as written (their validated text), so a
//! 30-digit integer or `1.10` survives a round trip unchanged; accessors
//! convert on demand. Objects keep their members in input order.

mod parse;
mod value;
mod write;

#[cfg(test)]
mod tests;

pub use parse::{
    DEPTH_MAX, INPUT_BYTES_MAX, Limits, ParseError, ParseErrorKind, parse, parse_with_limits,
};
pub use value::{Number, Value};
pub use write::{
    CanonicalError, to_canonical_schema, to_compact, write_compact, write_compact_string,
};
