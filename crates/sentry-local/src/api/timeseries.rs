//! `GET /organizations/{org}/events-timeseries/`: aggregates of an explore dataset in time
//! buckets, in the shape sentry.io answers (`{meta:{dataset,start,end}, timeSeries:[…]}`).
//!
//! The rows are the ones `/events/` aggregates (see [`super::explore`]), so every dataset and
//! aggregate that endpoint knows works here too; this module only cuts them into buckets.
//! Parameters: `dataset` (default `errors`), `yAxis` (repeatable, default `count()`),
//! `interval` (`15m`, `1h`, bare seconds; default `1h`), `statsPeriod` or `start`+`end`
//! (default the last 14 days), `project`, `environment`, `query`, and for grouped series
//! `topEvents` with `groupBy` (repeatable), `sort` and `excludeOther=1`.
//!
//! Buckets start at the range start rounded down to the interval and cover the range; rows
//! outside `[start, end)` are left out. An empty bucket holds what the aggregate gives for no
//! rows: 0 for counts and sums, null for averages, extremes and percentiles. A bucket whose
//! window has not ended yet is `incomplete` with reason `NOT_ELAPSED`; ingestion here is
//! synchronous, so no bucket is ever pending ingestion and `meta.ingestion` is not sent.
//! The datasets Sentry serves from its RPC store (all but `errors`, `transactions` and
//! `discover`) also carry `sampleCount`, `sampleRate` and `confidence` per bucket and
//! `dataScanned` per series; nothing is sampled locally, so a bucket with rows is rate 1,
//! confidence `high`, and every scan is `full`.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::api::explore::{
    aggregate, aggregate_value, arg_value, dataset_rows, field_meta, matches_query, Row,
};
use crate::api::issues::parse_period_ms;
use crate::api::{find_org, search_tokens, Params};
use crate::auth::needs::EVENT_READ;
use crate::auth::Authed;
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

/// Sentry's cap on buckets per series (the CLI stops at the same count).
const MAX_BUCKETS: i64 = 10_100;
/// Sentry's cap on `topEvents`.
const MAX_TOP_EVENTS: usize = 10;
const DEFAULT_PERIOD_MS: i64 = 14 * 86_400_000;

/// Sentry's OrganizationEventPermission (`event:read`), as for `/events/`.
pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/events-timeseries/",
        get(EVENT_READ, timeseries),
    )
}

/// Datasets Sentry answers from Snuba's discover tables: no sampling fields.
fn sampled(dataset: &str) -> bool {
    !matches!(dataset, "errors" | "transactions" | "discover")
}

/// `[start, end)` in Unix milliseconds.
fn range(params: &Params, now: i64) -> ApiResult<(i64, i64)> {
    let date = |key: &str| -> ApiResult<Option<i64>> {
        match params.get(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => crate::events::parse_timestamp_ms(Some(&Value::from(v)))
                .map(Some)
                .ok_or_else(|| {
                    ApiError::bad_request(format!("{key} is not a valid ISO8601 date query"))
                }),
        }
    };
    let (start, end) = match (date("start")?, date("end")?) {
        (Some(s), Some(e)) => (s, e),
        (None, None) => {
            let period = match params.get("statsPeriod").filter(|p| !p.is_empty()) {
                Some(p) => parse_period_ms(p)
                    .filter(|ms| *ms > 0)
                    .ok_or_else(|| ApiError::bad_request(format!("Invalid statsPeriod: {p:?}")))?,
                None => DEFAULT_PERIOD_MS,
            };
            (now - period, now)
        }
        _ => return Err(ApiError::bad_request("start and end are both required")),
    };
    if start >= end {
        return Err(ApiError::bad_request("start must be before end"));
    }
    Ok((start, end))
}

/// The bucket size in milliseconds: `15m`, `1h`, `1d`, `2w` or bare seconds.
fn interval_ms(params: &Params) -> ApiResult<i64> {
    let raw = params.get("interval").unwrap_or("1h").trim();
    let ms = if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse::<i64>().ok().and_then(|s| s.checked_mul(1000))
    } else {
        parse_period_ms(raw)
    };
    match ms {
        Some(0) => Err(ApiError::bad_request(
            "Interval cannot result in a zero duration.",
        )),
        Some(ms) => Ok(ms),
        None => Err(ApiError::bad_request(format!("Invalid interval: {raw:?}"))),
    }
}

/// A row's time in Unix milliseconds.
fn row_ms(row: &Row) -> Option<i64> {
    row.get("timestamp")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_millisecond())
}

/// The bucket layout of one request.
struct Buckets {
    first: i64,
    size: i64,
    count: usize,
    now: i64,
    sampled: bool,
}

