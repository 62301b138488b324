//! Which token a command uses:
//! `--auth-token` > stored login > `SENTRY_AUTH_TOKEN` > `SENTRY_TOKEN` > config-file tokens,
//! with `SENTRY_FORCE_ENV_TOKEN` moving the non-stored tokens before the stored login.
//! Whenever a different token loses, one note on stderr names both.

use std::path::PathBuf;

use sentry_config::{Origin, Setting, Settings};
use sentry_store::{Account, AuthRecord};

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `--auth-token`.
    Flag,
    /// The login stored in `cli.db` (OAuth or `auth login --token`).
    Stored,
    /// `SENTRY_AUTH_TOKEN` or `SENTRY_TOKEN` (process environment or a `.env` file).
    Env(String),
    /// `[auth] token` of a `.sentryclirc` / properties file.
    File(PathBuf),
}

impl TokenSource {
    /// `source` of `auth status --json`: upstream's `oauth` / `env:<VAR>` plus ours.
    pub fn json_name(&self) -> String {
        match self {
            TokenSource::Flag => "flag:--auth-token".into(),
            TokenSource::Stored => "oauth".into(),
            TokenSource::Env(v) => format!("env:{v}"),
            TokenSource::File(p) => format!("file:{}", p.display()),
        }
    }

    pub fn env_var(&self) -> Option<&str> {
        match self {
            TokenSource::Env(v) => Some(v),
            _ => None,
        }
    }

    /// How a note names this source, e.g. `SENTRY_AUTH_TOKEN env var`.
    fn describe(&self, user: Option<&str>, as_loser: bool) -> String {
        match self {
            TokenSource::Flag => "--auth-token".into(),
            TokenSource::Env(v) => format!("{v} env var"),
            TokenSource::File(p) => {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| ".sentryclirc".into());
                format!("a token in {name} ({})", p.display())
            }
            TokenSource::Stored => {
                let article = if as_loser { "a " } else { "" };
                match user {
                    Some(u) => format!("{article}stored login for {u}"),
                    None => format!("{article}stored login"),
                }
            }
        }
    }
}

/// The token a request will carry, and what the CLI knows about it.
#[derive(Debug, Clone)]
pub struct ActiveToken {
    pub value: String,
    /// Human description of the source (`stored login (cli.db)`, `env SENTRY_AUTH_TOKEN`, ...).
    pub origin: String,
    /// Stored login (as opposed to a token from a flag, env var or file).
    pub stored: bool,
    /// A stored OAuth session with a refresh token.
    pub refreshable: bool,
    pub source: TokenSource,
    /// Stored logins only (ms since epoch).
    pub expires_at: Option<i64>,
    pub issued_at: Option<i64>,
    /// The host a stored login was issued for (`auth.host`).
    pub host: Option<String>,
    /// Position in `Settings::tokens` (0 = the token whose claims shaped the settings).
    pub settings_index: Option<usize>,
    /// The stored account this token belongs to.
    pub account_id: Option<String>,
}

impl ActiveToken {
    /// An OAuth session (refreshable stored login), as opposed to an API token.
    pub fn is_oauth(&self) -> bool {
        self.stored && self.refreshable
    }

    /// Expired right now (stored logins only; other tokens carry no expiry).
    pub fn is_expired(&self, now_ms: i64) -> bool {
        self.expires_at.is_some_and(|e| e <= now_ms)
    }

    /// The credentials `rec` of the stored account `account_id`.
    pub fn from_stored(rec: &AuthRecord, account_id: Option<&str>) -> Option<ActiveToken> {
        let value = rec.token.clone().filter(|t| !t.trim().is_empty())?;
        Some(ActiveToken {
            value,
            origin: "stored login (cli.db)".into(),
            stored: true,
            refreshable: rec.refresh_token.as_ref().is_some_and(|r| !r.is_empty()),
            source: TokenSource::Stored,
            expires_at: rec.expires_at,
            issued_at: rec.issued_at,
            host: rec.host.clone(),
            settings_index: None,
            account_id: account_id.map(str::to_string),
        })
    }

    /// The credentials of a stored account.
    pub fn from_account(a: &Account) -> Option<ActiveToken> {
        ActiveToken::from_stored(&a.auth_record(), Some(&a.account_id))
    }
}

/// Result of choosing a token.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub chosen: Option<ActiveToken>,
    /// Every other token found, in precedence order.
    pub others: Vec<ActiveToken>,
    /// A stored login exists but is expired with no refresh token (upstream: "Session expired
    /// and no refresh token available").
    pub dead_stored: bool,
}

impl Selection {
    /// The first losing token whose value differs from the chosen one.
    pub fn shadowed(&self) -> Option<&ActiveToken> {
        let chosen = self.chosen.as_ref()?;
        self.others.iter().find(|o| o.value != chosen.value)
    }

