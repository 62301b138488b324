//! The REST API under `/api/0/`, one module per resource, with Sentry's field names and shapes.
//!
//! Every module adds its routes (paths relative to `/api/0`) to one [`ApiRouter`], which puts
//! them under that prefix; each route declares the scope Sentry requires for it
//! ([`crate::auth::needs`]). Handlers run their SQL through [`crate::db::Db::call`].
//!
//! Shared here: query-string access that keeps repeated keys (`id=1&id=2`), Sentry-style
//! cursor pagination with `Link` headers, org/project lookup that enforces org-token
//! boundaries, and the small serializers several resources embed (user, project summary).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::routing::ApiRouter;
use crate::state::AppState;

mod attributes;
mod body;
mod events;
mod explore;
mod identity;
mod issue_tags;
pub(crate) mod issues;
pub(crate) mod monitors;
mod orgs;
mod projects;
mod releases;
mod replays;
mod repos;
mod teams;
mod timeseries;
mod tracemetrics;
mod uploads;

pub(crate) use body::{present, IdOrSlug, JsonBody};

/// The whole REST API, under `/api/0`.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let api = ApiRouter::new(state);
    let api = identity::routes(api);
    let api = orgs::routes(api);
    let api = projects::routes(api);
    let api = teams::routes(api);
    let api = repos::routes(api);
    let api = issues::routes(api);
    let api = issue_tags::routes(api);
    let api = events::routes(api);
    let api = releases::routes(api);
    let api = uploads::routes(api);
    let api = monitors::routes(api);
    let api = explore::routes(api);
    let api = timeseries::routes(api);
    let api = attributes::routes(api);
    let api = replays::routes(api);
    api.into_router()
}

/// The query string as ordered pairs; unlike `Query<HashMap>` it keeps repeated keys.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub pairs: Vec<(String, String)>,
    /// Request path, for building `Link` URLs.
    pub path: String,
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn get_all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// The numeric `project=` filters. `-1` is Sentry's "all my projects" sentinel, so it
    /// filters nothing; non-numeric values are ignored as Sentry ignores them.
    pub fn project_ids(&self) -> Vec<i64> {
        self.get_all("project")
            .iter()
            .filter_map(|p| p.parse::<i64>().ok())
            .filter(|p| *p != -1)
            .collect()
    }
    /// True when `collapse=<what>` was sent (the CLI trims responses this way).
    pub fn collapsed(&self, what: &str) -> bool {
        self.get_all("collapse")
            .iter()
            .any(|c| c.split(',').any(|p| p == what))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let pairs = parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(Params {
            pairs,
            path: parts.uri.path().to_string(),
        })
    }
}

/// One page of a list: row offset and size, decoded from `cursor` and `per_page`/`limit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

/// Sentry's page cap.
pub const MAX_PER_PAGE: usize = 100;

impl Page {
    /// Reads `per_page` (or `limit`) and `cursor` (`<value>:<offset>:<is_prev>`).
    pub fn from_params(p: &Params, default_limit: usize) -> ApiResult<Page> {
        let raw = p.get("per_page").or_else(|| p.get("limit"));
        let limit = match raw {
            None | Some("") => default_limit,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| ApiError::bad_request("Invalid per_page value."))?,
        }
        .min(MAX_PER_PAGE);
        let offset = match p.get("cursor").filter(|c| !c.is_empty()) {
            None => 0,
            Some(c) => {
                parse_cursor(c).ok_or_else(|| ApiError::bad_request("Invalid cursor parameter."))?
            }
        };
        Ok(Page { offset, limit })
    }

    /// This page of a list that was built in full, and whether rows follow it.
    pub fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, bool) {
        let has_more = items.len() > self.offset.saturating_add(self.limit);
        let rows = items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        (rows, has_more)
    }
}

/// The offset of a Sentry cursor `<value>:<offset>:<is_prev>`.
pub fn parse_cursor(c: &str) -> Option<usize> {
    let mut parts = c.split(':');
    let value = parts.next()?;
    let offset = parts.next()?;
    let is_prev = parts.next()?;
    if parts.next().is_some() || value.parse::<f64>().is_err() || !matches!(is_prev, "0" | "1") {
        return None;
    }
    offset.parse().ok()
}

