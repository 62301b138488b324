//! Issues (Sentry "groups"): search, detail, status changes, bulk updates and merges, and
//! short-id lookup.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{
    find_org, find_project, iso_ms, org_by_id, paginated, project_by_id, search_tokens, JsonBody,
    Org, Page, Params, Project,
};
use crate::auth::needs::{EVENT_ADMIN, EVENT_READ, EVENT_WRITE};
use crate::auth::Authed;
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::grouping::{base32_decode, base32_encode};
use crate::routing::{get, ApiRouter};
use crate::state::AppState;

/// Sentry's OrganizationEventPermission / GroupPermission: reading issues takes
/// `event:read`, changing them `event:write`, deleting them `event:admin`.
pub(super) fn routes(api: ApiRouter) -> ApiRouter {
    api.route(
        "/organizations/{org}/issues/",
        get(EVENT_READ, list_org)
            .put(EVENT_WRITE, bulk_update_org)
            .delete(EVENT_ADMIN, bulk_delete_org),
    )
    .route(
        "/projects/{org}/{proj}/issues/",
        get(EVENT_READ, list_project).put(EVENT_WRITE, bulk_update_project),
    )
    .route(
        "/organizations/{org}/issues/{id}/",
        get(EVENT_READ, detail_org)
            .put(EVENT_WRITE, update_org)
            .delete(EVENT_ADMIN, delete_org),
    )
    .route(
        "/issues/{id}/",
        get(EVENT_READ, detail_legacy)
            .put(EVENT_WRITE, update_legacy)
            .delete(EVENT_ADMIN, delete_legacy),
    )
    .route(
        "/organizations/{org}/shortids/{short_id}/",
        get(EVENT_READ, short_id_lookup),
    )
}

#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: i64,
    pub project_id: i64,
    pub short_id: i64,
    pub title: String,
    pub culprit: String,
    pub event_type: String,
    pub metadata: String,
    pub level: String,
    pub platform: String,
    pub logger: Option<String>,
    pub status: String,
    pub substatus: Option<String>,
    pub status_details: String,
    pub is_unhandled: bool,
    pub times_seen: i64,
    pub user_count: i64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
}

pub const GROUP_COLUMNS: &str = "g.id, g.project_id, g.short_id, g.title, g.culprit, g.event_type, g.metadata, g.level, \
     g.platform, g.logger, g.status, g.substatus, g.status_details, g.is_unhandled, g.times_seen, g.user_count, \
     g.first_seen_ms, g.last_seen_ms";

pub fn group_from_row(r: &rusqlite::Row) -> rusqlite::Result<GroupRow> {
    Ok(GroupRow {
        id: r.get(0)?,
        project_id: r.get(1)?,
        short_id: r.get(2)?,
        title: r.get(3)?,
        culprit: r.get(4)?,
        event_type: r.get(5)?,
        metadata: r.get(6)?,
        level: r.get(7)?,
        platform: r.get(8)?,
        logger: r.get(9)?,
        status: r.get(10)?,
        substatus: r.get(11)?,
        status_details: r.get(12)?,
        is_unhandled: r.get(13)?,
        times_seen: r.get(14)?,
        user_count: r.get(15)?,
        first_seen_ms: r.get(16)?,
        last_seen_ms: r.get(17)?,
    })
}

pub fn group_by_id(c: &Connection, id: i64) -> rusqlite::Result<Option<GroupRow>> {
    c.query_row(
        &format!("SELECT {GROUP_COLUMNS} FROM groups g WHERE g.id = ?1"),
        [id],
        group_from_row,
    )
    .optional()
}

/// `<PROJECT SLUG UPPERCASE>-<base32 counter>`.
pub fn short_id(project: &Project, counter: i64) -> String {
    format!(
        "{}-{}",
        project.slug.to_uppercase(),
        base32_encode(u64::try_from(counter).unwrap_or(0))
    )
}

fn priority_of(level: &str) -> &'static str {
    match level {
        "fatal" | "error" => "high",
        "warning" => "medium",
        _ => "low",
    }
}

/// Hourly counts of the last 24 h (Sentry's default `stats` shape for issue lists).
fn stats_24h(c: &Connection, group_id: i64) -> rusqlite::Result<Value> {
    let hour = 3_600_000;
    let now = now_ms();
    let end = now - now.rem_euclid(hour) + hour;
    let start = end - 24 * hour;
    let mut counts = [0i64; 24];
    let mut stmt = c.prepare_cached(
        "SELECT (timestamp_ms - ?2) / 3600000, COUNT(*) FROM events
         WHERE group_id = ?1 AND timestamp_ms >= ?2 AND timestamp_ms < ?3 GROUP BY 1",
    )?;
    let rows = stmt.query_map(params![group_id, start, end], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (bucket, n) = row?;
        if let Some(slot) = usize::try_from(bucket).ok().and_then(|b| counts.get_mut(b)) {
            *slot = n;
        }
    }
    Ok(json!({
        "24h": counts
            .iter()
            .enumerate()
            .map(|(i, n)| json!([(start + i as i64 * hour) / 1000, n]))
            .collect::<Vec<_>>()
    }))
}

