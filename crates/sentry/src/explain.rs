//! What to tell the user after a 401 or 403 from the API (the status stays exit 30; these
//! are detail lines under the error).
//!
//! The bare status says nothing about the fix, and the fix depends on where the token came
//! from: an environment token must be replaced by hand, a stored login can be renewed with
//! `sentry auth login`/`refresh`. Kept pure (status, body text, token source, base URL) so
//! every branch is unit-tested; `main` applies it once to whatever error a command returned.

use crate::auth::{scopes::ALL_SCOPES, TokenSource};

/// Extra detail lines for an API error with `status`, or nothing for other statuses.
///
/// `detail` is the body's `detail` string (or the raw body), `source` the active token's
/// origin (`None`: no token), `base_url` the Sentry URL requests went to.
pub fn auth_failure(
    status: u16,
    detail: &str,
    source: Option<&TokenSource>,
    base_url: &str,
) -> Vec<String> {
    match status {
        401 => unauthorized(detail, source, base_url),
        403 => forbidden(detail, source, base_url),
        _ => Vec::new(),
    }
}

fn unauthorized(detail: &str, source: Option<&TokenSource>, base_url: &str) -> Vec<String> {
    if detail.contains("member-disabled-over-limit") {
        return vec![
            "Your membership in this organization is disabled because the organization is over its member (seat) limit.".into(),
            "This is a billing limit, not a credentials problem: logging in again will not help.".into(),
            "Ask an organization owner to upgrade the plan or free a seat, or pass --org to work in another organization.".into(),
        ];
    }
    match token_label(source) {
        Some(label) => {
            let state = if detail.to_lowercase().contains("expired") {
                "has expired"
            } else {
                "is not recognized or has been revoked"
            };
            vec![
                format!("Your {label} token {state}."),
                format!("Create a new token at: {}", tokens_url(base_url)),
            ]
        }
        None => vec![
            "Not authenticated or your session has expired.".into(),
            "Re-authenticate with: sentry auth login".into(),
        ],
    }
}

fn forbidden(detail: &str, source: Option<&TokenSource>, base_url: &str) -> Vec<String> {
    if detail.contains("disabled this feature") {
        return vec![
            "The organization's settings restrict this action; your credentials are fine.".into(),
            "It needs an organization owner, manager or admin, or an admin of the team concerned."
                .into(),
        ];
    }
    let scopes = scopes_in(detail);
    let quoted = scopes
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    match token_label(source) {
        Some(label) => {
            let first = if scopes.is_empty() {
                format!("Your {label} token may lack the required scope for this operation.")
            } else {
                format!("Your {label} token is missing the required scope(s) {quoted}.")
            };
            vec![
                first,
                format!("Check token scopes at: {}", tokens_url(base_url)),
            ]
        }
        None if !scopes.is_empty() => {
            let flags = scopes
                .iter()
                .map(|s| format!("--scope {s}"))
                .collect::<Vec<_>>()
                .join(" ");
            vec![
                format!("Your token is missing the required scope(s) {quoted}."),
                format!("Re-authenticate with: sentry auth refresh {flags}"),
            ]
        }
        None => vec![
            "You may not have access to this resource.".into(),
            "Re-authenticate with: sentry auth login".into(),
        ],
    }
}

/// How the messages name a token the user supplied by hand; `None` for a stored login or no
/// token at all (both are fixed by logging in).
fn token_label(source: Option<&TokenSource>) -> Option<String> {
    match source? {
        TokenSource::Env(var) => Some(var.clone()),
        TokenSource::Flag => Some("--auth-token".into()),
        TokenSource::File(p) => Some(
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| ".sentryclirc".into()),
        ),
        TokenSource::Stored => None,
    }
}

/// The page where tokens are created, on the server the token belongs to (SaaS regions
/// all share `sentry.io`).
fn tokens_url(base_url: &str) -> String {
    let base = if base_url.is_empty() || sentry_config::is_saas_url(base_url) {
        "https://sentry.io"
    } else {
        base_url.trim_end_matches('/')
    };
    format!("{base}/settings/account/api/auth-tokens/")
}

