//! `sentry auth switch [account] [--url]`: make another stored account the active one. Its
//! server becomes the default URL (SENTRY_HOST/SENTRY_URL and `--url` still win).

use std::io::{self, IsTerminal};

use clap::Args;
use sentry_store::Account;
use serde_json::{json, Value};

use crate::auth::accounts::{self, describe, json_entry};
use crate::context::{store_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// Email, username, user ID, or account ID to switch to
    #[arg(value_name = "ACCOUNT")]
    pub account: Option<String>,
}

struct Switched {
    switched: bool,
    account: Account,
    label: String,
}

impl Report for Switched {
    fn json(&self) -> Value {
        json!({ "switched": self.switched, "account": json_entry(&self.account) })
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        let who = out.bold(&self.label);
        if self.switched {
            out.line(format!("{} Switched to {who}.", out.green("✓")))
        } else {
            out.line(format!("Already using {who}."))
        }
    }
}

const COMMAND: &str = "sentry auth switch";

/// Without an argument: the only account on `--url`'s server, else a picker on a terminal;
/// scripts are told which argument answers the question.
fn pick(ctx: &Context, all: &[Account], url: Option<&str>) -> CliResult<Account> {
    let candidates: Vec<&Account> = all
        .iter()
        .filter(|a| url.is_none_or(|u| accounts::on_server(a, u)))
        .collect();
    let list = |c: &[&Account]| -> String {
        c.iter()
            .map(|a| format!("\n  - {} (id: {})", describe(a, all), a.account_id))
            .collect()
    };
    match candidates.as_slice() {
        [] => Err(CliError::validation(format!(
            "Account on '{}' not found.\n\nTry:\n  {COMMAND} [account] --url <server>\n\nOr:\n  - Run 'sentry auth list' to see stored accounts",
            url.unwrap_or_default()
        ))),
        [one] => Ok((*one).clone()),
        several => {
            if !(io::stdin().is_terminal() && io::stderr().is_terminal()) || ctx.output.json {
                return Err(CliError::validation(format!(
                    "Account is required: there is no terminal to pick one.\n\nTry:\n  {COMMAND} <email|username|account-id>\n\nOr:{}",
                    list(several)
                )));
            }
            let labels: Vec<String> = several
                .iter()
                .map(|a| {
                    let mut l = describe(a, all);
                    if a.is_active {
                        l.push_str(" (active)");
                    } else if !a.is_usable(crate::context::now_ms()) {
                        l.push_str(" (logged out)");
                    }
                    l
                })
                .collect();
            let start = several.iter().position(|a| a.is_active).unwrap_or(0);
            let chosen = crate::prompt::choose("Switch to which account?", &labels, start)?;
            Ok(several[chosen].clone())
        }
    }
}

pub fn run(ctx: &Context, args: &SwitchArgs) -> CliResult<i32> {
    let store = ctx.store()?;
    let all = store.accounts().map_err(store_error)?;
    if all.is_empty() {
        return Err(CliError::new(
            exit::NOT_AUTHENTICATED,
            "Not authenticated. Run 'sentry auth login' first.",
        ));
    }
    let url = ctx.global.url.as_deref();
    let target = match &args.account {
        Some(raw) => accounts::resolve(store, raw, url, COMMAND, true)?,
        None => pick(ctx, &all, url)?,
    };
    store
        .set_active_account(&target.account_id)
        .map_err(store_error)?;
    store.mark_account_used(&target.account_id);
    let now = store
        .account(&target.account_id)
        .map_err(store_error)?
        .unwrap_or_else(|| target.clone());
    accounts::follow_active_server(store, now.host.as_deref())?;
    let mut account = now.clone();
    account.is_active = true;
    let usable = account.is_usable(crate::context::now_ms());
    emit(
        &Switched {
            switched: !target.is_active,
            label: describe(&account, &all),
            account,
        },
        &ctx.output,
    )?;
    if !usable {
        crate::diag!("This account's session has ended. Run 'sentry auth login' to log in again.");
    } else if let Some(e) = crate::auth::env_account::EnvAccount::find(ctx.settings()?) {
        if ctx.settings()?.force_env_token {
            crate::diag!("{} is set and overrides stored accounts.", e.var);
        }
    }
    Ok(0)
}
