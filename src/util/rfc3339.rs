//! Moments in time as strata dates claims: a UTC [`Timestamp`] with
//! nanosecond precision, parsed from RFC 3339 (any offset, 0 to 9
//! fractional digits) or from plain Unix seconds, and written the way
//! Perkeep writes `claimDate` (Go's `time.RFC3339Nano` in UTC): `Z`, and a
//! fraction only when it is not zero, without trailing zeros —
//! `2026-11-21T23:40:02Z`, `1970-01-01T00:02:03.000000456Z`.
//!
//! Strictness: `T` and `Z` may be lowercase (RFC 3339 §5.6 allows it); a
//! space instead of `T`, a missing seconds field, a comma as decimal mark,
//! more than 9 fractional digits, an offset without a colon, or offset
//! fields beyond 23:59 are errors. A leap second (`23:59:60` in UTC, after
//! applying the offset) is accepted and, as in POSIX time, is the same
//! instant as the second after it; `:60` anywhere else is an error.
//! Timestamps are limited to the years 0000–9999 in UTC so that every one
//! of them has an RFC 3339 form.

use crate::util::time::{civil_from_days, days_from_civil, days_in_month};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

const SECONDS_PER_DAY: i64 = 86_400;
const NANOS_PER_SECOND: u32 = 1_000_000_000;
/// Digits of fraction kept: nanoseconds.
const FRACTION_DIGITS_MAX: usize = 9;
/// Longest plain Unix-seconds text accepted (a sign and 12 digits covers
/// every timestamp in range).
const UNIX_SECONDS_TEXT_BYTES_MAX: usize = 13;
/// 0000-01-01T00:00:00Z.
pub const UNIX_SECONDS_MIN: i64 = -62_167_219_200;
/// 9999-12-31T23:59:59Z.
pub const UNIX_SECONDS_MAX: i64 = 253_402_300_799;

/// A UTC instant: seconds since 1970-01-01T00:00:00Z and nanoseconds into
/// that second. Ordered by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_seconds: i64,
    nanos: u32,
}

/// A field of an RFC 3339 timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Month,
    Day,
    Hour,
    Minute,
    Second,
    OffsetHour,
    OffsetMinute,
}

/// Why a text is not a timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeError {
    /// The text does not follow the grammar; `offset` is the first byte
    /// that breaks it (the text's length when it ends early).
    Malformed { offset: usize },
    /// A field is outside its range (month 13, February 30, hour 24…).
    FieldOutOfRange { field: Field },
    /// More than 9 fractional digits.
    FractionTooLong,
    /// The instant falls outside the years 0000–9999 in UTC.
    OutOfRange,
}

impl fmt::Display for TimeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::Malformed { offset } => write!(formatter, "malformed time at byte {offset}"),
            TimeError::FieldOutOfRange { field } => write!(formatter, "{field:?} out of range"),
            TimeError::FractionTooLong => write!(formatter, "more than 9 fractional digits"),
            TimeError::OutOfRange => write!(formatter, "time outside the years 0000-9999"),
        }
    }
}

impl std::error::Error for TimeError {}

impl Timestamp {
    /// The instant `unix_seconds` + `nanos` ns, if `nanos` is below one
    /// second and the instant is within the years 0000–9999.
    pub fn new(unix_seconds: i64, nanos: u32) -> Result<Timestamp, TimeError> {
        if nanos >= NANOS_PER_SECOND
            || !(UNIX_SECONDS_MIN..=UNIX_SECONDS_MAX).contains(&unix_seconds)
        {
            return Err(TimeError::OutOfRange);
        }
        Ok(Timestamp {
            unix_seconds,
            nanos,
        })
    }

    /// The current time from the system clock, clamped to the range.
    pub fn now() -> Timestamp {
        let (seconds, nanos) = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => (
                i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
                since.subsec_nanos(),
            ),
            Err(before) => {
                let before = before.duration();
                let seconds = -i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
                match before.subsec_nanos() {
                    0 => (seconds, 0),
                    nanos => (seconds - 1, NANOS_PER_SECOND - nanos),
                }
            }
        };
        let clamped = seconds.clamp(UNIX_SECONDS_MIN, UNIX_SECONDS_MAX);
        Timestamp {
            unix_seconds: clamped,
            nanos: if clamped == seconds { nanos } else { 0 },
        }
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    pub fn unix_seconds(self) -> i64 {
        self.unix_seconds
    }

