//! The JSON value tree: objects keep member order, numbers keep their
//! exact text.

use std::fmt;

/// A JSON value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    /// Members in input order; the parser guarantees distinct names.
    Object(Vec<(String, Value)>),
}

/// A JSON number, stored as its text, which always matches RFC 8259's
/// `number` rule. Two numbers are equal when their texts are: `1.0` and
/// `1` are different values here, as they are different bytes in a blob.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number {
    text: String,
}

impl Number {
    /// The number written as `text`, if `text` is a JSON number.
    pub fn from_text(text: &str) -> Option<Number> {
        if number_length(text.as_bytes()) == Some(text.len()) {
            Some(Number {
                text: text.to_owned(),
            })
        } else {
            None
        }
    }

    /// The shortest text that reads back as `value`; `None` for NaN and
    /// the infinities, which JSON cannot express.
    pub fn from_f64(value: f64) -> Option<Number> {
        if !value.is_finite() {
            return None;
        }
        Number::from_text(&format!("{value}"))
    }

    /// The number's text, exactly as parsed or built.
    pub fn as_text(&self) -> &str {
        &self.text
    }

    /// Is the text an integer (no fraction, no exponent)?
    pub fn is_integer(&self) -> bool {
        !self
            .text
            .bytes()
            .any(|byte| matches!(byte, b'.' | b'e' | b'E'))
    }

    /// The value as an `i64`, when the text is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.text.parse().ok()
        } else {
            None
        }
    }

    /// The value as a `u64`, when the text is a non-negative integer that
    /// fits (`-0` counts as 0).
    pub fn as_u64(&self) -> Option<u64> {
        if !self.is_integer() {
            return None;
        }
        match self.text.strip_prefix('-') {
            Some("0") => Some(0),
            Some(_) => None,
            None => self.text.parse().ok(),
        }
    }

    /// The nearest `f64`; `None` when the magnitude overflows to infinity.
    pub fn as_f64(&self) -> Option<f64> {
        let value: f64 = self.text.parse().ok()?;
        value.is_finite().then_some(value)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

macro_rules! number_from_integer {
    ($($integer:ty),*) => {$(
        impl From<$integer> for Number {
            fn from(value: $integer) -> Number {
                Number { text: value.to_string() }
            }
        }
        impl From<$integer> for Value {
            fn from(value: $integer) -> Value {
                Value::Number(Number::from(value))
            }
        }
    )*};
}

number_from_integer!(
    i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, usize, isize
);

/// The length of the RFC 8259 `number` at the start of `bytes`, or `None`
/// when `bytes` does not start with one.
///
/// number = [ "-" ] int [ frac ] [ exp ]; int = "0" / digit1-9 *digit;
/// frac = "." 1*digit; exp = ("e" / "E") [ "-" / "+" ] 1*digit
pub(super) fn number_length(bytes: &[u8]) -> Option<usize> {
    let mut position = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(position) {
        Some(b'0') => position += 1,
        Some(b'1'..=b'9') => position += digits_length(&bytes[position..]),
        _ => return None,
    }
    if bytes.get(position) == Some(&b'.') {
        let fraction = digits_length(&bytes[position + 1..]);
        if fraction == 0 {
            return None;
        }
        position += 1 + fraction;
    }
    if matches!(bytes.get(position), Some(b'e' | b'E')) {
        position += 1;
        if matches!(bytes.get(position), Some(b'+' | b'-')) {
            position += 1;
        }
        let exponent = digits_length(&bytes[position..]);
        if exponent == 0 {
            return None;
        }
        position += exponent;
    }
    Some(position)
}

fn digits_length(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count()
}

impl Value {
    /// An object with `members` in the given order, e.g.
    /// `Value::object([("camliVersion", Value::from(1u32))])`. Names must
    /// be distinct: the writers refuse duplicates where they would matter.
    pub fn object<Name: Into<String>>(members: impl IntoIterator<Item = (Name, Value)>) -> Value {
        Value::Object(
            members
                .into_iter()
                .map(|(name, value)| (name.into(), value))
                .collect(),
        )
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(value) => Some(*value),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    /// See [`Number::as_i64`].
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// See [`Number::as_u64`].
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// See [`Number::as_f64`].
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(elements) => Some(elements),
            _ => None,
        }
    }

    /// The members in order, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The value of member `name`, if this is an object that has it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// Is this `null`?
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Bool(value)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::String(text)
    }
}

impl From<Number> for Value {
    fn from(number: Number) -> Value {
        Value::Number(number)
    }
}

impl From<Vec<Value>> for Value {
    fn from(elements: Vec<Value>) -> Value {
        Value::Array(elements)
    }
}

/// The compact form, as [`super::to_compact`] writes it.
impl fmt::Display for Value {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&super::to_compact(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_text_accepts_exactly_the_rfc_number_grammar() {
        for good in [
            "0", "-0", "1", "-12", "0.5", "1e5", "1E+5", "1e-05", "-0.0e0", "123.456",
        ] {
            assert!(Number::from_text(good).is_some(), "{good}");
        }
        for bad in [
            "", "-", "01", "+1", ".5", "1.", "1e", "1e+", "0x10", "1 ", " 1", "NaN", "--1",
        ] {
            assert!(Number::from_text(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn integer_accessors_refuse_fractions_and_overflow() {
        let number = |text| Number::from_text(text).unwrap();
        assert_eq!(number("-42").as_i64(), Some(-42));
        assert_eq!(number("-42").as_u64(), None);
        assert_eq!(number("-0").as_u64(), Some(0));
        assert_eq!(number("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(number("18446744073709551616").as_u64(), None);
        assert_eq!(number("9223372036854775808").as_i64(), None);
        assert_eq!(number("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(number("1.0").as_i64(), None);
        assert_eq!(number("1e2").as_u64(), None);
    }

    #[test]
    fn as_f64_refuses_overflow_to_infinity() {
        let number = |text| Number::from_text(text).unwrap();
        assert_eq!(number("1.5e3").as_f64(), Some(1500.0));
        assert_eq!(number("1e400").as_f64(), None);
        assert_eq!(number("-1e400").as_f64(), None);
        assert_eq!(number("1e-400").as_f64(), Some(0.0));
    }

    #[test]
    fn from_f64_refuses_nan_and_infinities_and_round_trips() {
        assert_eq!(Number::from_f64(f64::NAN), None);
        assert_eq!(Number::from_f64(f64::INFINITY), None);
        for value in [0.1, -2.5, 1e300, 5e-324, 123456789.0] {
            let number = Number::from_f64(value).unwrap();
            assert_eq!(number.as_f64(), Some(value));
        }
    }

    #[test]
    fn object_keeps_members_in_the_given_order() {
        let object = Value::object([("z", Value::Null), ("a", Value::from(true))]);
        let names: Vec<&str> = object
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["z", "a"]);
        assert_eq!(object.to_string(), r#"{"z":null,"a":true}"#);
    }

    #[test]
    fn get_finds_members_by_name() {
        let object = Value::Object(vec![
            ("a".to_owned(), Value::from(1u32)),
            ("b".to_owned(), Value::from("x")),
        ]);
        assert_eq!(object.get("b").and_then(Value::as_str), Some("x"));
        assert_eq!(object.get("a").and_then(Value::as_u64), Some(1));
        assert!(object.get("c").is_none());
        assert!(Value::Null.get("a").is_none());
    }
}
