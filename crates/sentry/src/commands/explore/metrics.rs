//! `explore --dataset metrics`: trace metrics, which the Events API serves as
//! `dataset=tracemetrics`.
//!
//! A metric aggregate names its metric inside the call: `sum(value,<name>,<type>,<unit>)`.
//! With `-m/--metric NAME` the CLI builds it: it lists the metrics the scope saw in the period
//! (`GET …/events/?dataset=tracemetrics&field=metric.name&field=metric.type&field=metric.unit`,
//! every page), takes the first entry of that name for its type and unit (`distribution` and
//! `none` when the server leaves them out) and applies `--agg` (default `sum`). Without `-m`
//! the user writes the aggregates with `-F` and each must have that shape; plain `-F` columns
//! (attributes such as `gen_ai.request.model`) group the rows either way.
//!
//! [`resolve_aggregate`] returns the field so a time series can ask for the same aggregate.

use serde_json::Value;

use sentry_api::OrgApi;

use crate::context::api_error;
use crate::error::{exit, CliError, CliResult};

/// The API name of the metrics dataset.
pub(super) const DATASET: &str = "tracemetrics";

/// The aggregations `--agg` accepts, in the order errors list them.
pub(super) const AGGREGATIONS: [&str; 11] = [
    "sum",
    "avg",
    "count",
    "min",
    "max",
    "p50",
    "p75",
    "p90",
    "p95",
    "p99",
    "count_unique",
];

/// A function call as Sentry's field grammar reads it: `name(args)` with a word-character
/// name, no line break inside, the arguments split on top-level commas (commas inside quotes,
/// backticks or `tags[…]` stay).
struct Call<'a> {
    name: &'a str,
    args: Vec<&'a str>,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn call(field: &str) -> Option<Call<'_>> {
    let open = field.find('(')?;
    if open == 0 || !field.ends_with(')') || !field[..open].chars().all(is_word) {
        return None;
    }
    let inner = &field[open + 1..field.len() - 1];
    if inner.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return None;
    }
    Some(Call {
        name: &field[..open],
        args: split_args(inner),
    })
}

/// Top-level comma split of an argument list, each piece trimmed.
fn split_args(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut quoted, mut tags, mut backtick, mut escaped) = (false, false, false, false);
    let mut start = 0;
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    for (n, &(i, c)) in chars.iter().enumerate() {
        let at_start = s[start..i].trim().is_empty();
        if escaped {
            escaped = false;
        } else if quoted {
            match c {
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
        } else if backtick {
            backtick = c != '`';
        } else if tags {
            tags = c != ']';
        } else if c == '"' && at_start {
            quoted = true;
        } else if c == '`' && at_start {
            backtick = true;
        } else if c == '[' && n >= 4 && s[..i].ends_with("tags") {
            tags = true;
        } else if c == ',' {
            out.push(s[start..i].trim());
            start = i + 1;
        }
    }
    if start < s.len() {
        out.push(s[start..].trim());
    }
    out
}

/// An equation (`equation|…`) that calls a function counts as an aggregate too.
fn is_equation(field: &str) -> bool {
    field.starts_with("equation|")
}

/// Does `field` aggregate (a function call such as `count()`, `p50(span.duration)` or
/// `count_if(…)`, or an equation over one)?
pub(super) fn is_aggregate(field: &str) -> bool {
    call(field).is_some() || (is_equation(field) && equation_calls(field))
}

/// Does the equation text contain `word(…)`?
fn equation_calls(field: &str) -> bool {
    let b: Vec<char> = field.chars().collect();
    let mut closed = false;
    for i in (1..b.len()).rev() {
        match b[i] {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => closed = false,
            ')' => closed = true,
            '(' if closed && is_word(b[i - 1]) => return true,
            _ => {}
        }
    }
    false
}

/// `agg(value,<name>,<type>,<unit>)`, or a conditional `agg_if(`filter`,value,…)`.
fn is_metric_aggregate(field: &str) -> bool {
    let Some(c) = call(field) else {
        return false;
    };
    let first = c.args.first().copied().unwrap_or("");
    let filtered = c.name.ends_with("_if")
        && first.len() >= 2
        && first.starts_with('`')
        && first.ends_with('`');
    let skip = usize::from(filtered);
    c.args.len() == 4 + skip && c.args[skip] == "value"
}