    /// Nanoseconds into the second, below 1,000,000,000.
    pub fn nanos(self) -> u32 {
        self.nanos
    }

    /// One nanosecond later, if still in range (the server's own claims
    /// use it so its clock never goes backwards).
    pub fn next_nanosecond(self) -> Option<Timestamp> {
        if self.nanos + 1 < NANOS_PER_SECOND {
            return Some(Timestamp {
                nanos: self.nanos + 1,
                ..self
            });
        }
        Timestamp::new(self.unix_seconds + 1, 0).ok()
    }

    /// 12 bytes whose byte order is the time order (for index keys): the
    /// seconds big-endian with the sign bit flipped, then the nanoseconds
    /// big-endian.
    pub fn to_sortable_bytes(self) -> [u8; 12] {
        let mut bytes = [0u8; 12];
        let flipped = (self.unix_seconds as u64) ^ (1 << 63);
        bytes[..8].copy_from_slice(&flipped.to_be_bytes());
        bytes[8..].copy_from_slice(&self.nanos.to_be_bytes());
        bytes
    }

    /// Inverse of [`Timestamp::to_sortable_bytes`].
    pub fn from_sortable_bytes(bytes: [u8; 12]) -> Result<Timestamp, TimeError> {
        let flipped = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
        let nanos = u32::from_be_bytes(bytes[8..].try_into().expect("4 bytes"));
        Timestamp::new((flipped ^ (1 << 63)) as i64, nanos)
    }

    /// An RFC 3339 timestamp or plain Unix seconds (`?at=` accepts both).
    pub fn parse(text: &str) -> Result<Timestamp, TimeError> {
        let bytes = text.as_bytes();
        let looks_like_seconds = !bytes.is_empty()
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || (i == 0 && *b == b'-'));
        if looks_like_seconds {
            Timestamp::parse_unix_seconds(text)
        } else {
            Timestamp::parse_rfc3339(text)
        }
    }

    /// Plain Unix seconds: an optional `-` and 1 to 12 digits.
    pub fn parse_unix_seconds(text: &str) -> Result<Timestamp, TimeError> {
        let bytes = text.as_bytes();
        let digits_start = usize::from(bytes.first() == Some(&b'-'));
        let digits = &bytes[digits_start..];
        if digits.is_empty() {
            return Err(TimeError::Malformed {
                offset: bytes.len(),
            });
        }
        if let Some(bad) = digits.iter().position(|b| !b.is_ascii_digit()) {
            return Err(TimeError::Malformed {
                offset: digits_start + bad,
            });
        }
        if bytes.len() > UNIX_SECONDS_TEXT_BYTES_MAX {
            return Err(TimeError::OutOfRange);
        }
        let seconds: i64 = text.parse().map_err(|_| TimeError::OutOfRange)?;
        Timestamp::new(seconds, 0)
    }

    /// An RFC 3339 `date-time` (§5.6), converted to UTC.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeError> {
        let mut cursor = Cursor {
            bytes: text.as_bytes(),
            position: 0,
        };
        let fields = cursor.date_time()?;
        if cursor.position != cursor.bytes.len() {
            return Err(TimeError::Malformed {
                offset: cursor.position,
            });
        }
        fields.to_timestamp()
    }
}

/// The fields of a `date-time`, before range checks.
struct DateTimeFields {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    offset_seconds: i64,
}

