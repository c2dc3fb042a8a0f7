//! Calendar arithmetic on Unix time (proleptic Gregorian, UTC) and the
//! HTTP date formats of RFC 9110 §5.6.7, plus the access-log date.
//!
//! The day/civil conversions are the well-known closed-form algorithms on
//! 400-year eras, exact for every representable day.

use std::time::{SystemTime, UNIX_EPOCH};

const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const SECONDS_PER_DAY: i64 = 86_400;

/// A moment broken into UTC calendar fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// Day of the week, 0 = Thursday (1970-01-01 was a Thursday).
    weekday_from_thursday: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day)
}

/// Is `year` a Gregorian leap year?
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1–12) of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Civil {
    /// Breaks Unix seconds into UTC fields.
    pub fn from_unix(seconds: i64) -> Civil {
        let days = seconds.div_euclid(SECONDS_PER_DAY);
        let in_day = seconds.rem_euclid(SECONDS_PER_DAY) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: in_day / 3600,
            minute: in_day / 60 % 60,
            second: in_day % 60,
            weekday_from_thursday: days.rem_euclid(7) as u32,
        }
    }

    /// Unix seconds of these fields; `None` if a field is out of range.
    pub fn to_unix(year: i64, month: u32, day: u32, hms: (u32, u32, u32)) -> Option<i64> {
        let (hour, minute, second) = hms;
        let valid_date = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        if !valid_date || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let seconds_in_day = i64::from(hour * 3600 + minute * 60 + second.min(59));
        Some(days_from_civil(year, month, day) * SECONDS_PER_DAY + seconds_in_day)
    }
}

/// Unix seconds now (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// IMF-fixdate (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
/// Written byte by byte, not through `format!`: a file response carries
/// one (`Last-Modified`), and the formatting machinery cost more than the
/// rest of the header.
pub fn format_http_date(unix_seconds: i64) -> String {
    let c = Civil::from_unix(unix_seconds);
    let mut out = String::with_capacity(29);
    out.push_str(DAY_NAMES[c.weekday_from_thursday as usize]);
    out.push_str(", ");
    push_two_digits(&mut out, c.day);
    out.push(' ');
    out.push_str(MONTH_NAMES[c.month as usize - 1]);
    out.push(' ');
    push_year(&mut out, c.year);
    out.push(' ');
    push_clock(&mut out, &c);
    out.push_str(" GMT");
    out
}

/// The access log's date (Common Log Format): `10/Oct/2000:13:55:36 +0000`.
pub fn format_log_date(unix_seconds: i64) -> String {
    let c = Civil::from_unix(unix_seconds);
    let mut out = String::with_capacity(26);
    push_two_digits(&mut out, c.day);
    out.push('/');
    out.push_str(MONTH_NAMES[c.month as usize - 1]);
    out.push('/');
    push_year(&mut out, c.year);
    out.push(':');
    push_clock(&mut out, &c);
    out.push_str(" +0000");
    out
}

/// `HH:MM:SS`.
fn push_clock(out: &mut String, c: &Civil) {
    push_two_digits(out, c.hour);
    out.push(':');
    push_two_digits(out, c.minute);
    out.push(':');
    push_two_digits(out, c.second);
}

/// `value` (below 100) as two digits.
fn push_two_digits(out: &mut String, value: u32) {
    out.push(char::from(b'0' + (value / 10 % 10) as u8));
    out.push(char::from(b'0' + (value % 10) as u8));
}

/// Four digits for years 0 to 9999; other years as `{:04}` writes them.
fn push_year(out: &mut String, year: i64) {
    if (0..10_000).contains(&year) {
        push_two_digits(out, (year / 100) as u32);
        push_two_digits(out, (year % 100) as u32);
    } else {
        out.push_str(&format!("{year:04}"));
    }
}

/// Parses an HTTP date in any of the three forms RFC 9110 §5.6.7 says a
/// recipient must accept: IMF-fixdate, RFC 850 and asctime.
pub fn parse_http_date(text: &str) -> Option<i64> {
    parse_imf_fixdate(text)
        .or_else(|| parse_rfc850(text))
        .or_else(|| parse_asctime(text))
}

