//! Header field values with parameters, as in Content-Type and
//! Content-Disposition (RFC 9110 §5.6.6, RFC 2183):
//!
//! ```text
//! value      = head *( OWS ";" OWS parameter ) [ OWS ";" ] OWS
//! head       = token [ "/" token ]
//! parameter  = token "=" ( token / quoted-string )
//! ```
//!
//! Parameter names are compared without case and kept lowercase; a name
//! given twice is an error (two filenames must not mean different things
//! to different readers). Quoted strings have their backslash escapes
//! undone; control characters other than tab are refused. Non-ASCII text
//! inside quotes is kept (RFC 7578 §4.2 lets file names be UTF-8).

/// Why a value does not parse (the caller knows which field it was).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamError;

/// Whether `text` is a non-empty RFC 9110 token.
pub fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(is_token_byte)
}

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// The head (e.g. `multipart/form-data`) and the parameters of `value`.
pub fn parse(value: &str) -> Result<(String, Vec<(String, String)>), ParamError> {
    let head_end = value.find(';').unwrap_or(value.len());
    let head = value[..head_end].trim_matches([' ', '\t']);
    let head_valid = match head.split_once('/') {
        Some((kind, subtype)) => is_token(kind) && is_token(subtype),
        None => is_token(head),
    };
    if !head_valid {
        return Err(ParamError);
    }
    let mut parameters: Vec<(String, String)> = Vec::new();
    let mut rest = &value[head_end..];
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        let Some(after) = rest.strip_prefix(';') else {
            return if rest.is_empty() {
                Ok((head.to_owned(), parameters))
            } else {
                Err(ParamError)
            };
        };
        rest = after.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            return Ok((head.to_owned(), parameters));
        }
        let (name, parameter, after) = parse_parameter(rest)?;
        if find(&parameters, &name).is_some() {
            return Err(ParamError);
        }
        parameters.push((name, parameter));
        rest = after;
    }
}

/// `name=value` at the start of `text`: the lowercase name, the value,
/// and what follows.
fn parse_parameter(text: &str) -> Result<(String, String, &str), ParamError> {
    let name_end = text.bytes().position(|byte| !is_token_byte(byte));
    let name_end = name_end.unwrap_or(text.len());
    let name = &text[..name_end];
    let rest = text[name_end..].strip_prefix('=').ok_or(ParamError)?;
    if name.is_empty() {
        return Err(ParamError);
    }
    let (value, rest) = if let Some(quoted) = rest.strip_prefix('"') {
        parse_quoted(quoted)?
    } else {
        let end = rest.bytes().position(|byte| !is_token_byte(byte));
        let end = end.unwrap_or(rest.len());
        if end == 0 {
            return Err(ParamError);
        }
        (rest[..end].to_owned(), &rest[end..])
    };
    Ok((name.to_ascii_lowercase(), value, rest))
}

/// The rest of a quoted string after its opening quote: the unescaped
/// text and what follows the closing quote.
fn parse_quoted(text: &str) -> Result<(String, &str), ParamError> {
    let mut value = String::new();
    let mut characters = text.char_indices();
    while let Some((index, character)) = characters.next() {
        let character = match character {
            '"' => return Ok((value, &text[index + 1..])),
            '\\' => characters.next().ok_or(ParamError)?.1,
            other => other,
        };
        if (character.is_control() && character != '\t') || character == '\u{7f}' {
            return Err(ParamError);
        }
        value.push(character);
    }
    Err(ParamError)
}

/// The value of parameter `name` (lowercase).
pub fn find<'parameters>(
    parameters: &'parameters [(String, String)],
    name: &str,
) -> Option<&'parameters str> {
    parameters
        .iter()
        .find(|(candidate, _)| candidate == name)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn parses_tokens_quoted_strings_and_lowercases_names() {
        let (head, parameters) =
            parse("multipart/form-data; Boundary=abc;charset=\"utf-8\"").unwrap();
        assert_eq!(head, "multipart/form-data");
        assert_eq!(
            parameters,
            pairs(&[("boundary", "abc"), ("charset", "utf-8")])
        );
    }

    #[test]
    fn quoted_strings_undo_escapes_and_keep_semicolons_and_utf8() {
        let (_, parameters) = parse(r#"form-data; name="a;b"; filename="x\"y\\z é.txt""#).unwrap();
        assert_eq!(
            parameters,
            pairs(&[("name", "a;b"), ("filename", "x\"y\\z é.txt")])
        );
    }

    #[test]
    fn tolerates_whitespace_and_a_trailing_semicolon() {
        let (head, parameters) = parse(" form-data ;\tname=x ; ").unwrap();
        assert_eq!(head, "form-data");
        assert_eq!(parameters, pairs(&[("name", "x")]));
    }

    #[test]
    fn rejects_each_malformation() {
        for value in [
            "",
            "form data",
            "a/b/c",
            "form-data; name",
            "form-data; name=",
            "form-data; =x",
            "form-data; name=\"open",
            "form-data; name=\"a\\",
            "form-data; name=a b",
            "form-data; name=\"a\" junk",
            "form-data; name=a; NAME=b",
            "form-data; name=\"a\u{1}\"",
        ] {
            assert_eq!(parse(value), Err(ParamError), "{value:?}");
        }
    }
}