impl DateTimeFields {
    fn to_timestamp(&self) -> Result<Timestamp, TimeError> {
        let out_of_range = |field| Err(TimeError::FieldOutOfRange { field });
        if !(1..=12).contains(&self.month) {
            return out_of_range(Field::Month);
        }
        if self.day < 1 || self.day > days_in_month(self.year, self.month) {
            return out_of_range(Field::Day);
        }
        if self.hour > 23 {
            return out_of_range(Field::Hour);
        }
        if self.minute > 59 {
            return out_of_range(Field::Minute);
        }
        if self.second > 60 {
            return out_of_range(Field::Second);
        }
        let local = days_from_civil(self.year, self.month, self.day) * SECONDS_PER_DAY
            + i64::from(self.hour * 3600 + self.minute * 60 + self.second);
        let utc = local - self.offset_seconds;
        // A leap second is 23:59:60 UTC: one second before a UTC midnight.
        if self.second == 60 && utc.rem_euclid(SECONDS_PER_DAY) != 0 {
            return out_of_range(Field::Second);
        }
        Timestamp::new(utc, self.nanos)
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl Cursor<'_> {
    fn malformed(&self) -> TimeError {
        TimeError::Malformed {
            offset: self.position,
        }
    }

    /// Exactly `count` ASCII digits as a number.
    fn digits(&mut self, count: usize) -> Result<u32, TimeError> {
        let mut value = 0u32;
        for _ in 0..count {
            match self.bytes.get(self.position) {
                Some(byte) if byte.is_ascii_digit() => {
                    value = value * 10 + u32::from(byte - b'0');
                    self.position += 1;
                }
                _ => return Err(self.malformed()),
            }
        }
        Ok(value)
    }

    /// One byte out of `accepted`, returned.
    fn one_of(&mut self, accepted: &[u8]) -> Result<u8, TimeError> {
        match self.bytes.get(self.position) {
            Some(byte) if accepted.contains(byte) => {
                self.position += 1;
                Ok(*byte)
            }
            _ => Err(self.malformed()),
        }
    }

    fn date_time(&mut self) -> Result<DateTimeFields, TimeError> {
        let year = i64::from(self.digits(4)?);
        self.one_of(b"-")?;
        let month = self.digits(2)?;
        self.one_of(b"-")?;
        let day = self.digits(2)?;
        self.one_of(b"Tt")?;
        let hour = self.digits(2)?;
        self.one_of(b":")?;
        let minute = self.digits(2)?;
        self.one_of(b":")?;
        let second = self.digits(2)?;
        let nanos = self.fraction()?;
        let offset_seconds = self.offset()?;
        Ok(DateTimeFields {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            offset_seconds,
        })
    }

    /// `time-secfrac`, if present, as nanoseconds.
    fn fraction(&mut self) -> Result<u32, TimeError> {
        if self.bytes.get(self.position) != Some(&b'.') {
            return Ok(0);
        }
        self.position += 1;
        let start = self.position;
        let count = self.bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if count == 0 {
            return Err(self.malformed());
        }
        if count > FRACTION_DIGITS_MAX {
            return Err(TimeError::FractionTooLong);
        }
        let mut nanos = self.digits(count)?;
        for _ in count..FRACTION_DIGITS_MAX {
            nanos *= 10;
        }
        Ok(nanos)
    }

    /// `time-offset`: `Z` or `±hh:mm`, as seconds east of UTC.
    fn offset(&mut self) -> Result<i64, TimeError> {
        let sign = match self.one_of(b"Zz+-")? {
            b'Z' | b'z' => return Ok(0),
            b'+' => 1,
            _ => -1,
        };
        let hours = self.digits(2)?;
        self.one_of(b":")?;
        let minutes = self.digits(2)?;
        if hours > 23 {
            return Err(TimeError::FieldOutOfRange {
                field: Field::OffsetHour,
            });
        }
        if minutes > 59 {
            return Err(TimeError::FieldOutOfRange {
                field: Field::OffsetMinute,
            });
        }
        Ok(sign * i64::from(hours * 3600 + minutes * 60))
    }
}

/// RFC 3339 in UTC, as Go's `time.RFC3339Nano` writes it.
/// The longest text a timestamp is written as:
/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
const TEXT_BYTES_MAX: usize = 30;

impl Timestamp {
    /// Appends the text `Display` writes (RFC 3339 in UTC, the fraction
    /// without trailing zeros), without the formatting machinery: a
    /// listing writes thousands of dates.
    pub fn push_rfc3339(self, out: &mut String) {
        let (text, length) = self.rfc3339_bytes();
        out.push_str(std::str::from_utf8(&text[..length]).expect("the text is ASCII"));
    }

