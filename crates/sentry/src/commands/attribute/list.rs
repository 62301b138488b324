//! `sentry attribute list [<target>] [<filter>]`: the attribute keys of a dataset.
//!
//! Sentry answers one attribute type per request, so the command asks for each requested
//! type (all four by default) and merges the answers in name order up to `--limit`. A page
//! boundary then falls inside some types' lists, so the cursor of the next page is one cursor
//! per type (`|`-joined, types in alphabetical order), each saying where that type's list
//! resumes and which keys of that server page were already shown — 0.49's format, so a cursor
//! printed by either CLI works with both.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::io;

use base64::Engine;
use clap::Args;
use serde_json::{json, Value};

use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::paging::{self, envelope};
use crate::target::Resolver;

const TYPES: [&str; 4] = ["array", "boolean", "number", "string"];
const CURSOR_PREFIX: &str = "attributes1~";
/// Server pages read per type before giving up on filling a page.
const MAX_PAGES: usize = 50;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// <org>/ (all projects), <org>/<project>, or <project> (search)
    pub target: Option<String>,
    /// Text in attribute names and/or has:<key> terms, e.g. 'gen_ai has:http.method'
    pub filter: Option<String>,
    /// Dataset to list attributes for (spans, logs, metrics)
    #[arg(short = 'd', long, default_value = "spans")]
    pub dataset: String,
    /// Only show attributes of these types: string, number, boolean, array (repeatable or comma-separated)
    #[arg(long = "type")]
    pub types: Vec<String>,
    /// Time range: "7d", "2024-01-01..2024-02-01", ">=2024-01-01"
    #[arg(short = 't', long, default_value = "7d")]
    pub period: String,
    /// Maximum number of attributes to list
    #[arg(short = 'n', long, default_value_t = 25, allow_negative_numbers = true)]
    pub limit: i64,
    /// Navigate pages: "next", "prev", "first" (or raw cursor string)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// `spans`, `logs` or `tracemetrics` (what the API calls the metrics dataset).
fn dataset(raw: &str) -> CliResult<&'static str> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "spans" | "span" => Ok("spans"),
        "logs" | "log" => Ok("logs"),
        "metrics" | "metric" | "tracemetrics" => Ok("tracemetrics"),
        other => Err(CliError::validation(format!(
            "Invalid dataset \"{other}\". Must be one of: spans, logs, metrics"
        ))),
    }
}

fn types(raw: &[String]) -> CliResult<Option<Vec<String>>> {
    let mut out = BTreeSet::new();
    for t in raw
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let lower = t.to_ascii_lowercase();
        if !TYPES.contains(&lower.as_str()) {
            return Err(CliError::validation(format!(
                "Invalid attribute type \"{t}\". Must be one of: string, number, boolean, array"
            )));
        }
        out.insert(lower);
    }
    Ok((!out.is_empty()).then(|| out.into_iter().collect()))
}

/// The positional filter: one search term and/or `has:<key>` terms.
fn filter(raw: Option<&str>) -> CliResult<(Option<String>, Option<String>)> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok((None, None));
    };
    let mut has = Vec::new();
    let mut words = Vec::new();
    for term in raw.split_whitespace() {
        if let Some(k) = term.strip_prefix("has:").filter(|k| !k.is_empty()) {
            if !has.contains(&term.to_string()) {
                has.push(term.to_string());
            }
            let _ = k;
        } else if term.starts_with('!') || term.contains(':') || term == "OR" || term == "AND" {
            return Err(CliError::validation(format!(
                "Unsupported filter \"{term}\". The filter accepts a search term and/or has:<key> terms (no values, negation, or OR)."
            )));
        } else {
            words.push(term);
        }
    }
    let name = (!words.is_empty()).then(|| words.join(" "));
    if let Some(n) = &name {
        if words.len() > 1 {
            return Err(CliError::validation(format!(
                "The filter accepts a single search term, got \"{n}\"."
            )));
        }
        if n.contains(['*', '?']) {
            return Err(CliError::validation(format!(
                "Globs aren't supported in the filter (\"{n}\"). Use plain text."
            )));
        }
    }
    Ok(((!has.is_empty()).then(|| has.join(" ")), name))
}

