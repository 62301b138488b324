//! Turning an `<issue>` argument into the issue object and its org.
//!
//! `sentry_target::parse_issue_ref` classifies the input (malformed input is exit 21 before any
//! request); this module performs the lookup each form needs: numeric detail, short-ID lookup,
//! alias table, DSN project, fan-out over orgs, magic selectors, issue and share URLs.

use sentry_target::{expand_short_id, parse_issue_ref, IssueRef, Selector, UrlIssue};
use serde_json::Value;

use super::{str_field, target_error, Resolver};
use crate::context::api_error;
use crate::error::{exit, CliError, CliResult};

/// The collapse parameters every issue detail lookup sends.
pub const DETAIL_COLLAPSE: [&str; 4] = ["stats", "lifetime", "filtered", "unhandled"];

/// What a lookup by numeric ID sends: 0.49 keeps only the collapses the issue detail
/// endpoint documents (`release`, `stats`, `tags`), so its answer carries `lifetime` and
/// `filtered`, and `--json` shows them.
const NUMERIC_COLLAPSE: [&str; 1] = ["stats"];

#[derive(Debug, Clone)]
pub struct ResolvedIssue {
    pub org: String,
    pub issue: Value,
}

impl ResolvedIssue {
    pub fn id(&self) -> String {
        str_field(&self.issue, "id").unwrap_or_default()
    }
    pub fn short_id(&self) -> String {
        str_field(&self.issue, "shortId").unwrap_or_else(|| self.id())
    }
}

fn not_found(what: &str) -> CliError {
    CliError::new(exit::NOT_FOUND, format!("Issue {what} not found."))
}

/// Validates the argument without any request (exit 21/23 on malformed input).
pub fn parse(raw: &str) -> CliResult<IssueRef> {
    let r = parse_issue_ref(raw).map_err(target_error)?;
    // `issue-1`: a command word, not a project called "issue".
    if let IssueRef::ProjectSuffix { project, suffix } = &r {
        if matches!(project.as_str(), "issue" | "issues")
            && suffix.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(CliError::validation(format!(
                "'{raw}' looks like a command, not an issue ID. Use the numeric ID ({suffix}) or a short ID such as PROJECT-{suffix}."
            )));
        }
    }
    Ok(r)
}

