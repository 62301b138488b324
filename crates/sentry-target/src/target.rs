//! Parsing of the `[<org>/<project>]` positional used by every list and view
//! command: omitted (auto-detect), `<org>/` (every project of the org),
//! `<org>/<project>`, `<project>` (searched for in every org), a display name
//! (contains spaces), or a Sentry web URL. `@`-prefixed values are refused in
//! org and project positions.

use crate::issue_id::Selector;
use crate::validate::{check_part, reject_malformed};
use crate::weburl::{looks_like_url, parse_web_url};
use crate::TargetError;

/// What a target argument asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Argument omitted or blank: run the auto-detection chain.
    Auto,
    /// `my-org/`: every project of the org (the only mode with server-side
    /// cursor pagination).
    OrgAll {
        /// Org slug.
        org: String,
    },
    /// `my-org/my-proj`.
    Explicit {
        /// Org slug.
        org: String,
        /// Project slug.
        project: String,
    },
    /// `my-proj` or `/my-proj`: search every accessible org for the slug.
    ProjectSearch {
        /// Project slug to look for.
        project: String,
    },
    /// A value containing spaces (`My Project`, `my-org/My Project`): a
    /// display-name match over project lists, optionally within one org.
    DisplayName {
        /// Org to search in, when given.
        org: Option<String>,
        /// The display name as typed.
        name: String,
    },
    /// A Sentry web URL. `base` must be treated like `--url` by the binary.
    Url {
        /// `scheme://host[:port]` of the Sentry instance.
        base: String,
        /// Org slug, absent only for org-less share URLs.
        org: Option<String>,
        /// Project slug, when the URL names one.
        project: Option<String>,
        /// Issue ID or short ID, when the URL names one.
        issue: Option<String>,
        /// Event ID, when the URL names one.
        event: Option<String>,
        /// Trace ID, when the URL names one.
        trace: Option<String>,
    },
}

/// Parses a target argument. Blank input is [`Target::Auto`].
pub fn parse_target(input: &str) -> Result<Target, TargetError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(Target::Auto);
    }
    if looks_like_url(trimmed) {
        let Some(url) = parse_web_url(trimmed) else {
            return Err(TargetError::validation(format!(
                "\"{}\" is not a recognised Sentry URL. Pass <org>/<project>, or a URL such as\n  \
                 https://<org>.sentry.io/issues/<id>/ or <base>/organizations/<org>/projects/<project>/",
                trimmed.escape_debug()
            )));
        };
        for (value, label) in [
            (&url.org, "organization slug"),
            (&url.project, "project slug"),
            (&url.issue, "issue identifier"),
            (&url.event, "event ID"),
            (&url.trace, "trace ID"),
        ] {
            if let Some(v) = value {
                check_part(v, v, label)?;
            }
        }
        return Ok(Target::Url {
            base: url.base,
            org: url.org,
            project: url.project,
            issue: url.issue,
            event: url.event,
            trace: url.trace,
        });
    }

    let Some((org, project)) = trimmed.split_once('/') else {
        reject_at(trimmed, "project slug")?;
        return bare_project(None, trimmed);
    };
    if project.contains('/') {
        return Err(TargetError::validation(format!(
            "Invalid target \"{}\": expected <org>/<project>, <org>/ or <project>.",
            trimmed.escape_debug()
        )));
    }
    if org.is_empty() {
        if project.is_empty() {
            return Err(TargetError::validation(
                "Invalid target \"/\": a leading '/' must be followed by a project slug (e.g. /cli).",
            ));
        }
        reject_at(project, "project slug")?;
        return bare_project(None, project);
    }
    reject_at(org, "organization slug")?;
    check_part(org, org, "organization slug")?;
    if project.is_empty() {
        return Ok(Target::OrgAll {
            org: org.to_string(),
        });
    }
    reject_at(project, "project slug")?;
    if project.contains(' ') {
        return display_name(Some(org), project);
    }
    check_part(project, project, "project slug")?;
    Ok(Target::Explicit {
        org: org.to_string(),
        project: project.to_string(),
    })
}

fn bare_project(org: Option<&str>, project: &str) -> Result<Target, TargetError> {
    if project.contains(' ') {
        return display_name(org, project);
    }
    check_part(project, project, "project slug")?;
    Ok(Target::ProjectSearch {
        project: project.to_string(),
    })
}