/// The issue object, shaped like Sentry's group serializer. `detail` adds the fields of the
/// issue detail endpoint.
pub fn group_json(
    c: &Connection,
    state: &AppState,
    g: &GroupRow,
    p: &Project,
    o: &Org,
    params: &Params,
    detail: bool,
) -> ApiResult<Value> {
    let substatus = match (g.status.as_str(), g.substatus.as_deref()) {
        // Sentry moves new issues to "ongoing" after 7 days.
        ("unresolved", Some("new")) if now_ms() - g.first_seen_ms > 7 * 86_400_000 => {
            Some("ongoing".to_string())
        }
        (_, s) => s.map(str::to_string),
    };
    let metadata: Value = serde_json::from_str(&g.metadata).unwrap_or_else(|_| json!({}));
    let status_details: Value =
        serde_json::from_str(&g.status_details).unwrap_or_else(|_| json!({}));
    let is_feedback = g.event_type == crate::feedback::FEEDBACK_TYPE;
    let base = state.base_url.trim_end_matches('/');
    // Feedback opens in the feedback inbox, not the issue page, as on sentry.io.
    let permalink = if is_feedback {
        format!(
            "{base}/organizations/{}/feedback/?feedbackSlug={}%3A{}",
            o.slug, p.slug, g.id
        )
    } else {
        format!("{base}/organizations/{}/issues/{}/", o.slug, g.id)
    };
    let (kind, issue_type, category, priority) = if is_feedback {
        ("generic", "feedback", "feedback", "medium")
    } else {
        (
            g.event_type.as_str(),
            "error",
            "error",
            priority_of(&g.level),
        )
    };
    let mut v = json!({
        "id": g.id.to_string(),
        "shareId": null,
        "shortId": short_id(p, g.short_id),
        "title": g.title,
        "culprit": g.culprit,
        "permalink": permalink,
        "logger": g.logger,
        "level": g.level,
        "status": g.status,
        "statusDetails": status_details,
        "substatus": substatus,
        "isPublic": false,
        "platform": g.platform,
        "project": super::project_ref(p),
        "type": kind,
        "metadata": metadata,
        "numComments": 0,
        "assignedTo": null,
        "isBookmarked": false,
        "isSubscribed": false,
        "subscriptionDetails": null,
        "hasSeen": false,
        "annotations": [],
        "issueType": issue_type,
        "issueCategory": category,
        "priority": priority,
        "priorityLockedAt": null,
        "seerFixabilityScore": null,
        "seerAutofixLastTriggered": null,
        "isUnhandled": g.is_unhandled,
        "count": g.times_seen.to_string(),
        "userCount": g.user_count,
        "firstSeen": iso_ms(g.first_seen_ms),
        "lastSeen": iso_ms(g.last_seen_ms),
    });
    let m = v
        .as_object_mut()
        .ok_or_else(|| ApiError::internal("group shape"))?;
    if !params.collapsed("stats") {
        m.insert("stats".into(), stats_24h(c, g.id)?);
    }
    if !params.collapsed("lifetime") {
        m.insert(
            "lifetime".into(),
            json!({
                "count": g.times_seen.to_string(),
                "userCount": g.user_count,
                "firstSeen": iso_ms(g.first_seen_ms),
                "lastSeen": iso_ms(g.last_seen_ms),
                "stats": null,
            }),
        );
    }
    if !params.collapsed("filtered") {
        m.insert("filtered".into(), Value::Null);
    }
    if detail {
        let mut stmt = c.prepare_cached(
            "SELECT key, COUNT(*) FROM group_tags WHERE group_id = ?1 GROUP BY key ORDER BY key",
        )?;
        let tags = stmt
            .query_map([g.id], |r| {
                let key: String = r.get(0)?;
                Ok(json!({"key": key, "name": key, "totalValues": r.get::<_, i64>(1)?}))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        m.insert("tags".into(), json!(tags));
        m.insert("activity".into(), json!([]));
        m.insert("seenBy".into(), json!([]));
        m.insert("participants".into(), json!([]));
        m.insert("pluginActions".into(), json!([]));
        m.insert("pluginContexts".into(), json!([]));
        m.insert("pluginIssues".into(), json!([]));
        m.insert("userReportCount".into(), json!(0));
        m.insert("firstRelease".into(), Value::Null);
        m.insert("lastRelease".into(), Value::Null);
    }
    Ok(v)
}

/// Serialises several groups, looking each project and org up once.
fn groups_json(
    c: &Connection,
    state: &AppState,
    groups: &[GroupRow],
    params: &Params,
) -> ApiResult<Vec<Value>> {
    let mut cache: HashMap<i64, (Project, Org)> = HashMap::new();
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let (p, o) = match cache.entry(g.project_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let p = project_by_id(c, g.project_id)?;
                let o = org_by_id(c, p.org_id)?;
                e.insert((p, o))
            }
        };
        out.push(group_json(c, state, g, p, o, params, false)?);
    }
    Ok(out)
}