impl Buckets {
    /// One series: `axis` over `rows` (already limited to the range), bucket by bucket.
    fn series(&self, rows: &[(i64, &Row)], axis: &str) -> Vec<Value> {
        let (func, arg) = aggregate(axis).unwrap_or(("count", ""));
        let mut per: Vec<Vec<&Row>> = vec![Vec::new(); self.count];
        for (ms, row) in rows {
            let i = ((ms - self.first) / self.size) as usize;
            if let Some(b) = per.get_mut(i) {
                b.push(*row);
            }
        }
        per.iter()
            .enumerate()
            .map(|(i, members)| {
                let t = self.first + i as i64 * self.size;
                let mut v = Map::new();
                v.insert("timestamp".into(), json!(t));
                v.insert("value".into(), aggregate_value(members, func, arg));
                let pending = t + self.size > self.now;
                v.insert("incomplete".into(), json!(pending));
                if pending {
                    v.insert("incompleteReason".into(), json!("NOT_ELAPSED"));
                }
                if self.sampled {
                    let samples = match func {
                        "count" | "count_unique" if !arg.contains(',') => members.len(),
                        // A value column, or a trace metric selector: the samples it reads.
                        _ => members
                            .iter()
                            .filter(|m| arg_value(m, arg).is_some_and(Value::is_number))
                            .count(),
                    };
                    v.insert("sampleCount".into(), json!(samples));
                    let some = samples > 0;
                    v.insert(
                        "sampleRate".into(),
                        if some { json!(1) } else { Value::Null },
                    );
                    v.insert(
                        "confidence".into(),
                        if some { json!("high") } else { Value::Null },
                    );
                }
                Value::Object(v)
            })
            .collect()
    }

    /// The series' `meta`: the axis' type and unit, the interval, and for grouped series
    /// whether it is the remainder and its rank.
    fn meta(&self, axis: &str, group: Option<(bool, usize)>) -> Value {
        let (ty, unit) = field_meta(axis);
        let mut m = Map::new();
        m.insert("valueType".into(), json!(ty));
        m.insert("valueUnit".into(), json!(unit));
        m.insert("interval".into(), json!(self.size));
        if let Some((other, order)) = group {
            m.insert("isOther".into(), json!(other));
            m.insert("order".into(), json!(order));
        }
        if self.sampled {
            m.insert("dataScanned".into(), json!("full"));
        }
        Value::Object(m)
    }
}

/// `topEvents` with its `groupBy` columns, validated as Sentry does.
fn top_events(params: &Params) -> ApiResult<Option<(usize, Vec<String>)>> {
    let Some(raw) = params.get("topEvents") else {
        return Ok(None);
    };
    let n: i64 = raw
        .parse()
        .map_err(|_| ApiError::bad_request("topEvents must be an integer"))?;
    if n > MAX_TOP_EVENTS as i64 {
        return Err(ApiError::bad_request(format!(
            "Can only get up to {MAX_TOP_EVENTS} top events"
        )));
    }
    if n <= 0 {
        return Err(ApiError::bad_request("topEvents needs to be at least 1"));
    }
    let group_by: Vec<String> = params
        .get_all("groupBy")
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    if group_by.is_empty() {
        return Err(ApiError::bad_request(
            "groupBy is a required parameter when doing topEvents",
        ));
    }
    if group_by.iter().any(|g| g == "timestamp") {
        return Err(ApiError::bad_request("Cannot group by timestamp"));
    }
    Ok(Some((n as usize, group_by)))
}

