//! Session Replays, built from the `replay_event` and `replay_recording` envelope items ingest
//! kept: the replay index (`GET /organizations/{org}/replays/`), one replay
//! (`…/replays/{id}/`), its recording (`GET /projects/{org}/{proj}/replays/{id}/recording-segments/`)
//! and the replays of issues (`GET /organizations/{org}/replay-count/`).
//!
//! A replay is the fold of its segments' `replay_event`s, as Sentry aggregates them: first
//! start and last timestamp, every URL, error and trace id, the releases, the latest
//! environment/platform/SDK/user/browser/OS/device. Lists answer only the `field`s asked for,
//! as Sentry does.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::{find_org, find_project, iso_ms, paginate_vec, Page, Params};
use crate::api::issues::parse_period_ms;
use crate::auth::needs::EVENT_READ;
use crate::auth::Authed;
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::events::parse_timestamp_ms;
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route("/organizations/{org}/replays/", get(EVENT_READ, list))
        .route(
            "/organizations/{org}/replays/{id}/",
            get(EVENT_READ, detail),
        )
        .route(
            "/projects/{org}/{proj}/replays/{id}/recording-segments/",
            get(EVENT_READ, segments),
        )
        .route(
            "/organizations/{org}/replay-count/",
            get(EVENT_READ, replay_count),
        )
}

/// 32 lower-case hex digits, dashes dropped.
fn normalize(id: &str) -> Option<String> {
    let s: String = id.trim().chars().filter(|c| *c != '-').collect();
    (s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

struct Segment {
    project_id: i64,
    received_ms: i64,
    payload: Value,
}

/// The replay events of the org (optionally of some projects), grouped by replay id.
fn replay_events(
    c: &Connection,
    org: i64,
    projects: &[i64],
    only: Option<&str>,
) -> ApiResult<BTreeMap<String, Vec<Segment>>> {
    let mut stmt = c.prepare(
        "SELECT i.project_id, i.received_ms, i.payload, i.event_id FROM items i JOIN projects p ON p.id = i.project_id
         WHERE p.org_id = ?1 AND i.item_type = 'replay_event' ORDER BY i.id",
    )?;
    let rows = stmt
        .query_map([org], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out: BTreeMap<String, Vec<Segment>> = BTreeMap::new();
    for (project_id, received_ms, payload, event_id) in rows {
        if !projects.is_empty() && !projects.contains(&project_id) {
            continue;
        }
        let Some(payload) = payload.and_then(|p| serde_json::from_str::<Value>(&p).ok()) else {
            continue;
        };
        let id = payload
            .get("replay_id")
            .and_then(Value::as_str)
            .and_then(normalize)
            .or_else(|| event_id.as_deref().and_then(normalize));
        let Some(id) = id else { continue };
        if only.is_some_and(|o| o != id) {
            continue;
        }
        out.entry(id).or_default().push(Segment {
            project_id,
            received_ms,
            payload,
        });
    }
    Ok(out)
}

fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn get_str(v: &Value, path: &str) -> Value {
    v.pointer(path)
        .filter(|x| x.is_string())
        .cloned()
        .unwrap_or(Value::Null)
}

/// The number of recording segments stored for a replay.
fn segment_count(c: &Connection, project: i64, id: &str) -> ApiResult<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM items WHERE project_id = ?1 AND item_type = 'replay_recording' AND event_id = ?2",
        rusqlite::params![project, id],
        |r| r.get(0),
    )?)
}