/// Where one type's list resumes: the server cursor and the keys of that server page
/// already shown.
#[derive(Debug, Clone, Default)]
struct TypeCursor {
    cursor: Option<String>,
    seen: Vec<String>,
}

fn encode(c: &TypeCursor) -> String {
    let body = json!({"cursor": c.cursor, "seen": c.seen}).to_string();
    CURSOR_PREFIX.to_string() + &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body)
}

fn decode(raw: &str) -> CliResult<TypeCursor> {
    let Some(b64) = raw.strip_prefix(CURSOR_PREFIX) else {
        return Ok(TypeCursor {
            cursor: Some(raw.to_string()),
            seen: Vec::new(),
        });
    };
    let bad = || CliError::validation("Invalid attribute pagination cursor.");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let cursor = match v.get("cursor") {
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        _ => return Err(bad()),
    };
    let seen = v
        .get("seen")
        .and_then(Value::as_array)
        .ok_or_else(bad)?
        .iter()
        .map(|s| s.as_str().map(str::to_string).ok_or_else(bad))
        .collect::<CliResult<Vec<_>>>()?;
    Ok(TypeCursor { cursor, seen })
}

/// One type's rows for this page.
struct TypeRows {
    ty: String,
    data: Vec<Value>,
    start: TypeCursor,
    /// The server cursor of the page each row came from.
    positions: Vec<Option<String>>,
    /// Keys of each server page read, by its cursor.
    page_keys: HashMap<String, BTreeSet<String>>,
    next: Option<String>,
}

fn key_of(v: &Value) -> String {
    v.get("key")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn fetch_type(
    req: &sentry_api::RequestBuilder<'_>,
    ty: &str,
    limit: usize,
    start: TypeCursor,
) -> CliResult<TypeRows> {
    let mut seen: BTreeSet<String> = start.seen.iter().cloned().collect();
    let mut out = TypeRows {
        ty: ty.to_string(),
        data: Vec::new(),
        positions: Vec::new(),
        page_keys: HashMap::new(),
        next: None,
        start: start.clone(),
    };
    let mut cursor = start.cursor.clone();
    for _ in 0..MAX_PAGES {
        let mut r = req
            .clone()
            .query("attributeType", ty)
            .query("per_page", limit.min(100).to_string());
        if let Some(c) = &cursor {
            r = r.query("cursor", c.as_str());
        }
        let resp = r.send().map_err(api_error)?;
        let rows: Vec<Value> = resp.json().map_err(api_error)?;
        let next = resp.link().next;
        let keys: BTreeSet<String> = rows.iter().map(key_of).collect();
        out.page_keys
            .insert(cursor.clone().unwrap_or_default(), keys.clone());
        for (i, row) in rows.iter().enumerate() {
            let k = key_of(row);
            if seen.contains(&k) {
                continue;
            }
            seen.insert(k);
            out.data.push(row.clone());
            out.positions.push(cursor.clone());
            if out.data.len() == limit {
                let more_here = rows[i + 1..].iter().any(|r| !seen.contains(&key_of(r)));
                let resume = if more_here {
                    cursor.clone()
                } else {
                    next.clone()
                };
                if more_here || resume.is_some() {
                    out.next = Some(encode(&TypeCursor {
                        cursor: resume,
                        seen: seen.iter().filter(|s| keys.contains(*s)).cloned().collect(),
                    }));
                }
                return Ok(out);
            }
        }
        match next {
            None => return Ok(out),
            Some(n) => {
                cursor = Some(n);
                seen = keys;
            }
        }
    }
    crate::diag!(
        "Warning: Attribute pagination reached {MAX_PAGES} pages. Use the returned cursor to continue."
    );
    out.next = Some(encode(&TypeCursor {
        cursor,
        seen: seen.into_iter().collect(),
    }));
    Ok(out)
}

/// The cursor of `t` once its first `taken` rows were shown.
fn resume_after(t: &TypeRows, taken: usize) -> Option<String> {
    if taken >= t.data.len() {
        return t.next.clone();
    }
    let mut seen: BTreeSet<String> = t.start.seen.iter().cloned().collect();
    seen.extend(t.data[..taken].iter().map(key_of));
    let at = if taken > 0 {
        t.positions[taken - 1].clone()
    } else {
        t.start.cursor.clone()
    };
    let page = t.page_keys.get(&at.clone().unwrap_or_default());
    Some(encode(&TypeCursor {
        cursor: at,
        seen: seen
            .into_iter()
            .filter(|k| page.is_some_and(|p| p.contains(k)))
            .collect(),
    }))
}

/// ICU-like order of JavaScript's `localeCompare`: case-insensitive first, punctuation
/// before digits before letters, `_` before `.`.
fn collate(a: &str, b: &str) -> Ordering {
    const PUNCT: &str = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
    let key = |s: &str| -> Vec<(u8, u32)> {
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    (2, c as u32)
                } else if c.is_alphabetic() {
                    (3, c.to_lowercase().next().unwrap_or(c) as u32)
                } else {
                    (1, PUNCT.find(c).map_or(1000 + c as u32, |i| i as u32))
                }
            })
            .collect()
    };
    key(a).cmp(&key(b)).then_with(|| b.cmp(a))
}

