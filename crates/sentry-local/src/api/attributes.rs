//! Attribute discovery: `GET /organizations/{org}/trace-items/attributes/` (`sentry attribute
//! list`), the keys that can be queried on spans, logs and trace metrics.
//!
//! Keys come from what ingest kept (span `data`, transaction tags and trace context data,
//! log record and trace metric attributes) plus the built-in keys Sentry always offers for the dataset, which
//! is why a key can be listed with no item carrying it. Like Sentry, custom non-string keys are
//! spelled `tags[name,number]` (`boolean`, `array`) and the request picks one
//! `attributeType` at a time; `substringMatch` filters names (case-sensitive) and
//! `query=has:<key> …` keeps the keys seen on items that carry all the named keys.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::response::Response;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::{find_org, paginate_vec, Page, Params};
use crate::api::issues::parse_period_ms;
use crate::auth::needs::EVENT_READ;
use crate::auth::Authed;
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/trace-items/attributes/",
        get(EVENT_READ, list),
    )
}

/// Built-in keys of each dataset: (name, type).
fn builtins(dataset: &str) -> &'static [(&'static str, &'static str)] {
    match dataset {
        "logs" => &[
            ("environment", "string"),
            ("message", "string"),
            ("project", "string"),
            ("release", "string"),
            ("sdk.name", "string"),
            ("sdk.version", "string"),
            ("severity", "string"),
            ("severity_number", "number"),
            ("span_id", "string"),
            ("timestamp", "string"),
            ("trace", "string"),
        ],
        "tracemetrics" => &[
            ("metric.name", "string"),
            ("metric.type", "string"),
            ("metric.unit", "string"),
            ("project", "string"),
            ("trace", "string"),
            ("value", "number"),
        ],
        _ => &[
            ("environment", "string"),
            ("project", "string"),
            ("release", "string"),
            ("span.description", "string"),
            ("span.duration", "number"),
            ("span.op", "string"),
            ("span.status", "string"),
            ("timestamp", "string"),
            ("trace", "string"),
            ("transaction", "string"),
        ],
    }
}

/// The attribute type of a JSON value (or of a typed log attribute's `type`).
fn type_of(v: &Value) -> &'static str {
    if let Some(t) = v.get("type").and_then(Value::as_str) {
        return match t {
            "integer" | "double" | "float" | "number" => "number",
            "boolean" | "bool" => "boolean",
            "array" => "array",
            _ => "string",
        };
    }
    match v.get("value").unwrap_or(v) {
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Array(_) => "array",
        _ => "string",
    }
}

/// The keys (name → type) carried by each item of the dataset.
fn item_keys(
    c: &Connection,
    org: i64,
    dataset: &str,
    projects: &[String],
    since: i64,
) -> ApiResult<Vec<BTreeMap<String, &'static str>>> {
    let item_type = match dataset {
        "logs" => "log",
        "spans" => "transaction",
        "tracemetrics" => return metric_keys(c, org, projects, since),
        _ => return Ok(Vec::new()),
    };
    let mut stmt = c.prepare(
        "SELECT i.payload, p.slug, CAST(p.id AS TEXT) FROM items i JOIN projects p ON p.id = i.project_id
         WHERE p.org_id = ?1 AND i.item_type = ?2 AND i.received_ms >= ?3",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![org, item_type, since], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (payload, slug, id) in rows {
        if !projects.is_empty() && !projects.iter().any(|p| *p == slug || *p == id) {
            continue;
        }
        let Some(p) = payload.and_then(|s| serde_json::from_str::<Value>(&s).ok()) else {
            continue;
        };
        if dataset == "logs" {
            let records: Vec<&Value> = match p.get("items").and_then(Value::as_array) {
                Some(list) => list.iter().collect(),
                None => vec![&p],
            };
            for rec in records {
                let mut keys = BTreeMap::new();
                if let Some(Value::Object(attrs)) = rec.get("attributes") {
                    for (k, v) in attrs {
                        if !k.starts_with("sentry.") {
                            keys.insert(k.clone(), type_of(v));
                        }
                    }
                }
                out.push(keys);
            }
            continue;
        }
        let mut shared = BTreeMap::new();
        if let Some(Value::Object(tags)) = p.get("tags") {
            for (k, v) in tags {
                shared.insert(k.clone(), type_of(v));
            }
        }
        let mut root = shared.clone();
        if let Some(Value::Object(data)) = p.pointer("/contexts/trace/data") {
            for (k, v) in data {
                root.insert(k.clone(), type_of(v));
            }
        }
        out.push(root);
        for s in p
            .get("spans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut keys = shared.clone();
            if let Some(Value::Object(data)) = s.get("data") {
                for (k, v) in data {
                    keys.insert(k.clone(), type_of(v));
                }
            }
            out.push(keys);
        }
    }
    Ok(out)
}