/// Parses `24h`, `14d`, `2w`, `30m`, `10s` into milliseconds.
pub fn parse_period_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(unit_ms)
}

fn parse_date_ms(s: &str) -> Option<i64> {
    crate::events::parse_timestamp_ms(Some(&Value::from(s)))
}

/// SQL conditions over `groups g` built from the search parameters.
#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    args: Vec<Sql>,
}

impl Filter {
    fn push(&mut self, clause: &str, args: impl IntoIterator<Item = Sql>) {
        self.clauses.push(clause.to_string());
        self.args.extend(args);
    }
    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

fn list_values(v: &str) -> Vec<String> {
    match v.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        Some(inner) => inner
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .collect(),
        None => vec![v.to_string()],
    }
}

fn in_clause(column: &str, n: usize, negate: bool) -> String {
    let marks = vec!["?"; n].join(", ");
    format!("{column} {}IN ({marks})", if negate { "NOT " } else { "" })
}

/// Builds the filter for issue search: `query` (Sentry search syntax), `project` ids and the
/// time window. `project_scope` restricts to one project (project-scoped endpoints).
fn build_filter(
    c: &Connection,
    org: &Org,
    params: &Params,
    project_scope: Option<i64>,
) -> ApiResult<Filter> {
    let mut f = Filter::default();
    f.push(
        "g.project_id IN (SELECT id FROM projects WHERE org_id = ?)",
        [Sql::Integer(org.id)],
    );
    if let Some(pid) = project_scope {
        f.push("g.project_id = ?", [Sql::Integer(pid)]);
    }
    let ids = params.project_ids();
    if !ids.is_empty() {
        f.push(
            &in_clause("g.project_id", ids.len(), false),
            ids.into_iter().map(Sql::Integer),
        );
    }
    let now = now_ms();
    if let Some(period) = params.get("statsPeriod").filter(|s| !s.is_empty()) {
        let ms = parse_period_ms(period)
            .ok_or_else(|| ApiError::bad_request(format!("Invalid statsPeriod: {period}")))?;
        f.push("g.last_seen_ms >= ?", [Sql::Integer(now - ms)]);
    } else {
        if let Some(start) = params.get("start") {
            let ms = parse_date_ms(start)
                .ok_or_else(|| ApiError::bad_request(format!("Invalid start: {start}")))?;
            f.push("g.last_seen_ms >= ?", [Sql::Integer(ms)]);
        }
        if let Some(end) = params.get("end") {
            let ms = parse_date_ms(end)
                .ok_or_else(|| ApiError::bad_request(format!("Invalid end: {end}")))?;
            f.push("g.first_seen_ms <= ?", [Sql::Integer(ms)]);
        }
    }
    let ids: Vec<i64> = params
        .get_all("id")
        .iter()
        .filter_map(|i| i.parse().ok())
        .collect();
    if !ids.is_empty() {
        f.push(
            &in_clause("g.id", ids.len(), false),
            ids.into_iter().map(Sql::Integer),
        );
    }
    let mut category_filtered = false;
    for token in search_tokens(params.get("query").unwrap_or("")) {
        let (negate, token) = match token.strip_prefix('!') {
            Some(t) => (true, t.to_string()),
            None => (false, token),
        };
        let not = if negate { "NOT " } else { "" };
        let Some((key, value)) = token
            .split_once(':')
            .filter(|(k, v)| !k.is_empty() && !v.is_empty() && !k.contains('/'))
        else {
            let like = format!("%{}%", token.to_lowercase());
            f.push(
                &format!("{not}(lower(g.title) LIKE ? OR lower(g.culprit) LIKE ?)"),
                [Sql::Text(like.clone()), Sql::Text(like)],
            );
            continue;
        };
        let values = list_values(value);
        let n = values.len();
        let texts = || values.iter().cloned().map(Sql::Text).collect::<Vec<_>>();
        match key {
            "is" => {
                for v in &values {
                    match v.as_str() {
                        "unresolved" | "resolved" | "ignored" => f.push(&format!("g.status {}= ?", if negate { "!" } else { "" }), [Sql::Text(v.clone())]),
                        "archived" | "muted" => f.push(&format!("g.status {}= 'ignored'", if negate { "!" } else { "" }), []),
                        "new" | "ongoing" | "regressed" | "escalating" => f.push(&format!("{not}(g.status = 'unresolved' AND g.substatus IS ?)"), [Sql::Text(v.clone())]),
                        "unassigned" | "for_review" | "linked" | "unlinked" => {
                            if negate {
                                f.push("0", []);
                            }
                        }
                        "assigned" | "bookmarked" | "subscribed" => {
                            if !negate {
                                f.push("0", []);
                            }
                        }
                        other => return Err(ApiError::bad_request(format!("Invalid value for \"is\" search, valid values are: resolved, unresolved, ignored, archived, new, ongoing, regressed, escalating, assigned, unassigned, for_review. Got: {other}"))),
                    }
                }
            }
            "level" => f.push(&in_clause("g.level", n, negate), texts()),
            // `status:unresolved|resolved|ignored`, the feedback mailboxes' filter.
            "status" => f.push(&in_clause("g.status", n, negate), texts()),
            "project" => f.push(
                &format!("g.project_id {not}IN (SELECT id FROM projects WHERE org_id = ? AND slug IN ({}))", vec!["?"; n].join(", ")),
                std::iter::once(Sql::Integer(org.id)).chain(texts()),
            ),
            "issue.category" | "issue.type" => {
                // Only two kinds of issue exist here: errors and feedback.
                let mut kinds: Vec<Sql> = Vec::new();
                for v in &values {
                    match v.as_str() {
                        "feedback" => kinds.push(Sql::Text(crate::feedback::FEEDBACK_TYPE.into())),
                        "error" => kinds.extend(["error", "default"].map(|t| Sql::Text(t.into()))),
                        _ => {}
                    }
                }
                if kinds.is_empty() {
                    kinds.push(Sql::Text(String::new()));
                }
                let k = kinds.len();
                f.push(&in_clause("g.event_type", k, negate), kinds);
                category_filtered = true;
            }
            "event.type" => {
                let matches_error = values.iter().any(|v| v == "error" || v == "default");
                if matches_error == negate {
                    f.push("0", []);
                }
            }
            "issue" => {
                let mut ids = Vec::new();
                for v in &values {
                    if let Some(g) = resolve_short_id(c, org, v)? {
                        ids.push(Sql::Integer(g));
                    }
                }
                if ids.is_empty() {
                    ids.push(Sql::Integer(-1));
                }
                let k = ids.len();
                f.push(&in_clause("g.id", k, negate), ids);
            }
            "issue.id" | "id" => {
                let ids: Vec<Sql> = values.iter().filter_map(|v| v.parse::<i64>().ok()).map(Sql::Integer).collect();
                let k = ids.len().max(1);
                let ids = if ids.is_empty() { vec![Sql::Integer(-1)] } else { ids };
                f.push(&in_clause("g.id", k, negate), ids);
            }
            // Which issue holds an event (`replay view` links a replay's errors this way).
            "event.id" | "id.event" => {
                let ids: Vec<Sql> = values.iter().map(|v| Sql::Text(v.replace('-', "").to_ascii_lowercase())).collect();
                f.push(
                    &format!("{not}EXISTS (SELECT 1 FROM events e WHERE e.group_id = g.id AND e.event_id IN ({}))", vec!["?"; n].join(", ")),
                    ids,
                );
            }
            "has" => f.push(&format!("{not}EXISTS (SELECT 1 FROM group_tags t WHERE t.group_id = g.id AND t.key = ?)"), [Sql::Text(value.to_string())]),
            "age" | "firstSeen" | "lastSeen" => {
                let column = if key == "lastSeen" { "g.last_seen_ms" } else { "g.first_seen_ms" };
                let (op, rest) = if let Some(r) = value.strip_prefix('-') {
                    (">=", r)
                } else if let Some(r) = value.strip_prefix('+') {
                    ("<", r)
                } else {
                    return Err(ApiError::bad_request(format!("Invalid value for {key}: use -24h or +7d")));
                };
                let ms = parse_period_ms(rest).ok_or_else(|| ApiError::bad_request(format!("Invalid value for {key}: {value}")))?;
                f.push(&format!("{not}({column} {op} ?)"), [Sql::Integer(now - ms)]);
            }
            "timesSeen" | "times_seen" | "user.count" | "userCount" => {
                let column = if key.starts_with('t') { "g.times_seen" } else { "g.user_count" };
                let (op, num) = [">=", "<=", ">", "<", "="]
                    .iter()
                    .find_map(|op| value.strip_prefix(op).map(|r| (*op, r)))
                    .unwrap_or(("=", value));
                let n: i64 = num.parse().map_err(|_| ApiError::bad_request(format!("Invalid number for {key}: {value}")))?;
                f.push(&format!("{not}({column} {op} ?)"), [Sql::Integer(n)]);
            }
            // Any other key is a tag, as in Sentry (environment, release, user.email, ...).
            _ => {
                let tag_key = match key {
                    "user.id" | "user.email" | "user.ip" | "user.username" => "user",
                    k => k,
                };
                let tag_values: Vec<Sql> = if tag_key == "user" && key != "user" {
                    let prefix = match key {
                        "user.id" => "id",
                        "user.email" => "email",
                        "user.ip" => "ip_address",
                        _ => "username",
                    };
                    values.iter().map(|v| Sql::Text(format!("{prefix}:{v}"))).collect()
                } else {
                    texts()
                };
                f.push(
                    &format!(
                        "{not}EXISTS (SELECT 1 FROM group_tags t WHERE t.group_id = g.id AND t.key = ? AND t.value IN ({}))",
                        vec!["?"; n].join(", ")
                    ),
                    std::iter::once(Sql::Text(tag_key.to_string())).chain(tag_values),
                );
            }
        }
    }
    // Sentry's issue stream leaves feedback out unless the search asks for a category.
    if !category_filtered && params.get("id").is_none() {
        f.push(
            "g.event_type != ?",
            [Sql::Text(crate::feedback::FEEDBACK_TYPE.into())],
        );
    }
    Ok(f)
}