fn display_name(v: &Value) -> String {
    match v.get("name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => key_of(v),
    }
}

fn row_order(a: &Value, b: &Value) -> Ordering {
    let t = |v: &Value| {
        v.get("attributeType")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    collate(&display_name(a), &display_name(b)).then_with(|| t(a).cmp(&t(b)))
}

/// The first `limit` rows across the types, in name order.
fn merge(lists: &[TypeRows], limit: usize) -> Vec<Value> {
    let mut idx = vec![0usize; lists.len()];
    let mut out = Vec::new();
    while out.len() < limit {
        let mut best: Option<(usize, &Value)> = None;
        for (i, l) in lists.iter().enumerate() {
            if let Some(row) = l.data.get(idx[i]) {
                if best.is_none_or(|(_, b)| row_order(row, b) == Ordering::Less) {
                    best = Some((i, row));
                }
            }
        }
        let Some((i, row)) = best else { break };
        out.push(row.clone());
        idx[i] += 1;
    }
    out.sort_by(row_order);
    out
}

/// What `--json` shows for one attribute.
fn shape(v: &Value) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("key".into(), json!(key_of(v)));
    m.insert("name".into(), v.get("name").cloned().unwrap_or(Value::Null));
    m.insert(
        "type".into(),
        v.get("attributeType").cloned().unwrap_or(Value::Null),
    );
    m.insert(
        "source".into(),
        v.pointer("/attributeSource/source_type")
            .cloned()
            .unwrap_or(Value::Null),
    );
    if let Some(a) = v
        .get("secondaryAliases")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    {
        m.insert("aliases".into(), Value::Array(a.clone()));
    }
    if let Some(c) = v.get("context").filter(|c| !c.is_null()) {
        m.insert("context".into(), c.clone());
    }
    Value::Object(m)
}

/// Single-quoted for a POSIX shell, as upstream prints suggested arguments.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

struct AttributeList {
    items: Vec<Value>,
    next: Option<String>,
    has_prev: bool,
    hint: Vec<String>,
}

