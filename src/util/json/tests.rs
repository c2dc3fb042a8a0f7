//! Conformance tests for the JSON parser and writers: RFC 8259's examples,
//! accept (y_) and reject (n_) cases in the style of JSONTestSuite, the
//! limits, exact numbers, round trips, and Perkeep's canonical layout.

use super::*;

fn kind_of(input: &[u8]) -> ParseErrorKind {
    match parse(input) {
        Ok(value) => panic!("{:?} parsed as {value:?}", String::from_utf8_lossy(input)),
        Err(error) => error.kind,
    }
}

fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn number(text: &str) -> Value {
    Value::Number(Number::from_text(text).unwrap())
}

fn object(members: &[(&str, Value)]) -> Value {
    Value::Object(
        members
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect(),
    )
}

const RFC8259_IMAGE: &str = r#"{
      "Image": {
          "Width":  800,
          "Height": 600,
          "Title":  "View from 15th Floor",
          "Thumbnail": {
              "Url":    "http://www.example.com/image/481989943",
              "Height": 125,
              "Width":  100
          },
          "Animated" : false,
          "IDs": [116, 943, 234, 38793]
        }
      }"#;

const RFC8259_ADDRESSES: &str = r#"[
        {
           "precision": "zip",
           "Latitude":  37.7668,
           "Longitude": -122.3959,
           "Address":   "",
           "City":      "SAN FRANCISCO",
           "State":     "CA",
           "Zip":       "94107",
           "Country":   "US"
        },
        {
           "precision": "zip",
           "Latitude":  37.371991,
           "Longitude": -122.026020,
           "Address":   "",
           "City":      "SUNNYVALE",
           "State":     "CA",
           "Zip":       "94085",
           "Country":   "US"
        }
      ]"#;

#[test]
fn rfc8259_image_example_parses_with_member_order_kept() {
    let value = parse(RFC8259_IMAGE.as_bytes()).unwrap();
    let image = value.get("Image").unwrap();
    let names: Vec<&str> = image
        .as_object()
        .unwrap()
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        names,
        ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"]
    );
    assert_eq!(image.get("Width").and_then(Value::as_u64), Some(800));
    assert_eq!(image.get("Animated").and_then(Value::as_bool), Some(false));
    let thumbnail = image.get("Thumbnail").unwrap();
    assert_eq!(
        thumbnail.get("Url").and_then(Value::as_str),
        Some("http://www.example.com/image/481989943")
    );
    let ids: Vec<u64> = image
        .get("IDs")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(ids, [116, 943, 234, 38793]);
}

#[test]
fn rfc8259_address_example_keeps_numbers_exact() {
    let value = parse(RFC8259_ADDRESSES.as_bytes()).unwrap();
    let places = value.as_array().unwrap();
    assert_eq!(places.len(), 2);
    let longitude = places[1]
        .get("Longitude")
        .and_then(Value::as_number)
        .unwrap();
    assert_eq!(longitude.as_text(), "-122.026020");
    assert_eq!(longitude.as_f64(), Some(-122.02602));
    assert_eq!(
        places[0].get("City").and_then(Value::as_str),
        Some("SAN FRANCISCO")
    );
}

#[test]
fn rfc8259_scalar_texts_are_json_texts() {
    assert_eq!(parse(b"\"Hello world!\""), Ok(string("Hello world!")));
    assert_eq!(parse(b"42"), Ok(number("42")));
    assert_eq!(parse(b"true"), Ok(Value::Bool(true)));
    assert_eq!(parse(b" null "), Ok(Value::Null));
}

/// Inputs every strict parser must accept.
const ACCEPTED: &[&[u8]] = &[
    b"[]",
    b"{}",
    b"[[] ]",
    b"[\"\"]",
    b"[null]",
    b"[true,false]",
    b"[1,2,3]",
    b"[-0]",
    b"[0e1]",
    b"[1E22]",
    b"[1e-2]",
    b"[1E+2]",
    b"[-1.5e-10]",
    b"[123456789012345678901234567890]",
    b"{\"a\":[]}",
    b"{\"a\":\"b\",\"c\":\"d\"}",
    b"{\"\":0}",
    b" \t\r\n[ 1 , 2 ] \n",
    b"[\"\\u0000\"]",
    b"[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
    b"[\"\\uD834\\uDD1E\"]",
    b"[\"\\u00e9\\u00E9\"]",
    b"[\"\xe2\x82\xac\xf0\x9d\x84\x9e\"]",
    b"[\"\x7f\"]",
    b"[\"\xef\xbf\xbf\"]",
    b"{\"a\":{\"a\":1}}",
];