    /// The stderr note naming the token used and the one ignored (upstream wording when the
    /// stored login wins over an env token).
    pub fn shadow_note(&self, user: Option<&str>) -> Option<String> {
        let chosen = self.chosen.as_ref()?;
        let loser = self.shadowed()?;
        let mut note = format!(
            "Detected {} but using {}",
            loser.source.describe(user, true),
            chosen.source.describe(user, false)
        );
        match (&chosen.source, &loser.source) {
            (TokenSource::Stored, _) => {
                note.push_str(".\n  Set SENTRY_FORCE_ENV_TOKEN=1 to prefer it.");
            }
            (TokenSource::Env(_) | TokenSource::File(_), TokenSource::Stored) => {
                note.push_str(" (SENTRY_FORCE_ENV_TOKEN is set).")
            }
            _ => note.push('.'),
        }
        Some(note)
    }

    /// The first env-var token found (for `envToken` of `auth status`).
    pub fn env_token(&self) -> Option<&ActiveToken> {
        self.chosen
            .iter()
            .chain(self.others.iter())
            .find(|t| t.source.env_var().is_some())
    }
}

/// Classifies a token found by settings resolution.
fn source_of(settings: &Settings, t: &Setting<String>) -> TokenSource {
    match &t.origin {
        Origin::Flag(_) => TokenSource::Flag,
        Origin::Env(name) => TokenSource::Env(name.clone()),
        Origin::DotEnv { path, .. } => {
            for var in ["SENTRY_AUTH_TOKEN", "SENTRY_TOKEN"] {
                if settings
                    .env_var(var)
                    .is_some_and(|s| s.origin == t.origin && s.value.trim() == t.value)
                {
                    return TokenSource::Env(var.to_string());
                }
            }
            TokenSource::File(path.clone())
        }
        Origin::File { path, .. } => TokenSource::File(path.clone()),
        _ => TokenSource::File(PathBuf::from(t.origin.to_string())),
    }
}

/// Chooses the token. `stored` is the account this process uses (the active one, or the one
/// a command asked for); `now` in ms.
pub fn select(settings: &Settings, stored: Option<&Account>, now: i64) -> Selection {
    let mut flag = Vec::new();
    let mut rest = Vec::new();
    for (i, t) in settings.tokens.iter().enumerate() {
        if t.value.trim().is_empty() {
            continue;
        }
        let source = source_of(settings, t);
        let tok = ActiveToken {
            value: t.value.trim().to_string(),
            origin: t.origin.to_string(),
            stored: false,
            refreshable: false,
            source: source.clone(),
            expires_at: None,
            issued_at: None,
            host: None,
            settings_index: Some(i),
            account_id: None,
        };
        if source == TokenSource::Flag {
            flag.push(tok);
        } else {
            rest.push(tok);
        }
    }
    let mut dead_stored = false;
    let stored_tok = stored.and_then(ActiveToken::from_account).filter(|t| {
        let dead = t.is_expired(now) && !t.refreshable;
        dead_stored = dead;
        !dead
    });
    let mut ordered = flag;
    let force = settings.force_env_token && !rest.is_empty();
    if force {
        ordered.extend(rest);
        ordered.extend(stored_tok);
    } else {
        ordered.extend(stored_tok);
        ordered.extend(rest);
    }
    let mut it = ordered.into_iter();
    let chosen = it.next();
    Selection {
        dead_stored: dead_stored && chosen.is_none(),
        chosen,
        others: it.collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_use_upstream_wording() {
        let mk = |source: TokenSource, value: &str| ActiveToken {
            value: value.into(),
            origin: String::new(),
            stored: source == TokenSource::Stored,
            refreshable: false,
            source,
            expires_at: None,
            issued_at: None,
            host: None,
            settings_index: None,
            account_id: None,
        };
        let sel = Selection {
            chosen: Some(mk(TokenSource::Stored, "a")),
            others: vec![mk(TokenSource::Env("SENTRY_AUTH_TOKEN".into()), "b")],
            dead_stored: false,
        };
        assert_eq!(
            sel.shadow_note(Some("jane")).unwrap(),
            "Detected SENTRY_AUTH_TOKEN env var but using stored login for jane.\n  Set SENTRY_FORCE_ENV_TOKEN=1 to prefer it."
        );
        let sel = Selection {
            chosen: Some(mk(TokenSource::Stored, "a")),
            others: vec![mk(TokenSource::File("/w/.sentryclirc".into()), "b")],
            dead_stored: false,
        };
        assert_eq!(
            sel.shadow_note(None).unwrap(),
            "Detected a token in .sentryclirc (/w/.sentryclirc) but using stored login.\n  Set SENTRY_FORCE_ENV_TOKEN=1 to prefer it."
        );
        let sel = Selection {
            chosen: Some(mk(TokenSource::Env("SENTRY_AUTH_TOKEN".into()), "a")),
            others: vec![mk(TokenSource::Stored, "b")],
            dead_stored: false,
        };
        assert_eq!(
            sel.shadow_note(Some("jane")).unwrap(),
            "Detected a stored login for jane but using SENTRY_AUTH_TOKEN env var (SENTRY_FORCE_ENV_TOKEN is set)."
        );
        let same = Selection {
            chosen: Some(mk(TokenSource::Flag, "a")),
            others: vec![mk(TokenSource::Env("SENTRY_TOKEN".into()), "a")],
            dead_stored: false,
        };
        assert_eq!(same.shadow_note(None), None);
    }
}
