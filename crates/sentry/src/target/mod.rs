//! Target resolution: which org (and projects) a command is about.
//!
//! Order: the positional argument → flags/env/rc files/`cli defaults` (already merged into
//! `settings.org`/`settings.project`) → DSN auto-detection (cached in cli.db, revalidated by
//! mtimes) → the working directory's name → "your only org with only one project" → exit 22
//! listing the orgs. Parsing itself lives in `sentry_target`; this module does the lookups.
//!
//! The last two steps are guesses, not instructions: an API failure while guessing (an org
//! whose project list 404s, a 403, a 5xx after retries) means "could not detect", so the
//! command ends with its exit-22 guidance instead of the unrelated API error, as upstream
//! does. Transport failures (server unreachable, TLS) still surface as themselves.

pub mod dsn;
pub mod issue;
pub mod paging;

use std::cell::OnceCell;

use sentry_api::{Client, OrgApi, Paging};
use sentry_target::{parse_target, Target, TargetError};
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};

/// One project a command works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRef {
    pub org: String,
    pub slug: String,
    /// Numeric ID, when a lookup already returned it.
    pub id: Option<String>,
    pub name: Option<String>,
}

/// What a target resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `my-org/`: every project of the org (server-side pagination).
    OrgAll { org: String },
    /// One or more explicit projects (several for monorepos).
    Projects(Vec<ProjectRef>),
}

#[derive(Debug, Clone)]
pub struct Resolved {
    pub scope: Scope,
    /// Where an auto-detected target came from, for the "Detected from …" hint.
    pub detected_from: Option<String>,
    /// The user named the target (positional argument).
    pub explicit: bool,
}

impl Resolved {
    /// Every org involved, in first-seen order.
    pub fn orgs(&self) -> Vec<String> {
        match &self.scope {
            Scope::OrgAll { org } => vec![org.clone()],
            Scope::Projects(ps) => {
                let mut out: Vec<String> = Vec::new();
                for p in ps {
                    if !out.contains(&p.org) {
                        out.push(p.org.clone());
                    }
                }
                out
            }
        }
    }
}

/// How far the omitted-target chain may guess after settings and DSNs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// A project whose slug is the working directory's name.
    DirName,
    /// That, then "your only org with only one project".
    DirNameThenSoleProject,
}

/// The exit-22 error of a view command whose org and project could not be detected
/// (`usage` is the command line to show, e.g. `sentry project view <org>/<project>`).
pub fn auto_detect_failed(usage: &str) -> CliError {
    CliError::new(
        exit::CONTEXT,
        "Could not auto-detect organization and project.",
    )
    .with_hint(format!(
        "Provide them explicitly:\n  {usage}\n\nOr:\n  - Run from a directory with a Sentry DSN in source code or .env files\n  - Set SENTRY_ORG and SENTRY_PROJECT (or SENTRY_DSN) environment variables\n  - Run 'sentry org list' to find your organization slug\n  - Run 'sentry project list <org>/' to find project slugs"
    ))
}

/// `Failed to <what>: 404 Not Found` plus the server's detail (exit 30), the wording of a
/// failed lookup whose target the user named. Non-HTTP failures keep their own message.
pub fn failed_to(what: &str, e: sentry_api::ApiError) -> CliError {
    let Some(status) = e.status() else {
        return api_error(e);
    };
    let base = api_error(e);
    let status_text = base
        .message
        .strip_prefix(&format!("API request failed: {status}"))
        .unwrap_or("")
        .to_string();
    let mut err = CliError::new(
        exit::API,
        format!("Failed to {what}: {status}{status_text}"),
    );
    // The first detail is the endpoint, which the upstream wording leaves out.
    for d in base.details.iter().skip(1) {
        err = err.with_detail(d.clone());
    }
    err.hint = base.hint;
    err.api = base.api;
    err
}

/// Maps a parse failure to the CLI error with the same exit code (21 or 23).
pub fn target_error(e: TargetError) -> CliError {
    CliError::new(e.exit_code(), e.message().to_string())
}

/// Lookups shared by one command run: the client, the org list (fetched at most once).
pub struct Resolver<'a> {
    pub ctx: &'a Context,
    pub client: &'a Client,
    orgs: OnceCell<Vec<Value>>,
}