/// One replay as Sentry serializes it, from its segments' events.
fn replay_json(c: &Connection, id: &str, segs: &[Segment]) -> ApiResult<Value> {
    let mut started: Option<i64> = None;
    let mut finished: Option<i64> = None;
    let mut urls = Vec::new();
    let mut errors = BTreeSet::new();
    let mut traces = BTreeSet::new();
    let mut releases = BTreeSet::new();
    let mut tags: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut segment_ids = BTreeSet::new();
    let last = &segs[segs.len() - 1].payload;
    for s in segs {
        let p = &s.payload;
        let ts = parse_timestamp_ms(p.get("timestamp")).unwrap_or(s.received_ms);
        let start = parse_timestamp_ms(p.get("replay_start_timestamp")).unwrap_or(ts);
        started = Some(started.map_or(start, |x| x.min(start)));
        finished = Some(finished.map_or(ts, |x| x.max(ts)));
        urls.extend(strs(p.get("urls")));
        errors.extend(
            strs(p.get("error_ids"))
                .into_iter()
                .filter_map(|e| normalize(&e)),
        );
        traces.extend(
            strs(p.get("trace_ids"))
                .into_iter()
                .filter_map(|e| normalize(&e)),
        );
        if let Some(r) = p.get("release").and_then(Value::as_str) {
            releases.insert(r.to_string());
        }
        if let Some(n) = p.get("segment_id").and_then(Value::as_i64) {
            segment_ids.insert(n);
        }
        match p.get("tags") {
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    if let Some(v) = v.as_str() {
                        tags.entry(k.clone()).or_default().insert(v.to_string());
                    }
                }
            }
            Some(Value::Array(a)) => {
                for t in a {
                    if let (Some(k), Some(v)) = (
                        t.get(0).and_then(Value::as_str),
                        t.get(1).and_then(Value::as_str),
                    ) {
                        tags.entry(k.to_string()).or_default().insert(v.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let (started, finished) = (started.unwrap_or(0), finished.unwrap_or(0));
    let project_id = segs[0].project_id;
    let stored = segment_count(c, project_id, id)?;
    let count_segments = stored.max(segment_ids.len() as i64);
    let count_errors = errors.len() as i64;
    let count_urls = urls.len() as i64;
    // Sentry's activity score: errors weigh 25, pages 5, scaled to 1..=10.
    let activity = ((count_errors * 25 + count_urls * 5) / 10).clamp(1, 10);
    let user = last.get("user").cloned().unwrap_or(Value::Null);
    let u = |k: &str| {
        user.get(k)
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let display = ["username", "email", "id", "ip_address"]
        .iter()
        .map(|k| u(k))
        .find(|v| !v.is_null())
        .unwrap_or(Value::Null);
    let user_id = match u("id") {
        Value::Number(n) => Value::String(n.to_string()),
        other => other,
    };
    let browser = json!({"name": get_str(last, "/contexts/browser/name"), "version": get_str(last, "/contexts/browser/version")});
    let device = json!({
        "brand": get_str(last, "/contexts/device/brand"),
        "family": get_str(last, "/contexts/device/family"),
        "model_id": get_str(last, "/contexts/device/model_id"),
        "name": get_str(last, "/contexts/device/name"),
    });
    let os = json!({"name": get_str(last, "/contexts/os/name"), "version": get_str(last, "/contexts/os/version")});
    let sdk = json!({"name": get_str(last, "/sdk/name"), "version": get_str(last, "/sdk/version")});
    let user = json!({
        "id": user_id,
        "username": u("username"),
        "email": u("email"),
        "ip": u("ip_address"),
        "display_name": display,
        "geo": {"city": null, "country_code": null, "region": null, "subdivision": null},
    });
    let tags: Map<String, Value> = tags
        .into_iter()
        .map(|(k, v)| (k, json!(v.into_iter().collect::<Vec<_>>())))
        .collect();
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("activity", json!(activity));
    put("browser", browser);
    put("clicks", json!([]));
    put("count_dead_clicks", json!(0));
    put("count_errors", json!(count_errors));
    put("count_infos", json!(0));
    put("count_rage_clicks", json!(0));
    put("count_segments", json!(count_segments));
    put("count_urls", json!(count_urls));
    put("count_warnings", json!(0));
    put("device", device);
    put("dist", get_str(last, "/dist"));
    put("duration", json!((finished - started).max(0) / 1000));
    put("environment", get_str(last, "/environment"));
    put("error_ids", json!(errors.into_iter().collect::<Vec<_>>()));
    put("finished_at", json!(iso_ms(finished)));
    put("has_viewed", json!(false));
    put("id", json!(id));
    put("info_ids", json!([]));
    put("is_archived", json!(false));
    put("os", os);
    put(
        "ota_updates",
        json!({"channel": null, "runtime_version": null, "update_id": null}),
    );
    put("platform", get_str(last, "/platform"));
    put("project_id", json!(project_id.to_string()));
    put("releases", json!(releases.into_iter().collect::<Vec<_>>()));
    put(
        "replay_type",
        json!(last
            .get("replay_type")
            .and_then(Value::as_str)
            .unwrap_or("session")),
    );
    put("sdk", sdk);
    put("started_at", json!(iso_ms(started)));
    put("tags", Value::Object(tags));
    put("trace_ids", json!(traces.into_iter().collect::<Vec<_>>()));
    put("urls", json!(urls));
    put("user", user);
    put("warning_ids", json!([]));
    Ok(Value::Object(m))
}

/// Does `replay` match every `key:value` term of `query` (a small subset of Sentry's replay
/// search: ids, trace, environment, release, platform and user fields)?
fn matches(replay: &Value, query: &str) -> bool {
    super::search_tokens(query).iter().all(|t| {
        let Some((key, value)) = t.split_once(':') else {
            return true;
        };
        let value = value.trim_matches('"');
        let has = |list: &str| {
            replay[list]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(value)))
        };
        match key {
            "id" | "replay_id" => replay["id"] == value,
            "trace" | "trace_id" | "trace_ids" => has("trace_ids"),
            "error_id" | "error_ids" => has("error_ids"),
            "release" | "releases" => has("releases"),
            "url" | "urls" => has("urls"),
            "environment" | "platform" | "dist" => replay[key] == value,
            "user.email" => replay["user"]["email"] == value,
            "user.id" => replay["user"]["id"] == value,
            "user.username" => replay["user"]["username"] == value,
            _ => true,
        }
    })
}

fn sort_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn project_filter(
    c: &Connection,
    authed: &Authed,
    org: &str,
    params: &Params,
) -> ApiResult<Vec<i64>> {
    let mut ids: Vec<i64> = params.project_ids();
    for slug in params.get_all("projectSlug") {
        ids.push(find_project(c, authed, org, slug)?.1.id);
    }
    Ok(ids)
}

async fn list(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, 50)?;
    let st = state.clone();
    let p2 = params.clone();
    let rows = state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let projects = project_filter(c, &authed, &org, &params)?;
            let since = match params.get("statsPeriod").filter(|s| !s.is_empty()) {
                Some(p) => {
                    now_ms()
                        - parse_period_ms(p).ok_or_else(|| {
                            ApiError::bad_request(format!("Invalid statsPeriod: {p}"))
                        })?
                }
                None => 0,
            };
            let envs = params.get_all("environment");
            let query = params.get("query").unwrap_or("").to_string();
            let mut all = Vec::new();
            for (id, segs) in replay_events(c, o.id, &projects, None)? {
                let r = replay_json(c, &id, &segs)?;
                let finished = parse_timestamp_ms(r.get("finished_at")).unwrap_or(0);
                if finished < since
                    || (!envs.is_empty() && !envs.iter().any(|e| r["environment"] == *e))
                    || !matches(&r, &query)
                {
                    continue;
                }
                all.push(r);
            }
            let sort = params.get("sort").unwrap_or("-started_at");
            let (desc, key) = match sort.strip_prefix('-') {
                Some(k) => (true, k),
                None => (false, sort),
            };
            // Sorts name nested fields with dots (`user.email`, `browser.name`);
            // `count_screens` is Sentry's other name for `count_urls`.
            let key = if key == "count_screens" {
                "count_urls"
            } else {
                key
            };
            let path = format!("/{}", key.replace('.', "/"));
            let at = |r: &Value| r.pointer(&path).cloned().unwrap_or(Value::Null);
            all.sort_by(|a, b| {
                let ord = match (&at(a), &at(b)) {
                    (Value::Number(x), Value::Number(y)) => x
                        .as_f64()
                        .unwrap_or(0.0)
                        .total_cmp(&y.as_f64().unwrap_or(0.0)),
                    // A missing value sorts as the empty string, as Sentry's index does.
                    (x, y) => sort_text(x).cmp(&sort_text(y)),
                };
                if desc { ord.reverse() } else { ord }
                    .then_with(|| b["id"].to_string().cmp(&a["id"].to_string()))
            });
            let fields = params.get_all("field");
            if !fields.is_empty() {
                for r in &mut all {
                    if let Some(m) = r.as_object_mut() {
                        m.retain(|k, _| fields.contains(&k.as_str()));
                    }
                }
            }
            Ok(all)
        })
        .await?;
    let (rows, has_more) = page.slice(rows);
    Ok(super::with_link(
        &st,
        &p2,
        page,
        has_more,
        json!({ "data": rows }),
    ))
}

