//! Translates the CLI's settings and chosen token into the vocabulary of the token rule
//! (`sentry_api::scope`: a token is sent only to the host it belongs to, and a mismatch is an
//! error naming both sources rather than a silent fallback): which host a token is bound to,
//! and where the base URL and every connection setting came from. The rule itself lives in
//! sentry-api; this module is the only place that decides what counts as the user's own
//! setting (a flag, the process environment, the user's files, `cli defaults`) and what a
//! project file (a cloned repository's config) supplies.

use std::path::PathBuf;

use sentry_api::{Binding, Credential, Provenance, ProxyConfig, Route, Sourced};
use sentry_config::{Origin, Settings};

use crate::auth::{ActiveToken, TokenSource};

/// How far a value from `origin` is trusted with credentials.
pub fn provenance(settings: &Settings, origin: &Origin) -> Provenance {
    match settings.project_file(origin) {
        Some(path) => Provenance::Project(path.to_path_buf()),
        None if *origin == Origin::BuiltIn => Provenance::BuiltIn,
        // An org token's claim belongs to the token itself.
        None => Provenance::User,
    }
}

/// Names a source in messages the way a user would type it: `SENTRY_URL`, `--url`,
/// `/repo/.sentryclirc:3`, `cli defaults url`.
pub fn label(origin: &Origin) -> String {
    match origin {
        Origin::Flag(name) | Origin::Env(name) => name.clone(),
        other => other.to_string(),
    }
}

/// The file a project-supplied URL came from, if the configured URL is one.
pub fn project_url_file(settings: &Settings) -> Option<PathBuf> {
    settings
        .project_file(&settings.configured_url.origin)
        .map(|p| p.to_path_buf())
}

/// What ties `token` to a host:
/// * stored login → bound to `auth.host` (the caller backfills rows written before v16);
/// * org auth token with a `url` claim → bound to its `url` and `region_url` claims;
/// * anything else (flag, env, `.env`, `[auth] token`) → floating, from its source.
pub fn credential(settings: &Settings, token: &ActiveToken) -> Credential {
    let binding = if token.stored {
        Binding::Hosts(token.host.iter().cloned().collect())
    } else {
        match sentry_config::parse_org_token(&token.value) {
            Ok(Some(claims)) if claims.url.is_some() => {
                Binding::Hosts(claims.url.into_iter().chain(claims.region_url).collect())
            }
            _ => {
                let origin = token
                    .settings_index
                    .and_then(|i| settings.tokens.get(i))
                    .map(|t| &t.origin);
                Binding::Floating(match origin {
                    Some(o) => provenance(settings, o),
                    None => Provenance::User,
                })
            }
        }
    };
    let label = match &token.source {
        TokenSource::Flag => "--auth-token".to_string(),
        TokenSource::Stored => "stored login".to_string(),
        TokenSource::Env(var) => var.clone(),
        TokenSource::File(p) => format!("[auth] token in {}", p.display()),
    };
    Credential {
        token: token.value.clone(),
        binding,
        label,
    }
}

/// The base URL requests go to for `token`, with its source: an org token's `url` claim,
/// else the configured URL; a stored login with nothing but `cli defaults` configured goes to
/// the host it was issued for.
pub fn base_url(settings: &Settings, token: Option<&ActiveToken>) -> Sourced<String> {
    let sourced = |s: &sentry_config::Setting<String>| {
        Sourced::new(
            s.value.clone(),
            provenance(settings, &s.origin),
            label(&s.origin),
        )
    };
    match token {
        // The account's own server beats `cli defaults url` too: that default only follows the
        // active account (0.49 keeps them in step), and a stale one must not refuse the login.
        Some(t) if t.stored => match (&settings.configured_url.origin, &t.host) {
            (Origin::BuiltIn | Origin::CliDefaults(_), Some(h)) => {
                Sourced::new(h.clone(), Provenance::User, "stored login")
            }
            _ => sourced(&settings.configured_url),
        },
        Some(t) if t.settings_index == Some(0) => sourced(&settings.url),
        Some(_) => sourced(&settings.configured_url),
        None => sourced(&settings.url),
    }
}

/// `url` with the source it has in the settings when it is the configured URL (so messages
/// can name `SENTRY_URL` or `--url`), else counted as the user's own choice under `label`.
pub fn sourced_url(settings: &Settings, url: &str, fallback_label: &str) -> Sourced<String> {
    [&settings.configured_url, &settings.url]
        .into_iter()
        .find(|s| s.value == url)
        .map(|s| {
            Sourced::new(
                url.to_string(),
                provenance(settings, &s.origin),
                label(&s.origin),
            )
        })
        .unwrap_or_else(|| Sourced::new(url.to_string(), Provenance::User, fallback_label))
}

/// The route to `base`: the proxy, TLS verification and extra CAs of the settings, each
/// with its source, so the rule can refuse the ones a project file slipped in.
pub fn route(settings: &Settings, base: Sourced<String>) -> Route {
    let sourced = |origin: &Origin| (provenance(settings, origin), label(origin));
    let proxy = settings.proxy_url.as_ref().map(|p| {
        let (prov, lbl) = sourced(&p.origin);
        Sourced::new(
            ProxyConfig {
                url: p.value.clone(),
                username: settings.proxy_username.as_ref().map(|u| u.value.clone()),
                password: settings.proxy_password.as_ref().map(|u| u.value.clone()),
                no_proxy: settings
                    .no_proxy
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or_default(),
            },
            prov,
            lbl,
        )
    });
    let insecure_tls = (!settings.verify_ssl.value).then(|| {
        let (prov, lbl) = sourced(&settings.verify_ssl.origin);
        Sourced::new((), prov, lbl)
    });
    let ca_certs = settings
        .ca_certs
        .iter()
        .map(|c| {
            let (prov, lbl) = sourced(&c.origin);
            Sourced::new(c.value.clone(), prov, lbl)
        })
        .collect();
    Route {
        base_url: base,
        proxy,
        insecure_tls,
        ca_certs,
    }
}
