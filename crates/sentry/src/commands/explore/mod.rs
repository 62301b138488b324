//! `sentry explore [<target>]`: aggregate queries over the Events API
//! (`GET /organizations/{org}/events/?dataset=…&field=…`), shown as a table.
//!
//! Datasets `errors` (default), `spans` (`transaction(s)` is spans restricted to
//! `is_transaction:true`), `logs`, `metrics` (trace metrics, [`metrics`]) and `replays` (the
//! replay index, [`replays`]). The sort defaults to the first aggregate, descending, and
//! a sort column missing from the fields is added to them, as upstream does; the project
//! scope goes as a numeric `project=` and environments join the query, both ANDed with the
//! user's query. `-b` asks for the same aggregates in time buckets instead ([`series`]).

use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use sentry_api::OrgApi;

use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::{emit, Align, Human, Report, Table};
use crate::target::paging;
use crate::target::Resolver;

mod format;
mod metrics;
mod replays;
mod series;
use format::cell;
use metrics::is_aggregate;

const DEFAULT_LIMIT: i64 = 25;
const DEFAULT_PERIOD: &str = "24h";
const IS_TRANSACTION: &str = "is_transaction:true";

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// <org>/ (all projects), <org>/<project>, or <project> (search)
    pub target: Option<String>,
    /// API field or aggregate (repeatable). E.g., title, "count()", "p50(span.duration)"
    #[arg(short = 'F', long = "field")]
    pub field: Vec<String>,
    /// Metric name for --dataset metrics. Auto-resolves type/unit via API.
    #[arg(short = 'm', long)]
    pub metric: Option<String>,
    /// Aggregation for --metric (sum, avg, count, p50, p95, etc.)
    #[arg(long, default_value = "sum")]
    pub agg: String,
    /// Dataset to query (errors, spans, metrics, logs, replays; transaction(s) routes to spans)
    #[arg(short = 'd', long, default_value = "errors")]
    pub dataset: String,
    /// Search query (Sentry search syntax)
    #[arg(short = 'q', long)]
    pub query: Option<String>,
    /// Sort field (prefix with - for desc, e.g., "-count()")
    #[arg(short = 's', long, allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Environment filter (repeatable, comma-separated)
    #[arg(short = 'e', long)]
    pub environment: Vec<String>,
    /// Number of table rows (1-1000, default: 25)
    #[arg(short = 'n', long, allow_negative_numbers = true)]
    pub limit: Option<i64>,
    /// Query time series (default: auto; optional bucket duration, e.g., 15m)
    #[arg(
        short = 'b',
        long = "time-series",
        value_name = "auto|interval",
        num_args = 0..=1,
        default_missing_value = "auto"
    )]
    pub time_series: Option<String>,
    /// Time range: "7d", "2024-01-01..2024-02-01", ">=2024-01-01"
    #[arg(short = 't', long, default_value = DEFAULT_PERIOD)]
    pub period: String,
    /// Navigate pages: "next", "prev", "first" (or raw cursor string)
    #[arg(short = 'c', long)]
    pub cursor: Option<String>,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// The sort (the user's, else the first aggregate descending) and the fields with the sort
/// column added when it is missing.
fn sort_and_fields(fields: &[String], sort: Option<&str>) -> (Vec<String>, Option<String>) {
    let sort = sort
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| {
            fields
                .iter()
                .find(|f| is_aggregate(f))
                .map(|a| format!("-{a}"))
        });
    let mut out = fields.to_vec();
    if let Some(s) = &sort {
        let col = s.strip_prefix('-').unwrap_or(s).trim().to_string();
        if !col.is_empty()
            && !out.contains(&col)
            && (is_aggregate(&col) || !out.iter().any(|f| is_aggregate(f)))
        {
            out.push(col);
        }
    }
    (out, sort)
}