fn order_by(sort: Option<&str>) -> ApiResult<&'static str> {
    Ok(match sort.unwrap_or("date") {
        "date" | "recommended" | "trends" | "inbox" | "priority" | "" => {
            "g.last_seen_ms DESC, g.id DESC"
        }
        "new" => "g.first_seen_ms DESC, g.id DESC",
        "freq" => "g.times_seen DESC, g.id DESC",
        "user" => "g.user_count DESC, g.id DESC",
        other => {
            return Err(ApiError::bad_request(format!(
                "Sort key '{other}' not supported."
            )))
        }
    })
}

fn search(
    c: &Connection,
    org: &Org,
    params: &Params,
    project_scope: Option<i64>,
    page: Option<Page>,
) -> ApiResult<Vec<GroupRow>> {
    let f = build_filter(c, org, params, project_scope)?;
    let order = order_by(params.get("sort"))?;
    let mut sql = format!(
        "SELECT {GROUP_COLUMNS} FROM groups g WHERE {} ORDER BY {order}",
        f.sql()
    );
    let mut args = f.args;
    if let Some(page) = page {
        sql.push_str(" LIMIT ? OFFSET ?");
        args.push(Sql::Integer(page.limit as i64 + 1));
        args.push(Sql::Integer(page.offset as i64));
    }
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), group_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `PUT` bodies of single and bulk issue updates. Sentry accepts many more fields
/// (`assignedTo`, `hasSeen`, …); unknown ones are ignored, as there.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct IssueUpdate {
    status: Option<String>,
    #[serde(default)]
    status_details: StatusDetails,
    substatus: Option<String>,
    /// `{"merge": 1}` (also `true`, `"1"`, `"true"`) merges the matched issues.
    #[serde(default, deserialize_with = "truthy")]
    merge: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StatusDetails {
    in_next_release: Option<bool>,
    in_release: Option<String>,
    in_commit: Option<InCommit>,
    ignore_duration: Option<i64>,
    ignore_count: Option<i64>,
    ignore_window: Option<i64>,
    ignore_user_count: Option<i64>,
    ignore_user_window: Option<i64>,
    ignore_until_escalating: Option<bool>,
}