/// Builds Sentry's `Link` header for a page: `previous` then `next`, each with `results`
/// telling whether following it yields anything.
pub fn link_header(base_url: &str, params: &Params, page: Page, has_more: bool) -> String {
    let url_with = |cursor: &str| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params.pairs.iter().filter(|(k, _)| k != "cursor") {
            ser.append_pair(k, v);
        }
        ser.append_pair("cursor", cursor);
        format!(
            "{}{}?{}",
            base_url.trim_end_matches('/'),
            params.path,
            ser.finish()
        )
    };
    let prev = format!("0:{}:1", page.offset.saturating_sub(page.limit));
    let next = format!("0:{}:0", page.offset + page.limit);
    format!(
        "<{}>; rel=\"previous\"; results=\"{}\"; cursor=\"{prev}\", <{}>; rel=\"next\"; results=\"{}\"; cursor=\"{next}\"",
        url_with(&prev),
        page.offset > 0,
        url_with(&next),
        has_more,
    )
}

/// Answers a JSON array with its `Link` header. `items` may hold one extra row beyond the
/// page (fetched to learn whether there is a next page); it is dropped here.
pub fn paginated(state: &AppState, params: &Params, page: Page, mut items: Vec<Value>) -> Response {
    let has_more = items.len() > page.limit;
    items.truncate(page.limit);
    with_link(state, params, page, has_more, Value::Array(items))
}

/// Slices an already-built full list into a page (for small lists).
pub fn paginate_vec(state: &AppState, params: &Params, page: Page, items: Vec<Value>) -> Response {
    let (rows, has_more) = page.slice(items);
    with_link(state, params, page, has_more, Value::Array(rows))
}

/// Answers `body` with the `Link` header of `page`; for paged lists wrapped in an object
/// (explore's `{"data": [...], "meta": ...}`) as well as bare arrays.
pub fn with_link(
    state: &AppState,
    params: &Params,
    page: Page,
    has_more: bool,
    body: Value,
) -> Response {
    let link = link_header(&state.base_url, params, page, has_more);
    let mut resp = Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(&link) {
        resp.headers_mut().insert(header::LINK, v);
    }
    resp
}

/// A timestamp as Sentry writes API timestamps (microseconds, `Z`).
pub fn iso(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Unix milliseconds as Sentry writes API timestamps.
pub fn iso_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(iso)
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct Org {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub date_created: String,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: i64,
    pub org_id: i64,
    pub team_id: Option<i64>,
    pub slug: String,
    pub name: String,
    pub platform: Option<String>,
    pub date_created: String,
}

pub const PROJECT_COLUMNS: &str =
    "p.id, p.org_id, p.team_id, p.slug, p.name, p.platform, p.date_created";

pub fn project_from_row(r: &rusqlite::Row) -> rusqlite::Result<Project> {
    Ok(Project {
        id: r.get(0)?,
        org_id: r.get(1)?,
        team_id: r.get(2)?,
        slug: r.get(3)?,
        name: r.get(4)?,
        platform: r.get(5)?,
        date_created: r.get(6)?,
    })
}

pub fn org_from_row(r: &rusqlite::Row) -> rusqlite::Result<Org> {
    Ok(Org {
        id: r.get(0)?,
        slug: r.get(1)?,
        name: r.get(2)?,
        date_created: r.get(3)?,
    })
}

/// Looks an organization up by slug or numeric id, hiding other orgs from org tokens.
pub fn find_org(c: &Connection, authed: &Authed, org: &str) -> ApiResult<Org> {
    let found = c
        .query_row(
            "SELECT id, slug, name, date_created FROM organizations WHERE slug = ?1 OR CAST(id AS TEXT) = ?1",
            [org],
            org_from_row,
        )
        .optional()?;
    match found {
        Some(o) if authed.org_id.is_none_or(|id| id == o.id) => Ok(o),
        _ => Err(ApiError::not_found()),
    }
}

pub fn org_by_id(c: &Connection, id: i64) -> ApiResult<Org> {
    Ok(c.query_row(
        "SELECT id, slug, name, date_created FROM organizations WHERE id = ?1",
        [id],
        org_from_row,
    )?)
}

/// Looks a project up by org and project slug (or numeric ids).
pub fn find_project(
    c: &Connection,
    authed: &Authed,
    org: &str,
    proj: &str,
) -> ApiResult<(Org, Project)> {
    let o = find_org(c, authed, org)?;
    let p = project_in_org(c, o.id, proj)?;
    Ok((o, p))
}

/// A project of an organization already resolved (and access-checked) by [`find_org`], by
/// slug or numeric id; 404 when the org has no such project.
pub fn project_in_org(c: &Connection, org_id: i64, proj: &str) -> ApiResult<Project> {
    c.query_row(
        &format!("SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.org_id = ?1 AND (p.slug = ?2 OR CAST(p.id AS TEXT) = ?2)"),
        rusqlite::params![org_id, proj],
        project_from_row,
    )
    .optional()?
    .ok_or_else(ApiError::not_found)
}

pub fn project_by_id(c: &Connection, id: i64) -> ApiResult<Project> {
    Ok(c.query_row(
        &format!("SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.id = ?1"),
        [id],
        project_from_row,
    )?)
}

/// The `project` object embedded in issues.
pub fn project_ref(p: &Project) -> Value {
    json!({
        "id": p.id.to_string(),
        "name": p.name,
        "slug": p.slug,
        "platform": p.platform,
    })
}

/// The user object of `/auth/`, `/users/me/` and the index endpoint.
pub fn user_json(c: &Connection, user_id: i64) -> ApiResult<Value> {
    let (email, username, name, joined): (String, String, String, String) = c.query_row(
        "SELECT email, username, name, date_joined FROM users WHERE id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    Ok(json!({
        "id": user_id.to_string(),
        "name": name,
        "username": username,
        "email": email,
        "avatarUrl": null,
        "isActive": true,
        "hasPasswordAuth": false,
        "isManaged": false,
        "dateJoined": joined,
        "lastLogin": joined,
        "has2fa": false,
        "lastActive": crate::db::now_iso(),
        "isSuperuser": false,
        "isStaff": false,
        "experiments": {},
        "emails": [{"id": user_id.to_string(), "email": email, "is_verified": true}],
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": null, "avatarUrl": null},
    }))
}