    /// The text and its length. Years are 0000 to 9999 (the range of
    /// `Timestamp::new`), so four digits always hold them.
    fn rfc3339_bytes(self) -> ([u8; TEXT_BYTES_MAX], usize) {
        let days = self.unix_seconds.div_euclid(SECONDS_PER_DAY);
        let in_day = self.unix_seconds.rem_euclid(SECONDS_PER_DAY) as u64;
        let (year, month, day) = civil_from_days(days);
        let mut text = *b"0000-00-00T00:00:00.000000000Z";
        put_digits(&mut text[0..4], year as u64);
        put_digits(&mut text[5..7], u64::from(month));
        put_digits(&mut text[8..10], u64::from(day));
        put_digits(&mut text[11..13], in_day / 3600);
        put_digits(&mut text[14..16], in_day / 60 % 60);
        put_digits(&mut text[17..19], in_day % 60);
        if self.nanos == 0 {
            text[19] = b'Z';
            return (text, 20);
        }
        put_digits(&mut text[20..29], u64::from(self.nanos));
        let mut end = 29;
        while text[end - 1] == b'0' {
            end -= 1;
        }
        text[end] = b'Z';
        (text, end + 1)
    }
}

/// Writes `value` in decimal into all of `out`, zero-padded (the caller
/// sizes `out` to hold it).
fn put_digits(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, length) = self.rfc3339_bytes();
        formatter.write_str(std::str::from_utf8(&text[..length]).expect("the text is ASCII"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: u32) -> Timestamp {
        Timestamp::new(seconds, nanos).unwrap()
    }

    fn parsed(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn writes_every_field_zero_padded_and_the_fraction_trimmed() {
        let cases = [
            (at(0, 0), "1970-01-01T00:00:00Z"),
            (at(1_795_304_402, 500_000_000), "2026-11-21T23:40:02.5Z"),
            (
                at(1_795_304_402, 123_456_789),
                "2026-11-21T23:40:02.123456789Z",
            ),
            (at(123, 456), "1970-01-01T00:02:03.000000456Z"),
            (at(UNIX_SECONDS_MIN, 0), "0000-01-01T00:00:00Z"),
            (
                at(UNIX_SECONDS_MAX, 999_999_999),
                "9999-12-31T23:59:59.999999999Z",
            ),
            (at(-1, 10), "1969-12-31T23:59:59.00000001Z"),
        ];
        for (timestamp, text) in cases {
            assert_eq!(timestamp.to_string(), text);
            let mut pushed = String::from(">");
            timestamp.push_rfc3339(&mut pushed);
            assert_eq!(pushed, format!(">{text}"));
            assert_eq!(parsed(text), timestamp);
        }
    }

    #[test]
    fn parses_utc_with_and_without_fraction() {
        assert_eq!(parsed("2026-11-21T23:40:02Z"), at(1_795_304_402, 0));
        assert_eq!(
            parsed("2026-11-21T23:40:02.5Z"),
            at(1_795_304_402, 500_000_000)
        );
        assert_eq!(
            parsed("2026-11-21T23:40:02.123456789Z"),
            at(1_795_304_402, 123_456_789)
        );
        assert_eq!(parsed("1970-01-01T00:02:03.000000456Z"), at(123, 456));
        assert_eq!(parsed("1970-01-01T00:00:00.000Z"), at(0, 0));
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        assert_eq!(
            parsed("2026-11-22T01:10:02+01:30"),
            parsed("2026-11-21T23:40:02Z")
        );
        assert_eq!(
            parsed("2026-11-21T15:40:02-08:00"),
            parsed("2026-11-21T23:40:02Z")
        );
        assert_eq!(parsed("1970-01-01T00:00:00+00:00"), at(0, 0));
        assert_eq!(parsed("1970-01-01T00:00:00-00:00"), at(0, 0));
        assert_eq!(parsed("1970-01-01T00:00:00-00:01"), at(60, 0));
        assert_eq!(parsed("1970-01-01T00:00:00+23:59"), at(-86_340, 0));
    }

    #[test]
    fn lowercase_t_and_z_are_accepted() {
        assert_eq!(
            parsed("2026-11-21t23:40:02z"),
            parsed("2026-11-21T23:40:02Z")
        );
    }

    #[test]
    fn leap_years_follow_the_gregorian_rules() {
        assert_eq!(parsed("2000-02-29T12:00:00Z"), at(951_825_600, 0));
        assert_eq!(parsed("2024-02-29T00:00:00Z"), at(1_709_164_800, 0));
        for not_leap in [
            "1900-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(not_leap),
                Err(TimeError::FieldOutOfRange { field: Field::Day }),
                "{not_leap}"
            );
        }
        assert!(Timestamp::parse_rfc3339("2024-02-30T00:00:00Z").is_err());
        assert!(Timestamp::parse_rfc3339("2024-04-31T00:00:00Z").is_err());
    }

    #[test]
    fn leap_second_is_the_instant_after_it_and_only_allowed_at_end_of_utc_day() {
        // RFC 3339 §5.8's two leap-second examples.
        assert_eq!(parsed("1990-12-31T23:59:60Z"), at(662_688_000, 0));
        assert_eq!(parsed("1990-12-31T15:59:60-08:00"), at(662_688_000, 0));
        assert_eq!(
            parsed("1990-12-31T23:59:60.5Z"),
            at(662_688_000, 500_000_000)
        );
        assert_eq!(
            Timestamp::parse_rfc3339("1990-12-31T23:58:60Z"),
            Err(TimeError::FieldOutOfRange {
                field: Field::Second
            })
        );
        assert_eq!(
            Timestamp::parse_rfc3339("1990-12-31T23:59:61Z"),
            Err(TimeError::FieldOutOfRange {
                field: Field::Second
            })
        );
    }

    #[test]
    fn fields_out_of_range_name_the_field() {
        let cases = [
            ("2026-13-01T00:00:00Z", Field::Month),
            ("2026-00-01T00:00:00Z", Field::Month),
            ("2026-01-00T00:00:00Z", Field::Day),
            ("2026-01-32T00:00:00Z", Field::Day),
            ("2026-01-01T24:00:00Z", Field::Hour),
            ("2026-01-01T00:60:00Z", Field::Minute),
            ("2026-01-01T00:00:00+24:00", Field::OffsetHour),
            ("2026-01-01T00:00:00+01:60", Field::OffsetMinute),
        ];
        for (text, field) in cases {
            assert_eq!(
                Timestamp::parse_rfc3339(text),
                Err(TimeError::FieldOutOfRange { field }),
                "{text}"
            );
        }
    }

    #[test]
    fn missing_or_extra_parts_are_malformed_at_their_offset() {
        let cases = [
            ("", 0),
            ("2026-11-21", 10),
            ("2026-11-21T23:40Z", 16),
            ("2026-11-21 23:40:02Z", 10),
            ("2026-11-21T23:40:02", 19),
            ("2026-11-21T23:40:02.Z", 20),
            ("2026-11-21T23:40:02,5Z", 19),
            ("2026-11-21T23:40:02+0100", 22),
            ("2026-11-21T23:40:02+01", 22),
            ("2026-11-21T23:40:02ZZ", 20),
            ("2026-11-21T23:40:02Z ", 20),
            ("26-11-21T23:40:02Z", 2),
            ("2026-1-21T23:40:02Z", 6),
            ("+2026-11-21T23:40:02Z", 0),
            ("2026-11-21T23:40:02 Z", 19),
            ("２026-11-21T23:40:02Z", 0),
        ];
        for (text, offset) in cases {
            assert_eq!(
                Timestamp::parse_rfc3339(text),
                Err(TimeError::Malformed { offset }),
                "{text}"
            );
        }
    }

    #[test]
    fn more_than_nine_fractional_digits_are_refused() {
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-21T23:40:02.1234567891Z"),
            Err(TimeError::FractionTooLong)
        );
    }

