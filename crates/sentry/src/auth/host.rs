//! Host scoping (decisions.md #3 and #13): a token goes only to the host it was issued for,
//! and a URL that merely sits in a project's `.sentryclirc` (a cloned repository's config)
//! cannot redirect the user's credentials elsewhere.

use std::path::{Path, PathBuf};

use sentry_api::Origin as HttpOrigin;
use sentry_config::{is_saas_url, Origin, Settings, DEFAULT_URL};

use crate::auth::{ActiveToken, TokenSource};
use crate::error::{exit, CliError};

/// The file a project-supplied URL came from, if the configured URL is one.
pub fn project_url_file(settings: &Settings, global_files: &[PathBuf]) -> Option<PathBuf> {
    let origin = &settings.configured_url.origin;
    let path = match origin {
        Origin::File { path, .. } | Origin::DotEnv { path, .. } => path.clone(),
        _ => return None,
    };
    let from_project = if settings.url.origin == Origin::OrgToken {
        // The claim replaced the URL, so `url_from_project_file` describes the claim; decide
        // from the configured URL's file instead.
        !global_files.iter().any(|g| g == &path)
    } else {
        settings.url_from_project_file
    };
    from_project.then_some(path)
}

/// Global config files (never "project" files): `$SENTRY_CONFIG_DIR/.sentryclirc`,
/// `~/.sentryclirc`, `$XDG_CONFIG_HOME/sentry/sentrycli.ini`.
pub fn global_files(config_dir: &Path, home: Option<&Path>, xdg: Option<&str>) -> Vec<PathBuf> {
    let mut out = vec![config_dir.join(".sentryclirc")];
    if let Some(h) = home {
        out.push(h.join(".sentryclirc"));
        out.push(h.join(".config/sentry/sentrycli.ini"));
    }
    if let Some(x) = xdg.filter(|x| !x.is_empty()) {
        out.push(Path::new(x).join("sentry/sentrycli.ini"));
    }
    out
}

/// The host(s) a token belongs to, before region URLs are added.
///
/// * stored login → `auth.host` (the caller backfills rows written before schema v16);
/// * org auth token → its `url` and `region_url` claims;
/// * a token from a config file → the configured URL (token and URL come from the same
///   place, so nothing of the user's leaks);
/// * a flag or env token → the configured URL, unless only a project file supplied it, in
///   which case the token belongs to sentry.io and the project URL is refused.
pub fn token_hosts(settings: &Settings, token: &ActiveToken, project_url: bool) -> Vec<String> {
    if token.stored {
        return token.host.iter().cloned().collect();
    }
    if let Ok(Some(claims)) = sentry_config::parse_org_token(&token.value) {
        let mut out: Vec<String> = claims.url.iter().cloned().collect();
        out.extend(claims.region_url.iter().cloned());
        if !out.is_empty() {
            return out;
        }
    }
    let configured = settings.configured_url.value.clone();
    match token.source {
        TokenSource::File(_) => vec![configured],
        _ if project_url => vec![DEFAULT_URL.to_string()],
        _ => vec![configured],
    }
}

/// Whether `url` is one of `origins` (SaaS origins trust each other).
pub fn trusted_by(origins: &[String], url: &str) -> bool {
    let Some(target) = HttpOrigin::parse(url) else {
        return false;
    };
    origins
        .iter()
        .filter_map(|o| HttpOrigin::parse(o))
        .any(|o| o.trusts(&target))
}

/// core.md §4.6: refuse a non-SaaS URL that only a project config file supplies when it is
/// not the host of the credentials (or there are none). Skipped by login/logout/bare `auth`.
pub fn check_project_url(
    settings: &Settings,
    project_file: Option<&Path>,
    token: Option<&ActiveToken>,
    origins: &[String],
) -> Result<(), CliError> {
    let Some(path) = project_file else {
        return Ok(());
    };
    let url = &settings.configured_url.value;
    if is_saas_url(url) {
        return Ok(());
    }
    let head = format!("Config at {}: {url}", path.display());
    match token {
        None => Err(CliError::new(
            exit::HOST_SCOPE,
            format!("{head}\nRefusing to route requests to this host because no Sentry credentials are configured for it."),
        )
        .with_hint(format!("To use this host, run: sentry auth login --url {url}"))),
        Some(t) if matches!(t.source, TokenSource::File(_)) => Ok(()),
        Some(_) if trusted_by(origins, url) => Ok(()),
        Some(_) => {
            let hosts = if origins.is_empty() {
                "none".to_string()
            } else {
                origins.join(", ")
            };
            Err(CliError::new(
                exit::HOST_SCOPE,
                format!("{head}\nRefusing to route requests here because it doesn't match the host your Sentry credentials are for ({hosts})."),
            )
            .with_hint(format!(
                "To use this host, run: sentry auth login --url {url}\nTo keep using your current credentials, remove this URL override."
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust() {
        let o = vec!["http://127.0.0.1:9000".to_string()];
        assert!(trusted_by(&o, "http://127.0.0.1:9000"));
        assert!(!trusted_by(&o, "http://127.0.0.1:9001"));
        let saas = vec!["https://sentry.io".to_string()];
        assert!(trusted_by(&saas, "https://de.sentry.io"));
        assert!(!trusted_by(&saas, "https://evil.example.com"));
    }
}
