//! `sentry auth status`: which credentials are used, where they came from, and whether the
//! server accepts them.

use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use crate::auth::{ActiveToken, TokenSource};
use crate::context::{now_ms, store_error, Context};
use crate::error::CliResult;
use crate::output::{emit, Human, Report};
use sentry_wire::mask_token;

#[derive(Debug, Args, Default)]
pub struct StatusArgs {
    /// Show the token unmasked
    #[arg(long)]
    pub show_token: bool,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct Status {
    token: ActiveToken,
    display: String,
    config_path: Option<String>,
    user: Option<(Option<String>, Option<String>, Option<String>)>,
    /// Stored logins only: the host the login belongs to and how many accounts are stored,
    /// as upstream's `host`/`accounts`.
    host: Option<String>,
    accounts: Option<usize>,
    defaults: Option<(Option<String>, Option<String>)>,
    verification: Result<Vec<(String, String)>, String>,
    /// `(env var, active)` whenever an env token is set.
    env_token: Option<(String, bool)>,
    /// Other tokens found that lost (status shows every token source found, not only the one
    /// in use).
    others: Vec<String>,
    /// The stored accounts this command did not use, as `auth list` names them.
    other_accounts: Vec<String>,
}

impl Report for Status {
    fn json(&self) -> Value {
        let mut v = Map::new();
        v.insert("authenticated".into(), json!(true));
        v.insert("source".into(), json!(self.token.source.json_name()));
        if let Some(p) = &self.config_path {
            v.insert("configPath".into(), json!(p));
        }
        if let Some((name, email, username)) = &self.user {
            let mut u = Map::new();
            for (k, val) in [("name", name), ("email", email), ("username", username)] {
                if let Some(val) = val {
                    u.insert(k.into(), json!(val));
                }
            }
            v.insert("user".into(), Value::Object(u));
        }
        if let Some(h) = &self.host {
            v.insert("host".into(), json!(h));
        }
        if let Some(n) = self.accounts {
            v.insert("accounts".into(), json!(n));
        }
        let mut t = Map::new();
        t.insert("display".into(), json!(self.display));
        if let Some(e) = self.token.expires_at.filter(|_| self.token.stored) {
            t.insert("expiresAt".into(), json!(e));
        }
        t.insert("refreshEnabled".into(), json!(self.token.is_oauth()));
        v.insert("token".into(), Value::Object(t));
        if let Some((org, project)) = &self.defaults {
            let mut d = Map::new();
            if let Some(o) = org {
                d.insert("organization".into(), json!(o));
            }
            if let Some(p) = project {
                d.insert("project".into(), json!(p));
            }
            v.insert("defaults".into(), Value::Object(d));
        }
        v.insert(
            "verification".into(),
            match &self.verification {
                Ok(orgs) => json!({
                    "success": true,
                    "organizations": orgs.iter().map(|(name, slug)| json!({"name": name, "slug": slug})).collect::<Vec<_>>(),
                }),
                Err(e) => json!({ "success": false, "error": e }),
            },
        );
        if let Some((var, active)) = &self.env_token {
            v.insert(
                "envToken".into(),
                json!({ "envVar": var, "active": active }),
            );
        }
        Value::Object(v)
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        let title = match &self.token.source {
            TokenSource::Stored => "✓ Authenticated".to_string(),
            TokenSource::Env(v) => format!("✓ Authenticated via {v} environment variable"),
            TokenSource::File(p) => format!("✓ Authenticated via {}", p.display()),
            TokenSource::Flag => "✓ Authenticated via --auth-token".to_string(),
        };
        out.heading(&title)?;
        out.blank()?;
        let mut rows: Vec<Vec<String>> = Vec::new();
        if let Some(p) = &self.config_path {
            rows.push(vec!["Config".into(), p.clone()]);
        }
        if let Some((name, email, username)) = &self.user {
            let who = name.clone().or_else(|| username.clone());
            let cell = match (who, email) {
                (Some(w), Some(e)) => format!("{w} <{e}>"),
                (Some(w), None) => w,
                (None, Some(e)) => e.clone(),
                (None, None) => String::new(),
            };
            if !cell.is_empty() {
                rows.push(vec!["User".into(), cell]);
            }
        }
        if let Some(h) = &self.host {
            rows.push(vec!["Server".into(), out.bold(h)]);
        }
        if let Some(n) = self.accounts.filter(|n| *n > 1) {
            rows.push(vec![
                "Accounts".into(),
                format!("{n} stored ({})", out.dim("sentry auth list")),
            ]);
        }
        let stored_oauth =
            self.token.stored && (self.token.expires_at.is_some() || self.token.refreshable);
        let label = if !self.token.stored {
            "Token"
        } else if stored_oauth {
            "Access token"
        } else {
            "API token"
        };
        rows.push(vec![label.into(), self.display.clone()]);
        if self.token.stored {
            if let Some(exp) = self.token.expires_at {
                let remaining = (exp - now_ms()) / 1000;
                let cell = if remaining <= 0 {
                    "Expired".to_string()
                } else {
                    format!(
                        "{} ({} remaining)",
                        local_time(exp),
                        crate::output::format::duration(remaining)
                    )
                };
                rows.push(vec!["Access token expires".into(), cell]);
            }
            if stored_oauth {
                let r = if self.token.refreshable {
                    "enabled"
                } else {
                    "disabled (no refresh token)"
                };
                rows.push(vec!["Automatic refresh".into(), r.into()]);
            }
        }
        out.table(None, rows)?;
        if let Some((var, active)) = &self.env_token {
            out.blank()?;
            out.line("Environment Token")?;
            out.blank()?;
            let status = if *active {
                "active".to_string()
            } else if self.token.stored {
                "set but not used (using OAuth credentials)".to_string()
            } else {
                "set but not used".to_string()
            };
            out.table(
                None,
                vec![
                    vec!["Env var".into(), var.clone()],
                    vec!["Status".into(), status],
                ],
            )?;
        }
        if !self.other_accounts.is_empty() {
            out.blank()?;
            out.line("Other accounts (sentry auth switch <email>)")?;
            out.blank()?;
            for o in &self.other_accounts {
                out.line(format!("• {o}"))?;
            }
        }
        if !self.others.is_empty() {
            out.blank()?;
            out.line("Other tokens found (not used)")?;
            out.blank()?;
            for o in &self.others {
                out.line(format!("• {o}"))?;
            }
        }
        if let Some((org, project)) = &self.defaults {
            out.blank()?;
            out.line("Defaults")?;
            out.blank()?;
            let mut rows = Vec::new();
            if let Some(o) = org {
                rows.push(vec!["Organization".into(), o.clone()]);
            }
            if let Some(p) = project {
                rows.push(vec!["Project".into(), p.clone()]);
            }
            out.table(None, rows)?;
        }
        out.blank()?;
        match &self.verification {
            Ok(orgs) => {
                out.line(out.green(&format!(
                    "✓ Access verified — {} organization(s)",
                    orgs.len()
                )))?;
                if !orgs.is_empty() {
                    out.blank()?;
                }
                for (name, slug) in orgs.iter().take(5) {
                    out.line(format!("• {name} ({slug})"))?;
                }
                if orgs.len() > 5 {
                    out.line(format!("• … and {} more", orgs.len() - 5))?;
                }
            }
            Err(e) => {
                out.line(out.red("✗ Could not verify credentials"))?;
                out.line(e)?;
            }
        }
        if !self.token.stored {
            let hint = if self
                .token
                .value
                .starts_with(sentry_wire::tokens::ORG_TOKEN_PREFIX)
            {
                "Run `sentry auth whoami` to see which organization this token belongs to"
            } else {
                "Run `sentry auth whoami` to see which user this token belongs to"
            };
            out.blank()?;
            out.line(out.dim(hint))?;
        }
        Ok(())
    }
}

/// `11/22/2026, 9:37:41 AM` in the local time zone (upstream's `toLocaleString()`).
fn local_time(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => crate::output::format::local_datetime(ts),
        Err(_) => ms.to_string(),
    }
}