pub fn str_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<'a> Resolver<'a> {
    pub fn new(ctx: &'a Context, client: &'a Client) -> Self {
        Self {
            ctx,
            client,
            orgs: OnceCell::new(),
        }
    }

    /// Every org the token can see (control silo), cached for this run.
    pub fn orgs(&self) -> CliResult<&[Value]> {
        if let Some(o) = self.orgs.get() {
            return Ok(o);
        }
        let list = crate::regions::list_orgs(self.ctx, self.client)?;
        Ok(self.orgs.get_or_init(|| list))
    }

    pub fn org_slugs(&self) -> CliResult<Vec<String>> {
        Ok(self
            .orgs()?
            .iter()
            .filter_map(|o| str_field(o, "slug"))
            .collect())
    }

    /// The endpoints of `org`, bound to the region that serves it (discovered once).
    pub fn org(&self, org: &str) -> CliResult<OrgApi<'a>> {
        let base = crate::regions::region_for_org(self.ctx, self.client, org)?;
        Ok(self.client.org_api(org, &base))
    }

    /// The org and at most one project a single-scope command (explore, the replay,
    /// attribute and feedback lists) works on: `<org>/` is the org alone; a project target
    /// gives its first project; an empty detection is exit 22's "required" error.
    pub fn org_and_project(&self, target: Option<&str>) -> CliResult<(String, Option<ProjectRef>)> {
        match self.resolve_target(target)?.scope {
            Scope::OrgAll { org } => Ok((org, None)),
            Scope::Projects(ps) => {
                let p = ps.into_iter().next().ok_or_else(|| {
                    CliError::new(exit::CONTEXT, "Organization and project are required.")
                })?;
                Ok((p.org.clone(), Some(p)))
            }
        }
    }

    /// A project's numeric ID: the one resolution returned, else a lookup (exit 23 when the
    /// project does not exist).
    pub fn project_id(&self, p: &ProjectRef) -> CliResult<String> {
        if let Some(id) = &p.id {
            return Ok(id.clone());
        }
        let d = self.project_detail(&p.org, &p.slug)?.ok_or_else(|| {
            CliError::new(
                exit::NOT_FOUND,
                format!("Project '{}/{}' not found.", p.org, p.slug),
            )
        })?;
        Ok(str_field(&d, "id").unwrap_or_default())
    }

    /// `GET /projects/{org}/{slug}/?collapse=organization`; `Ok(None)` on 404.
    pub fn project_detail(&self, org: &str, slug: &str) -> CliResult<Option<Value>> {
        match self
            .org(org)?
            .project(slug)
            .query("collapse", "organization")
            .send_json::<Value>()
        {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(api_error(e)),
        }
    }

    /// Every project of an org (all pages).
    pub fn org_projects(&self, org: &str) -> CliResult<Vec<Value>> {
        let page = self
            .org(org)?
            .projects()
            .pages(Paging::per_page(100_000, 50))
            .collect::<Value>()
            .map_err(api_error)?;
        Ok(page.items)
    }

    /// The org of a command that needs only an org (`org view`, `team list` …).
    pub fn resolve_org(&self, arg: Option<&str>) -> CliResult<(String, Option<String>)> {
        if let Some(a) = arg.map(str::trim).filter(|a| !a.is_empty()) {
            return match parse_target(a).map_err(target_error)? {
                Target::OrgAll { org } | Target::Explicit { org, .. } => Ok((org, None)),
                Target::ProjectSearch { project } => Ok((project, None)),
                Target::Url { org: Some(org), .. } => Ok((org, None)),
                Target::DisplayName { .. } | Target::Url { org: None, .. } | Target::Auto => {
                    Err(CliError::validation(format!(
                        "Invalid organization '{a}'. Use an organization slug."
                    )))
                }
            };
        }
        let settings = self.ctx.settings()?;
        if let Some(p) = &settings.project {
            if let Some((org, proj)) = p.value.split_once('/') {
                if !org.is_empty() && !proj.is_empty() {
                    return Ok((org.to_string(), Some(p.origin.to_string())));
                }
            }
        }
        if let Some(o) = &settings.org {
            return Ok((o.value.clone(), Some(o.origin.to_string())));
        }
        if let Some((projects, from)) = dsn::dsn_projects(self)? {
            if let Some(p) = projects.first() {
                return Ok((p.org.clone(), Some(from)));
            }
        }
        let slugs = self.org_slugs()?;
        if slugs.len() == 1 {
            return Ok((slugs[0].clone(), Some("your only organization".into())));
        }
        Err(self.context_missing("Organization is required.", &slugs))
    }

    /// The org/projects of a list or view command.
    pub fn resolve_target(&self, arg: Option<&str>) -> CliResult<Resolved> {
        let target = parse_target(arg.unwrap_or("")).map_err(target_error)?;
        let explicit = !matches!(target, Target::Auto);
        let scope = match target {
            Target::Auto => return self.auto(),
            Target::OrgAll { org } => Scope::OrgAll { org },
            Target::Explicit { org, project } => Scope::Projects(vec![ProjectRef {
                org,
                slug: project,
                id: None,
                name: None,
            }]),
            Target::ProjectSearch { project } => return self.project_search(&project),
            Target::DisplayName { org, name } => self.display_name(org.as_deref(), &name)?,
            Target::Url {
                org: Some(org),
                project,
                ..
            } => match project {
                Some(p) => Scope::Projects(vec![ProjectRef {
                    org,
                    slug: p,
                    id: None,
                    name: None,
                }]),
                None => Scope::OrgAll { org },
            },
            Target::Url { org: None, .. } => {
                return Err(CliError::validation(
                    "This URL names no organization; use <org>/<project>.",
                ))
            }
        };
        Ok(Resolved {
            scope,
            detected_from: None,
            explicit,
        })
    }

    /// `my-proj`: look the slug up in every org. A slug that is an org switches to org-all.
    fn project_search(&self, slug: &str) -> CliResult<Resolved> {
        let orgs = self.org_slugs()?;
        let mut found = Vec::new();
        for org in &orgs {
            if let Some(p) = self.project_detail(org, slug)? {
                found.push(project_ref(org, &p));
            }
        }
        match found.len() {
            1 => Ok(Resolved {
                scope: Scope::Projects(found),
                detected_from: None,
                explicit: true,
            }),
            0 if orgs.iter().any(|o| o == slug) => {
                crate::diag!(
                    "Warning: '{slug}' is an organization, not a project; listing every project of it (use '{slug}/' next time)."
                );
                Ok(Resolved {
                    scope: Scope::OrgAll {
                        org: slug.to_string(),
                    },
                    detected_from: None,
                    explicit: true,
                })
            }
            0 => Err(CliError::new(
                exit::NOT_FOUND,
                format!("Project '{slug}' not found in any accessible organization."),
            )
            .with_hint("Use <org>/<project> to name it exactly; 'sentry project list' shows what you can access.")),
            _ => Err(CliError::new(
                exit::NOT_FOUND,
                format!(
                    "Project '{slug}' exists in several organizations: {}.",
                    found
                        .iter()
                        .map(|p| format!("{}/{}", p.org, p.slug))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_hint("Specify one as <org>/<project>.")),
        }
    }

    /// `My Project`: case-insensitive match on display names.
    fn display_name(&self, org: Option<&str>, name: &str) -> CliResult<Scope> {
        let orgs = match org {
            Some(o) => vec![o.to_string()],
            None => self.org_slugs()?,
        };
        let wanted = name.trim().to_lowercase();
        let mut found = Vec::new();
        for o in &orgs {
            for p in self.org_projects(o)? {
                let pname = str_field(&p, "name").unwrap_or_default().to_lowercase();
                if pname == wanted {
                    found.push(project_ref(o, &p));
                }
            }
        }
        match found.len() {
            1 => Ok(Scope::Projects(found)),
            0 => Err(CliError::new(
                exit::NOT_FOUND,
                format!("No project named '{name}' found."),
            )),
            _ => Err(CliError::new(
                exit::NOT_FOUND,
                format!(
                    "Several projects are named '{name}': {}.",
                    found
                        .iter()
                        .map(|p| format!("{}/{}", p.org, p.slug))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_hint("Specify one as <org>/<project>.")),
        }
    }

    /// The auto-detection chain for an omitted target; exit 22 listing the orgs when nothing
    /// is found.
    fn auto(&self) -> CliResult<Resolved> {
        match self.detect(Guess::DirNameThenSoleProject)? {
            Some(r) => Ok(r),
            None => {
                let orgs: Option<Vec<String>> = self
                    .orgs
                    .get()
                    .map(|o| o.iter().filter_map(|v| str_field(v, "slug")).collect());
                Err(self.context_missing_known(
                    "Organization and project are required.",
                    orgs.as_deref(),
                ))
            }
        }
    }

    /// The omitted-target chain: settings (flags, env, rc files, defaults), DSNs, then the
    /// guesses `guess` allows. `None` when nothing was detected (including when a guess's
    /// lookups failed at the API, see the module comment).
    pub fn detect(&self, guess: Guess) -> CliResult<Option<Resolved>> {
        let settings = self.ctx.settings()?;
        let project_setting = settings.project.clone();
        if let Some(p) = &project_setting {
            if let Some((org, proj)) = p.value.split_once('/') {
                if !org.is_empty() && !proj.is_empty() {
                    return Ok(Some(detected(
                        Scope::Projects(vec![simple(org, proj)]),
                        p.origin.to_string(),
                    )));
                }
            }
        }
        match (&settings.org, &project_setting) {
            (Some(o), Some(p)) => {
                return Ok(Some(detected(
                    Scope::Projects(vec![simple(&o.value, &p.value)]),
                    o.origin.to_string(),
                )))
            }
            (Some(o), None) => {
                return Ok(Some(detected(
                    Scope::OrgAll {
                        org: o.value.clone(),
                    },
                    o.origin.to_string(),
                )))
            }
            (None, Some(p)) => {
                let mut r = self.project_search(&p.value)?;
                r.explicit = false;
                r.detected_from = Some(p.origin.to_string());
                return Ok(Some(r));
            }
            (None, None) => {}
        }
        if let Some((projects, from)) = dsn::dsn_projects(self)? {
            return Ok(Some(detected(Scope::Projects(projects), from)));
        }
        match self.guess(guess) {
            Ok(found) => Ok(found),
            Err(e) if e.api.is_some() => {
                log::debug!("[resolve] auto-detection lookups failed: {}", e.message);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Directory-name inference, then (when allowed) the only-org-only-project fallback.
    fn guess(&self, guess: Guess) -> CliResult<Option<Resolved>> {
        let orgs = self.org_slugs()?;
        let dir = self
            .ctx
            .cwd
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let mut per_org: Vec<(String, Vec<Value>)> = Vec::new();
        for org in &orgs {
            per_org.push((org.clone(), self.org_projects(org)?));
        }
        if !dir.is_empty() {
            let matches: Vec<ProjectRef> = per_org
                .iter()
                .flat_map(|(org, ps)| {
                    ps.iter()
                        .filter(|p| str_field(p, "slug").is_some_and(|s| s.to_lowercase() == dir))
                        .map(|p| project_ref(org, p))
                        .collect::<Vec<_>>()
                })
                .collect();
            if matches.len() == 1 {
                return Ok(Some(detected(
                    Scope::Projects(matches),
                    format!("directory name '{dir}'"),
                )));
            }
        }
        if guess == Guess::DirNameThenSoleProject && per_org.len() == 1 && per_org[0].1.len() == 1 {
            let (org, ps) = &per_org[0];
            return Ok(Some(detected(
                Scope::Projects(vec![project_ref(org, &ps[0])]),
                "your only accessible org/project".into(),
            )));
        }
        Ok(None)
    }

    /// Exit 22 with the orgs the user can pick from.
    pub fn context_missing(&self, headline: &str, orgs: &[String]) -> CliError {
        self.context_missing_known(headline, Some(orgs))
    }

    /// [`Self::context_missing`] when the org list may be unknown (its lookup failed): then
    /// no list is shown rather than a wrong "no organizations".
    fn context_missing_known(&self, headline: &str, orgs: Option<&[String]>) -> CliError {
        let mut err = CliError::new(exit::CONTEXT, headline.to_string());
        match orgs {
            None => {}
            Some([]) => {
                err = err.with_detail("No organizations are accessible with the current token.");
            }
            Some(orgs) => {
                err = err.with_detail("Your organizations:");
                for o in orgs {
                    err = err.with_detail(format!("  {o}"));
                }
            }
        }
        err.with_hint(
            "Specify a target like <org>/<project> (or <org>/ for all projects), set SENTRY_ORG and SENTRY_PROJECT, or run 'sentry cli defaults org <org>'.",
        )
    }
}

fn simple(org: &str, project: &str) -> ProjectRef {
    ProjectRef {
        org: org.to_string(),
        slug: project.to_string(),
        id: None,
        name: None,
    }
}

fn detected(scope: Scope, from: String) -> Resolved {
    Resolved {
        scope,
        detected_from: Some(from),
        explicit: false,
    }
}

/// A project object from the API as a [`ProjectRef`] in `org`.
pub fn project_ref(org: &str, p: &Value) -> ProjectRef {
    ProjectRef {
        org: p
            .get("organization")
            .and_then(|o| str_field(o, "slug"))
            .unwrap_or_else(|| org.to_string()),
        slug: str_field(p, "slug").unwrap_or_default(),
        id: str_field(p, "id"),
        name: str_field(p, "name"),
    }
}
