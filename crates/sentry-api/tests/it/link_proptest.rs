//! `Link` parsing never panics and round-trips well-formed headers.

use proptest::prelude::*;
use sentry_api::parse_link_header;

proptest! {
    #[test]
    fn never_panics(s in ".*") {
        let _ = parse_link_header(&s);
    }

    #[test]
    fn never_panics_on_link_like_noise(s in r#"[<>;,="a-z: \t0-9]{0,200}"#) {
        let _ = parse_link_header(&s);
    }

    #[test]
    fn reports_exactly_what_results_true_allows(
        next in "[0-9]{1,10}:[0-9]{1,5}:[01]",
        prev in "[0-9]{1,10}:[0-9]{1,5}:[01]",
        next_results: bool,
        prev_results: bool,
    ) {
        let h = format!(
            "<https://sentry.io/api/0/x/?cursor={prev}>; rel=\"previous\"; results=\"{prev_results}\"; cursor=\"{prev}\", <https://sentry.io/api/0/x/?cursor={next}>; rel=\"next\"; results=\"{next_results}\"; cursor=\"{next}\""
        );
        let l = parse_link_header(&h);
        prop_assert_eq!(l.next, next_results.then(|| next.clone()));
        prop_assert_eq!(l.prev, prev_results.then(|| prev.clone()));
    }
}