/// The attribute keys of each trace metric sample (`sentry.*` ones are built in).
fn metric_keys(
    c: &Connection,
    org: i64,
    projects: &[String],
    since: i64,
) -> ApiResult<Vec<BTreeMap<String, &'static str>>> {
    let mut stmt = c.prepare(
        "SELECT m.attributes, p.slug, CAST(p.id AS TEXT) FROM trace_metrics m JOIN projects p ON p.id = m.project_id
         WHERE p.org_id = ?1 AND m.timestamp_ms >= ?2",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![org, since], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter(|(_, slug, id)| {
            projects.is_empty() || projects.iter().any(|p| p == slug || p == id)
        })
        .map(
            |(attrs, _, _)| match serde_json::from_str::<Value>(&attrs) {
                Ok(Value::Object(a)) => a
                    .iter()
                    .filter(|(k, _)| !k.starts_with("sentry."))
                    .map(|(k, v)| (k.clone(), type_of(v)))
                    .collect(),
                _ => BTreeMap::new(),
            },
        )
        .collect())
}

async fn list(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let dataset = params
        .get("itemType")
        .or_else(|| params.get("dataset"))
        .unwrap_or("spans")
        .to_string();
    if !matches!(dataset.as_str(), "spans" | "logs" | "tracemetrics") {
        return Err(ApiError::bad_request(format!(
            "Unsupported dataset: {dataset}"
        )));
    }
    let page = Page::from_params(&params, 100)?;
    let st = state.clone();
    let p2 = params.clone();
    state
        .db
        .clone()
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let period = params.get("statsPeriod").unwrap_or("7d");
            let since = now_ms() - parse_period_ms(period).unwrap_or(7 * 86_400_000);
            let projects: Vec<String> = params
                .get_all("project")
                .iter()
                .map(|s| s.to_string())
                .collect();
            let items = item_keys(c, o.id, &dataset, &projects, since)?;
            let required: Vec<String> = params
                .get("query")
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|t| t.strip_prefix("has:"))
                .map(str::to_string)
                .collect();
            let types: Vec<String> = params
                .get_all("attributeType")
                .iter()
                .map(|s| s.to_string())
                .collect();
            let substring = params.get("substringMatch").unwrap_or("").to_string();
            // (name, type, source): custom keys seen on matching items, then built-ins.
            let mut found: BTreeSet<(String, &'static str, &'static str)> = BTreeSet::new();
            for keys in &items {
                let matches = required.iter().all(|r| {
                    keys.contains_key(r) || keys.keys().any(|k| custom_key(k, keys[k]) == *r)
                });
                if !matches {
                    continue;
                }
                for (k, t) in keys {
                    found.insert((k.clone(), t, "user"));
                }
            }
            if required.is_empty() {
                for (k, t) in builtins(&dataset) {
                    found.insert((k.to_string(), t, "sentry"));
                }
            }
            let rows: Vec<Value> = found
                .into_iter()
                .filter(|(name, t, _)| {
                    (types.is_empty() || types.iter().any(|x| x == t))
                        && (substring.is_empty() || name.contains(&substring))
                })
                .map(|(name, t, source)| {
                    let key = if source == "user" {
                        custom_key(&name, t)
                    } else {
                        name.clone()
                    };
                    json!({
                        "key": key,
                        "name": name,
                        "attributeType": t,
                        "attributeSource": {"source_type": source},
                    })
                })
                .collect();
            Ok(rows)
        })
        .await
        .map(|rows| paginate_vec(&st, &p2, page, rows))
}

/// How Sentry spells a custom key: strings by name, others as `tags[name,type]`.
fn custom_key(name: &str, t: &str) -> String {
    if t == "string" {
        name.to_string()
    } else {
        format!("tags[{name},{t}]")
    }
}
