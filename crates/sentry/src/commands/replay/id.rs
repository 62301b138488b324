//! The `<replay-id-or-url>` argument of `replay view|download`: `[<org>/[<project>/]]<id>`,
//! `<org>/<project> <id>` as two words, or a Sentry replay URL; and finding the replay it
//! names (by replay ID, else as the trace ID of a replay, as 0.49 does).

use serde_json::Value;

use crate::context::api_error;
use crate::error::{exit, CliError, CliResult};
use crate::target::Resolver;

/// What the argument names before any request.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayRef {
    pub org: Option<String>,
    pub project: Option<String>,
    pub id: String,
}

/// 32 hex digits (dashes allowed, as in UUIDs), lower-cased.
pub fn normalize(raw: &str) -> Option<String> {
    let s: String = raw.trim().chars().filter(|c| *c != '-').collect();
    (s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

fn not_an_id(raw: &str) -> CliError {
    CliError::validation(format!(
        "Not a replay ID: \"{raw}\". To search, try `sentry replay list --query '{raw}'`.\n\nIf it names a project, pass the replay ID after it: <org>/<project> <replay ID>"
    ))
}

/// `https://sentry.io/organizations/<org>/explore/replays/<id>/`,
/// `https://<org>.sentry.io/explore/replays/<id>/`, `…/replays/<id>/`.
fn from_url(raw: &str) -> Option<CliResult<ReplayRef>> {
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let org = segs
        .iter()
        .position(|s| *s == "organizations")
        .and_then(|i| segs.get(i + 1))
        .map(|s| s.to_string())
        .or_else(|| {
            let host = url.host_str()?;
            let sub = host.strip_suffix(".sentry.io")?;
            (!sub.contains('.')).then(|| sub.to_string())
        });
    let id = segs
        .iter()
        .position(|s| *s == "replays")
        .and_then(|i| segs.get(i + 1));
    Some(match id.and_then(|i| normalize(i)) {
        Some(id) => Ok(ReplayRef {
            org,
            project: None,
            id,
        }),
        None => Err(not_an_id(raw)),
    })
}

/// Parses the one or two words naming a replay; malformed input is exit 21, before any request.
pub fn parse(words: &[String]) -> CliResult<ReplayRef> {
    let (target, raw) = match words {
        [one] => (None, one.as_str()),
        [t, one] => (Some(t.as_str()), one.as_str()),
        [] => return Err(CliError::new(exit::USAGE, "Replay ID is required.")),
        _ => {
            return Err(CliError::new(
                exit::USAGE,
                "Too many arguments: pass [<org>/<project>] <replay-id> or a replay URL.",
            ))
        }
    };
    if let Some(r) = from_url(raw) {
        return r;
    }
    let parts: Vec<&str> = raw.split('/').collect();
    let (mut org, mut project, id) = match parts.as_slice() {
        [id] => (None, None, *id),
        [org, id] => (Some(org.to_string()), None, *id),
        [org, project, id] => (Some(org.to_string()), Some(project.to_string()), *id),
        _ => return Err(not_an_id(raw)),
    };
    if let Some(t) = target {
        let t = t.trim_end_matches('/');
        match t.split_once('/') {
            Some((o, p)) => {
                org = Some(o.to_string());
                project = Some(p.to_string()).filter(|p| !p.is_empty());
            }
            None => org = Some(t.to_string()),
        }
    }
    let id = normalize(id).ok_or_else(|| not_an_id(raw))?;
    Ok(ReplayRef {
        org: org.filter(|o| !o.is_empty()),
        project: project.filter(|p| !p.is_empty()),
        id,
    })
}

/// A replay found, with its org and the project the argument named.
pub struct Found {
    pub org: String,
    pub replay: Value,
}

/// Replays carry their project ID as a string; older servers send a number.
fn stringify_project(mut v: Value) -> Value {
    if let Some(n) = v.get("project_id").and_then(Value::as_i64) {
        v["project_id"] = Value::String(n.to_string());
    }
    v
}

/// `GET …/replays/{id}/`; on 404 the replay whose trace is `id` (0.49 accepts trace IDs).
pub fn find(r: &Resolver, rr: &ReplayRef, command: &str) -> CliResult<Found> {
    let org = match &rr.org {
        Some(o) => o.clone(),
        None => r.resolve_org(None)?.0,
    };
    let api = r.org(&org)?;
    let not_found = || {
        CliError::new(
            exit::NOT_FOUND,
            format!(
                "Replay '{}' not found.\n\nTry:\n  sentry replay {command} {org}/{}\n\nOr:\n  - Check that you are querying the right organization\n  - The replay may be past your retention window",
                rr.id, rr.id
            ),
        )
    };
    let replay = match api.replay(&rr.id).send_json::<Value>() {
        Ok(v) => v.get("data").cloned().unwrap_or(v),
        Err(e) if e.status() == Some(404) => {
            let mut req = api
                .replays()
                .query("query", format!("trace:{}", rr.id))
                .query("statsPeriod", "90d")
                .query("per_page", "1");
            for f in list::FIELDS {
                req = req.query("field", f);
            }
            req = match &rr.project {
                Some(p) => req.query("projectSlug", p.as_str()),
                None => req.query("project", "-1"),
            };
            let page: Value = req.send_json().map_err(api_error)?;
            let hit = page
                .get("data")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|h| h.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(not_found)?;
            let v: Value = api.replay(&hit).send_json().map_err(api_error)?;
            v.get("data").cloned().unwrap_or(v)
        }
        Err(e) => return Err(api_error(e)),
    };
    let replay = stringify_project(replay);
    if let Some(p) = &rr.project {
        check_project(r, &org, p, &rr.id, &replay, command)?;
    }
    Ok(Found { org, replay })
}

/// A replay named under a project must belong to it.
fn check_project(
    r: &Resolver,
    org: &str,
    project: &str,
    id: &str,
    replay: &Value,
    command: &str,
) -> CliResult<()> {
    let hint = format!(
        "\n\nTry:\n  sentry replay {command} {org}/{project}/{id}\n\nOr:\n  - Use the org-scoped replay instead: sentry replay {command} {org}/{id}"
    );
    let Some(pid) = replay.get("project_id").and_then(Value::as_str) else {
        if replay.get("is_archived").and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        return Err(CliError::new(
            exit::NOT_FOUND,
            format!("Replay '{id}' has no project association.{hint}"),
        ));
    };
    let detail = r.project_detail(org, project)?.ok_or_else(|| {
        CliError::new(
            exit::NOT_FOUND,
            format!("Project '{org}/{project}' not found."),
        )
    })?;
    if crate::target::str_field(&detail, "id").as_deref() != Some(pid) {
        return Err(CliError::new(
            exit::NOT_FOUND,
            format!("Replay '{id}' is not in project '{project}'.{hint}"),
        ));
    }
    Ok(())
}

/// Every recording segment (one array of rrweb events each), following cursors.
pub fn segments(r: &Resolver, org: &str, replay: &Value) -> CliResult<Vec<Value>> {
    let project = replay
        .get("project_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = replay.get("id").and_then(Value::as_str).unwrap_or_default();
    let page = r
        .org(org)?
        .replay_recording_segments(project, id)
        .pages(sentry_api::Paging::per_page(100_000, 1000))
        .collect::<Value>()
        .map_err(api_error)?;
    Ok(page.items)
}

use super::list;

#[cfg(test)]
mod tests {
    use super::*;

    fn p(words: &[&str]) -> CliResult<ReplayRef> {
        parse(&words.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn forms() {
        let id = "346789a703f6454384f1de473b8b9fcc";
        assert_eq!(p(&[id]).unwrap().org, None);
        let r = p(&[&format!("acme/web/{id}")]).unwrap();
        assert_eq!(
            (r.org.as_deref(), r.project.as_deref()),
            (Some("acme"), Some("web"))
        );
        let r = p(&["acme/web", id]).unwrap();
        assert_eq!(r.project.as_deref(), Some("web"));
        let r = p(&[&format!(
            "https://sentry.io/organizations/acme/explore/replays/{id}/"
        )])
        .unwrap();
        assert_eq!(r.org.as_deref(), Some("acme"));
        let r = p(&[&format!("https://acme.sentry.io/explore/replays/{id}/")]).unwrap();
        assert_eq!(r.org.as_deref(), Some("acme"));
        assert_eq!(p(&["nothex"]).unwrap_err().exit_code, 21);
        assert_eq!(p(&["a/b/c/d"]).unwrap_err().exit_code, 21);
    }
}