#[test]
fn accepts_every_valid_case() {
    for input in ACCEPTED {
        let result = parse(input);
        assert!(
            result.is_ok(),
            "{:?}: {result:?}",
            String::from_utf8_lossy(input)
        );
    }
}

/// Inputs every strict parser must reject, with the rule they break.
const REJECTED: &[(&[u8], ParseErrorKind)] = {
    use ParseErrorKind::*;
    &[
        (b"", UnexpectedEnd),
        (b" ", UnexpectedEnd),
        (b"[", UnexpectedEnd),
        (b"[1", UnexpectedEnd),
        (b"{\"a\":", UnexpectedEnd),
        (b"{\"a\"", UnexpectedEnd),
        (b"\"abc", UnexpectedEnd),
        (b"tru", UnexpectedEnd),
        (b"[1,]", TrailingComma),
        (b"{\"a\":1,}", TrailingComma),
        (b"[,1]", UnexpectedByte),
        (b"[1,,2]", UnexpectedByte),
        (b"[1 2]", UnexpectedByte),
        (b"{\"a\" 1}", UnexpectedByte),
        (b"{a:1}", UnexpectedByte),
        (b"{'a':1}", UnexpectedByte),
        (b"{1:1}", UnexpectedByte),
        (b"['a']", UnexpectedByte),
        (b"[True]", UnexpectedByte),
        (b"[nul]", UnexpectedByte),
        (b"[NaN]", UnexpectedByte),
        (b"[Infinity]", UnexpectedByte),
        (b"[-Infinity]", InvalidNumber),
        (b"[01]", InvalidNumber),
        (b"[-01]", InvalidNumber),
        (b"[+1]", UnexpectedByte),
        (b"[.5]", UnexpectedByte),
        (b"[1.]", InvalidNumber),
        (b"[1.e5]", InvalidNumber),
        (b"[1e]", InvalidNumber),
        (b"[1e+]", InvalidNumber),
        (b"[-]", InvalidNumber),
        (b"[0x10]", UnexpectedByte),
        (b"[1.5.3]", UnexpectedByte),
        (b"[\"\\x41\"]", InvalidEscape),
        (b"[\"\\'\"]", InvalidEscape),
        (b"[\"\\u12\"]", InvalidEscape),
        (b"[\"\\u12g4\"]", InvalidEscape),
        (b"[\"\\uD800\"]", LoneSurrogate),
        (b"[\"\\uD800x\"]", LoneSurrogate),
        (b"[\"\\uD800\\u0041\"]", LoneSurrogate),
        (b"[\"\\uDC00\"]", LoneSurrogate),
        (b"[\"\\uDBFF\\uDBFF\"]", LoneSurrogate),
        (b"[\"a\tb\"]", ControlCharacterInString),
        (b"[\"a\nb\"]", ControlCharacterInString),
        (b"[\"\x00\"]", ControlCharacterInString),
        (b"[\"\xff\"]", InvalidUtf8),
        (b"[\"\xc3\"]", InvalidUtf8),
        (b"[\"\xc0\xaf\"]", InvalidUtf8),
        (b"[\"\xed\xa0\x80\"]", InvalidUtf8),
        (b"[\"\xf4\x90\x80\x80\"]", InvalidUtf8),
        (b"\xef\xbb\xbf{}", UnexpectedByte),
        (b"\xff", InvalidUtf8),
        (b"[1]]", TrailingCharacters),
        (b"{} {}", TrailingCharacters),
        (b"[1] x", TrailingCharacters),
        (b"1 2", TrailingCharacters),
        (b"[1]\x00", TrailingCharacters),
        (b"/* c */ []", UnexpectedByte),
        (b"[] // c", TrailingCharacters),
        (b"[\x0c]", UnexpectedByte),
        (b"{\"a\":1,\"a\":2}", DuplicateKey),
        (b"{\"a\":1,\"\\u0061\":2}", DuplicateKey),
    ]
};

