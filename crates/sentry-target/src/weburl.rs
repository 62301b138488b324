//! Recognises Sentry *web* URLs (what users copy from the browser) and pulls
//! out the org, project, issue, event, trace and share identifiers.
//!
//! Both SaaS styles (`https://<org>.sentry.io/issues/1/` and
//! `https://sentry.io/organizations/<org>/issues/1/`) and self-hosted
//! (`<base>/organizations/<org>/...`) are understood. Query strings and
//! fragments are ignored except `feedbackSlug`, which carries the only copy
//! of the feedback issue's project and ID.

use url::Url;

/// Identifiers found in a Sentry web URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WebUrl {
    pub base: String,
    pub org: Option<String>,
    pub project: Option<String>,
    pub issue: Option<String>,
    pub event: Option<String>,
    pub trace: Option<String>,
    pub share: Option<String>,
}

const SAAS_HOST: &str = "sentry.io";

/// True when the input is meant as a URL, so callers route it here and not
/// into slug parsing (where `:` and `/` mean something else).
pub(crate) fn looks_like_url(input: &str) -> bool {
    let lower = input
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Parses a Sentry web URL; `None` when the URL is not one we recognise.
pub(crate) fn parse_web_url(input: &str) -> Option<WebUrl> {
    let url = Url::parse(input).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let base = url.origin().ascii_serialization();
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let mut out = WebUrl {
        base,
        ..WebUrl::default()
    };

    if segments.first() == Some(&"organizations") {
        let org = segments.get(1)?;
        out.org = Some((*org).to_string());
        fill_org_path(&mut out, &segments[2..]);
        return Some(out);
    }
    if segments.first() == Some(&"settings") && segments.get(2) == Some(&"projects") {
        out.org = Some(segments.get(1)?.to_string());
        out.project = Some(segments.get(3)?.to_string());
        return Some(out);
    }
    if let Some(org) = host.strip_suffix(&format!(".{SAAS_HOST}")) {
        // `us.sentry.io`, `de.sentry.io` are region API hosts, not orgs.
        if org.len() > 2 && !org.contains('.') {
            out.org = Some(org.to_string());
            if fill_subdomain_path(&mut out, &segments, &url) {
                return Some(out);
            }
            return None;
        }
    }
    if segments.first() == Some(&"share") && segments.get(1) == Some(&"issue") {
        out.share = Some(segments.get(2)?.to_string());
        return Some(out);
    }
    None
}

/// Fills identifiers from the part of a path after `/organizations/<org>/`.
fn fill_org_path(out: &mut WebUrl, rest: &[&str]) {
    match rest {
        ["issues", id, "events", event, ..] => {
            out.issue = Some((*id).to_string());
            out.event = Some((*event).to_string());
        }
        ["issues", id, ..] => out.issue = Some((*id).to_string()),
        ["traces", trace, ..] | ["performance", "trace", trace, ..] => {
            out.trace = Some((*trace).to_string())
        }
        ["projects", project, ..] => out.project = Some((*project).to_string()),
        ["share", "issue", share, ..] => out.share = Some((*share).to_string()),
        _ => {}
    }
}

/// Fills identifiers from an `https://<org>.sentry.io/...` path; false when
/// the path is not one we know (so a random page is not taken as org-only).
fn fill_subdomain_path(out: &mut WebUrl, segments: &[&str], url: &Url) -> bool {
    match segments {
        [] => true,
        ["issues"] => true,
        ["issues", id, "events", event, ..] => {
            out.issue = Some((*id).to_string());
            out.event = Some((*event).to_string());
            true
        }
        ["issues", id, ..] => {
            out.issue = Some((*id).to_string());
            true
        }
        ["traces", trace, ..] | ["performance", "trace", trace, ..] => {
            out.trace = Some((*trace).to_string());
            true
        }
        ["projects", project, ..] | ["settings", "projects", project, ..] => {
            out.project = Some((*project).to_string());
            true
        }
        ["share", "issue", share, ..] => {
            out.share = Some((*share).to_string());
            true
        }
        ["feedback"] => {
            if let Some((_, slug)) = url.query_pairs().find(|(k, _)| k == "feedbackSlug") {
                if let Some((project, id)) = slug.split_once(':') {
                    if !project.is_empty() && crate::validate::is_all_digits(id) {
                        out.project = Some(project.to_string());
                        out.issue = Some(id.to_string());
                    }
                }
            }
            true
        }
        ["projects"]
        | ["traces"]
        | ["explore", ..]
        | ["replays", ..]
        | ["dashboard", ..]
        | ["dashboards", ..]
        | ["releases", ..]
        | ["insights", ..]
        | ["alerts", ..] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> WebUrl {
        parse_web_url(s).unwrap_or_else(|| panic!("not recognised: {s}"))
    }

    #[test]
    fn subdomain_issue_url() {
        let u = p("https://my-org.sentry.io/issues/400001/?project=1&referrer=x");
        assert_eq!(u.base, "https://my-org.sentry.io");
        assert_eq!(u.org.as_deref(), Some("my-org"));
        assert_eq!(u.issue.as_deref(), Some("400001"));
        assert_eq!(u.event, None);
    }

    #[test]
    fn organizations_path_on_saas_and_self_hosted() {
        let u = p("https://sentry.io/organizations/my-org/issues/400001/events/abc/");
        assert_eq!(u.base, "https://sentry.io");
        assert_eq!(u.org.as_deref(), Some("my-org"));
        assert_eq!(u.issue.as_deref(), Some("400001"));
        assert_eq!(u.event.as_deref(), Some("abc"));
        let u = p("http://sentry.example.com:9000/organizations/acme/projects/web/");
        assert_eq!(u.base, "http://sentry.example.com:9000");
        assert_eq!(u.project.as_deref(), Some("web"));
    }

    #[test]
    fn region_hosts_and_unknown_paths_are_not_orgs() {
        assert_eq!(parse_web_url("https://us.sentry.io/issues/1/"), None);
        assert_eq!(
            parse_web_url("https://my-org.sentry.io/whatever/page/"),
            None
        );
        assert_eq!(parse_web_url("https://example.com/issues/1/"), None);
        assert_eq!(parse_web_url("ftp://sentry.io/organizations/a/"), None);
    }

    #[test]
    fn share_and_feedback() {
        let u = p("https://sentry.io/share/issue/0123abcd/");
        assert_eq!(u.org, None);
        assert_eq!(u.share.as_deref(), Some("0123abcd"));
        let u = p("https://acme.sentry.io/feedback/?feedbackSlug=web:42");
        assert_eq!(u.project.as_deref(), Some("web"));
        assert_eq!(u.issue.as_deref(), Some("42"));
    }
}
