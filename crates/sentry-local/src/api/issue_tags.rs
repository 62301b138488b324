//! The value distribution of one tag of an issue: `GET /organizations/{org}/issues/{id}/tags/{key}/`
//! (`sentry issue tags`).
//!
//! Counted from the issue's stored events (the tags Sentry would index for each, see
//! [`crate::events::event_tags`]), so the numbers always agree with what `event view` shows:
//! `totalValues` is the number of events in scope (missing values included, as Sentry counts
//! retained events), `uniqueValues` the distinct values, `topValues` the nine most frequent
//! with their first and last sighting.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Map, Value};

use super::{iso_ms, Params};
use crate::api::issues::resolve_group;
use crate::auth::needs::EVENT_READ;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

/// Sentry returns at most this many top values.
const TOP_VALUES: usize = 9;

pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/issues/{id}/tags/{key}/",
        get(EVENT_READ, tag_values),
    )
}

/// Sentry's display label of a tag key (`server_name` → "Server", `browser.name` →
/// "Browser.Name").
pub fn tag_label(key: &str) -> String {
    match key {
        "exc_type" => return "Exception Type".into(),
        "user" => return "User".into(),
        "release" => return "Release".into(),
        "dist" => return "Distribution".into(),
        "os" => return "OS".into(),
        "url" => return "URL".into(),
        "server_name" => return "Server".into(),
        _ => {}
    }
    key.replace('_', " ")
        .split(' ')
        .map(|w| {
            w.split('.')
                .map(|p| {
                    let mut c = p.chars();
                    match c.next() {
                        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                        None => String::new(),
                    }
                })
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Seen {
    count: i64,
    first_ms: i64,
    last_ms: i64,
}

async fn tag_values(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, id, key)): Path<(String, String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    // Built-in keys may be asked for with Sentry's prefix.
    let key = key.strip_prefix("sentry:").unwrap_or(&key).to_string();
    let envs: Vec<String> = params
        .get_all("environment")
        .iter()
        .map(|s| s.to_string())
        .collect();
    state
        .db
        .call(move |c| {
            let (g, _, _) = resolve_group(c, &authed, Some(&org), &id)?;
            let mut stmt =
                c.prepare("SELECT timestamp_ms, payload FROM events WHERE group_id = ?1")?;
            let rows = stmt
                .query_map([g.id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut total = 0i64;
            let mut values: HashMap<String, Seen> = HashMap::new();
            for (ts, payload) in rows {
                let ev: Map<String, Value> = serde_json::from_str(&payload).unwrap_or_default();
                let tags = crate::events::event_tags(&ev);
                if !envs.is_empty() {
                    let env = tags
                        .iter()
                        .find(|(k, _)| k == "environment")
                        .map(|(_, v)| v);
                    if !env.is_some_and(|e| envs.contains(e)) {
                        continue;
                    }
                }
                total += 1;
                if let Some((_, v)) = tags.into_iter().find(|(k, _)| *k == key) {
                    let s = values.entry(v).or_insert(Seen {
                        count: 0,
                        first_ms: ts,
                        last_ms: ts,
                    });
                    s.count += 1;
                    s.first_ms = s.first_ms.min(ts);
                    s.last_ms = s.last_ms.max(ts);
                }
            }
            if values.is_empty() {
                return Err(ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "The requested resource does not exist",
                ));
            }
            let unique = values.len();
            let mut top: Vec<(String, Seen)> = values.into_iter().collect();
            top.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
            let name = tag_label(&key);
            let top_values: Vec<Value> = top
                .into_iter()
                .take(TOP_VALUES)
                .map(|(v, s)| {
                    json!({
                        "key": key,
                        "name": v,
                        "value": v,
                        "count": s.count,
                        "lastSeen": iso_ms(s.last_ms),
                        "firstSeen": iso_ms(s.first_ms),
                    })
                })
                .collect();
            Ok(Json(json!({
                "key": key,
                "name": name,
                "uniqueValues": unique,
                "totalValues": total,
                "topValues": top_values,
            })))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::tag_label;

    #[test]
    fn labels() {
        assert_eq!(tag_label("server_name"), "Server");
        assert_eq!(tag_label("level"), "Level");
        assert_eq!(tag_label("browser.name"), "Browser.Name");
        assert_eq!(tag_label("my_tag"), "My Tag");
    }
}