async fn detail(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let id = normalize(&id).ok_or_else(ApiError::not_found)?;
            let found = replay_events(c, o.id, &[], Some(&id))?;
            let segs = found.get(&id).ok_or_else(ApiError::not_found)?;
            Ok(Json(json!({ "data": replay_json(c, &id, segs)? })))
        })
        .await
}

/// The rrweb events of one stored `replay_recording` payload: a JSON header line
/// (`{"segment_id":N}`), then the events as JSON, zlib-compressed or not.
fn recording(data: &[u8]) -> Option<(i64, Value)> {
    let nl = data.iter().position(|b| *b == b'\n')?;
    let header: Value = serde_json::from_slice(&data[..nl]).ok()?;
    let segment = header
        .get("segment_id")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let body = &data[nl + 1..];
    let events: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(body)
                .read_to_end(&mut out)
                .ok()?;
            serde_json::from_slice(&out).ok()?
        }
    };
    Some((segment, events))
}

async fn segments(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj, id)): Path<(String, String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, 100)?;
    let st = state.clone();
    let p2 = params.clone();
    let all = state
        .db
        .call(move |c| {
            let (_, p) = find_project(c, &authed, &org, &proj)?;
            let id = normalize(&id).ok_or_else(ApiError::not_found)?;
            let mut stmt = c.prepare(
                "SELECT COALESCE(data, CAST(payload AS BLOB)) FROM items
                 WHERE project_id = ?1 AND item_type = 'replay_recording' AND event_id = ?2 ORDER BY id",
            )?;
            let blobs = stmt
                .query_map(rusqlite::params![p.id, id], |r| r.get::<_, Vec<u8>>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut segs: Vec<(i64, Value)> = blobs.iter().filter_map(|b| recording(b)).collect();
            segs.sort_by_key(|(n, _)| *n);
            Ok(segs.into_iter().map(|(_, v)| v).collect::<Vec<_>>())
        })
        .await?;
    Ok(paginate_vec(&st, &p2, page, all))
}

