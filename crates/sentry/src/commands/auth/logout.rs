//! `sentry auth logout`: forget the stored login (no server-side revocation, like upstream).

use std::io;

use clap::Args;
use sentry_store::{AuthRecord, UserInfo};
use serde_json::{json, Map, Value};

use crate::auth::TokenSource;
use crate::context::{now_ms, store_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct LogoutArgs {}

enum Logout {
    Done {
        config_path: String,
        removed: Account,
    },
    NotLoggedIn,
}

/// The login that logout removed, in upstream 0.49's account-entry shape (`removed[]`).
/// Upstream's entries also carry an `id` from its multi-account schema; cli.db v16 has one
/// login and no account id, so there is none to print.
struct Account {
    host: Option<String>,
    user_id: Option<String>,
    email: Option<String>,
    username: Option<String>,
    name: Option<String>,
    usable: bool,
    expires_at: Option<i64>,
}

impl Account {
    fn from_store(rec: &AuthRecord, user: Option<UserInfo>, host: Option<String>) -> Account {
        let nonempty = |s: Option<String>| s.filter(|v| !v.is_empty());
        let user = user.unwrap_or_default();
        let token = rec.token.as_deref().is_some_and(|t| !t.is_empty());
        let usable = token
            && (rec.expires_at.is_none_or(|e| now_ms() <= e)
                || rec.refresh_token.as_deref().is_some_and(|r| !r.is_empty()));
        Account {
            host: rec.host.clone().or(host),
            user_id: nonempty(Some(user.user_id)),
            email: nonempty(user.email),
            username: nonempty(user.username),
            name: nonempty(user.name),
            usable,
            expires_at: rec.expires_at,
        }
    }

    fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("active".into(), json!(true));
        let fields = [
            ("host", &self.host),
            ("userId", &self.user_id),
            ("email", &self.email),
            ("username", &self.username),
            ("name", &self.name),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        }
        m.insert("usable".into(), json!(self.usable));
        if let Some(e) = self.expires_at {
            m.insert("expiresAt".into(), json!(e));
        }
        Value::Object(m)
    }

    /// `Jane <jane@example.com> on sentry.example.com`: who, then the host name.
    fn label(&self) -> String {
        let who = self.name.clone().or_else(|| self.username.clone());
        let person = match (who, &self.email) {
            (Some(w), Some(e)) => format!("{w} <{e}>"),
            (Some(w), None) => w,
            (None, Some(e)) => e.clone(),
            (None, None) => match &self.user_id {
                Some(id) => format!("user {id}"),
                None => "unknown user".to_string(),
            },
        };
        match self.host.as_deref().map(host_name) {
            Some(h) if !h.is_empty() => format!("{person} on {h}"),
            _ => person,
        }
    }
}

/// The lower-cased host name of a URL (no scheme or port); the input itself if not a URL.
fn host_name(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.host_str().unwrap_or(url).to_ascii_lowercase(),
        Err(_) => url.to_ascii_lowercase(),
    }
}

impl Report for Logout {
    fn json(&self) -> Value {
        match self {
            Logout::Done {
                config_path,
                removed,
            } => json!({
                "loggedOut": true,
                "configPath": config_path,
                "removed": [removed.json()],
            }),
            Logout::NotLoggedIn => {
                json!({ "loggedOut": false, "message": "Not currently authenticated." })
            }
        }
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        match self {
            Logout::Done {
                config_path,
                removed,
            } => {
                let check = out.green("✓");
                let who = out.bold(&removed.label());
                out.line(format!("{check} Logged out of {who} successfully."))?;
                out.blank()?;
                out.line(format!("Credentials removed from: {config_path}"))
            }
            Logout::NotLoggedIn => out.line("Not currently authenticated."),
        }
    }
}

/// The error for a credential that logout cannot remove (exit 12).
fn external_source(source: &TokenSource) -> CliError {
    let msg = match source {
        TokenSource::Env(v) => format!(
            "Authentication is provided via {v} environment variable. Unset {v} to log out."
        ),
        TokenSource::File(p) => format!(
            "Authentication is provided via the token in {}. Remove it from that file to log out.",
            p.display()
        ),
        _ => "Authentication is provided via --auth-token. Stop passing it to log out.".to_string(),
    };
    CliError::new(exit::TOKEN_INVALID, msg)
}

pub fn run(ctx: &Context, _args: &LogoutArgs) -> CliResult<i32> {
    let settings = ctx.settings()?;
    let store = ctx.store()?;
    let stored = store.auth().map_err(store_error)?;
    let sel = crate::auth::select::select(settings, stored.as_ref(), now_ms());
    let stored_login = stored
        .as_ref()
        .filter(|r| r.token.as_deref().is_some_and(|t| !t.is_empty()));
    let has_stored = stored_login.is_some();
    // With SENTRY_FORCE_ENV_TOKEN the env token is the effective credential.
    let effective_external = sel
        .chosen
        .as_ref()
        .filter(|c| !c.stored && c.source != TokenSource::Flag);
    let report = match (stored_login, effective_external) {
        (_, Some(ext)) if settings.force_env_token || !has_stored => {
            return Err(external_source(&ext.source))
        }
        (Some(rec), _) => {
            let user = store.user_info().ok().flatten();
            let removed =
                Account::from_store(rec, user, Some(settings.configured_url.value.clone()));
            store.clear_auth().map_err(store_error)?;
            let _ = std::fs::remove_dir_all(ctx.config_dir().join("cache").join("responses"));
            Logout::Done {
                config_path: store.path().display().to_string(),
                removed,
            }
        }
        (None, _) => Logout::NotLoggedIn,
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}