/// The default `-F` fields of a dataset (by its parsed name).
fn default_fields(name: &str) -> Vec<String> {
    let fields: &[&str] = match name {
        replays::DATASET => &replays::DEFAULT_FIELDS,
        "transaction" | "transactions" => &["transaction", "count()"],
        _ => &["title", "count()"],
    };
    fields.iter().map(|f| f.to_string()).collect()
}

/// How a dataset is named to people (`tracemetrics` is "metrics").
fn display_name(name: &str) -> &str {
    if name == metrics::DATASET {
        "metrics"
    } else {
        name
    }
}

/// Single-quoted for a shell, as upstream quotes `-F` and `--query` in its hints (quote
/// characters, typographic ones included, close the quote and are double-quoted).
fn shell_quote(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}'..='\u{201b}') {
            out.push_str("'\"");
            out.push(c);
            out.push_str("\"'");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

struct ExploreResult {
    title: String,
    dataset_label: String,
    requested: Vec<String>,
    data: Vec<Value>,
    meta: Value,
    next: Option<String>,
    has_prev: bool,
    dataset: String,
    hint: Option<String>,
}

impl Report for ExploreResult {
    fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("data".into(), Value::Array(self.data.clone()));
        m.insert("meta".into(), self.meta.clone());
        m.insert("hasMore".into(), json!(self.next.is_some()));
        m.insert("hasPrev".into(), json!(self.has_prev));
        m.insert("dataset".into(), json!(self.dataset));
        if let Some(n) = &self.next {
            m.insert("nextCursor".into(), json!(n));
        }
        Value::Object(m)
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.data.is_empty() {
            out.line(if self.next.is_some() || self.has_prev {
                "No results on this page."
            } else {
                "No results matched the query."
            })?;
        } else {
            let types = self.meta.get("fields").cloned().unwrap_or(Value::Null);
            let units = self.meta.get("units").cloned().unwrap_or(Value::Null);
            let known: Vec<String> = match types.as_object() {
                Some(o) => o.keys().cloned().collect(),
                None => self.data[0]
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default(),
            };
            let mut cols: Vec<String> = self
                .requested
                .iter()
                .filter(|f| known.contains(f))
                .cloned()
                .collect();
            if self.requested.is_empty() {
                cols = known.clone();
            } else {
                for k in &known {
                    if !cols.contains(k) {
                        cols.push(k.clone());
                    }
                }
            }
            let ty = |c: &str| types.get(c).and_then(Value::as_str).map(str::to_string);
            let numeric = |c: &str| {
                matches!(
                    ty(c).as_deref(),
                    Some("integer" | "number" | "duration" | "percentage" | "size")
                )
            };
            let header: Vec<String> = cols.iter().map(|c| c.to_uppercase()).collect();
            let rows = self
                .data
                .iter()
                .map(|row| {
                    cols.iter()
                        .map(|c| {
                            cell(
                                row.get(c).unwrap_or(&Value::Null),
                                ty(c).as_deref(),
                                units.get(c).and_then(Value::as_str),
                            )
                        })
                        .collect()
                })
                .collect();
            out.line(format!(
                "Querying {} in {}:",
                self.dataset_label, self.title
            ))?;
            out.blank()?;
            let h: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut t = Table::new(Some(&h), rows);
            t.align = cols
                .iter()
                .map(|c| {
                    if numeric(c) {
                        Align::Right
                    } else {
                        Align::Left
                    }
                })
                .collect();
            out.print_table(&t)?;
        }
        if let Some(h) = &self.hint {
            out.blank()?;
            out.blank()?;
            out.line(h)?;
        }
        Ok(())
    }
}