/// `statusDetails.inCommit`: `{"commit": sha, "repository": name}` or a bare SHA.
struct InCommit {
    sha: String,
    repository: String,
}

impl<'de> Deserialize<'de> for InCommit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Sha(String),
            Ref {
                #[serde(default)]
                commit: String,
                #[serde(default)]
                repository: String,
            },
        }
        match Raw::deserialize(d) {
            Ok(Raw::Sha(sha)) => Ok(InCommit {
                sha,
                repository: String::new(),
            }),
            Ok(Raw::Ref { commit, repository }) => Ok(InCommit {
                sha: commit,
                repository,
            }),
            Err(_) => Err(serde::de::Error::custom("invalid commit")),
        }
    }
}

fn truthy<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => s == "1" || s == "true",
        _ => false,
    })
}

async fn list_org(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    list(state, authed, org, None, params).await
}

async fn list_project(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    list(state, authed, org, Some(proj), params).await
}

async fn list(
    state: AppState,
    authed: Authed,
    org: String,
    proj: Option<String>,
    params: Params,
) -> ApiResult<Response> {
    let page = Page::from_params(&params, super::MAX_PER_PAGE)?;
    state
        .clone()
        .db
        .call(move |c| {
            let (o, scope) = match &proj {
                Some(p) => {
                    let (o, p) = find_project(c, &authed, &org, p)?;
                    (o, Some(p.id))
                }
                None => (find_org(c, &authed, &org)?, None),
            };
            let rows = search(c, &o, &params, scope, Some(page))?;
            let items = groups_json(c, &state, &rows, &params)?;
            Ok(paginated(&state, &params, page, items))
        })
        .await
}