/// Known scope names mentioned in `text` as whole words, lower-cased, in order of first
/// appearance.
fn scopes_in(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found: Vec<(usize, &'static str)> = Vec::new();
    for scope in ALL_SCOPES {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(scope) {
            let start = from + pos;
            let end = start + scope.len();
            let before_ok = lower[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !is_word(c));
            let after_ok = lower[end..].chars().next().is_none_or(|c| !is_word(c));
            if before_ok && after_ok {
                found.push((start, scope));
                break;
            }
            from = end;
        }
    }
    found.sort_by_key(|(pos, _)| *pos);
    found.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const SELF: &str = "http://sentry.example:9000/";
    fn env() -> TokenSource {
        TokenSource::Env("SENTRY_TOKEN".into())
    }

    #[test]
    fn env_token_401_revoked_or_expired() {
        assert_eq!(
            auth_failure(401, "Invalid token", Some(&env()), SELF),
            vec![
                "Your SENTRY_TOKEN token is not recognized or has been revoked.",
                "Create a new token at: http://sentry.example:9000/settings/account/api/auth-tokens/",
            ]
        );
        assert_eq!(
            auth_failure(401, "Token Expired", Some(&env()), "https://us.sentry.io"),
            vec![
                "Your SENTRY_TOKEN token has expired.",
                "Create a new token at: https://sentry.io/settings/account/api/auth-tokens/",
            ]
        );
    }

    #[test]
    fn stored_login_and_no_token_401() {
        let want = vec![
            "Not authenticated or your session has expired.",
            "Re-authenticate with: sentry auth login",
        ];
        assert_eq!(
            auth_failure(401, "", Some(&TokenSource::Stored), SELF),
            want
        );
        assert_eq!(auth_failure(401, "", None, SELF), want);
    }

    #[test]
    fn seat_limit_wins_over_the_token_source() {
        let lines = auth_failure(401, "member-disabled-over-limit", Some(&env()), SELF);
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("over its member (seat) limit"));
    }

    #[test]
    fn forbidden_by_source_and_scopes() {
        assert_eq!(
            auth_failure(403, "You do not have permission", Some(&env()), SELF),
            vec![
                "Your SENTRY_TOKEN token may lack the required scope for this operation.",
                "Check token scopes at: http://sentry.example:9000/settings/account/api/auth-tokens/",
            ]
        );
        assert_eq!(
            auth_failure(
                403,
                "requires Project:Write or org:admin (not org:adminx)",
                Some(&TokenSource::Stored),
                SELF
            ),
            vec![
                "Your token is missing the required scope(s) 'project:write', 'org:admin'.",
                "Re-authenticate with: sentry auth refresh --scope project:write --scope org:admin",
            ]
        );
        assert_eq!(
            auth_failure(403, "{\"required\":[\"event:read\"]}", Some(&TokenSource::Flag), SELF),
            vec![
                "Your --auth-token token is missing the required scope(s) 'event:read'.",
                "Check token scopes at: http://sentry.example:9000/settings/account/api/auth-tokens/",
            ]
        );
        assert_eq!(
            auth_failure(403, "nope", Some(&TokenSource::Stored), SELF),
            vec![
                "You may not have access to this resource.",
                "Re-authenticate with: sentry auth login",
            ]
        );
        let file = TokenSource::File(PathBuf::from("/home/u/.sentryclirc"));
        assert_eq!(
            auth_failure(403, "", Some(&file), SELF)[0],
            "Your .sentryclirc token may lack the required scope for this operation."
        );
    }

    #[test]
    fn org_policy_403() {
        let lines = auth_failure(
            403,
            "Your organization has disabled this feature for members.",
            None,
            SELF,
        );
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("your credentials are fine"));
    }

    #[test]
    fn other_statuses_add_nothing() {
        assert!(auth_failure(404, "expired", Some(&env()), SELF).is_empty());
        assert!(auth_failure(500, "", None, SELF).is_empty());
    }
}