/// `--dataset` → its name as upstream parses it: `errors`, `spans`, `tracemetrics`, `logs`,
/// `replays`, or `transaction(s)` (the spans dataset restricted to transactions).
fn dataset(raw: &str) -> CliResult<&'static str> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "errors" | "error" => Ok("errors"),
        "spans" | "span" => Ok("spans"),
        "logs" | "log" => Ok("logs"),
        "metrics" | "metric" | "tracemetrics" => Ok(metrics::DATASET),
        "replays" | "replay" => Ok(replays::DATASET),
        "transaction" => Ok("transaction"),
        "transactions" => Ok("transactions"),
        _ => Err(CliError::validation(format!(
            "Invalid dataset \"{raw}\". Must be one of: errors, spans, metrics, logs, replays"
        ))),
    }
}

/// One page of an explore table: the rows, `meta` (`fields` and `units`) and the next cursor.
struct TablePage {
    data: Vec<Value>,
    meta: Value,
    next: Option<String>,
}

/// What a table asks the Events API (`GET /organizations/{org}/events/`).
struct EventsQuery<'a> {
    dataset: &'a str,
    fields: &'a [String],
    query: Option<&'a str>,
    project_id: Option<&'a str>,
    sort: Option<&'a str>,
    period: &'a [(&'static str, String)],
    limit: usize,
    cursor: Option<String>,
    max_pages: usize,
}