/// Display names may contain spaces, but never control characters or the
/// characters that would break a query.
fn display_name(org: Option<&str>, name: &str) -> Result<Target, TargetError> {
    let collapsed: String = name
        .split(' ')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    reject_malformed(&collapsed, "project name")?;
    Ok(Target::DisplayName {
        org: org.map(str::to_string),
        name: name.trim().to_string(),
    })
}

/// `@` never appears in slugs; a selector in a target position gets a
/// pointer to where selectors belong.
fn reject_at(value: &str, label: &str) -> Result<(), TargetError> {
    if !value.starts_with('@') {
        return Ok(());
    }
    let article = if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    if let Some(sel) = Selector::parse(value) {
        return Err(TargetError::validation(format!(
            "'{value}' is an issue selector, not {article} {label}.\n  Use: sentry issue view {}",
            sel.as_str()
        )));
    }
    Err(TargetError::validation(format!(
        "Invalid {label} '{value}': it starts with '@'.\n  Slugs contain only letters, numbers, \
         hyphens and underscores."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_forms() {
        let s = |v: &str| v.to_string();
        let cases: Vec<(&str, Target)> = vec![
            ("", Target::Auto),
            ("   ", Target::Auto),
            ("my-org/", Target::OrgAll { org: s("my-org") }),
            (
                "my-org/my-proj",
                Target::Explicit {
                    org: s("my-org"),
                    project: s("my-proj"),
                },
            ),
            (
                "my-proj",
                Target::ProjectSearch {
                    project: s("my-proj"),
                },
            ),
            (
                "/my-proj",
                Target::ProjectSearch {
                    project: s("my-proj"),
                },
            ),
            (
                "My Project",
                Target::DisplayName {
                    org: None,
                    name: s("My Project"),
                },
            ),
            (
                "/My Project",
                Target::DisplayName {
                    org: None,
                    name: s("My Project"),
                },
            ),
            (
                "acme/My Project",
                Target::DisplayName {
                    org: Some(s("acme")),
                    name: s("My Project"),
                },
            ),
            (
                "https://acme.sentry.io/issues/400001/events/abc/",
                Target::Url {
                    base: s("https://acme.sentry.io"),
                    org: Some(s("acme")),
                    project: None,
                    issue: Some(s("400001")),
                    event: Some(s("abc")),
                    trace: None,
                },
            ),
            (
                "https://sentry.example.com/organizations/acme/projects/web/?project=5",
                Target::Url {
                    base: s("https://sentry.example.com"),
                    org: Some(s("acme")),
                    project: Some(s("web")),
                    issue: None,
                    event: None,
                    trace: None,
                },
            ),
            (
                "https://sentry.io/organizations/acme/traces/aaaa1111bbbb2222cccc3333dddd4444/",
                Target::Url {
                    base: s("https://sentry.io"),
                    org: Some(s("acme")),
                    project: None,
                    issue: None,
                    event: None,
                    trace: Some(s("aaaa1111bbbb2222cccc3333dddd4444")),
                },
            ),
            (
                "https://acme.sentry.io/",
                Target::Url {
                    base: s("https://acme.sentry.io"),
                    org: Some(s("acme")),
                    project: None,
                    issue: None,
                    event: None,
                    trace: None,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_target(input), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn at_prefixed_values_are_rejected() {
        let err = parse_target("@latest").unwrap_err();
        assert_eq!(err.exit_code(), 21);
        assert_eq!(
            err.message(),
            "'@latest' is an issue selector, not a project slug.\n  Use: sentry issue view @latest"
        );
        let err = parse_target("@acme/web").unwrap_err();
        assert_eq!(
            err.message(),
            "Invalid organization slug '@acme': it starts with '@'.\n  Slugs contain only letters, \
             numbers, hyphens and underscores."
        );
        assert!(parse_target("acme/@most_frequent").is_err());
    }

    #[test]
    fn malformed_targets_are_rejected() {
        for input in [
            "/",
            "a/b/c",
            "ac?me/web",
            "acme/w%eb",
            "a\u{1b}b",
            "https://example.com/",
            "acme/../x",
        ] {
            let err = parse_target(input).unwrap_err();
            assert_eq!(err.exit_code(), 21, "{input:?}");
        }
        assert_eq!(
            parse_target("a/b/c").unwrap_err().message(),
            "Invalid target \"a/b/c\": expected <org>/<project>, <org>/ or <project>."
        );
    }
}
