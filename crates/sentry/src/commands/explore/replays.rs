//! `explore --dataset replays`: the Session Replay index (`GET /organizations/{org}/replays/`)
//! shown as an explore table.
//!
//! Replays are not an Events API dataset: there are no aggregates, and each `-F` is a replay
//! field read from the index's replay objects: a top-level value (`count_errors`), a dotted path
//! into one (`user.email`, `browser.version`), or one of the index's shorthands (`url` is the
//! first URL, `user` the display name, `browser` the browser name, ...). The request asks the
//! index for the roots those fields need, plus `id`; `environment` goes as parameters and the
//! project as `projectSlug`, with the sort (default `-started_at`) checked against the index's
//! sortable fields before any request.

use serde_json::{json, Map, Value};

use sentry_api::OrgApi;

use super::TablePage;
use crate::error::{CliError, CliResult};

/// The API dataset name, as `--dataset` parses and `--json` reports it.
pub(super) const DATASET: &str = "replays";

/// The sort when none is given.
pub(super) const DEFAULT_SORT: &str = "-started_at";

/// The fields shown when no `-F` is given.
pub(super) const DEFAULT_FIELDS: [&str; 8] = [
    "id",
    "started_at",
    "duration",
    "count_errors",
    "count_rage_clicks",
    "count_dead_clicks",
    "url",
    "user.email",
];

/// Every field `-F` accepts (sorted): the replay object's leaf paths the index can return, and
/// the shorthands of [`shorthand`].
const FIELDS: [&str; 66] = [
    "activity",
    "browser",
    "browser.name",
    "browser.version",
    "clicks",
    "count_dead_clicks",
    "count_errors",
    "count_infos",
    "count_rage_clicks",
    "count_screens",
    "count_segments",
    "count_traces",
    "count_urls",
    "count_warnings",
    "device",
    "device.brand",
    "device.family",
    "device.model",
    "device.name",
    "dist",
    "duration",
    "environment",
    "error_id",
    "error_ids",
    "finished_at",
    "has_viewed",
    "id",
    "is_archived",
    "os",
    "os.name",
    "os.version",
    "ota_updates.channel",
    "ota_updates.runtime_version",
    "ota_updates.update_id",
    "platform",
    "project_id",
    "release",
    "releases",
    "replay_type",
    "screen",
    "screens",
    "sdk",
    "sdk.name",
    "sdk.version",
    "seen_by_me",
    "segment_names",
    "started_at",
    "tags",
    "trace",
    "trace_id",
    "trace_ids",
    "url",
    "urls",
    "user",
    "user.display",
    "user.display_name",
    "user.email",
    "user.geo.city",
    "user.geo.country_code",
    "user.geo.region",
    "user.geo.subdivision",
    "user.id",
    "user.ip",
    "user.ip_address",
    "user.username",
    "viewed_by_me",
];

/// A shorthand field: the index field it needs and how its value is derived.
struct Shorthand {
    root: &'static str,
    read: fn(&Value) -> Option<Value>,
}

fn first(v: &Value, key: &str) -> Option<Value> {
    v.get(key)?.as_array()?.first().cloned()
}

/// `v[a][b]`, absent when either level is missing or not an object.
fn nested(v: &Value, a: &str, b: &str) -> Option<Value> {
    v.get(a)?.as_object()?.get(b).cloned()
}

/// The user's display name: display name, username, email, id, then IP (nulls skipped).
fn user_display(v: &Value) -> Option<Value> {
    let u = v.get("user")?.as_object()?;
    ["display_name", "username", "email", "id", "ip"]
        .iter()
        .find_map(|k| u.get(*k).filter(|x| !x.is_null()).cloned())
}

fn shorthand(field: &str) -> Option<Shorthand> {
    let s = |root, read| Some(Shorthand { root, read });
    match field {
        "browser" => s("browser", |v| nested(v, "browser", "name")),
        "count_screens" => s("count_urls", |v| v.get("count_urls").cloned()),
        "count_traces" => s("trace_ids", |v| {
            v.get("trace_ids")?.as_array().map(|a| json!(a.len()))
        }),
        "device" => s("device", |v| nested(v, "device", "name")),
        "error_id" => s("error_ids", |v| first(v, "error_ids")),
        "os" => s("os", |v| nested(v, "os", "name")),
        "release" => s("releases", |v| first(v, "releases")),
        "screen" | "url" => s("urls", |v| first(v, "urls")),
        "screens" => s("urls", |v| v.get("urls").cloned()),
        "sdk" => s("sdk", |v| nested(v, "sdk", "name")),
        "seen_by_me" | "viewed_by_me" => s("has_viewed", |v| v.get("has_viewed").cloned()),
        "trace" | "trace_id" => s("trace_ids", |v| first(v, "trace_ids")),
        "user" | "user.display" => s("user", user_display),
        "user.ip_address" => s("user", |v| nested(v, "user", "ip")),
        _ => None,
    }
}

/// The index field a `-F` field needs: its shorthand's root, else the part before the first dot.
fn root(field: &str) -> &str {
    match shorthand(field) {
        Some(s) => s.root,
        None => field.split('.').next().unwrap_or(field),
    }
}

/// `-F` fields and `--sort` for the replay index, checked before any request; returns the
/// sort to send.
pub(super) fn check(fields: &[String], sort: Option<&str>) -> CliResult<String> {
    if let Some(bad) = fields.iter().find(|f| !FIELDS.contains(&f.as_str())) {
        return Err(CliError::validation(format!(
            "Unsupported replay field \"{bad}\". Supported fields include: {}...",
            FIELDS[..12].join(", ")
        )));
    }
    let sort = sort.unwrap_or(DEFAULT_SORT);
    if !crate::commands::replay::list::SORTABLE.contains(&sort.strip_prefix('-').unwrap_or(sort)) {
        return Err(CliError::validation(format!(
            "Invalid replay sort \"{sort}\". Use a replay sort like {DEFAULT_SORT} or -count_errors."
        )));
    }
    Ok(sort.to_string())
}