/// Up to `limit` rows, following cursors; `meta` from the first page.
fn fetch_events(org: &OrgApi<'_>, q: EventsQuery<'_>) -> CliResult<TablePage> {
    let mut req = org.events().query("dataset", q.dataset);
    for f in q.fields {
        req = req.query("field", f.as_str());
    }
    if let Some(text) = q.query {
        req = req.query("query", text);
    }
    if let Some(id) = q.project_id {
        req = req.query("project", id);
    }
    if let Some(s) = q.sort {
        req = req.query("sort", s);
    }
    for (k, v) in q.period {
        req = req.query(*k, v.as_str());
    }
    let mut pages = req.pages(sentry_api::Paging {
        limit: q.limit,
        max_pages: q.max_pages,
        size_param: Some("per_page"),
        shrink: true,
        cursor: q.cursor,
        accept_errors: false,
    });
    let mut data: Vec<Value> = Vec::new();
    let mut meta: Option<Value> = None;
    let mut next = None;
    while let Some(resp) = pages.next_response() {
        let body: Value = resp.map_err(api_error)?.json().map_err(api_error)?;
        if meta.is_none() {
            let mut m = Map::new();
            for k in ["fields", "units"] {
                if let Some(v) = body.get("meta").and_then(|x| x.get(k)) {
                    m.insert(k.into(), v.clone());
                }
            }
            meta = Some(Value::Object(m));
        }
        data.extend(
            body.get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        next = pages.cursor().map(str::to_string);
        if data.len() >= q.limit {
            break;
        }
    }
    data.truncate(q.limit);
    Ok(TablePage {
        data,
        meta: meta.unwrap_or_else(|| json!({})),
        next,
    })
}

pub fn run(ctx: &Context, args: &ExploreArgs) -> CliResult<i32> {
    let mut name = dataset(&args.dataset)?;
    series::validate(args)?;
    let limit = sentry_target::validate_limit(
        args.limit.unwrap_or(DEFAULT_LIMIT),
        sentry_target::MAX_LIMIT,
    )
    .map_err(crate::target::target_error)? as usize;
    let period = sentry_target::parse_period(&args.period, jiff::Timestamp::now())
        .map_err(crate::target::target_error)?;
    // `-m` is the metrics dataset's; the aggregate it names is resolved once the scope is.
    match &args.metric {
        Some(m) => {
            if name != metrics::DATASET {
                crate::diag!(
                    "\n[explore]  WARN  --metric implies --dataset metrics; switching dataset.\n"
                );
                name = metrics::DATASET;
            }
            metrics::check_agg(m, &args.agg)?;
        }
        None if name == metrics::DATASET => metrics::check_fields(&args.field)?,
        None => {}
    }
    let is_replays = name == replays::DATASET;
    let transactions = matches!(name, "transaction" | "transactions");
    let ds = if transactions { "spans" } else { name };
    let defaults = default_fields(name);
    let mut requested = if args.field.is_empty() {
        defaults.clone()
    } else {
        args.field.clone()
    };
    let replay_sort = if is_replays {
        Some(replays::check(&requested, args.sort.as_deref())?)
    } else {
        None
    };
    let envs = crate::commands::flags::comma_list(&args.environment);
    ctx.route_to_target(args.target.as_deref());
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let (org, project) = r.org_and_project(args.target.as_deref())?;
    // The replay index scopes by slug; every Events API query by numeric id.
    let project = match project {
        Some(p) => {
            let id = if is_replays {
                None
            } else {
                Some(r.project_id(&p)?)
            };
            Some((p.slug, id))
        }
        None => None,
    };
    let project_id = project.as_ref().and_then(|(_, id)| id.as_deref());
    let org_api = r.org(&org)?;
    if let Some(m) = &args.metric {
        let aggregate = metrics::resolve_aggregate(
            &org_api,
            m,
            &args.agg,
            project_id,
            &period,
            ctx.max_pages(),
        )?;
        // The user's grouping columns stay; their aggregates give way to the metric's.
        requested.retain(|f| !args.field.is_empty() && !is_aggregate(f));
        requested.push(aggregate);
    }
    let (fields, sort) = match replay_sort {
        Some(s) => (requested.clone(), Some(s)),
        None => sort_and_fields(&requested, args.sort.as_deref()),
    };
    // Scope terms, then the user's query in parentheses so its ORs stay inside. The replay
    // index takes environments as parameters and the query as given.
    let mut scope: Vec<String> = Vec::new();
    if !is_replays {
        match envs.as_slice() {
            [] => {}
            [one] => scope.push(format!("environment:{one}")),
            many => scope.push(format!("environment:[{}]", many.join(","))),
        }
    }
    if transactions {
        scope.push(IS_TRANSACTION.into());
    }
    let user = args
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !(q.is_empty() || (transactions && *q == IS_TRANSACTION)))
        .map(str::to_string);
    let scope = scope.join(" ");
    let query = match (scope.is_empty(), user) {
        (false, Some(u)) => Some(format!("{scope} ({u})")),
        (false, None) => Some(scope),
        (true, u) => u,
    };
    if args.time_series.is_some() {
        // A metric charts the aggregate it resolved to; otherwise the `-F` aggregates.
        let y_axis: Vec<String> = if args.metric.is_some() {
            requested
                .iter()
                .filter(|f| is_aggregate(f))
                .cloned()
                .collect()
        } else {
            args.field.clone()
        };
        let scope = series::Scope {
            org: &org,
            project: project
                .as_ref()
                .and_then(|(p, id)| id.as_deref().map(|id| (p.as_str(), id))),
            dataset: ds,
            query: query.as_deref(),
            period: &period,
            y_axis: &y_axis,
        };
        return series::run(ctx, &r, args, scope);
    }
    let target = match &project {
        Some((p, _)) => format!("{org}/{p}"),
        None => format!("{org}/"),
    };
    let title = match &project {
        Some((p, _)) => format!("{org}/{p}"),
        None => org.clone(),
    };
    let context_key = format!(
        "{}|{target}|{name}|{}|{}|{}|{}|{}",
        client.base_url(),
        envs.join(","),
        fields.join(","),
        args.query.as_deref().unwrap_or(""),
        sort.as_deref().unwrap_or(""),
        args.period
    );
    let plan = paging::plan(ctx, "explore", &context_key, args.cursor.as_deref())?;
    let page = if is_replays {
        replays::fetch(
            &org_api,
            replays::Query {
                fields: &fields,
                project: project.as_ref().map(|(p, _)| p.as_str()),
                environments: &envs,
                query: query.as_deref(),
                sort: sort.as_deref().unwrap_or(replays::DEFAULT_SORT),
                period: &period,
                limit,
                cursor: plan.cursor.clone(),
                max_pages: ctx.max_pages(),
            },
        )?
    } else {
        fetch_events(
            &org_api,
            EventsQuery {
                dataset: ds,
                fields: &fields,
                query: query.as_deref(),
                project_id,
                sort: sort.as_deref(),
                period: &period,
                limit,
                cursor: plan.cursor.clone(),
                max_pages: ctx.max_pages(),
            },
        )?
    };
    let TablePage { data, meta, next } = page;
    plan.record(ctx, next.as_deref());
    let has_prev = plan.has_prev;
    // The flags that reproduce this query, in upstream's order, for the paging hints.
    let mut flags = Vec::new();
    if name != "errors" {
        flags.push(format!("--dataset {}", display_name(name)));
    }
    if let Some(m) = &args.metric {
        flags.push(format!("-m \"{m}\""));
        if args.agg != "sum" {
            flags.push(format!("--agg {}", args.agg));
        }
    }
    if let Some(s) = args
        .sort
        .as_deref()
        .map(str::trim)
        .filter(|s| !(s.is_empty() || (is_replays && *s == replays::DEFAULT_SORT)))
    {
        flags.push(format!("--sort \"{s}\""));
    }
    if let Some(q) = args.query.as_deref().filter(|q| !q.is_empty()) {
        flags.push(format!("--query={}", shell_quote(q)));
    }
    // With `-m` the aggregate comes from the metric, so only the grouping columns repeat.
    let hint_fields: Vec<&String> = args
        .field
        .iter()
        .filter(|f| args.metric.is_none() || !is_aggregate(f))
        .collect();
    if !hint_fields.is_empty()
        && hint_fields
            .iter()
            .map(|f| f.as_str())
            .ne(defaults.iter().map(String::as_str))
    {
        for f in hint_fields {
            flags.push(format!("-F {}", shell_quote(f)));
        }
    }
    if limit as i64 != DEFAULT_LIMIT {
        flags.push(format!("--limit {limit}"));
    }
    for e in &envs {
        flags.push(format!("-e \"{e}\""));
    }
    if args.period != DEFAULT_PERIOD {
        flags.push(format!("--period {}", args.period));
    }
    let page_cmd = |dir: &str| {
        let mut s = format!("sentry explore {target} -c {dir}");
        for f in &flags {
            s.push(' ');
            s.push_str(f);
        }
        s
    };
    let mut page_hints = Vec::new();
    if has_prev {
        page_hints.push(format!("Prev: {}", page_cmd("prev")));
    }
    if next.is_some() {
        page_hints.push(format!("Next: {}", page_cmd("next")));
    }
    let page_hints = page_hints.join(" | ");
    let hint = if data.is_empty() {
        (!page_hints.is_empty()).then_some(page_hints)
    } else {
        let n = data.len();
        let showing = format!("Showing {n} result{}.", if n == 1 { "" } else { "s" });
        Some(if page_hints.is_empty() {
            showing
        } else {
            format!("{showing} {page_hints}")
        })
    };
    emit(
        &ExploreResult {
            title,
            dataset_label: display_name(name).to_string(),
            requested: fields,
            data,
            meta,
            next,
            has_prev,
            dataset: name.to_string(),
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
    fn sort_defaults_to_the_first_aggregate_and_joins_the_fields() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            sort_and_fields(&f(&["title", "count()"]), None),
            (f(&["title", "count()"]), Some("-count()".into()))
        );
        assert_eq!(
            sort_and_fields(&f(&["title", "count()"]), Some("-p95(span.duration)")),
            (
                f(&["title", "count()", "p95(span.duration)"]),
                Some("-p95(span.duration)".into())
            )
        );
        // A plain column is only added when no aggregate is selected.
        assert_eq!(
            sort_and_fields(&f(&["title", "count()"]), Some("timestamp")).0,
            f(&["title", "count()"])
        );
        assert_eq!(sort_and_fields(&f(&["title"]), None), (f(&["title"]), None));
    }
}