async fn timeseries(
    State(state): State<AppState>,
    auth: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let dataset = params.get("dataset").unwrap_or("errors").to_string();
    let mut axes: Vec<String> = params
        .get_all("yAxis")
        .into_iter()
        .map(str::to_string)
        .collect();
    if axes.is_empty() {
        axes.push("count()".into());
    }
    if let Some(bad) = axes.iter().find(|a| aggregate(a).is_none()) {
        return Err(ApiError::bad_request(format!(
            "{bad} is not a valid yAxis: use an aggregate such as count()"
        )));
    }
    let now = now_ms();
    let (start, end) = range(&params, now)?;
    let size = interval_ms(&params)?;
    let first = start.div_euclid(size) * size;
    let count = (end - first + size - 1) / size;
    if count > MAX_BUCKETS {
        return Err(ApiError::bad_request("Your interval and date range would create too many results. Use a larger interval, or a smaller date range."));
    }
    let top = top_events(&params)?;
    let projects = params.project_ids();
    let tokens = search_tokens(params.get("query").unwrap_or_default());
    let envs: Vec<String> = params
        .get_all("environment")
        .into_iter()
        .map(str::to_string)
        .collect();
    let ds = dataset.clone();
    let mut rows = state
        .db
        .call(move |c| {
            let org = find_org(c, &auth, &org)?.id;
            dataset_rows(c, org, &ds, &projects, start, None)
        })
        .await?;
    rows.retain(|r| {
        matches_query(r, &tokens)
            && (envs.is_empty()
                || r.get("environment")
                    .and_then(Value::as_str)
                    .is_some_and(|e| envs.iter().any(|w| w == e)))
    });
    let timed: Vec<(i64, &Row)> = rows
        .iter()
        .filter_map(|r| row_ms(r).map(|ms| (ms, r)))
        .filter(|(ms, _)| (start..end).contains(ms))
        .collect();
    let buckets = Buckets {
        first,
        size,
        count: count as usize,
        now,
        sampled: sampled(&dataset),
    };
    let mut series = Vec::new();
    match top {
        None => {
            for axis in &axes {
                series.push(json!({
                    "values": buckets.series(&timed, axis),
                    "yAxis": axis,
                    "meta": buckets.meta(axis, None),
                }));
            }
        }
        Some((limit, group_by)) => {
            let sort = params
                .get("sort")
                .or_else(|| params.get("orderby"))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("-{}", axes[0]));
            if sort.trim_start_matches('-') == "timestamp" {
                return Err(ApiError::bad_request("Cannot order by timestamp"));
            }
            let groups = ranked_groups(&timed, &group_by, &sort);
            let (top, rest) = groups.split_at(groups.len().min(limit));
            for (order, (key, members)) in top.iter().enumerate() {
                let by: Vec<Value> = group_by
                    .iter()
                    .zip(key)
                    .map(|(k, v)| json!({"key": k, "value": v}))
                    .collect();
                for axis in &axes {
                    series.push(json!({
                        "values": buckets.series(members, axis),
                        "yAxis": axis,
                        "meta": buckets.meta(axis, Some((false, order))),
                        "groupBy": by,
                    }));
                }
            }
            let others: Vec<(i64, &Row)> = rest.iter().flat_map(|(_, m)| m.clone()).collect();
            if !others.is_empty() && params.get("excludeOther") != Some("1") {
                for axis in &axes {
                    series.push(json!({
                        "values": buckets.series(&others, axis),
                        "yAxis": axis,
                        "meta": buckets.meta(axis, Some((true, top.len()))),
                    }));
                }
            }
        }
    }
    Ok(Json(json!({
        "meta": {"dataset": dataset, "start": start, "end": end},
        "timeSeries": series,
    })))
}

/// A group's `groupBy` values (strings, or null when the row lacks the column).
type GroupKey = Vec<Value>;
/// A row with its time in Unix milliseconds.
type Timed<'r> = (i64, &'r Row);
/// One group's key and rows.
type Group<'r> = (GroupKey, Vec<Timed<'r>>);

/// The rows grouped by the `groupBy` columns, best first by `sort` (an aggregate over the
/// group's rows, or one of the grouped columns; `-` for descending).
fn ranked_groups<'r>(rows: &[Timed<'r>], group_by: &[String], sort: &str) -> Vec<Group<'r>> {
    let mut groups: Vec<Group<'r>> = Vec::new();
    for (ms, row) in rows {
        let key: GroupKey = group_by
            .iter()
            .map(|g| match row.get(g) {
                None | Some(Value::Null) => Value::Null,
                Some(Value::String(s)) => json!(s),
                Some(other) => json!(other.to_string()),
            })
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push((*ms, *row)),
            None => groups.push((key, vec![(*ms, *row)])),
        }
    }
    let (desc, col) = match sort.strip_prefix('-') {
        Some(c) => (true, c),
        None => (false, sort),
    };
    let rank = |(key, members): &Group<'r>| -> Value {
        match group_by.iter().position(|g| g == col) {
            Some(i) => key[i].clone(),
            None => {
                let (func, arg) = aggregate(col).unwrap_or(("count", ""));
                let refs: Vec<&Row> = members.iter().map(|(_, r)| *r).collect();
                aggregate_value(&refs, func, arg)
            }
        }
    };
    let mut ranked: Vec<(Value, Group<'r>)> = groups.into_iter().map(|g| (rank(&g), g)).collect();
    ranked.sort_by(|(a, _), (b, _)| {
        let ord = match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => a.as_str().unwrap_or("").cmp(b.as_str().unwrap_or("")),
        };
        if desc {
            ord.reverse()
        } else {
            ord
        }
    });
    ranked.into_iter().map(|(_, g)| g).collect()
}