/// Finds a group id by short id (`APP-1A`, case-insensitive) within an org.
pub fn resolve_short_id(c: &Connection, org: &Org, short: &str) -> ApiResult<Option<i64>> {
    let Some((slug, suffix)) = short.rsplit_once('-') else {
        return Ok(None);
    };
    let Some(counter) = base32_decode(suffix) else {
        return Ok(None);
    };
    let counter = i64::try_from(counter).unwrap_or(-1);
    Ok(c.query_row(
        "SELECT g.id FROM groups g JOIN projects p ON p.id = g.project_id
         WHERE p.org_id = ?1 AND lower(p.slug) = lower(?2) AND g.short_id = ?3",
        params![org.id, slug, counter],
        |r| r.get(0),
    )
    .optional()?)
}

/// Resolves `{id}` of an issue route (numeric id or short id) to the group, its project and
/// org. Without an org (legacy routes) any org the token can see is searched.
pub fn resolve_group(
    c: &Connection,
    authed: &Authed,
    org: Option<&str>,
    id: &str,
) -> ApiResult<(GroupRow, Project, Org)> {
    let group_id = if let Ok(n) = id.parse::<i64>() {
        Some(n)
    } else {
        match org {
            Some(o) => resolve_short_id(c, &find_org(c, authed, o)?, id)?,
            None => {
                let mut stmt = c.prepare(
                    "SELECT id, slug, name, date_created FROM organizations ORDER BY id",
                )?;
                let orgs = stmt
                    .query_map([], super::org_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut found = None;
                for o in orgs
                    .iter()
                    .filter(|o| authed.org_id.is_none_or(|id| id == o.id))
                {
                    if let Some(g) = resolve_short_id(c, o, id)? {
                        found = Some(g);
                        break;
                    }
                }
                found
            }
        }
    };
    let g = group_id
        .map(|g| group_by_id(c, g))
        .transpose()?
        .flatten()
        .ok_or_else(ApiError::not_found)?;
    let p = project_by_id(c, g.project_id)?;
    let o = org_by_id(c, p.org_id)?;
    if let Some(slug) = org {
        let wanted = find_org(c, authed, slug)?;
        if wanted.id != o.id {
            return Err(ApiError::not_found());
        }
    } else if authed.org_id.is_some_and(|id| id != o.id) {
        return Err(ApiError::not_found());
    }
    Ok((g, p, o))
}

async fn detail(
    state: AppState,
    authed: Authed,
    org: Option<String>,
    id: String,
    params: Params,
) -> ApiResult<Json<Value>> {
    state
        .clone()
        .db
        .call(move |c| {
            let (g, p, o) = resolve_group(c, &authed, org.as_deref(), &id)?;
            group_json(c, &state, &g, &p, &o, &params, true).map(Json)
        })
        .await
}

async fn detail_org(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, id)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    detail(state, authed, Some(org), id, params).await
}

async fn detail_legacy(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    detail(state, authed, None, id, params).await
}

/// What an update asks for: status, substatus and the `statusDetails` to store.
type StatusChange = (String, Option<String>, Value);

/// The new status, substatus and `statusDetails` an update body asks for.
fn status_change(body: &IssueUpdate) -> ApiResult<Option<StatusChange>> {
    let Some(status) = body.status.as_deref() else {
        return Ok(None);
    };
    let details = &body.status_details;
    let actor =
        json!({"id": "1", "name": "Local Developer", "username": "dev", "email": "dev@localhost"});
    let requested_sub = body.substatus.clone();
    Ok(Some(match status {
        "resolved" | "resolvedInNextRelease" => {
            let mut out = Map::new();
            if status == "resolvedInNextRelease" || details.in_next_release == Some(true) {
                out.insert("inNextRelease".into(), json!(true));
            } else if let Some(r) = &details.in_release {
                out.insert("inRelease".into(), json!(r));
            } else if let Some(commit) = &details.in_commit {
                if commit.sha.is_empty() {
                    return Err(ApiError::bad_request(
                        "statusDetails.inCommit: commit is required",
                    ));
                }
                out.insert(
                    "inCommit".into(),
                    json!({"id": commit.sha, "repository": {"name": commit.repository}, "message": null, "dateCreated": crate::db::now_iso()}),
                );
            }
            if !out.is_empty() {
                out.insert("actor".into(), actor);
            }
            ("resolved".to_string(), None, Value::Object(out))
        }
        "unresolved" => (
            "unresolved".to_string(),
            Some(requested_sub.unwrap_or_else(|| "ongoing".into())),
            json!({}),
        ),
        "ignored" | "muted" => {
            let mut out = Map::new();
            if let Some(minutes) = details.ignore_duration {
                out.insert(
                    "ignoreUntil".into(),
                    json!(iso_ms(now_ms() + minutes * 60_000)),
                );
            }
            for (k, v) in [
                ("ignoreCount", details.ignore_count),
                ("ignoreWindow", details.ignore_window),
                ("ignoreUserCount", details.ignore_user_count),
                ("ignoreUserWindow", details.ignore_user_window),
            ] {
                if let Some(n) = v {
                    out.insert(k.into(), json!(n));
                }
            }
            let until_escalating = details.ignore_until_escalating == Some(true);
            if until_escalating {
                out.insert("ignoreUntilEscalating".into(), json!(true));
            }
            let sub = requested_sub.unwrap_or_else(|| {
                if until_escalating {
                    "archived_until_escalating".into()
                } else if out.is_empty() {
                    "archived_forever".into()
                } else {
                    "archived_until_condition_met".into()
                }
            });
            if !matches!(
                sub.as_str(),
                "archived_forever" | "archived_until_escalating" | "archived_until_condition_met"
            ) {
                return Err(ApiError::bad_request(format!(
                    "substatus: \"{sub}\" is not a valid choice for status ignored."
                )));
            }
            if !out.is_empty() {
                out.insert("actor".into(), actor);
            }
            ("ignored".to_string(), Some(sub), Value::Object(out))
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "status: \"{other}\" is not a valid choice."
            )))
        }
    }))
}