/// A 400 naming the offending body field. Sentry answers DRF's `{"field": ["message"]}`;
/// this server keeps its single `{"detail"}` error shape and puts the field in the text.
pub fn field_error(field: &str, message: &str) -> ApiError {
    ApiError::bad_request(format!("{field}: {message}"))
}

/// Splits a Sentry search query into tokens, keeping quoted strings and `[a, b]` lists
/// together (quotes are dropped); issue search and explore read the same syntax.
pub fn search_tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut bracket) = (false, false);
    for ch in q.chars() {
        match ch {
            '"' => quoted = !quoted,
            '[' if !quoted => {
                bracket = true;
                cur.push(ch);
            }
            ']' if !quoted => {
                bracket = false;
                cur.push(ch);
            }
            c if c.is_whitespace() && !quoted && !bracket => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Turns a display name into a Sentry-style slug (lower-case, `-` separated, ≤ 50 chars).
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for ch in name.trim().chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars().take(50).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_and_links() {
        assert_eq!(parse_cursor("0:100:0"), Some(100));
        assert_eq!(parse_cursor("1735689600000:25:1"), Some(25));
        assert_eq!(parse_cursor("0:x:0"), None);
        assert_eq!(parse_cursor("abc"), None);
        let p = Params {
            pairs: vec![
                ("query".into(), "is:unresolved".into()),
                ("cursor".into(), "0:2:0".into()),
            ],
            path: "/api/0/organizations/local/issues/".into(),
        };
        let link = link_header(
            "http://h:1",
            &p,
            Page {
                offset: 2,
                limit: 2,
            },
            false,
        );
        assert_eq!(
            link,
            "<http://h:1/api/0/organizations/local/issues/?query=is%3Aunresolved&cursor=0%3A0%3A1>; rel=\"previous\"; results=\"true\"; cursor=\"0:0:1\", <http://h:1/api/0/organizations/local/issues/?query=is%3Aunresolved&cursor=0%3A4%3A0>; rel=\"next\"; results=\"false\"; cursor=\"0:4:0\""
        );
    }

    #[test]
    fn search_tokens_keep_quotes_and_lists_together() {
        assert_eq!(
            search_tokens(r#"is:unresolved  message:"a b" release:[1.0, 2.0] free"#),
            vec!["is:unresolved", "message:a b", "release:[1.0, 2.0]", "free"]
        );
        assert_eq!(search_tokens("   "), Vec::<String>::new());
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("My App!"), "my-app");
        assert_eq!(slugify("  Foo   Bar  "), "foo-bar");
    }
}