/// `{issue_id: [replay ids]}` for `query=issue.id:[…]`: the replays whose error ids include
/// an event of the issue.
async fn replay_count(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let query = params.get("query").unwrap_or("");
            let ids: Vec<i64> = query
                .split_once("issue.id:")
                .map(|(_, rest)| {
                    rest.trim_start_matches('[')
                        .split([',', ']', ' '])
                        .filter_map(|s| s.trim().parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            let replays: Vec<(String, Vec<String>)> = replay_events(c, o.id, &[], None)?
                .into_iter()
                .map(|(id, segs)| {
                    let errs = segs
                        .iter()
                        .flat_map(|s| strs(s.payload.get("error_ids")))
                        .filter_map(|e| normalize(&e))
                        .collect();
                    (id, errs)
                })
                .collect();
            let mut out = Map::new();
            for g in ids {
                let mut stmt = c.prepare("SELECT event_id FROM events WHERE group_id = ?1")?;
                let events: BTreeSet<String> = stmt
                    .query_map([g], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let found: Vec<Value> = replays
                    .iter()
                    .filter(|(_, errs)| errs.iter().any(|e| events.contains(e)))
                    .map(|(id, _)| json!(id))
                    .collect();
                if !found.is_empty() {
                    out.insert(g.to_string(), Value::Array(found));
                }
            }
            Ok(Json(Value::Object(out)))
        })
        .await
}