fn month_number(name: &str) -> Option<u32> {
    MONTH_NAMES
        .iter()
        .position(|m| *m == name)
        .map(|i| i as u32 + 1)
}

fn number<T: std::str::FromStr>(text: &str, digits: usize) -> Option<T> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_clock(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split(':');
    let hour = number(parts.next()?, 2)?;
    let minute = number(parts.next()?, 2)?;
    let second = number(parts.next()?, 2)?;
    parts.next().is_none().then_some((hour, minute, second))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn parse_imf_fixdate(text: &str) -> Option<i64> {
    let rest = text.get(5..)?;
    if !DAY_NAMES.contains(&text.get(..3)?) || text.get(3..5)? != ", " {
        return None;
    }
    let fields: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, clock, "GMT"] = fields[..] else {
        return None;
    };
    let year = number(year, 4)?;
    Civil::to_unix(
        year,
        month_number(month)?,
        number(day, 2)?,
        parse_clock(clock)?,
    )
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`; a two-digit year is taken in the
/// century that puts it no more than 50 years in the future (RFC 9110).
fn parse_rfc850(text: &str) -> Option<i64> {
    let (_weekday, rest) = text.split_once(", ")?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let [date, clock, "GMT"] = fields[..] else {
        return None;
    };
    let dates: Vec<&str> = date.split('-').collect();
    let [day, month, year] = dates[..] else {
        return None;
    };
    let two_digit: i64 = number(year, 2)?;
    let this_year = Civil::from_unix(unix_now()).year;
    let mut year = this_year - this_year % 100 + two_digit;
    if year > this_year + 50 {
        year -= 100;
    }
    Civil::to_unix(
        year,
        month_number(month)?,
        number(day, 2)?,
        parse_clock(clock)?,
    )
}

/// `Sun Nov  6 08:49:37 1994`
fn parse_asctime(text: &str) -> Option<i64> {
    if !DAY_NAMES.contains(&text.get(..3)?) || text.get(3..4)? != " " {
        return None;
    }
    let month = month_number(text.get(4..7)?)?;
    let day_text = text.get(8..10)?;
    let day = number(
        day_text.trim_start_matches(' '),
        day_text.trim_start().len(),
    )?;
    if text.get(7..8)? != " " || text.get(10..11)? != " " || text.get(19..20)? != " " {
        return None;
    }
    let year = number(text.get(20..)?, 4)?;
    Civil::to_unix(year, month, day, parse_clock(text.get(11..19)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: i64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT

    #[test]
    fn rfc9110_example_formats_exactly() {
        assert_eq!(format_http_date(EXAMPLE), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn all_three_rfc9110_forms_parse_to_the_same_moment() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(EXAMPLE)
        );
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(EXAMPLE)
        );
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(EXAMPLE));
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in [
            "",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
            "Sun Nov  6 08:49:37 94",
            "Sun, 06 Nov 1994 08:49:+7 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn civil_round_trips_across_eras_and_leap_days() {
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }

    #[test]
    fn dates_are_written_as_format_would_write_them() {
        // Years 1 to 9999 and beyond: 0001-01-01 is -62135596800.
        let mut seconds = -62_135_596_800i64 - 86_400 * 400;
        while seconds < 260_000_000_000 {
            let c = Civil::from_unix(seconds);
            let http = format!(
                "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                DAY_NAMES[c.weekday_from_thursday as usize],
                c.day,
                MONTH_NAMES[c.month as usize - 1],
                c.year,
                c.hour,
                c.minute,
                c.second
            );
            assert_eq!(format_http_date(seconds), http);
            let log = format!(
                "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
                c.day,
                MONTH_NAMES[c.month as usize - 1],
                c.year,
                c.hour,
                c.minute,
                c.second
            );
            assert_eq!(format_log_date(seconds), log);
            seconds += 7_777_777_777 / 1_000 + 13;
        }
    }

    #[test]
    fn format_and_parse_round_trip() {
        for seconds in (0..4_102_444_800i64).step_by(7_777_777) {
            assert_eq!(parse_http_date(&format_http_date(seconds)), Some(seconds));
        }
    }

    #[test]
    fn log_date_has_common_log_format() {
        assert_eq!(format_log_date(EXAMPLE), "06/Nov/1994:08:49:37 +0000");
    }
}