impl Resolver<'_> {
    /// The org known from context without asking the server: flags/env/rc/defaults.
    pub fn context_org(&self) -> CliResult<Option<String>> {
        let settings = self.ctx.settings()?;
        if let Some(p) = &settings.project {
            if let Some((org, proj)) = p.value.split_once('/') {
                if !org.is_empty() && !proj.is_empty() {
                    return Ok(Some(org.to_string()));
                }
            }
        }
        Ok(settings.org.as_ref().map(|o| o.value.clone()))
    }

    /// The project slug known from context (settings, else a single detected DSN).
    fn context_project(&self) -> CliResult<Option<(String, String)>> {
        let settings = self.ctx.settings()?;
        if let Some(p) = &settings.project {
            if let Some((org, proj)) = p.value.split_once('/') {
                if !org.is_empty() && !proj.is_empty() {
                    return Ok(Some((org.to_string(), proj.to_string())));
                }
            }
            if let Some(o) = &settings.org {
                return Ok(Some((o.value.clone(), p.value.clone())));
            }
        }
        if let Some((projects, _)) = super::dsn::dsn_projects(self)? {
            if let Some(p) = projects.first() {
                return Ok(Some((p.org.clone(), p.slug.clone())));
            }
        }
        Ok(None)
    }

    /// Resolves an issue argument to the issue object (with detail fields) and its org.
    pub fn resolve_issue(&self, raw: &str) -> CliResult<ResolvedIssue> {
        let parsed = parse(raw)?;
        self.resolve_parsed(&parsed, raw)
    }

    pub fn resolve_parsed(&self, parsed: &IssueRef, raw: &str) -> CliResult<ResolvedIssue> {
        match parsed {
            IssueRef::Numeric { org, id } => {
                let org = match org {
                    Some(o) => Some(o.clone()),
                    None => match self.context_org()? {
                        Some(o) => Some(o),
                        None => self
                            .ctx
                            .store()
                            .ok()
                            .and_then(|s| s.issue_org(&id.to_string()).ok().flatten()),
                    },
                };
                match org {
                    Some(org) => self.numeric(&org, *id),
                    None => self.legacy_numeric(*id),
                }
            }
            IssueRef::ShortId { org, short_id, .. } => self
                .short_id(org, short_id)?
                .ok_or_else(|| not_found(short_id)),
            IssueRef::ProjectSuffix { project, suffix } => self.project_suffix(project, suffix),
            IssueRef::Suffix { suffix } => match self.context_project()? {
                Some((org, project)) => {
                    let sid = expand_short_id(&project, suffix);
                    self.short_id(&org, &sid)?.ok_or_else(|| not_found(&sid))
                }
                None => Err(CliError::new(
                    exit::CONTEXT,
                    format!("'{raw}' is only a short-ID suffix and no project is known."),
                )
                .with_hint(format!(
                    "Use the full short ID (e.g. PROJECT-{suffix}) or set SENTRY_ORG and SENTRY_PROJECT."
                ))),
            },
            IssueRef::Selector { org, which } => {
                let org = match org {
                    Some(o) => o.clone(),
                    None => self.resolve_org(None)?.0,
                };
                self.selector(&org, *which)
            }
            IssueRef::Url { org, issue, .. } => match issue {
                UrlIssue::Numeric(id) => self.numeric(org, *id),
                UrlIssue::ShortId { short_id, .. } => self
                    .short_id(org, short_id)?
                    .ok_or_else(|| not_found(short_id)),
            },
            IssueRef::Share { base, share_id, .. } => {
                let v: Value = self
                    .client
                    .shared_issue(base, share_id)
                    .send_json()
                    .map_err(api_error)?;
                let id = str_field(&v, "groupID")
                    .or_else(|| str_field(&v, "id"))
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or_else(|| not_found(share_id))?;
                let inner = IssueRef::Numeric { org: None, id };
                self.resolve_parsed(&inner, raw)
            }
        }
    }

    /// `GET /organizations/{org}/issues/{id}/` with the detail collapses.
    pub fn numeric(&self, org: &str, id: u64) -> CliResult<ResolvedIssue> {
        let mut req = self.org(org)?.issue(&id.to_string());
        for c in NUMERIC_COLLAPSE {
            req = req.query("collapse", c);
        }
        match req.send_json::<Value>() {
            Ok(issue) => Ok(ResolvedIssue {
                org: org.to_string(),
                issue,
            }),
            Err(e) if e.status() == Some(404) => {
                Err(not_found(&id.to_string()).with_detail(format!("Organization: {org}")))
            }
            Err(e) => Err(api_error(e)),
        }
    }

    /// The unscoped legacy endpoint; the org comes from the permalink and is cached.
    fn legacy_numeric(&self, id: u64) -> CliResult<ResolvedIssue> {
        let mut req = self.client.issue_by_id(&id.to_string());
        for c in NUMERIC_COLLAPSE {
            req = req.query("collapse", c);
        }
        let issue: Value = match req.send_json() {
            Ok(v) => v,
            Err(e) if e.status() == Some(404) => return Err(not_found(&id.to_string())),
            Err(e) => return Err(api_error(e)),
        };
        let org = issue
            .get("permalink")
            .and_then(Value::as_str)
            .and_then(org_from_permalink)
            .or_else(|| {
                issue
                    .get("project")
                    .and_then(|p| p.get("organization"))
                    .and_then(|o| str_field(o, "slug"))
            })
            .ok_or_else(|| {
                CliError::new(
                    exit::NOT_FOUND,
                    format!("Could not tell which organization issue {id} belongs to."),
                )
                .with_hint("Use <org>/<id>.")
            })?;
        if let Ok(store) = self.ctx.store() {
            let _ = store.set_issue_org(&id.to_string(), &org);
        }
        Ok(ResolvedIssue { org, issue })
    }

    /// `GET /organizations/{org}/shortids/{SHORT}/` → `{group}`; `Ok(None)` on 404.
    pub fn short_id(&self, org: &str, short_id: &str) -> CliResult<Option<ResolvedIssue>> {
        let mut req = self.org(org)?.short_id(&short_id.to_uppercase());
        for c in DETAIL_COLLAPSE {
            req = req.query("collapse", c);
        }
        match req.send_json::<Value>() {
            Ok(v) => {
                let issue = v.get("group").cloned().unwrap_or(v);
                Ok(Some(ResolvedIssue {
                    org: org.to_string(),
                    issue,
                }))
            }
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(api_error(e)),
        }
    }

    /// `cli-G` / `f-g`: alias table, then the DSN/context project's org, then every org.
    fn project_suffix(&self, project: &str, suffix: &str) -> CliResult<ResolvedIssue> {
        if let Ok(store) = self.ctx.store() {
            let fp = super::dsn::current_fingerprint(self);
            if let Ok(Some(alias)) = store.project_by_alias(project, fp.as_deref()) {
                let sid = expand_short_id(&alias.project_slug, suffix);
                if let Some(found) = self.short_id(&alias.org_slug, &sid)? {
                    return Ok(found);
                }
            }
        }
        let sid = expand_short_id(project, suffix);
        if let Some(org) = self.context_org()? {
            if let Some(found) = self.short_id(&org, &sid)? {
                return Ok(found);
            }
        }
        let mut found = Vec::new();
        for org in self.org_slugs()? {
            if let Some(f) = self.short_id(&org, &sid)? {
                found.push(f);
            }
        }
        match found.len() {
            0 => Err(not_found(&sid)),
            1 => Ok(found.remove(0)),
            _ => Err(CliError::new(
                exit::NOT_FOUND,
                format!(
                    "Issue {sid} exists in several organizations: {}.",
                    found
                        .iter()
                        .map(|f| f.org.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_hint(format!("Use <org>/{sid}."))),
        }
    }

    fn selector(&self, org: &str, which: Selector) -> CliResult<ResolvedIssue> {
        let mut req = self
            .org(org)?
            .issues()
            .query("query", "is:unresolved")
            .query("limit", "1")
            .query("sort", which.sort());
        for c in DETAIL_COLLAPSE {
            req = req.query("collapse", c);
        }
        let list: Vec<Value> = req.send_json().map_err(api_error)?;
        let first = list.into_iter().next().ok_or_else(|| {
            CliError::new(
                exit::NOT_FOUND,
                format!("No unresolved issues in '{org}' for {}.", which.as_str()),
            )
        })?;
        let id = str_field(&first, "id")
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| not_found(which.as_str()))?;
        self.numeric(org, id)
    }
}

/// `…/organizations/<org>/issues/…` or `https://<org>.sentry.io/issues/…`.
pub fn org_from_permalink(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let segs: Vec<&str> = parsed.path_segments()?.collect();
    if let Some(i) = segs.iter().position(|s| *s == "organizations") {
        return segs
            .get(i + 1)
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string());
    }
    let host = parsed.host_str()?;
    let sub = host.strip_suffix(".sentry.io")?;
    (!sub.contains('.')).then(|| sub.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permalink_orgs() {
        assert_eq!(
            org_from_permalink("http://127.0.0.1:9/organizations/acme/issues/1/").as_deref(),
            Some("acme")
        );
        assert_eq!(
            org_from_permalink("https://acme.sentry.io/issues/1/").as_deref(),
            Some("acme")
        );
        assert_eq!(org_from_permalink("https://example.com/issues/1/"), None);
    }

    #[test]
    fn command_word_is_rejected() {
        let e = parse("issue-1").unwrap_err();
        assert_eq!(e.exit_code, 21);
        assert!(parse("cli-G").is_ok());
    }
}