/// `-F` on the metrics dataset without `--metric`: at least one field, and every aggregate
/// in the metric form.
pub(super) fn check_fields(fields: &[String]) -> CliResult<()> {
    if fields.is_empty() {
        return Err(CliError::validation(
            "The metrics dataset requires --metric or explicit --field flags.\n\n\
             Auto mode (recommended):\n  \
             sentry explore my-org/ -m llm.token_usage --dataset metrics\n  \
             sentry explore my-org/ -m llm.token_usage --agg avg --dataset metrics\n\n\
             Manual mode (tracemetrics format):\n  \
             sentry explore my-org/ -F \"sum(value,llm.token_usage,distribution,none)\" --dataset metrics",
        ));
    }
    let bad: Vec<&str> = fields
        .iter()
        .map(String::as_str)
        .filter(|f| is_aggregate(f) && !is_equation(f) && !is_metric_aggregate(f))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(CliError::validation(format!(
        "Invalid metrics aggregate{}: {}\n\n\
         The metrics dataset requires the format: aggregation(value,metric_name,metric_type,unit)\n\n\
         Examples:\n  \
         sentry explore my-org/ -F \"sum(value,llm.token_usage,distribution,none)\" --dataset metrics\n  \
         sentry explore my-org/ -F gen_ai.request.model -F \"avg(value,cache.hit_rate,distribution,none)\" --dataset metrics\n\n\
         Parameters:\n  \
         - value: literal string \"value\"\n  \
         - metric_name: the metric name emitted by the SDK (e.g., llm.token_usage)\n  \
         - metric_type: distribution, gauge, counter, or set\n  \
         - unit: none, byte, second, millisecond, etc.",
        if bad.len() > 1 { "s" } else { "" },
        bad.join(", ")
    )))
}

/// `--agg` must be one of [`AGGREGATIONS`]. Upstream reports this as a resolution failure
/// (exit 23), so this does too; it is checked before any request.
pub(super) fn check_agg(metric: &str, agg: &str) -> CliResult<()> {
    if AGGREGATIONS.contains(&agg) {
        return Ok(());
    }
    Err(CliError::new(
        exit::NOT_FOUND,
        format!(
            "Aggregation '{agg}' not recognized. Valid aggregations: {}.",
            AGGREGATIONS.join(", ")
        ),
    )
    .with_hint(format!(
        "Try:\n  sentry explore my-org/ -m {metric} --agg sum --dataset metrics"
    )))
}

/// A metric as discovery lists it.
#[derive(Debug, Clone, PartialEq)]
struct Metric {
    name: String,
    kind: String,
    unit: String,
}