fn apply_status(c: &Connection, ids: &[i64], change: &StatusChange) -> rusqlite::Result<()> {
    let mut stmt = c.prepare_cached(
        "UPDATE groups SET status = ?2, substatus = ?3, status_details = ?4,
            resolved_at_ms = CASE WHEN ?2 = 'resolved' THEN ?5 ELSE NULL END WHERE id = ?1",
    )?;
    for id in ids {
        stmt.execute(params![
            id,
            change.0,
            change.1,
            change.2.to_string(),
            now_ms()
        ])?;
    }
    Ok(())
}

async fn update(
    state: AppState,
    authed: Authed,
    org: Option<String>,
    id: String,
    body: IssueUpdate,
) -> ApiResult<Json<Value>> {
    let change = status_change(&body)?;
    state
        .clone()
        .db
        .call(move |c| {
            let (g, p, o) = resolve_group(c, &authed, org.as_deref(), &id)?;
            if let Some(change) = &change {
                apply_status(c, &[g.id], change)?;
            }
            let g = group_by_id(c, g.id)?.ok_or_else(ApiError::not_found)?;
            group_json(c, &state, &g, &p, &o, &Params::default(), true).map(Json)
        })
        .await
}

async fn update_org(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, id)): Path<(String, String)>,
    JsonBody(body): JsonBody<IssueUpdate>,
) -> ApiResult<Json<Value>> {
    update(state, authed, Some(org), id, body).await
}

async fn update_legacy(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<IssueUpdate>,
) -> ApiResult<Json<Value>> {
    update(state, authed, None, id, body).await
}

fn delete_groups(c: &Connection, ids: &[i64]) -> rusqlite::Result<()> {
    for id in ids {
        c.execute("DELETE FROM groups WHERE id = ?1", [id])?;
    }
    Ok(())
}