#[test]
fn rejects_every_invalid_case_with_its_rule() {
    for (input, expected) in REJECTED {
        assert_eq!(
            kind_of(input),
            *expected,
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn errors_carry_the_byte_offset() {
    assert_eq!(parse(b"[1,]").unwrap_err().offset, 3);
    assert_eq!(parse(b"[\"ab\xff\"]").unwrap_err().offset, 4);
    assert_eq!(parse(b"[\"x\\uDC00\"]").unwrap_err().offset, 3);
    assert_eq!(parse(b"{\"a\":1, \"a\":2}").unwrap_err().offset, 8);
    assert_eq!(parse(b"[1] x").unwrap_err().offset, 4);
}

#[test]
fn strings_decode_escapes_and_surrogate_pairs() {
    let value = parse(br#"["\u00e9\uD834\uDD1E\n\/\"\\\u0000"]"#).unwrap();
    assert_eq!(value, Value::Array(vec![string("é𝄞\n/\"\\\u{0}")]));
}

fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut text = vec![b'['; depth];
    text.extend(std::iter::repeat_n(b']', depth));
    text
}

#[test]
fn nesting_at_the_depth_limit_parses_and_one_deeper_fails() {
    assert!(parse(&nested_arrays(DEPTH_MAX)).is_ok());
    let error = parse(&nested_arrays(DEPTH_MAX + 1)).unwrap_err();
    assert_eq!(error.kind, ParseErrorKind::TooDeep);
    assert_eq!(error.offset, DEPTH_MAX);
    let mut objects = "{\"a\":".repeat(DEPTH_MAX + 1);
    objects.push('1');
    objects.push_str(&"}".repeat(DEPTH_MAX + 1));
    assert_eq!(kind_of(objects.as_bytes()), ParseErrorKind::TooDeep);
}

#[test]
fn very_deep_input_fails_cleanly_without_overflowing_the_stack() {
    assert_eq!(kind_of(&nested_arrays(1_000_000)), ParseErrorKind::TooDeep);
}

#[test]
fn custom_limits_bound_depth_and_size() {
    let limits = Limits {
        depth_max: 1,
        input_bytes_max: 8,
    };
    assert!(parse_with_limits(b"[1]", limits).is_ok());
    assert_eq!(
        parse_with_limits(b"[[1]]", limits).unwrap_err().kind,
        ParseErrorKind::TooDeep
    );
    assert_eq!(
        parse_with_limits(b"\"123456789\"", limits)
            .unwrap_err()
            .kind,
        ParseErrorKind::TooLarge
    );
    assert_eq!(
        parse_with_limits(b"12345678", limits),
        Ok(number("12345678"))
    );
}

#[test]
fn huge_numbers_are_kept_exact_through_a_round_trip() {
    let text = "[123456789012345678901234567890123456789,-0.000000000000000000001,1E+400]";
    let value = parse(text.as_bytes()).unwrap();
    assert_eq!(to_compact(&value), text);
    let first = &value.as_array().unwrap()[0];
    assert_eq!(first.as_u64(), None);
    assert!(first.as_f64().is_some());
    assert_eq!(value.as_array().unwrap()[2].as_f64(), None);
}

#[test]
fn compact_writer_escapes_quotes_backslashes_and_control_characters() {
    let value = Value::Array(vec![string("a\"b\\c\n\u{1f}\u{7f}é<&>\u{2028}")]);
    assert_eq!(
        to_compact(&value),
        "[\"a\\\"b\\\\c\\u000a\\u001f\u{7f}é<&>\u{2028}\"]"
    );
    assert_eq!(value.to_string(), to_compact(&value));
}

#[test]
fn parse_write_parse_round_trips() {
    let inputs: Vec<&[u8]> = ACCEPTED
        .iter()
        .copied()
        .chain([RFC8259_IMAGE.as_bytes(), RFC8259_ADDRESSES.as_bytes()])
        .collect();
    for input in inputs {
        let value = parse(input).unwrap();
        let written = to_compact(&value);
        assert_eq!(parse(written.as_bytes()), Ok(value.clone()), "{written}");
        assert_eq!(to_compact(&parse(written.as_bytes()).unwrap()), written);
    }
}

#[test]
fn every_code_point_class_round_trips_through_the_writer() {
    let text: String = [
        '\u{0}',
        '\u{1}',
        '\t',
        ' ',
        '~',
        '\u{7f}',
        '\u{80}',
        '\u{ffff}',
        '\u{10ffff}',
    ]
    .iter()
    .collect();
    let value = string(&text);
    assert_eq!(parse(to_compact(&value).as_bytes()), Ok(value.clone()));
    let canonical = to_canonical_schema(&object(&[
        ("camliVersion", number("1")),
        ("t", value.clone()),
    ]))
    .unwrap();
    assert_eq!(parse(canonical.as_bytes()).unwrap().get("t"), Some(&value));
}

#[test]
fn canonical_permanode_matches_perkeeps_layout() {
    let permanode = object(&[
        ("camliVersion", number("1")),
        ("camliType", string("permanode")),
        ("random", string("x3QhLWRXJ+rQXp4c1XV3o6uUm3k=")),
        ("camliSigner", string("sha224-8a3b")),
    ]);
    assert_eq!(
        to_canonical_schema(&permanode).unwrap(),
        "{\"camliVersion\": 1,\n  \"camliSigner\": \"sha224-8a3b\",\n  \
         \"camliType\": \"permanode\",\n  \"random\": \"x3QhLWRXJ+rQXp4c1XV3o6uUm3k=\"\n}"
    );
}

#[test]
fn canonical_claim_sorts_members_after_camli_version() {
    let claim = object(&[
        ("camliVersion", number("1")),
        ("camliType", string("claim")),
        ("permaNode", string("sha224-aaaa")),
        ("claimDate", string("2026-11-21T23:40:02.123456789Z")),
        ("claimType", string("set-attribute")),
        ("attribute", string("camliContent")),
        ("value", string("sha224-bbbb")),
        ("camliSigner", string("sha224-cccc")),
    ]);
    assert_eq!(
        to_canonical_schema(&claim).unwrap(),
        "{\"camliVersion\": 1,\n  \"attribute\": \"camliContent\",\n  \
         \"camliSigner\": \"sha224-cccc\",\n  \"camliType\": \"claim\",\n  \
         \"claimDate\": \"2026-11-21T23:40:02.123456789Z\",\n  \
         \"claimType\": \"set-attribute\",\n  \"permaNode\": \"sha224-aaaa\",\n  \
         \"value\": \"sha224-bbbb\"\n}"
    );
}

#[test]
fn canonical_multi_claim_indents_nested_objects_and_sorts_them() {
    let claim = object(&[
        ("camliVersion", number("1")),
        ("camliType", string("claim")),
        ("claimDate", string("1970-01-01T00:02:03.000000456Z")),
        ("claimType", string("multi")),
        (
            "claims",
            Value::Array(vec![
                object(&[
                    ("permaNode", string("xxx-1234")),
                    ("claimType", string("set-attribute")),
                    ("value", string("bar")),
                    ("attribute", string("foo")),
                ]),
                object(&[
                    ("claimType", string("del-attribute")),
                    ("permaNode", string("xxx-1234")),
                    ("attribute", string("foo")),
                ]),
            ]),
        ),
    ]);
    let expected = "{\"camliVersion\": 1,\n  \"camliType\": \"claim\",\n  \
        \"claimDate\": \"1970-01-01T00:02:03.000000456Z\",\n  \"claimType\": \"multi\",\n  \
        \"claims\": [\n    {\n      \"attribute\": \"foo\",\n      \
        \"claimType\": \"set-attribute\",\n      \"permaNode\": \"xxx-1234\",\n      \
        \"value\": \"bar\"\n    },\n    {\n      \"attribute\": \"foo\",\n      \
        \"claimType\": \"del-attribute\",\n      \"permaNode\": \"xxx-1234\"\n    }\n  ]\n}";
    assert_eq!(to_canonical_schema(&claim).unwrap(), expected);
}

#[test]
fn canonical_file_keeps_empty_containers_compact() {
    let file = object(&[
        ("camliVersion", number("1")),
        ("camliType", string("file")),
        ("fileName", string("a.txt")),
        (
            "parts",
            Value::Array(vec![object(&[
                ("size", number("5")),
                ("blobRef", string("sha224-dd")),
            ])]),
        ),
        ("tags", Value::Array(vec![])),
        ("meta", Value::Object(vec![])),
    ]);
    assert_eq!(
        to_canonical_schema(&file).unwrap(),
        "{\"camliVersion\": 1,\n  \"camliType\": \"file\",\n  \"fileName\": \"a.txt\",\n  \
         \"meta\": {},\n  \"parts\": [\n    {\n      \"blobRef\": \"sha224-dd\",\n      \
         \"size\": 5\n    }\n  ],\n  \"tags\": []\n}"
    );
}

#[test]
fn canonical_strings_are_escaped_as_go_does() {
    let blob = object(&[
        ("camliVersion", number("1")),
        (
            "fileName",
            string("<a&b>\"\\\u{8}\u{c}\n\r\t\u{1}\u{2028}\u{2029}é"),
        ),
    ]);
    assert_eq!(
        to_canonical_schema(&blob).unwrap(),
        "{\"camliVersion\": 1,\n  \"fileName\": \
         \"\\u003ca\\u0026b\\u003e\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u2028\\u2029é\"\n}"
    );
}

#[test]
fn strings_copy_plain_runs_whole_around_each_escape() {
    // U+20AC and U+2027 share U+2028's lead byte and are not escaped.
    let text = "plain €\u{2027}\u{2028}x\"\"y\u{1}z";
    let blob = object(&[("camliVersion", number("1")), ("s", string(text))]);
    assert_eq!(
        to_canonical_schema(&blob).unwrap(),
        "{\"camliVersion\": 1,\n  \"s\": \"plain €\u{2027}\\u2028x\\\"\\\"y\\u0001z\"\n}"
    );
    let compact = to_compact(&Value::Array(vec![string(text)]));
    assert_eq!(compact, "[\"plain €\u{2027}\u{2028}x\\\"\\\"y\\u0001z\"]");
    assert_eq!(to_compact(&string("")), "\"\"");
}

#[test]
fn canonical_form_is_independent_of_member_order_and_parses_back() {
    let a = parse(br#"{"camliVersion":1,"b":[1,{"y":2,"x":3}],"a":"s"}"#).unwrap();
    let b = parse(br#"{"a":"s","b":[1,{"x":3,"y":2}],"camliVersion":1}"#).unwrap();
    let canonical = to_canonical_schema(&a).unwrap();
    assert_eq!(canonical, to_canonical_schema(&b).unwrap());
    assert!(canonical.starts_with("{\"camliVersion\": 1,\n"));
    let reparsed = parse(canonical.as_bytes()).unwrap();
    assert_eq!(to_canonical_schema(&reparsed).unwrap(), canonical);
}

#[test]
fn canonical_form_refuses_what_perkeep_cannot_write() {
    assert_eq!(
        to_canonical_schema(&Value::Null),
        Err(CanonicalError::NotAnObject)
    );
    assert_eq!(
        to_canonical_schema(&object(&[("camliType", string("x"))])),
        Err(CanonicalError::MissingCamliVersion)
    );
    assert_eq!(
        to_canonical_schema(&object(&[("camliVersion", number("1"))])),
        Err(CanonicalError::NoMembersBesideCamliVersion)
    );
    let duplicated = object(&[
        ("camliVersion", number("1")),
        ("nested", object(&[("k", Value::Null), ("k", Value::Null)])),
    ]);
    assert_eq!(
        to_canonical_schema(&duplicated),
        Err(CanonicalError::DuplicateKey {
            name: "k".to_owned()
        })
    );
}

#[test]
fn large_objects_still_detect_duplicate_keys() {
    let mut text = String::from("{");
    for index in 0..100 {
        text.push_str(&format!("\"k{index}\":{index},"));
    }
    text.push_str("\"k57\":0}");
    assert_eq!(kind_of(text.as_bytes()), ParseErrorKind::DuplicateKey);
    let distinct = text.replace("\"k57\":0}", "\"k100\":0}");
    assert_eq!(
        parse(distinct.as_bytes())
            .unwrap()
            .as_object()
            .unwrap()
            .len(),
        101
    );
}

/// xorshift64: a tiny deterministic generator; failures print the seed.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn mutated_inputs_never_panic_and_accepted_ones_round_trip() {
    let seeds: Vec<&[u8]> = vec![
        RFC8259_IMAGE.as_bytes(),
        RFC8259_ADDRESSES.as_bytes(),
        br#"{"a":["\u00e9\uD834\uDD1E",1.5e-3,-0,true,null,{}]}"#,
    ];
    let alphabet =
        b"{}[]\",:\\/ u0123456789abcdefABCDEFeE+-.tfnrl\x00\x1f\x7f\x80\xbf\xc3\xed\xf0\xff";
    let mut state = 0x1234_5678_9abc_def1u64;
    for round in 0..3000 {
        let seed = seeds[round % seeds.len()];
        let mut input = seed.to_vec();
        for _ in 0..1 + next_random(&mut state) % 4 {
            let position = (next_random(&mut state) as usize) % (input.len() + 1);
            let byte = alphabet[(next_random(&mut state) as usize) % alphabet.len()];
            match next_random(&mut state) % 3 {
                0 if position < input.len() => input[position] = byte,
                1 => input.insert(position, byte),
                _ => input.truncate(position),
            }
        }
        if let Ok(value) = parse(&input) {
            let written = to_compact(&value);
            assert_eq!(parse(written.as_bytes()), Ok(value), "round {round}");
        } else {
            let error = parse(&input).unwrap_err();
            assert!(error.offset <= input.len(), "round {round}: {error:?}");
        }
    }
}