/// A discovery row's text column, `default` when absent or null; other values as JSON text.
fn text(row: &Value, key: &str, default: &str) -> String {
    match row.get(key) {
        None | Some(Value::Null) => default.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Every metric entry the scope reported in the period: `per_page=100` pages until the
/// last (or the page cap).
fn discover(
    org: &OrgApi<'_>,
    project_id: Option<&str>,
    period: &[(&'static str, String)],
    max_pages: usize,
) -> CliResult<Vec<Metric>> {
    let mut req = org.events().query("dataset", DATASET);
    for f in ["metric.name", "metric.type", "metric.unit"] {
        req = req.query("field", f);
    }
    if let Some(id) = project_id {
        req = req.query("project", id);
    }
    for (k, v) in period {
        req = req.query(*k, v.as_str());
    }
    let mut pages = req.pages(sentry_api::Paging {
        limit: usize::MAX,
        max_pages,
        size_param: Some("per_page"),
        shrink: false,
        cursor: None,
        accept_errors: false,
    });
    let mut out = Vec::new();
    while let Some(resp) = pages.next_response() {
        let body: Value = resp.map_err(api_error)?.json().map_err(api_error)?;
        for row in body
            .get("data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.push(Metric {
                name: text(row, "metric.name", ""),
                kind: text(row, "metric.type", "distribution"),
                unit: text(row, "metric.unit", "none"),
            });
        }
    }
    Ok(out)
}

/// `--metric NAME --agg AGG` → `AGG(value,NAME,<type>,<unit>)`, the type and unit taken from
/// the first discovered entry of that name. An unknown name fails with exit 23 and the
/// closest names seen (or the advice to widen the period).
pub(super) fn resolve_aggregate(
    org: &OrgApi<'_>,
    metric: &str,
    agg: &str,
    project_id: Option<&str>,
    period: &[(&'static str, String)],
    max_pages: usize,
) -> CliResult<String> {
    check_agg(metric, agg)?;
    let known = discover(org, project_id, period, max_pages)?;
    match known.iter().find(|m| m.name == metric) {
        Some(m) => Ok(format!("{agg}(value,{},{},{})", m.name, m.kind, m.unit)),
        None => {
            let mut names: Vec<&str> = Vec::new();
            for m in &known {
                if !m.name.is_empty() && !names.contains(&m.name.as_str()) {
                    names.push(&m.name);
                }
            }
            let similar = similar(metric, &names, 5);
            let or = if similar.is_empty() {
                "Use a wider --period to search for older metrics".to_string()
            } else {
                format!("Similar metrics: {}", similar.join(", "))
            };
            Err(CliError::new(
                exit::NOT_FOUND,
                format!("Metric '{metric}' not found in this project."),
            )
            .with_hint(format!(
                "Try:\n  sentry explore my-org/ -m {metric} --dataset metrics --period 7d\n\nOr:\n  - {or}"
            )))
        }
    }
}

/// Upstream's fuzzy ranking: same name ignoring case, then prefix, then substring, then
/// names within `max(2, len/3)` edits; ties alphabetical; at most `max` names.
fn similar<'n>(wanted: &str, names: &[&'n str], max: usize) -> Vec<&'n str> {
    let w = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .filter_map(|n| {
            let c = n.to_lowercase();
            let score = if c == w {
                0
            } else if c.starts_with(&w) {
                1
            } else if c.contains(&w) {
                2
            } else {
                let d = crate::commands::monitor::list::edit_distance(&w, &c);
                if d > limit {
                    return None;
                }
                3 + d
            };
            Some((score, *n))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| locale_cmp(a.1, b.1)));
    scored.into_iter().take(max).map(|(_, n)| n).collect()
}

/// Close to JavaScript's `localeCompare` for metric names: spaces, then punctuation in the
/// Unicode collation's order, then digits, then letters ignoring case; lower case first on
/// a tie.
fn locale_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    const PUNCTUATION: &str = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
    let key = |s: &str| -> Vec<(u8, u32)> {
        s.chars()
            .map(|c| {
                if c.is_whitespace() {
                    (0, 0)
                } else if let Some(i) = PUNCTUATION.find(c) {
                    (1, i as u32)
                } else if c.is_ascii_digit() {
                    (2, c as u32)
                } else {
                    (3, c.to_lowercase().next().unwrap_or(c) as u32)
                }
            })
            .collect()
    };
    let lower_first = |s: &str| -> Vec<bool> { s.chars().map(char::is_uppercase).collect() };
    key(a)
        .cmp(&key(b))
        .then_with(|| lower_first(a).cmp(&lower_first(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_as_upstream_reads_them() {
        assert!(is_aggregate("count()"));
        assert!(is_aggregate("p50(span.duration)"));
        assert!(is_aggregate("equation|count() / 2"));
        assert!(!is_aggregate("equation|1 + 2"));
        assert!(!is_aggregate("gen_ai.request.model"));
        assert!(!is_aggregate("(x)"));
        assert!(!is_aggregate("a.b(x)"));
    }

    #[test]
    fn the_metric_form() {
        assert!(is_metric_aggregate(
            "sum(value,llm.token_usage,distribution,none)"
        ));
        assert!(is_metric_aggregate("avg(value, a, gauge, -)"));
        assert!(is_metric_aggregate(
            "count_if(`release:a,b`,value,request_duration,distribution,none)"
        ));
        assert!(!is_metric_aggregate("sum(value)"));
        assert!(!is_metric_aggregate("sum(val,a,b,c)"));
        assert!(!is_metric_aggregate("count_if(x,value,a,b,c)"));
        assert_eq!(
            split_args(r#""a,b", tags[x,number],c"#),
            [r#""a,b""#, "tags[x,number]", "c"]
        );
    }

    #[test]
    fn field_checks() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(check_fields(&[]).unwrap_err().exit_code, 21);
        let e = check_fields(&f(&["count()", "model", "p50(value)"])).unwrap_err();
        assert!(
            e.message
                .starts_with("Invalid metrics aggregates: count(), p50(value)\n\n"),
            "{}",
            e.message
        );
        let e = check_fields(&f(&["count()"])).unwrap_err();
        assert!(e
            .message
            .starts_with("Invalid metrics aggregate: count()\n"));
        assert!(check_fields(&f(&["model", "sum(value,a,counter,none)", "equation|x()"])).is_ok());
        assert!(check_fields(&f(&["model"])).is_ok());
        assert_eq!(check_agg("m", "median").unwrap_err().exit_code, 23);
        assert!(check_agg("m", "p95").is_ok());
    }

    /// Expectations taken from 0.49's own ranking function run on the same names.
    #[test]
    fn similar_names_rank_like_upstream() {
        let names = [
            "llm.token_usage",
            "cache.hit_rate",
            "llm.token_usage.total",
            "LLM.TOKENS",
            "llm.token_use",
        ];
        let all = [
            "llm.token_usage",
            "llm.token_usage.total",
            "llm.token_use",
            "LLM.TOKENS",
        ];
        assert_eq!(similar("llm.token_usag", &names, 5), all);
        assert_eq!(similar("LLM", &names, 5), all);
        assert_eq!(similar("token", &names, 5), all);
        assert_eq!(similar("cache.hit_rat", &names, 5), ["cache.hit_rate"]);
        assert_eq!(
            similar("llm.tokens", &names, 5),
            ["LLM.TOKENS", "llm.token_use"]
        );
        assert_eq!(
            similar("llm_token_usage", &names, 5),
            ["llm.token_usage", "llm.token_use"]
        );
        assert!(similar("nothing_like_it", &names, 5).is_empty());
        assert_eq!(similar("token", &names, 2).len(), 2);
    }

    #[test]
    fn ties_order_like_locale_compare() {
        let mut v = vec![
            "a_b", "a.b", "a-b", "a b", "a1", "ab", "aB", "AB", "a,b", "a:b", "a/b", "a@b", "a#b",
        ];
        v.sort_by(|a, b| locale_cmp(a, b));
        assert_eq!(
            v,
            [
                "a b", "a_b", "a-b", "a,b", "a:b", "a.b", "a@b", "a/b", "a#b", "a1", "ab", "aB",
                "AB"
            ]
        );
    }
}