impl Report for AttributeList {
    fn json(&self) -> Value {
        envelope(self.items.clone(), self.next.as_deref(), self.has_prev)
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.items.is_empty() {
            out.line("No attributes found.")?;
        } else {
            let with_context = self.items.iter().any(|i| i.get("context").is_some());
            let text =
                |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let aliases = |v: &Value| {
                v.get("aliases")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            };
            let rows = self
                .items
                .iter()
                .map(|i| {
                    let mut r = vec![text(i, "key"), text(i, "type"), text(i, "source")];
                    if with_context {
                        let c = &i["context"];
                        let mut d = Vec::new();
                        if c.get("isDeprecated").and_then(Value::as_bool) == Some(true) {
                            d.push(
                                match c.get("replacementAttribute").and_then(Value::as_str) {
                                    Some(r) => format!("Deprecated, use {r}."),
                                    None => "Deprecated.".into(),
                                },
                            );
                        }
                        if let Some(b) = c.get("brief").and_then(Value::as_str) {
                            d.push(b.to_string());
                        }
                        r.push(d.join(" "));
                        r.push(
                            c.get("examples")
                                .and_then(Value::as_array)
                                .map(|e| {
                                    e.iter()
                                        .take(3)
                                        .map(|x| match x {
                                            Value::String(s) => s.clone(),
                                            other => other.to_string(),
                                        })
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                })
                                .unwrap_or_default(),
                        );
                    }
                    r.push(aliases(i));
                    r
                })
                .collect();
            // Upstream's minimum column widths (KEY 24, TYPE 7).
            let key_h = format!("{:<24}", "KEY");
            let type_h = format!("{:<7}", "TYPE");
            let mut header = vec![key_h.as_str(), type_h.as_str(), "SOURCE"];
            if with_context {
                header.extend(["DESCRIPTION", "EXAMPLES"]);
            }
            header.push("ALIASES");
            out.table(Some(&header), rows)?;
        }
        if !self.hint.is_empty() {
            out.blank()?;
            out.blank()?;
            for h in &self.hint {
                out.line(h)?;
            }
        }
        Ok(())
    }
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let ds = dataset(&args.dataset)?;
    let wanted = types(&args.types)?;
    let (has, name) = filter(args.filter.as_deref())?;
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)? as usize;
    let period = sentry_target::parse_period(&args.period, jiff::Timestamp::now())
        .map_err(crate::target::target_error)?;
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let (org, project) = r.org_and_project(args.target.as_deref())?;
    let project = project.map(|p| p.slug);
    let target = match &project {
        Some(p) => format!("{org}/{p}"),
        None => format!("{org}/"),
    };
    let types: Vec<String> = wanted
        .clone()
        .unwrap_or_else(|| TYPES.iter().map(|s| s.to_string()).collect());
    let filter_text = [name.clone(), has.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let context_key = format!(
        "{}|{target}|{ds}|{}|{filter_text}|{}|{limit}",
        client.base_url(),
        types.join(","),
        args.period
    );
    let plan = paging::plan(ctx, "attribute list", &context_key, args.cursor.as_deref())?;
    // The page's cursor: one part per type; an empty part means that type is exhausted.
    let mut starts: HashMap<String, Option<TypeCursor>> = HashMap::new();
    if let Some(c) = plan.cursor.as_deref().filter(|c| !c.starts_with('[')) {
        for (ty, part) in types.iter().zip(c.split('|')) {
            starts.insert(
                ty.clone(),
                if part.is_empty() {
                    None
                } else {
                    Some(decode(part)?)
                },
            );
        }
    }
    let mut req = r.org(&org)?.trace_item_attributes().query("dataset", ds);
    if let Some(p) = &project {
        req = req.query("project", p.as_str());
    }
    if let Some(n) = &name {
        req = req.query("substringMatch", n.as_str());
    }
    if let Some(q) = &has {
        req = req.query("query", q.as_str());
    }
    for (k, v) in &period {
        req = req.query(*k, v.as_str());
    }
    req = req.query("expand", "context");
    let mut lists = Vec::new();
    for ty in &types {
        let start = match starts.get(ty) {
            Some(None) => continue,
            Some(Some(c)) => c.clone(),
            None => TypeCursor::default(),
        };
        let rows = fetch_type(&req, ty, limit, start).map_err(|e| match &has {
            Some(q) if e.api.as_ref().is_some_and(|a| a.status == 400) => {
                CliError::validation(format!(
                    "Sentry rejected the filter \"{q}\": {}",
                    e.api.as_ref().map(|a| a.detail.clone()).unwrap_or_default()
                ))
            }
            _ => e,
        })?;
        lists.push(rows);
    }
    let shown = merge(&lists, limit);
    let parts: Vec<Option<String>> = types
        .iter()
        .map(|ty| {
            let t = lists.iter().find(|l| &l.ty == ty)?;
            let taken = shown
                .iter()
                .filter(|r| r.get("attributeType").and_then(Value::as_str) == Some(ty))
                .count();
            resume_after(t, taken)
        })
        .collect();
    let next = parts.iter().any(Option::is_some).then(|| {
        parts
            .iter()
            .map(|p| p.clone().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("|")
    });
    plan.record(ctx, next.as_deref());
    let items: Vec<Value> = shown.iter().map(shape).collect();
    let label = if ds == "tracemetrics" { "metrics" } else { ds };
    let mut hint = Vec::new();
    if !items.is_empty() {
        hint.push(format!(
            "Showing {} {label} attribute{} in {target}{}.",
            items.len(),
            if items.len() == 1 { "" } else { "s" },
            if next.is_some() {
                "; more are available"
            } else {
                ""
            }
        ));
    }
    let page_cmd = |dir: &str| {
        let mut s = format!("sentry attribute list {target}");
        if !filter_text.is_empty() {
            s.push(' ');
            s.push_str(&sh(&filter_text));
        }
        s.push_str(&format!(" -c {dir}"));
        if ds != "spans" {
            s.push_str(&format!(" --dataset {label}"));
        }
        if let Some(w) = &wanted {
            s.push_str(&format!(" --type {}", w.join(",")));
        }
        if args.period != "7d" {
            s.push_str(&format!(" --period {}", args.period));
        }
        if limit != 25 {
            s.push_str(&format!(" -n {limit}"));
        }
        s
    };
    let mut pages = Vec::new();
    if plan.has_prev {
        pages.push(format!("Prev: {}", page_cmd("prev")));
    }
    if next.is_some() {
        pages.push(format!("Next: {}", page_cmd("next")));
    }
    if !pages.is_empty() {
        hint.push(pages.join(" | "));
    }
    let first = items
        .iter()
        .find(|i| i.get("source").and_then(Value::as_str) == Some("user"))
        .or_else(|| items.first());
    if let Some(key) = first.map(key_of) {
        hint.push(if ds == "tracemetrics" {
            format!(
                "Tip: Group metrics with: sentry explore {target} --dataset metrics -m <metric> -F {}",
                sh(&key)
            )
        } else {
            let t = match &project {
                Some(p) => format!("{org}/{p}"),
                None => format!("{org}/<project>"),
            };
            format!(
                "Tip: Filter or add to columns with: sentry {} {t} -q {} --fields {}",
                if ds == "logs" { "log list" } else { "span list" },
                sh(&format!("has:{key}")),
                sh(&key)
            )
        });
    }
    emit(
        &AttributeList {
            items,
            next,
            has_prev: plan.has_prev,
            hint,
        },
        &ctx.output,
    )?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collation_puts_underscore_before_dot_and_ignores_case() {
        assert_eq!(collate("span_id", "span.op"), Ordering::Less);
        assert_eq!(collate("severity", "severity_number"), Ordering::Less);
        assert_eq!(collate("Region", "project"), Ordering::Greater);
    }

    #[test]
    fn cursors_round_trip() {
        let c = TypeCursor {
            cursor: Some("0:25:0".into()),
            seen: vec!["a".into()],
        };
        let d = decode(&encode(&c)).unwrap();
        assert_eq!(d.cursor, c.cursor);
        assert_eq!(d.seen, c.seen);
        assert_eq!(decode("attributes1~!!").unwrap_err().exit_code, 21);
    }

    #[test]
    fn filters() {
        assert_eq!(
            filter(Some("gen_ai has:http.method")).unwrap(),
            (Some("has:http.method".into()), Some("gen_ai".into()))
        );
        assert_eq!(filter(Some("a b")).unwrap_err().exit_code, 21);
        assert_eq!(filter(Some("x*")).unwrap_err().exit_code, 21);
        assert_eq!(filter(Some("key:value")).unwrap_err().exit_code, 21);
    }
}