fn describe(t: &ActiveToken) -> String {
    match &t.source {
        TokenSource::Stored => "stored login (cli.db)".into(),
        TokenSource::Env(v) => format!("{v} environment variable"),
        TokenSource::File(p) => format!("[auth] token in {}", p.display()),
        TokenSource::Flag => "--auth-token".into(),
    }
}

pub fn run(ctx: &Context, args: &StatusArgs) -> CliResult<i32> {
    run_with(ctx, args, true)
}

/// `check_project_url = false` for bare `sentry auth`, which (like login and logout) skips the
/// check of a URL that only a project's `.sentryclirc` supplies.
pub fn run_with(ctx: &Context, args: &StatusArgs, check_project_url: bool) -> CliResult<i32> {
    let token = ctx.require_token()?;
    let sel = ctx.token_selection()?.clone();
    let store = ctx.store()?;
    let all = store.accounts().map_err(store_error)?;
    let in_use = all
        .iter()
        .find(|a| Some(&a.account_id) == token.account_id.as_ref());
    let (config_path, user) = if token.stored {
        let user = in_use
            .and_then(|a| a.user_info())
            .map(|u| (u.name, u.email, u.username));
        (Some(store.path().display().to_string()), user)
    } else {
        (None, None)
    };
    let (host, accounts) = if token.stored {
        let host = match &token.host {
            Some(h) => h.clone(),
            None => ctx.settings()?.configured_url.value.clone(),
        };
        (Some(host), Some(all.len()))
    } else {
        (None, None)
    };
    let meta = |k: &str| store.meta_get(k).ok().flatten().filter(|v| !v.is_empty());
    let (org, project) = (meta("defaults.org"), meta("defaults.project"));
    let defaults = (org.is_some() || project.is_some()).then_some((org, project));
    let verification = ctx
        .client_scoped(check_project_url)?
        .list_organizations()
        .map(|orgs| {
            orgs.iter()
                .map(|o| {
                    let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    (s("name"), s("slug"))
                })
                .collect()
        })
        .map_err(|e| crate::context::api_error(e).full_message());
    let env_token = sel.env_token().map(|e| {
        let var = e
            .source
            .env_var()
            .unwrap_or("SENTRY_AUTH_TOKEN")
            .to_string();
        (var, e.source == token.source)
    });
    let env_source = sel.env_token().map(|e| e.source.clone());
    let others = sel
        .chosen
        .iter()
        .chain(sel.others.iter())
        .filter(|o| o.source != token.source && Some(&o.source) != env_source.as_ref())
        .map(|o| format!("{} ({})", describe(o), mask_token(&o.value)))
        .collect();
    let other_accounts = all
        .iter()
        .filter(|a| Some(&a.account_id) != token.account_id.as_ref())
        .map(|a| {
            let mut l = crate::auth::accounts::describe(a, &all);
            if !a.is_usable(now_ms()) {
                l.push_str(" (logged out)");
            }
            l
        })
        .collect();
    let display = if args.show_token {
        token.value.clone()
    } else {
        mask_token(&token.value)
    };
    emit(
        &Status {
            token,
            display,
            config_path,
            user,
            host,
            accounts,
            defaults,
            verification,
            env_token,
            others,
            other_accounts,
        },
        &ctx.output,
    )?;
    Ok(0)
}
