//! Parsing of the `<issue>` argument of `issue view|events|explain|plan|
//! resolve|unresolve|archive|merge`, `event list` and `feedback view`.
//!
//! The parser only classifies the input; it never guesses across a network
//! boundary. Every variant of [`IssueRef`] names exactly the lookup the binary
//! has to perform (numeric detail, short-ID lookup, alias table, magic
//! selector, issue or share URL), so malformed input is refused here, before
//! any request.

use crate::validate::{check_part, invalid, is_all_digits, reject_malformed};
use crate::weburl::{looks_like_url, parse_web_url};
use crate::TargetError;

const LABEL: &str = "issue identifier";

/// The magic `@` selectors that pick "the" issue of an org dynamically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// `@latest`: the unresolved issue seen most recently.
    Latest,
    /// `@most_frequent`: the unresolved issue with the most events.
    MostFrequent,
}

impl Selector {
    /// Canonical spelling, used in messages and hints.
    pub fn as_str(self) -> &'static str {
        match self {
            Selector::Latest => "@latest",
            Selector::MostFrequent => "@most_frequent",
        }
    }

    /// The `sort=` value of the one-issue list request that implements the
    /// selector (`GET /organizations/{org}/issues/?query=is:unresolved&limit=1&sort=…`).
    pub fn sort(self) -> &'static str {
        match self {
            Selector::Latest => "date",
            Selector::MostFrequent => "freq",
        }
    }

    /// Accepts the canonical names case-insensitively plus the spellings
    /// people type from memory (`@mostFrequent`, `@most-frequent`).
    pub fn parse(s: &str) -> Option<Selector> {
        match s.to_ascii_lowercase().as_str() {
            "@latest" => Some(Selector::Latest),
            "@most_frequent" | "@mostfrequent" | "@most-frequent" => Some(Selector::MostFrequent),
            _ => None,
        }
    }
}

/// The issue named by a URL path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlIssue {
    /// `/issues/400001/`: a numeric group ID.
    Numeric(u64),
    /// `/issues/CLI-G/`: a short ID; `project` is the lower-cased prefix.
    ShortId {
        /// Lower-cased project slug taken from the short ID prefix.
        project: String,
        /// Upper-cased full short ID.
        short_id: String,
    },
}

/// What an issue argument names, and therefore which lookup resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueRef {
    /// A numeric group ID (`400001`, `my-org/400001`, `my-org/cli/123`,
    /// `CLI:123`). With an org: `GET /organizations/{org}/issues/{id}/`;
    /// without: org from context, else the legacy unscoped endpoint.
    Numeric {
        /// Explicit org, when the input carried one.
        org: Option<String>,
        /// The group ID.
        id: u64,
    },
    /// A full short ID with an explicit org (`my-org/CLI-G`, `my-org/cli/G`,
    /// `my-org/cli#CLI-G`): `GET /organizations/{org}/shortids/{short_id}/`.
    ShortId {
        /// Explicit org slug.
        org: String,
        /// Lower-cased project slug (the short ID prefix).
        project: String,
        /// Upper-cased full short ID, ready for the shortids endpoint.
        short_id: String,
    },
    /// `<word>-<suffix>` without an org (`cli-G`, `CLI-G`, `f-g`,
    /// `cli#G`, `CLI:CLI-G`, `#CLI-G`). The word is a project slug *or* an
    /// alias from the alias table, which is why it stays ambiguous here:
    /// alias table → DSN project → shortids fan-out of [`IssueRef::short_id`]
    /// over all orgs → project search; ambiguity and not-found are exit 23.
    ProjectSuffix {
        /// Lower-cased project slug or alias.
        project: String,
        /// Upper-cased suffix.
        suffix: String,
    },
    /// A bare suffix (`G`, `5d`): needs a project from context (DSN, env,
    /// defaults) and expands to `<PROJECT>-<SUFFIX>`.
    Suffix {
        /// Upper-cased suffix.
        suffix: String,
    },
    /// `@latest` / `@most_frequent`, optionally `my-org/@latest`.
    Selector {
        /// Explicit org, when given.
        org: Option<String>,
        /// Which selector.
        which: Selector,
    },
    /// A Sentry issue URL. `base` is the instance the URL points at, which
    /// the binary must treat like `--url` (host-scope checks apply).
    Url {
        /// `scheme://host[:port]` of the Sentry instance.
        base: String,
        /// Org slug from the URL.
        org: String,
        /// The issue in the URL.
        issue: UrlIssue,
    },
    /// A share URL: unauthenticated `GET /api/0/shared/issues/{share_id}/`
    /// yields `groupID`, then a numeric lookup.
    Share {
        /// `scheme://host[:port]` of the Sentry instance.
        base: String,
        /// Org, when the URL was on an org subdomain.
        org: Option<String>,
        /// The share ID.
        share_id: String,
    },
}