/// The `field=` parameters: `id`, then each field's root, once each.
fn api_fields(fields: &[String]) -> Vec<&str> {
    let mut out = vec!["id"];
    for f in fields {
        let r = root(f);
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// A field's value in a replay; `None` (the key left out of the row) when the replay has
/// nothing at that path.
fn value(replay: &Value, field: &str) -> Option<Value> {
    if let Some(s) = shorthand(field) {
        return (s.read)(replay);
    }
    let mut v = replay;
    for part in field.split('.') {
        v = v.as_object()?.get(part)?;
    }
    Some(v.clone())
}

/// How explore types a replay field: `duration` in seconds, counts and `activity` integers,
/// everything else a string.
fn field_type(field: &str) -> &'static str {
    if field == "duration" {
        "duration"
    } else if field == "activity" || field.starts_with("count_") {
        "integer"
    } else {
        "string"
    }
}

/// The request: what the table needs from the index.
pub(super) struct Query<'a> {
    pub fields: &'a [String],
    pub project: Option<&'a str>,
    pub environments: &'a [String],
    pub query: Option<&'a str>,
    pub sort: &'a str,
    pub period: &'a [(&'static str, String)],
    pub limit: usize,
    pub cursor: Option<String>,
    pub max_pages: usize,
}

/// Up to `limit` replays of the index as rows of the requested fields, with explore's
/// `meta` (field types, and `s` as the unit of `duration`).
pub(super) fn fetch(org: &OrgApi<'_>, q: Query<'_>) -> CliResult<TablePage> {
    let mut req = org.replays();
    for e in q.environments {
        req = req.query("environment", e.as_str());
    }
    for f in api_fields(q.fields) {
        req = req.query("field", f);
    }
    if let Some(p) = q.project {
        req = req.query("projectSlug", p);
    }
    if let Some(text) = q.query {
        req = req.query("query", text);
    }
    req = req.query("sort", q.sort);
    for (k, v) in q.period {
        req = req.query(*k, v.as_str());
    }
    let page = crate::commands::replay::list::data_pages(req, q.limit, q.max_pages, q.cursor)?;
    let data = page
        .items
        .iter()
        .map(|r| {
            let mut row = Map::new();
            for f in q.fields {
                if let Some(v) = value(r, f) {
                    row.insert(f.clone(), v);
                }
            }
            Value::Object(row)
        })
        .collect();
    let mut types = Map::new();
    let mut units = Map::new();
    for f in q.fields {
        types.insert(f.clone(), json!(field_type(f)));
        units.insert(f.clone(), json!((f == "duration").then_some("s")));
    }
    Ok(TablePage {
        data,
        meta: json!({"fields": types, "units": units}),
        next: page.next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fields_and_sorts_are_checked() {
        assert_eq!(
            check(&strings(&DEFAULT_FIELDS), None).unwrap(),
            "-started_at"
        );
        assert_eq!(
            check(&strings(&["activity"]), Some("count_errors")).unwrap(),
            "count_errors"
        );
        let e = check(&strings(&["activity", "bogus"]), None).unwrap_err();
        assert_eq!(e.exit_code, 21);
        assert_eq!(e.message, "Unsupported replay field \"bogus\". Supported fields include: activity, browser, browser.name, browser.version, clicks, count_dead_clicks, count_errors, count_infos, count_rage_clicks, count_screens, count_segments, count_traces...");
        let e = check(&strings(&["id"]), Some("bogus")).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid replay sort \"bogus\". Use a replay sort like -started_at or -count_errors."
        );
        let mut sorted = FIELDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, FIELDS);
    }

    #[test]
    fn the_index_is_asked_for_the_roots() {
        assert_eq!(
            api_fields(&strings(&DEFAULT_FIELDS)),
            [
                "id",
                "started_at",
                "duration",
                "count_errors",
                "count_rage_clicks",
                "count_dead_clicks",
                "urls",
                "user"
            ]
        );
        assert_eq!(
            api_fields(&strings(&["count_screens", "os.name", "trace", "browser"])),
            ["id", "count_urls", "os", "trace_ids", "browser"]
        );
    }

    #[test]
    fn values_follow_paths_and_shorthands() {
        let r = json!({
            "urls": ["https://a/1", "https://a/2"], "trace_ids": ["t1"], "count_urls": 2,
            "user": {"email": null, "username": "ada", "geo": {"city": "Paris"}},
            "browser": {"name": "Chrome", "version": "120"}, "releases": [],
        });
        let v = |f: &str| value(&r, f);
        assert_eq!(v("url"), Some(json!("https://a/1")));
        assert_eq!(v("screens"), Some(json!(["https://a/1", "https://a/2"])));
        assert_eq!(v("count_traces"), Some(json!(1)));
        assert_eq!(v("count_screens"), Some(json!(2)));
        assert_eq!(v("user"), Some(json!("ada")), "null email skipped");
        assert_eq!(v("user.email"), Some(Value::Null));
        assert_eq!(v("user.geo.city"), Some(json!("Paris")));
        assert_eq!(v("browser"), Some(json!("Chrome")));
        assert_eq!(v("release"), None, "no release: left out");
        assert_eq!(v("device.name"), None);
        assert_eq!(field_type("count_errors"), "integer");
        assert_eq!(field_type("duration"), "duration");
        assert_eq!(field_type("url"), "string");
    }
}