    #[test]
    fn instants_outside_years_0000_to_9999_are_refused() {
        assert_eq!(parsed("0000-01-01T00:00:00Z"), at(UNIX_SECONDS_MIN, 0));
        assert_eq!(
            parsed("9999-12-31T23:59:59.999999999Z"),
            at(UNIX_SECONDS_MAX, 999_999_999)
        );
        assert_eq!(
            Timestamp::parse_rfc3339("0000-01-01T00:00:00+00:01"),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            Timestamp::parse_rfc3339("9999-12-31T23:59:59-00:01"),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            Timestamp::new(0, NANOS_PER_SECOND),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            Timestamp::new(UNIX_SECONDS_MAX + 1, 0),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn formats_like_go_rfc3339_nano_in_utc() {
        assert_eq!(at(1_795_304_402, 0).to_string(), "2026-11-21T23:40:02Z");
        assert_eq!(
            at(1_795_304_402, 120_000_000).to_string(),
            "2026-11-21T23:40:02.12Z"
        );
        assert_eq!(at(123, 456).to_string(), "1970-01-01T00:02:03.000000456Z");
        assert_eq!(
            at(-1, 999_999_999).to_string(),
            "1969-12-31T23:59:59.999999999Z"
        );
        assert_eq!(at(UNIX_SECONDS_MIN, 0).to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(at(UNIX_SECONDS_MAX, 0).to_string(), "9999-12-31T23:59:59Z");
        assert_eq!(
            parsed("2026-11-22T01:10:02.100+01:30").to_string(),
            "2026-11-21T23:40:02.1Z"
        );
    }

    #[test]
    fn format_then_parse_round_trips_across_the_range() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let span = (UNIX_SECONDS_MAX - UNIX_SECONDS_MIN + 1) as u64;
            let seconds = UNIX_SECONDS_MIN + (state % span) as i64;
            let nanos = [0, (state >> 40) as u32 % NANOS_PER_SECOND][(state & 1) as usize];
            let timestamp = at(seconds, nanos);
            assert_eq!(parsed(&timestamp.to_string()), timestamp, "{timestamp}");
        }
    }

    #[test]
    fn plain_unix_seconds_are_accepted() {
        assert_eq!(Timestamp::parse("1700000000"), Ok(at(1_700_000_000, 0)));
        assert_eq!(Timestamp::parse("0"), Ok(at(0, 0)));
        assert_eq!(Timestamp::parse("-1"), Ok(at(-1, 0)));
        assert_eq!(
            Timestamp::parse("1700000000").unwrap().to_string(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            Timestamp::parse("2026-11-21T23:40:02Z"),
            Ok(at(1_795_304_402, 0))
        );
        assert_eq!(Timestamp::parse("999999999999"), Err(TimeError::OutOfRange));
        assert_eq!(
            Timestamp::parse("99999999999999999999"),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            Timestamp::parse_unix_seconds("-"),
            Err(TimeError::Malformed { offset: 1 })
        );
        assert_eq!(
            Timestamp::parse_unix_seconds("12a"),
            Err(TimeError::Malformed { offset: 2 })
        );
        assert!(Timestamp::parse("").is_err());
        assert!(Timestamp::parse("+5").is_err());
        assert!(Timestamp::parse("1.5").is_err());
    }

    #[test]
    fn order_is_by_seconds_then_nanoseconds() {
        let mut times = vec![at(1, 0), at(0, 999_999_999), at(-1, 5), at(0, 1), at(-2, 0)];
        times.sort();
        assert_eq!(
            times,
            [at(-2, 0), at(-1, 5), at(0, 1), at(0, 999_999_999), at(1, 0)]
        );
        assert!(parsed("2026-11-21T23:40:02.1Z") < parsed("2026-11-21T23:40:02.10000001Z"));
    }

    #[test]
    fn sortable_bytes_preserve_order_and_round_trip() {
        let times = [
            at(UNIX_SECONDS_MIN, 0),
            at(-1, 999_999_999),
            at(0, 0),
            at(0, 1),
            at(1, 0),
        ];
        for pair in times.windows(2) {
            assert!(pair[0].to_sortable_bytes() < pair[1].to_sortable_bytes());
        }
        for time in times {
            assert_eq!(
                Timestamp::from_sortable_bytes(time.to_sortable_bytes()),
                Ok(time)
            );
        }
        assert_eq!(
            Timestamp::from_sortable_bytes([0xff; 12]),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn next_nanosecond_carries_into_the_next_second() {
        assert_eq!(at(5, 7).next_nanosecond(), Some(at(5, 8)));
        assert_eq!(at(5, 999_999_999).next_nanosecond(), Some(at(6, 0)));
        assert_eq!(at(UNIX_SECONDS_MAX, 999_999_999).next_nanosecond(), None);
    }

    #[test]
    fn now_is_after_this_code_was_written() {
        assert!(Timestamp::now() > parsed("2026-01-01T00:00:00Z"));
    }
}

#[cfg(test)]
mod mutation_tests {
    use super::*;

    #[test]
    fn mutated_texts_never_panic_and_accepted_ones_round_trip() {
        let alphabet = b"0123456789-:.+TtZz \x7f";
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..5000 {
            let mut text = b"2024-02-29T23:59:60.123456789+05:30".to_vec();
            for _ in 0..1 + round % 3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let position = (state as usize >> 8) % text.len();
                text[position] = alphabet[(state as usize >> 32) % alphabet.len()];
            }
            let text = String::from_utf8(text).unwrap();
            if let Ok(timestamp) = Timestamp::parse(&text) {
                let again = Timestamp::parse(&timestamp.to_string());
                assert_eq!(again, Ok(timestamp), "round {round}: {text}");
            }
        }
    }
}