impl IssueRef {
    /// The full short ID this reference stands for when it is read as
    /// `<PROJECT>-<SUFFIX>`, for the shortids fan-out.
    pub fn short_id(&self) -> Option<String> {
        match self {
            IssueRef::ShortId { short_id, .. } => Some(short_id.clone()),
            IssueRef::ProjectSuffix { project, suffix } => Some(expand_short_id(project, suffix)),
            IssueRef::Url {
                issue: UrlIssue::ShortId { short_id, .. },
                ..
            } => Some(short_id.clone()),
            _ => None,
        }
    }
}

/// Builds `<PROJECT>-<SUFFIX>` the way Sentry prints short IDs (upper case).
pub fn expand_short_id(project: &str, suffix: &str) -> String {
    format!("{}-{}", project.to_uppercase(), suffix.to_uppercase())
}

/// Whether `s` is written exactly like a Sentry short ID, upper case as Sentry prints one
/// (`PROJ-123`, `MY-APP-4Z`): dash-separated words starting with a letter, then a final
/// alphanumeric suffix. Commands that take another kind of ID (a trace ID) use it to
/// recognise an issue passed by mistake; lower-case `proj-123` reads as a slug instead.
pub fn is_exact_short_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    !words.is_empty()
        && words.iter().all(|w| {
            w.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
                && w.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
        && !last.is_empty()
        && last
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Parses an issue argument into the lookup it denotes.
///
/// Multi-line input (command substitution that captured extra output) is
/// reduced to its first non-blank line, as upstream does; anything left that
/// contains control characters, whitespace, `?`, `%`, `\` or `..` outside a
/// URL is a [`TargetError::Validation`] (exit 21).
pub fn parse_issue_ref(input: &str) -> Result<IssueRef, TargetError> {
    let line = input
        .split('\n')
        .map(|l| l.trim_matches(|c: char| c.is_whitespace()))
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.is_empty() {
        return Err(TargetError::validation("Issue identifier is empty."));
    }
    if looks_like_url(line) {
        return parse_url(line);
    }
    reject_malformed(line, LABEL)?;

    if line.contains('@') {
        let (org, sel) = match line.split_once('/') {
            Some((org, sel)) => (Some(org), sel),
            None => (None, line),
        };
        return match Selector::parse(sel) {
            Some(which) => {
                if let Some(org) = org {
                    check_part(org, line, "organization slug")?;
                }
                Ok(IssueRef::Selector {
                    org: org.map(str::to_string),
                    which,
                })
            }
            None => Err(TargetError::validation(format!(
                "Unknown issue selector \"{line}\". Use @latest or @most_frequent \
                 (optionally as <org>/@latest)."
            ))),
        };
    }
    if line.contains('#') {
        return parse_hash(line);
    }
    parse_bare(line)
}

fn parse_url(line: &str) -> Result<IssueRef, TargetError> {
    let Some(url) = parse_web_url(line) else {
        return Err(TargetError::validation(format!(
            "\"{}\" is not a recognised Sentry issue URL. Use an issue URL like\n  \
             https://<org>.sentry.io/issues/<id>/ or <base>/organizations/<org>/issues/<id>/",
            line.escape_debug()
        )));
    };
    if let Some(share_id) = url.share {
        check_part(&share_id, &share_id, "share ID")?;
        return Ok(IssueRef::Share {
            base: url.base,
            org: url.org,
            share_id,
        });
    }
    let (Some(org), Some(id)) = (url.org, url.issue) else {
        return Err(TargetError::validation(
            "This Sentry URL does not contain an issue ID. Use an issue URL like\n  \
             https://sentry.io/organizations/<org>/issues/<id>/",
        ));
    };
    check_part(&org, &org, "organization slug")?;
    check_part(&id, &id, LABEL)?;
    if is_all_digits(&id) {
        return Ok(IssueRef::Url {
            base: url.base,
            org,
            issue: UrlIssue::Numeric(parse_numeric(&id)?),
        });
    }
    match id.rsplit_once('-') {
        Some((project, suffix)) if !project.is_empty() && !suffix.is_empty() => Ok(IssueRef::Url {
            base: url.base,
            org,
            issue: UrlIssue::ShortId {
                project: project.to_lowercase(),
                short_id: expand_short_id(project, suffix),
            },
        }),
        _ => Err(org_suffix_error(&org, &id.to_uppercase())),
    }
}

fn parse_hash(line: &str) -> Result<IssueRef, TargetError> {
    let (prefix, fragment) = line.split_once('#').unwrap_or((line, ""));
    if fragment.is_empty() || fragment.contains('#') {
        return Err(TargetError::validation(format!(
            "Invalid issue identifier \"{line}\".\n  Use one '#' between the project and the \
             short ID, e.g. my-org/cli#CLI-G, or a slash: my-org/cli/CLI-G."
        )));
    }
    if fragment.contains(':') {
        return Err(TargetError::validation(format!(
            "Invalid issue identifier \"{line}\": do not mix '#' and ':'.\n  Use my-org/cli#CLI-G \
             or cli:CLI-G."
        )));
    }
    if prefix.is_empty() {
        return parse_bare(fragment);
    }
    if prefix.contains('/') {
        return parse_slash(&format!("{prefix}/{fragment}"), line);
    }
    project_identifier(prefix, fragment, line)
}

fn parse_bare(s: &str) -> Result<IssueRef, TargetError> {
    if is_all_digits(s) {
        return Ok(IssueRef::Numeric {
            org: None,
            id: parse_numeric(s)?,
        });
    }
    if let Some((project, id)) = s.split_once(':') {
        if !project.is_empty() && !id.is_empty() && !project.contains('/') && !id.contains('/') {
            return project_identifier(project, id, s);
        }
    }
    if s.contains('/') {
        return parse_slash(s, s);
    }
    if s.contains('-') {
        return parse_dash(s, s);
    }
    check_part(s, s, LABEL)?;
    Ok(IssueRef::Suffix {
        suffix: s.to_uppercase(),
    })
}

/// `PROJECT:ID` and `project#ID`: a digits-only ID is numeric (the project is
/// redundant), a full short ID keeps only its suffix, anything else is the suffix.
fn project_identifier(project: &str, id: &str, whole: &str) -> Result<IssueRef, TargetError> {
    check_part(project, whole, "project slug")?;
    if is_all_digits(id) {
        return Ok(IssueRef::Numeric {
            org: None,
            id: parse_numeric(id)?,
        });
    }
    let suffix = match id.rsplit_once('-') {
        Some((_, suffix)) if !suffix.is_empty() => suffix,
        _ => id,
    };
    check_part(id, whole, LABEL)?;
    Ok(IssueRef::ProjectSuffix {
        project: project.to_lowercase(),
        suffix: suffix.to_uppercase(),
    })
}

fn parse_slash(s: &str, whole: &str) -> Result<IssueRef, TargetError> {
    let (org, rest) = s.split_once('/').unwrap_or((s, ""));
    if rest.is_empty() {
        return Err(TargetError::validation(format!(
            "Invalid issue identifier \"{whole}\": missing issue ID after '/'."
        )));
    }
    if org.is_empty() {
        if rest.contains('/') {
            return Err(invalid(whole, LABEL, "has too many '/' segments"));
        }
        return parse_bare(rest);
    }
    check_part(org, whole, "organization slug")?;
    if is_all_digits(rest) {
        return Ok(IssueRef::Numeric {
            org: Some(org.to_string()),
            id: parse_numeric(rest)?,
        });
    }
    if let Some((project, remainder)) = rest.split_once('/') {
        return org_project_remainder(org, project, remainder, whole);
    }
    if rest.contains('-') {
        return match parse_dash(rest, whole)? {
            IssueRef::ProjectSuffix { project, suffix } => Ok(IssueRef::ShortId {
                org: org.to_string(),
                short_id: expand_short_id(&project, &suffix),
                project,
            }),
            other => Ok(other),
        };
    }
    check_part(rest, whole, LABEL)?;
    Err(org_suffix_error(org, &rest.to_uppercase()))
}

/// `org/project/<remainder>`: numeric, a full short ID whose prefix repeats
/// the project, or a suffix.
fn org_project_remainder(
    org: &str,
    project: &str,
    remainder: &str,
    whole: &str,
) -> Result<IssueRef, TargetError> {
    if project.is_empty() || remainder.is_empty() {
        return Err(invalid(
            whole,
            LABEL,
            "is missing the project or the issue ID segment",
        ));
    }
    if remainder.contains('/') {
        return Err(invalid(whole, LABEL, "has too many '/' segments"));
    }
    check_part(project, whole, "project slug")?;
    check_part(remainder, whole, LABEL)?;
    if is_all_digits(remainder) {
        return Ok(IssueRef::Numeric {
            org: Some(org.to_string()),
            id: parse_numeric(remainder)?,
        });
    }
    let project = project.to_lowercase();
    let suffix = match remainder.rsplit_once('-') {
        Some((prefix, suffix)) if prefix.eq_ignore_ascii_case(&project) && !suffix.is_empty() => {
            suffix.to_string()
        }
        Some((prefix, suffix)) if prefix.is_empty() || suffix.is_empty() => {
            return Err(invalid(
                whole,
                LABEL,
                "has an empty short ID part around '-'",
            ));
        }
        _ => remainder.to_string(),
    };
    Ok(IssueRef::ShortId {
        org: org.to_string(),
        short_id: expand_short_id(&project, &suffix),
        project,
    })
}

/// `<project>-<suffix>` split on the last dash, so multi-word projects
/// (`spotlight-electron-4Y`) keep their dashes.
fn parse_dash(s: &str, whole: &str) -> Result<IssueRef, TargetError> {
    let (project, suffix) = s.rsplit_once('-').unwrap_or(("", s));
    if project.is_empty() {
        return Err(invalid(whole, LABEL, "is missing the project before '-'"));
    }
    if suffix.is_empty() {
        return Err(invalid(whole, LABEL, "is missing the suffix after '-'"));
    }
    check_part(project, whole, "project slug")?;
    check_part(suffix, whole, LABEL)?;
    let lower = project.to_lowercase();
    if (lower == "issue" || lower == "issues") && is_all_digits(suffix) {
        return Err(TargetError::validation(format!(
            "\"{whole}\" looks like the command word '{lower}' plus a number, not an issue short ID.\n  \
             Pass the short ID (e.g. CLI-{suffix}) or the numeric issue ID (e.g. 123456789)."
        )));
    }
    Ok(IssueRef::ProjectSuffix {
        project: lower,
        suffix: suffix.to_uppercase(),
    })
}

fn org_suffix_error(org: &str, suffix: &str) -> TargetError {
    TargetError::resolution(format!(
        "Issue suffix '{suffix}' could not be resolved without project context.\n  \
         '{org}/{suffix}' names an organization but no project to build the short ID from.\n  \
         Use: {org}/<project>-{suffix} or {org}/<project>/{suffix}"
    ))
}

fn parse_numeric(s: &str) -> Result<u64, TargetError> {
    s.parse::<u64>()
        .map_err(|_| invalid(s, LABEL, "is too large to be a numeric issue ID"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(org: Option<&str>, id: u64) -> IssueRef {
        IssueRef::Numeric {
            org: org.map(str::to_string),
            id,
        }
    }
    fn short(org: &str, project: &str, short_id: &str) -> IssueRef {
        IssueRef::ShortId {
            org: org.into(),
            project: project.into(),
            short_id: short_id.into(),
        }
    }
    fn ps(project: &str, suffix: &str) -> IssueRef {
        IssueRef::ProjectSuffix {
            project: project.into(),
            suffix: suffix.into(),
        }
    }
    fn suffix(s: &str) -> IssueRef {
        IssueRef::Suffix { suffix: s.into() }
    }
    fn sel(org: Option<&str>, which: Selector) -> IssueRef {
        IssueRef::Selector {
            org: org.map(str::to_string),
            which,
        }
    }

    #[test]
    fn every_form_of_the_spec_table() {
        let cases: Vec<(&str, IssueRef)> = vec![
            ("400001", num(None, 400001)),
            ("  400001\n", num(None, 400001)),
            ("my-org/400001", num(Some("my-org"), 400001)),
            ("CLI-G", ps("cli", "G")),
            ("cli-g", ps("cli", "G")),
            ("SPOTLIGHT-ELECTRON-4Y", ps("spotlight-electron", "4Y")),
            ("my-org/CLI-G", short("my-org", "cli", "CLI-G")),
            ("my-org/cli-g", short("my-org", "cli", "CLI-G")),
            ("my-org/cli/G", short("my-org", "cli", "CLI-G")),
            ("my-org/cli/123", num(Some("my-org"), 123)),
            ("my-org/cli/CLI-A1", short("my-org", "cli", "CLI-A1")),
            (
                "my-org/spotlight-electron/SPOTLIGHT-ELECTRON-4Y",
                short("my-org", "spotlight-electron", "SPOTLIGHT-ELECTRON-4Y"),
            ),
            ("my-org/web/SUB-G", short("my-org", "web", "WEB-SUB-G")),
            ("my-org/cli#CLI-G", short("my-org", "cli", "CLI-G")),
            ("my-org/cli#G", short("my-org", "cli", "CLI-G")),
            ("cli#G", ps("cli", "G")),
            ("cli#CLI-G", ps("cli", "G")),
            ("#CLI-G", ps("cli", "G")),
            ("#400001", num(None, 400001)),
            ("CLI:G", ps("cli", "G")),
            ("CLI:CLI-G", ps("cli", "G")),
            ("CLI:123", num(None, 123)),
            ("cli-G", ps("cli", "G")),
            ("G", suffix("G")),
            ("5d", suffix("5D")),
            ("/G", suffix("G")),
            ("/cli-G", ps("cli", "G")),
            ("f-g", ps("f", "G")),
            ("@latest", sel(None, Selector::Latest)),
            ("@most_frequent", sel(None, Selector::MostFrequent)),
            ("@mostFrequent", sel(None, Selector::MostFrequent)),
            ("my-org/@latest", sel(Some("my-org"), Selector::Latest)),
            (
                "https://my-org.sentry.io/issues/400001/",
                IssueRef::Url {
                    base: "https://my-org.sentry.io".into(),
                    org: "my-org".into(),
                    issue: UrlIssue::Numeric(400001),
                },
            ),
            (
                "https://sentry.io/organizations/my-org/issues/400001/?project=1&query=is%3A",
                IssueRef::Url {
                    base: "https://sentry.io".into(),
                    org: "my-org".into(),
                    issue: UrlIssue::Numeric(400001),
                },
            ),
            (
                "http://sentry.local:9000/organizations/acme/issues/7/events/abcdef/",
                IssueRef::Url {
                    base: "http://sentry.local:9000".into(),
                    org: "acme".into(),
                    issue: UrlIssue::Numeric(7),
                },
            ),
            (
                "https://acme.sentry.io/issues/CLI-G/",
                IssueRef::Url {
                    base: "https://acme.sentry.io".into(),
                    org: "acme".into(),
                    issue: UrlIssue::ShortId {
                        project: "cli".into(),
                        short_id: "CLI-G".into(),
                    },
                },
            ),
            (
                "https://sentry.io/share/issue/0123456789abcdef0123456789abcdef/",
                IssueRef::Share {
                    base: "https://sentry.io".into(),
                    org: None,
                    share_id: "0123456789abcdef0123456789abcdef".into(),
                },
            ),
            (
                "https://acme.sentry.io/share/issue/abc123/",
                IssueRef::Share {
                    base: "https://acme.sentry.io".into(),
                    org: Some("acme".into()),
                    share_id: "abc123".into(),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_issue_ref(input), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn first_non_blank_line_is_used() {
        assert_eq!(parse_issue_ref("\n  CLI-G  \nnote"), Ok(ps("cli", "G")));
    }

    #[test]
    fn short_id_helper() {
        assert_eq!(ps("cli", "G").short_id().as_deref(), Some("CLI-G"));
        assert_eq!(
            short("o", "cli", "CLI-G").short_id().as_deref(),
            Some("CLI-G")
        );
        assert_eq!(num(None, 1).short_id(), None);
        assert_eq!(Selector::Latest.sort(), "date");
        assert_eq!(Selector::MostFrequent.sort(), "freq");
    }

    #[test]
    fn org_suffix_needs_a_project() {
        let err = parse_issue_ref("my-org/G").unwrap_err();
        assert_eq!(err.exit_code(), 23);
        assert_eq!(
            err.message(),
            "Issue suffix 'G' could not be resolved without project context.\n  \
             'my-org/G' names an organization but no project to build the short ID from.\n  \
             Use: my-org/<project>-G or my-org/<project>/G"
        );
        let err = parse_issue_ref("https://acme.sentry.io/issues/G/").unwrap_err();
        assert_eq!(err.exit_code(), 23);
    }

    #[test]
    fn malformed_ids_are_rejected_before_any_request() {
        let cases = [
            ("CLI-\u{7}G", "Invalid issue identifier \"CLI-\\u{7}G\": contains a control character (U+0007)."),
            ("CLI\tG", "Invalid issue identifier \"CLI\\tG\": contains a control character (U+0009)."),
            ("CLI G", "Invalid issue identifier \"CLI G\": contains whitespace."),
            ("my-org/../x", "Invalid issue identifier \"my-org/../x\": contains '..'."),
            ("CLI-%47", "Invalid issue identifier \"CLI-%47\": contains '%' (pass the decoded value, not a percent-encoded one)."),
            ("CLI-G?x=1", "Invalid issue identifier \"CLI-G?x=1\": contains '?' (only Sentry URLs may carry a query string)."),
            ("", "Issue identifier is empty."),
            ("  \n ", "Issue identifier is empty."),
            ("my-org/", "Invalid issue identifier \"my-org/\": missing issue ID after '/'."),
            ("cli-", "Invalid issue identifier \"cli-\": is missing the suffix after '-'."),
            ("-G", "Invalid issue identifier \"-G\": is missing the project before '-'."),
            ("a/b/c/d", "Invalid issue identifier \"a/b/c/d\": has too many '/' segments."),
            ("@oldest", "Unknown issue selector \"@oldest\". Use @latest or @most_frequent (optionally as <org>/@latest)."),
            ("cli#", "Invalid issue identifier \"cli#\".\n  Use one '#' between the project and the short ID, e.g. my-org/cli#CLI-G, or a slash: my-org/cli/CLI-G."),
            ("99999999999999999999999", "Invalid issue identifier \"99999999999999999999999\": is too large to be a numeric issue ID."),
            ("https://example.com/x", "\"https://example.com/x\" is not a recognised Sentry issue URL. Use an issue URL like\n  https://<org>.sentry.io/issues/<id>/ or <base>/organizations/<org>/issues/<id>/"),
        ];
        for (input, message) in cases {
            let err = parse_issue_ref(input).unwrap_err();
            assert_eq!(err.exit_code(), 21, "input {input:?}");
            assert_eq!(err.message(), message, "input {input:?}");
        }
    }

    #[test]
    fn command_word_plus_number_is_rejected() {
        for input in ["issue-1", "issues-12", "ISSUE-3", "my-org/issue-1"] {
            let err = parse_issue_ref(input).unwrap_err();
            assert_eq!(err.exit_code(), 21, "{input}");
            assert!(
                err.message().contains("looks like the command word"),
                "{input}: {}",
                err.message()
            );
        }
        // A real short ID with the same project word and a letter suffix is fine.
        assert_eq!(parse_issue_ref("issue-G"), Ok(ps("issue", "G")));
    }

    #[test]
    fn exact_short_ids_are_upper_case_words_and_a_suffix() {
        for ok in ["PROJ-123", "MY-APP-4Z", "A-1", "CLI-G"] {
            assert!(is_exact_short_id(ok), "{ok}");
        }
        for no in [
            "proj-123",
            "PROJ",
            "PROJ-",
            "-1",
            "1A-2",
            "PROJ--1",
            "org/PROJ-1",
            "PROJ-1a",
        ] {
            assert!(!is_exact_short_id(no), "{no}");
        }
    }
}
