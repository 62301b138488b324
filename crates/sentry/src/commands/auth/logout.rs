//! `sentry auth logout [<account>…|all] [--url]`: forget stored logins (no server-side
//! revocation, like upstream). Without arguments the active account goes and the most
//! recently used remaining one becomes active.

use std::io;

use clap::Args;
use sentry_store::Account;
use serde_json::{json, Value};

use crate::auth::accounts::{self, describe, json_entry};
use crate::auth::TokenSource;
use crate::context::{now_ms, store_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Accounts to log out of (email, username, user ID, or account ID; comma-separated), or 'all'
    #[arg(value_name = "ACCOUNT")]
    pub accounts: Vec<String>,
}

/// The word that selects every stored account.
const ALL: &str = "all";

enum Logout {
    Done {
        config_path: String,
        /// What was removed, labelled against the accounts stored before.
        removed: Vec<(Account, String)>,
        /// The account commands use now, when a removal promoted one.
        now_active: Option<Box<(Account, String)>>,
        all: bool,
    },
    NotLoggedIn(&'static str),
}

impl Report for Logout {
    fn json(&self) -> Value {
        match self {
            Logout::Done {
                config_path,
                removed,
                now_active,
                all,
            } => {
                let mut v = json!({
                    "loggedOut": !removed.is_empty(),
                    "configPath": config_path,
                    "removed": removed.iter().map(|(a, _)| json_entry(a)).collect::<Vec<_>>(),
                });
                if removed.is_empty() {
                    v["message"] = json!("No stored account matched.");
                }
                if let Some(na) = now_active {
                    v["activeAccount"] = json_entry(&na.0);
                }
                if *all {
                    v["all"] = json!(true);
                }
                v
            }
            Logout::NotLoggedIn(message) => json!({ "loggedOut": false, "message": message }),
        }
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        match self {
            Logout::Done {
                config_path,
                removed,
                now_active,
                all,
            } => {
                if removed.is_empty() {
                    return out.line("No stored account matched.");
                }
                let what = match removed.as_slice() {
                    [(_, label)] => format!(" of {}", out.bold(label)),
                    many if *all => format!(" of all {} accounts", many.len()),
                    many => format!(
                        " of {} accounts ({})",
                        many.len(),
                        many.iter()
                            .map(|(_, l)| out.bold(l))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let check = out.green("✓");
                out.line(format!("{check} Logged out{what} successfully."))?;
                out.blank()?;
                out.line(format!("Credentials removed from: {config_path}"))?;
                if let Some(na) = now_active {
                    out.blank()?;
                    out.line(format!("Now using: {}", out.bold(&na.1)))?;
                }
                Ok(())
            }
            Logout::NotLoggedIn(message) => out.line(*message),
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

/// `a,b c` → `[a, b, c]`.
fn split_names(raw: &[String]) -> Vec<String> {
    raw.iter()
        .flat_map(|r| r.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn run(ctx: &Context, args: &LogoutArgs) -> CliResult<i32> {
    let settings = ctx.settings()?;
    let store = ctx.store()?;
    let all = store.accounts().map_err(store_error)?;
    let active = all.iter().find(|a| a.is_active && a.has_token());
    let sel = crate::auth::select::select(settings, active, now_ms());
    // A token from the environment, a file or a flag is not ours to remove: say where it
    // comes from when it is what commands use (with SENTRY_FORCE_ENV_TOKEN, or nothing
    // stored).
    let external = sel
        .chosen
        .as_ref()
        .filter(|c| !c.stored && c.source != TokenSource::Flag);
    if let Some(ext) = external {
        if settings.force_env_token || all.is_empty() {
            return Err(external_source(&ext.source));
        }
    }
    if all.is_empty() {
        emit(
            &Logout::NotLoggedIn("Not currently authenticated."),
            &ctx.output,
        )?;
        return Ok(0);
    }
    let url = ctx.global.url.as_deref();
    let names = split_names(&args.accounts);
    let every = names.iter().any(|n| n.eq_ignore_ascii_case(ALL));
    let chosen: Vec<Account> = if every {
        all.iter()
            .filter(|a| url.is_none_or(|u| accounts::on_server(a, u)))
            .cloned()
            .collect()
    } else if !names.is_empty() {
        let mut picked: Vec<Account> = Vec::new();
        for n in &names {
            let a = match accounts::resolve(store, n, url, "sentry auth logout", false) {
                Ok(a) => a,
                // An unreadable row is named by its id (the warning about it says so).
                Err(_) if store.account_row_exists(n).unwrap_or(false) => Account {
                    account_id: n.clone(),
                    ..Account::default()
                },
                Err(e) => return Err(e),
            };
            if !picked.iter().any(|p| p.account_id == a.account_id) {
                picked.push(a);
            }
        }
        picked
    } else {
        match all.iter().find(|a| a.is_active) {
            Some(a) => vec![a.clone()],
            None => {
                emit(
                    &Logout::NotLoggedIn("No account is active. Run 'sentry auth list' and pass an account to log out of, or 'all'."),
                    &ctx.output,
                )?;
                return Ok(0);
            }
        }
    };
    if every && chosen.len() == all.len() {
        store.remove_all_accounts().map_err(store_error)?;
    } else {
        // The active one last, so the account it promotes is one that stays.
        let mut order: Vec<&Account> = chosen.iter().collect();
        order.sort_by_key(|a| a.is_active);
        for a in order {
            store
                .remove_account(&a.account_id, true)
                .map_err(store_error)?;
        }
    }
    let _ = std::fs::remove_dir_all(ctx.config_dir().join("cache").join("responses"));
    let now_active = store.active_account().map_err(store_error)?;
    let promoted = chosen.iter().any(|a| a.is_active);
    if let (true, Some(a)) = (promoted, &now_active) {
        accounts::follow_active_server(store, a.host.as_deref())?;
    }
    let remaining = store.accounts().unwrap_or_default();
    let report = Logout::Done {
        config_path: store.path().display().to_string(),
        removed: chosen
            .iter()
            .map(|a| (a.clone(), describe(a, &all)))
            .collect(),
        now_active: now_active.map(|a| {
            let label = describe(&a, &remaining);
            Box::new((a, label))
        }),
        all: every,
    };
    emit(&report, &ctx.output)?;
    Ok(0)
}
