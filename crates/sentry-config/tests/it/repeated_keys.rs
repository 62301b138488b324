//! Config files with many repeated or unknown keys: each value keeps its own line number
//! however sections interleave, the work stays linear, and the warnings are summarised per kind
//! instead of one line per repetition.

use std::path::Path;

use sentry_config::{parse_dotenv, parse_properties, parse_sentryclirc};

#[test]
fn interleaved_sections_keep_each_values_line() {
    let text = "[defaults]\norg = a\n[auth]\ntoken = t\n[defaults]\nproject = p\norg = b\n";
    let f = parse_sentryclirc(Path::new("/p/rc"), text).unwrap();
    let rows: Vec<(&str, &str, &str, usize)> = f
        .entries
        .iter()
        .map(|e| (e.section.as_str(), e.key.as_str(), e.value.as_str(), e.line))
        .collect();
    assert_eq!(
        rows,
        [
            ("defaults", "org", "a", 2),
            ("auth", "token", "t", 4),
            ("defaults", "project", "p", 6),
        ]
    );
    assert_eq!(
        f.warnings,
        ["/p/rc:7: duplicate key 'org' in [defaults]; the value from line 2 is used"]
    );
}

#[test]
fn many_repeated_keys_are_summarised_per_kind() {
    let mut text = String::from("[defaults]\n");
    text.push_str(&"org = a\n".repeat(100_001));
    for i in 0..20_000 {
        text.push_str(&format!("unknown{i} = x\n"));
    }
    text.push_str("[nope]\nk = 1\n[nope2]\nk = 1\n");
    let f = parse_sentryclirc(Path::new("/p/rc"), &text).unwrap();
    assert_eq!(f.entries.len(), 1 + 20_000 + 2);
    assert_eq!(f.warnings.len(), 5 + 1 + 2 + 5 + 1, "{:#?}", f.warnings);
    assert_eq!(
        f.warnings[0],
        "/p/rc:3: duplicate key 'org' in [defaults]; the value from line 2 is used"
    );
    assert_eq!(
        f.warnings[4],
        "/p/rc:7: duplicate key 'org' in [defaults]; the value from line 2 is used"
    );
    assert!(f
        .warnings
        .contains(&"… and 99995 more duplicate keys in /p/rc".to_string()));
    assert!(f
        .warnings
        .contains(&"… and 19995 more unknown keys in /p/rc".to_string()));
    assert!(
        f.warnings
            .iter()
            .any(|w| w.starts_with("/p/rc:100003: unknown key 'unknown0' in [defaults]")),
        "{:#?}",
        f.warnings
    );
}

#[test]
fn properties_overrides_are_linear_and_summarised() {
    let mut text = String::new();
    for i in 0..30_000 {
        text.push_str(&format!("defaults.k{i}=1\n"));
    }
    for i in 0..30_000 {
        text.push_str(&format!("defaults.k{i}=2\n"));
    }
    let f = parse_properties(Path::new("/p/sentry.properties"), text.as_bytes()).unwrap();
    assert_eq!(f.entries.len(), 30_000);
    assert!(f.entries.iter().all(|e| e.value == "2"));
    assert_eq!(f.entries[0].line, 30_001);
    assert_eq!(
        f.warnings[0],
        "/p/sentry.properties:30001: duplicate key 'defaults.k0' overrides line 1"
    );
    assert!(f
        .warnings
        .contains(&"… and 29995 more duplicate keys in /p/sentry.properties".to_string()));
    assert!(f
        .warnings
        .contains(&"… and 29995 more unknown keys in /p/sentry.properties".to_string()));
    assert_eq!(f.warnings.len(), 12);
}

#[test]
fn long_names_are_cut_in_warnings_and_entries() {
    let section = "s".repeat(1_000_000);
    let mut text = format!("[{section}]\n");
    for i in 0..2_000 {
        text.push_str(&format!("k{i} = v\n"));
    }
    let key = "k".repeat(1_000_000);
    text.push_str(&format!("[defaults]\n{key} = 1\n"));
    let f = parse_sentryclirc(Path::new("/p/rc"), &text).unwrap();
    assert_eq!(f.entries.len(), 2_001);
    assert_eq!(
        f.entries[0].section,
        format!("{}…", "s".repeat(64)),
        "stored cut"
    );
    assert!(
        f.warnings.iter().all(|w| w.len() < 1_000),
        "{:?}",
        f.warnings
    );
    assert!(
        f.warnings[0].contains(&format!("unknown section [{}…]", "s".repeat(64))),
        "{:?}",
        f.warnings
    );
    assert!(
        f.warnings[1].contains(&format!("unknown key '{}…' in [defaults]", "k".repeat(100))),
        "{:?}",
        f.warnings
    );
}

#[test]
fn dotenv_lines_match_repeated_and_unmatched_keys() {
    let mut text = String::new();
    for _ in 0..20_000 {
        text.push_str("A=1\n");
    }
    text.push_str("B=\"multi\nline\"\nA=2\n");
    let vars = parse_dotenv(&text).unwrap();
    assert_eq!(vars.len(), 20_002);
    assert_eq!(vars[19_999].line, 20_000);
    assert_eq!(
        (vars[20_000].key.as_str(), vars[20_000].line),
        ("B", 20_001)
    );
    assert_eq!(
        (vars[20_001].key.as_str(), vars[20_001].line),
        ("A", 20_003)
    );
}
