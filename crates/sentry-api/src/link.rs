//! `Link` header parsing (Sentry's cursor pagination).

/// Cursors found in a `Link` header.
///
/// Sentry always sends both `previous` and `next` entries and says with `results="true|false"`
/// whether following them yields anything; a cursor is only reported when it does, so callers
/// can stop paging on `next == None` without a wasted request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// Cursor of the next page, present only when the server says it has results.
    pub next: Option<String>,
    /// Cursor of the previous page, present only when the server says it has results.
    pub prev: Option<String>,
}

/// Parses a Sentry `Link` header.
///
/// Lenient by design: malformed entries are skipped instead of failing the whole request,
/// because a broken pagination hint must never turn a successful response into an error.
pub fn parse_link_header(value: &str) -> Links {
    let mut links = Links::default();
    for entry in split_entries(value) {
        let mut rel = None;
        let mut results = None;
        let mut cursor = None;
        // The first segment is `<url>`; parameters follow, separated by `;`.
        for param in entry.split(';').skip(1) {
            let Some((key, raw)) = param.split_once('=') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let val = unquote(raw.trim());
            match key.as_str() {
                "rel" => rel = Some(val.to_ascii_lowercase()),
                "results" => results = Some(val.eq_ignore_ascii_case("true")),
                "cursor" => cursor = Some(val.to_string()),
                _ => {}
            }
        }
        if results != Some(true) {
            continue;
        }
        let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
            continue;
        };
        match rel.as_deref() {
            Some("next") => links.next = Some(cursor),
            Some("previous") | Some("prev") => links.prev = Some(cursor),
            _ => {}
        }
    }
    links
}

/// Splits on commas that are outside `<…>` and quotes (URLs may contain commas).
fn split_entries(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_angle = false;
    let mut in_quote = false;
    let mut start = 0;
    for (i, c) in value.char_indices() {
        match c {
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            '"' if !in_angle => in_quote = !in_quote,
            ',' if !in_angle && !in_quote => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENTRY: &str = "<https://sentry.io/api/0/organizations/?&cursor=0:0:1>; rel=\"previous\"; results=\"false\"; cursor=\"0:0:1\", <https://sentry.io/api/0/organizations/?&cursor=0:100:0>; rel=\"next\"; results=\"true\"; cursor=\"0:100:0\"";

    #[test]
    fn next_only_when_results_true() {
        let l = parse_link_header(SENTRY);
        assert_eq!(l.next.as_deref(), Some("0:100:0"));
        assert_eq!(l.prev, None);
    }

    #[test]
    fn both_directions() {
        let h = "<u>; rel=\"previous\"; results=\"true\"; cursor=\"1735689600:0:1\", <u>; rel=\"next\"; results=\"true\"; cursor=\"1735689600:0:0\"";
        let l = parse_link_header(h);
        assert_eq!(l.prev.as_deref(), Some("1735689600:0:1"));
        assert_eq!(l.next.as_deref(), Some("1735689600:0:0"));
    }

    #[test]
    fn no_results_means_no_cursor() {
        let h = "<u>; rel=\"next\"; results=\"false\"; cursor=\"0:200:0\"";
        assert_eq!(parse_link_header(h), Links::default());
    }

    #[test]
    fn missing_results_param_is_not_trusted() {
        let h = "<u>; rel=\"next\"; cursor=\"0:200:0\"";
        assert_eq!(parse_link_header(h).next, None);
    }

    #[test]
    fn comma_inside_url_does_not_split() {
        let h = "<https://x/?a=1,2>; rel=\"next\"; results=\"true\"; cursor=\"c,1\"";
        assert_eq!(parse_link_header(h).next.as_deref(), Some("c,1"));
    }

    #[test]
    fn unquoted_and_odd_spacing() {
        let h = "<u>;rel=next ;  results=true;cursor=abc";
        assert_eq!(parse_link_header(h).next.as_deref(), Some("abc"));
    }

    #[test]
    fn garbage_is_empty() {
        assert_eq!(parse_link_header(""), Links::default());
        assert_eq!(parse_link_header(",,;;=\"<"), Links::default());
        assert_eq!(
            parse_link_header("<u>; rel=\"next\"; results=\"true\"; cursor=\"\""),
            Links::default()
        );
    }
}