async fn delete(
    state: AppState,
    authed: Authed,
    org: Option<String>,
    id: String,
) -> ApiResult<StatusCode> {
    state
        .db
        .call(move |c| {
            let (g, _, _) = resolve_group(c, &authed, org.as_deref(), &id)?;
            delete_groups(c, &[g.id])?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::ACCEPTED)
}

async fn delete_org(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    delete(state, authed, Some(org), id).await
}

async fn delete_legacy(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    delete(state, authed, None, id).await
}

/// Merges `groups` into the one with the most events (ties: the first given), moving events,
/// hashes, users and tags, and deleting the others.
fn merge(c: &Connection, groups: &[GroupRow]) -> ApiResult<Value> {
    let parent = groups
        .iter()
        .enumerate()
        .max_by_key(|(i, g)| (g.times_seen, std::cmp::Reverse(*i)))
        .map(|(_, g)| g.clone())
        .ok_or_else(ApiError::not_found)?;
    if groups.iter().any(|g| g.project_id != parent.project_id) {
        return Err(ApiError::bad_request(
            "Merging across multiple projects is not supported",
        ));
    }
    let children: Vec<&GroupRow> = groups.iter().filter(|g| g.id != parent.id).collect();
    for child in &children {
        c.execute(
            "UPDATE events SET group_id = ?1 WHERE group_id = ?2",
            params![parent.id, child.id],
        )?;
        c.execute(
            "UPDATE group_hashes SET group_id = ?1 WHERE group_id = ?2",
            params![parent.id, child.id],
        )?;
        c.execute(
            "INSERT OR IGNORE INTO group_users (group_id, user_key) SELECT ?1, user_key FROM group_users WHERE group_id = ?2",
            params![parent.id, child.id],
        )?;
        c.execute(
            "INSERT OR IGNORE INTO group_tags (group_id, key, value) SELECT ?1, key, value FROM group_tags WHERE group_id = ?2",
            params![parent.id, child.id],
        )?;
        c.execute(
            "UPDATE groups SET times_seen = times_seen + ?2, first_seen_ms = MIN(first_seen_ms, ?3),
                last_seen_ms = MAX(last_seen_ms, ?4), is_unhandled = MAX(is_unhandled, ?5) WHERE id = ?1",
            params![parent.id, child.times_seen, child.first_seen_ms, child.last_seen_ms, child.is_unhandled],
        )?;
        c.execute("DELETE FROM groups WHERE id = ?1", [child.id])?;
    }
    c.execute(
        "UPDATE groups SET user_count = (SELECT COUNT(*) FROM group_users WHERE group_id = ?1) WHERE id = ?1",
        [parent.id],
    )?;
    Ok(json!({"merge": {
        "parent": parent.id.to_string(),
        "children": children.iter().map(|g| g.id.to_string()).collect::<Vec<_>>(),
    }}))
}

/// `PUT .../issues/?id=1&id=2` (or by query): status changes or `{"merge": 1}`.
async fn bulk_update(
    state: AppState,
    authed: Authed,
    org: String,
    proj: Option<String>,
    params: Params,
    body: IssueUpdate,
) -> ApiResult<Response> {
    let change = status_change(&body)?;
    let wants_merge = body.merge;
    state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let (o, scope) = match &proj {
                Some(p) => {
                    let (o, p) = find_project(&tx, &authed, &org, p)?;
                    (o, Some(p.id))
                }
                None => (find_org(&tx, &authed, &org)?, None),
            };
            let mut groups = search(
                &tx,
                &o,
                &params,
                scope,
                Some(Page {
                    offset: 0,
                    limit: 1000,
                }),
            )?;
            // Keep the order the ids were given in (merge ties prefer the first).
            let order: Vec<i64> = params
                .get_all("id")
                .iter()
                .filter_map(|i| i.parse().ok())
                .collect();
            groups.sort_by_key(|g| order.iter().position(|i| *i == g.id).unwrap_or(usize::MAX));
            if groups.is_empty() {
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
            let mut result = Map::new();
            if wants_merge {
                if groups.len() < 2 {
                    return Err(ApiError::bad_request(
                        "Merging requires at least two issues.",
                    ));
                }
                if let Value::Object(m) = merge(&tx, &groups)? {
                    result.extend(m);
                }
            }
            if let Some(change) = &change {
                let remaining: Vec<i64> = ids
                    .into_iter()
                    .filter(|id| group_by_id(&tx, *id).ok().flatten().is_some())
                    .collect();
                apply_status(&tx, &remaining, change)?;
                result.insert("status".into(), json!(change.0));
                result.insert("statusDetails".into(), change.2.clone());
                result.insert("substatus".into(), json!(change.1));
                result.insert("inbox".into(), Value::Null);
            }
            tx.commit()?;
            Ok(Json(Value::Object(result)).into_response())
        })
        .await
}

async fn bulk_update_org(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
    JsonBody(body): JsonBody<IssueUpdate>,
) -> ApiResult<Response> {
    bulk_update(state, authed, org, None, params, body).await
}

async fn bulk_update_project(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, proj)): Path<(String, String)>,
    params: Params,
    JsonBody(body): JsonBody<IssueUpdate>,
) -> ApiResult<Response> {
    bulk_update(state, authed, org, Some(proj), params, body).await
}

async fn bulk_delete_org(
    State(state): State<AppState>,
    authed: Authed,
    Path(org): Path<String>,
    params: Params,
) -> ApiResult<StatusCode> {
    if params.get_all("id").is_empty() {
        return Err(ApiError::bad_request(
            "Bulk delete requires at least one `id`.",
        ));
    }
    state
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let groups = search(
                c,
                &o,
                &params,
                None,
                Some(Page {
                    offset: 0,
                    limit: 1000,
                }),
            )?;
            if groups.is_empty() {
                return Ok(StatusCode::NO_CONTENT);
            }
            delete_groups(c, &groups.iter().map(|g| g.id).collect::<Vec<_>>())?;
            Ok(StatusCode::ACCEPTED)
        })
        .await
}

async fn short_id_lookup(
    State(state): State<AppState>,
    authed: Authed,
    Path((org, short)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Json<Value>> {
    state
        .clone()
        .db
        .call(move |c| {
            let o = find_org(c, &authed, &org)?;
            let id = resolve_short_id(c, &o, &short)?.ok_or_else(ApiError::not_found)?;
            let g = group_by_id(c, id)?.ok_or_else(ApiError::not_found)?;
            let p = project_by_id(c, g.project_id)?;
            let group = group_json(c, &state, &g, &p, &o, &params, true)?;
            Ok(Json(json!({
                "organizationSlug": o.slug,
                "projectSlug": p.slug,
                "groupId": g.id.to_string(),
                "group": group,
                "shortId": short_id(&p, g.short_id),
            })))
        })
        .await
}
