//! What every sentry-cli 3.x command that talks to the server shares: the token check, the
//! org and projects by 3.x's precedence, the org's endpoints, and 3.x's wording of API
//! failures. Settings resolution stays in `sentry-config` (flags, env, `.env`, properties,
//! `.sentryclirc`, org-token claims); this module only applies 3.x's "required" rules on top.

use sentry_api::{ApiError, Client, OrgApi};
use serde_json::Value;

use crate::context::Context;
use crate::error::{CliError, CliResult};

/// 3.x's message when no token is configured anywhere; it fails before any request.
pub const NO_TOKEN: &str =
    "Auth token is required for this request. Please run `sentry-cli login` and try again!";
pub const NO_ORG: &str = "An organization ID or slug is required (provide with --org, set SENTRY_ORG, or use an org-scoped auth token)";
pub const NO_PROJECT: &str = "A project ID or slug is required (provide with --project)";

/// The client for an authenticated command, or 3.x's "Auth token is required" error.
pub fn client(ctx: &Context) -> CliResult<Client> {
    if ctx.active_token()?.is_none() {
        return Err(CliError::general(NO_TOKEN));
    }
    ctx.client()
}

/// The org: org-token claim, `--org`, `SENTRY_ORG`, `defaults.org` (resolved in settings).
pub fn org(ctx: &Context) -> CliResult<String> {
    match &ctx.settings()?.org {
        Some(o) if !o.value.is_empty() => Ok(o.value.clone()),
        _ => Err(CliError::general(NO_ORG)),
    }
}

/// The one project a command needs: `-p`, `SENTRY_PROJECT`, `defaults.project`.
pub fn project(ctx: &Context) -> CliResult<String> {
    match &ctx.settings()?.project {
        Some(p) if !p.value.is_empty() => Ok(p.value.clone()),
        _ => Err(CliError::general(NO_PROJECT)),
    }
}

/// The pages 3.x reads of a list endpoint: no page size (the server's default, 100), at
/// most `pages` requests.
pub fn paging(pages: usize) -> sentry_api::Paging {
    sentry_api::Paging {
        size_param: None,
        ..sentry_api::Paging::per_page(usize::MAX, pages)
    }
}

/// The projects: every `-p` given, else `SENTRY_PROJECT`/`defaults.project`; may be empty.
pub fn projects(ctx: &Context, flags: &[String]) -> CliResult<Vec<String>> {
    if !flags.is_empty() {
        return Ok(flags.to_vec());
    }
    Ok(ctx
        .settings()?
        .project
        .iter()
        .map(|p| p.value.clone())
        .collect())
}

/// Projects as 3.x sends them: all-digit values are project IDs (JSON numbers), the rest
/// slugs.
pub fn project_values(projects: &[String]) -> Vec<Value> {
    projects
        .iter()
        .map(|p| match p.parse::<u64>() {
            Ok(id) if p.bytes().all(|b| b.is_ascii_digit()) => Value::from(id),
            _ => Value::String(p.clone()),
        })
        .collect()
}

/// The org's endpoints on the configured server: 3.x sends every call to the one base URL
/// (sentry.io routes to the org's region itself), so no region lookup is made.
pub fn org_api<'c>(client: &'c Client, org: &str) -> OrgApi<'c> {
    client.org_api(org, client.base_url())
}

/// What a 404 from an endpoint means, in 3.x's words.
#[derive(Clone, Copy)]
pub enum NotFound {
    Org,
    Project,
    Release,
    /// Any other endpoint (an issue, a monitor…).
    Resource,
}

impl NotFound {
    fn message(self) -> &'static str {
        match self {
            NotFound::Org => "organization not found",
            NotFound::Project => {
                "Project not found. Ensure that you configured the correct project and organization."
            }
            NotFound::Release => "Release not found. Ensure that you configured the correct release, project, and organization.",
            NotFound::Resource => "resource not found",
        }
    }
}

/// An API failure as 3.x prints it: a 404 as the endpoint's not-found sentence, any other
/// status as `API request failed` caused by `sentry reported an error: <detail> (http status:
/// N)`, transport failures under the same headline with our cause and hint. Exit 1.
pub fn api_failure(e: ApiError, not_found: NotFound) -> CliError {
    let Some(status) = e.status() else {
        let mut err = CliError::general(format!(
            "API request failed\n\nCaused by:\n    {}",
            e.message()
        ));
        err.hint = e.hint();
        return err;
    };
    if status == 404 {
        return CliError::general(not_found.message());
    }
    let detail = e
        .body()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        .map(|v| {
            ["detail", "error"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| "request failure".to_string())
        })
        .unwrap_or_else(|| {
            match status {
                400 => "bad request",
                401 => "unauthorized",
                404 => "not found",
                500 => "internal server error",
                502 => "bad gateway",
                504 => "gateway timeout",
                _ => "unknown error",
            }
            .to_string()
        });
    CliError::general(format!(
        "API request failed\n\nCaused by:\n    sentry reported an error: {detail} (http status: {status})"
    ))
}

/// A `--released`/`--started`/`--finished` value: unix seconds, RFC 3339 or RFC 2822 (3.x
/// accepts all three), sent as RFC 3339 UTC. A clap value parser, so a bad value is a usage
/// error (exit 2) naming the flag, as in 3.x.
pub fn parse_timestamp(raw: &str) -> Result<String, String> {
    let t = if let Ok(secs) = raw.parse::<i64>() {
        jiff::Timestamp::from_second(secs).ok()
    } else if let Ok(t) = raw.parse::<jiff::Timestamp>() {
        Some(t)
    } else {
        jiff::fmt::rfc2822::parse(raw).ok().map(|z| z.timestamp())
    };
    t.map(|t| t.to_string())
        .ok_or_else(|| "Not in valid format. Unix timestamp or ISO 8601 date expected.".to_string())
}

/// A warning in 3.x's log-line shape (`  WARN    <local time> <message>`), for the few
/// warnings 3.x prints outside its logger that scripts may grep for.
pub fn warn(message: &str) {
    let now = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%d %H:%M:%S.%N %:z");
    crate::diag!("  WARN    {now} {message}");
}

/// Now, as the timestamps above are sent.
pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_three_formats() {
        assert_eq!(
            parse_timestamp("1700000000").unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            parse_timestamp("2023-11-14T23:13:20+01:00").unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            parse_timestamp("Tue, 14 Nov 2023 22:13:20 +0000").unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert!(parse_timestamp("garbage").is_err());
    }

    #[test]
    fn numeric_projects_are_ids() {
        let v = project_values(&["web".into(), "42".into(), "+1".into()]);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"["web",42,"+1"]"#);
    }
}
