//! The parsers see raw user input and file contents: they must never panic.

use proptest::prelude::*;
use sentry_target::dsn::{env_file_entries, Dsn};
use sentry_target::{
    parse_cursor, parse_issue_ref, parse_limit, parse_period, parse_target, IssueRef,
};

fn now() -> jiff::Timestamp {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_strings(s in "\\PC{0,40}") {
        let _ = parse_issue_ref(&s);
        let _ = parse_target(&s);
        let _ = parse_period(&s, now());
        let _ = parse_cursor(&s);
        let _ = parse_limit(&s, 1000);
        let _ = Dsn::parse(&s);
        let _ = env_file_entries(&s);
    }

    #[test]
    fn structured_looking_strings(s in "[a-zA-Z0-9:/#@._%?\\-\\\\ \t\n]{0,30}") {
        let _ = parse_issue_ref(&s);
        let _ = parse_target(&s);
        let _ = parse_period(&s, now());
        let _ = Dsn::parse(&s);
    }

    #[test]
    fn urls(path in "[a-zA-Z0-9/_.?=&#%-]{0,40}", host in "[a-z0-9.-]{1,20}") {
        for scheme in ["http://", "https://"] {
            let s = format!("{scheme}{host}/{path}");
            let _ = parse_issue_ref(&s);
            let _ = parse_target(&s);
            let _ = Dsn::parse(&s);
        }
    }

    #[test]
    fn periods(a in "[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,2}", op in prop::sample::select(vec![">=", ">", "<=", "<", "", ".."])) {
        let _ = parse_period(&format!("{op}{a}"), now());
        let _ = parse_period(&format!("{a}..{a}"), now());
    }

    #[test]
    fn valid_dsns_round_trip(
        key in "[a-f0-9]{1,32}",
        host in "[a-z][a-z0-9]{0,10}(\\.[a-z][a-z0-9]{0,10}){0,3}",
        port in prop::option::of(1u16..),
        prefix in prop::collection::vec("[a-z0-9_~-]{1,8}", 0..3),
        project in 0u64..,
    ) {
        let port_s = port.map(|p| format!(":{p}")).unwrap_or_default();
        let prefix_s: String = prefix.iter().map(|p| format!("/{p}")).collect();
        let raw = format!("https://{key}@{host}{port_s}{prefix_s}/{project}");
        let dsn = Dsn::parse(&raw).unwrap();
        prop_assert_eq!(dsn.to_string(), raw);
        prop_assert_eq!(dsn.project_id, project);
        prop_assert_eq!(dsn.port, port);
    }

    #[test]
    fn numeric_ids_stay_numeric(id in 0u64.., org in "[a-z][a-z0-9-]{0,10}") {
        prop_assert_eq!(parse_issue_ref(&id.to_string()), Ok(IssueRef::Numeric { org: None, id }));
        prop_assert_eq!(
            parse_issue_ref(&format!("{org}/{id}")),
            Ok(IssueRef::Numeric { org: Some(org.clone()), id })
        );
    }
}
