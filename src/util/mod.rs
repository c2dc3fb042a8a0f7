//! Small, exhaustively tested building blocks with no knowledge of the
//! layers above: checksums, integer encodings, dates.

pub mod base64;
pub mod constant_time;
pub mod crc32c;
pub mod hex;
pub mod hmac;
pub mod json;
pub mod pbkdf2;
pub mod rfc3339;
pub mod sha2;
pub mod splitmix;
pub mod time;
pub mod varint;
