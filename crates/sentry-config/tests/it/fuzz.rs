//! Property tests: the parsers and the whole resolution never panic on arbitrary input, and
//! plain INI values round-trip.

use std::path::Path;

use proptest::prelude::*;
use sentry_config::{
    normalize_url, parse_custom_headers, parse_dotenv, parse_org_token, parse_properties,
    parse_sentryclirc, resolve, FlagValues, Inputs,
};

/// Text biased towards the characters the parsers care about.
fn config_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("[".to_string()),
            Just("]".to_string()),
            Just("=".to_string()),
            Just(":".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\\".to_string()),
            Just("\"".to_string()),
            Just("'".to_string()),
            Just("#".to_string()),
            Just(";".to_string()),
            Just(" ".to_string()),
            Just("\u{feff}".to_string()),
            Just("defaults".to_string()),
            Just("org".to_string()),
            Just("export ".to_string()),
            Just("${X}".to_string()),
            "[a-z_.]{1,6}",
            any::<char>().prop_map(String::from),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn ini_never_panics(text in config_text()) {
        let _ = parse_sentryclirc(Path::new("/x/.sentryclirc"), &text);
    }

    #[test]
    fn properties_never_panic(text in config_text(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_properties(Path::new("/x/p"), text.as_bytes());
        let _ = parse_properties(Path::new("/x/p"), &bytes);
    }

    #[test]
    fn dotenv_never_panics(text in config_text()) {
        let _ = parse_dotenv(&text);
    }

    #[test]
    fn org_token_never_panics(rest in "[A-Za-z0-9+/=_-]{0,80}", any_text in any::<String>()) {
        let _ = parse_org_token(&format!("sntrys_{rest}"));
        let _ = parse_org_token(&any_text);
    }

    #[test]
    fn headers_and_urls_never_panic(text in config_text()) {
        let _ = parse_custom_headers(&text);
        let _ = normalize_url(&text);
    }

    #[test]
    fn ini_plain_values_round_trip(
        pairs in prop::collection::btree_map("[a-z][a-z_]{0,8}", "[A-Za-z0-9./:@\\\\ -]{0,20}", 0..6)
    ) {
        let mut text = String::from("[defaults]\n");
        for (k, v) in &pairs {
            text.push_str(&format!("{k} = {v}\n"));
        }
        let f = parse_sentryclirc(Path::new("/x/.sentryclirc"), &text).unwrap();
        for (i, (k, v)) in pairs.iter().enumerate() {
            // A value ending in a backslash continues onto the next line, which then belongs
            // to it; stop comparing there.
            let e = f.get("defaults", k).unwrap();
            if v.ends_with('\\') {
                break;
            }
            prop_assert_eq!(e.value.as_str(), v.trim());
            prop_assert_eq!(e.line, i + 2);
        }
    }
}

proptest! {
    // Each case writes files: fewer cases keep the suite fast.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn resolve_never_panics(
        rc in config_text(),
        dotenv in config_text(),
        url in config_text(),
        project in config_text(),
        header in config_text(),
        level in config_text(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(".sentryclirc"), &rc).unwrap();
        std::fs::write(tmp.path().join(".env"), &dotenv).unwrap();
        let inputs = Inputs {
            cwd: tmp.path().to_path_buf(),
            home: Some(tmp.path().to_path_buf()),
            env: [
                ("SENTRY_URL".to_string(), url.clone()),
                ("SENTRY_PROJECT".to_string(), project),
                ("SENTRY_CUSTOM_HEADERS".to_string(), header.clone()),
                ("SENTRY_LOG_LEVEL".to_string(), level),
                ("SENTRY_HTTP_MAX_RETRIES".to_string(), url),
            ]
            .into(),
            flags: FlagValues { headers: vec![header], ..FlagValues::default() },
            ..Inputs::default()
        };
        let _ = resolve(&inputs);
    }
}

/// Found by `properties_never_panic`: input ending inside a BOM or a UTF-16 unit made the
/// parser's decoder panic.
#[test]
fn properties_with_a_truncated_utf8_sequence_do_not_panic() {
    for bom_prefix in [
        &[0xEF][..],
        &[0xEF, 0xBB],
        &[0xFE],
        &[0xFF],
        &[0xFF, 0xFE, 0x00],
        &[0xFE, 0xFF, 0x00],
    ] {
        let file = parse_properties(Path::new("/x/p"), bom_prefix).unwrap();
        assert!(file.entries.is_empty());
    }
    // Java's encoding (Windows-1252 here) is kept for ordinary files.
    let latin1 = parse_properties(Path::new("/x/p"), b"defaults.org=caf\xe9\n").unwrap();
    assert_eq!(latin1.get("defaults", "org").unwrap().value, "caf\u{e9}");
}

#[test]
fn properties_honour_a_utf8_or_utf16_bom() {
    let utf8 =
        parse_properties(Path::new("/x/p"), b"\xef\xbb\xbfdefaults.org=caf\xc3\xa9\n").unwrap();
    assert_eq!(utf8.get("defaults", "org").unwrap().value, "caf\u{e9}");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("defaults.org=x\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let utf16 = parse_properties(Path::new("/x/p"), &utf16).unwrap();
    assert_eq!(utf16.get("defaults", "org").unwrap().value, "x");
}
