//! `sentry auth list` (alias `ls`): every stored account across servers, the active one
//! marked, plus the env token when it is set.

use std::io;

use clap::Args;
use sentry_store::Account;
use serde_json::Value;

use crate::auth::accounts::{json_entry, server_label, who};
use crate::auth::env_account::EnvAccount;
use crate::context::{now_ms, store_error, Context};
use crate::error::CliResult;
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct ListArgs {}

struct AccountList {
    accounts: Vec<Account>,
    env: Option<EnvAccount>,
    /// The env token is what commands use (nothing usable stored, or SENTRY_FORCE_ENV_TOKEN).
    env_in_use: bool,
}

impl Report for AccountList {
    fn json(&self) -> Value {
        let mut v: Vec<Value> = self.accounts.iter().map(json_entry).collect();
        if let Some(e) = &self.env {
            v.push(e.json_entry());
        }
        Value::Array(v)
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.accounts.is_empty() && self.env.is_none() {
            out.line("No stored accounts. Run sentry auth login.")?;
        } else {
            let now = now_ms();
            let mut rows: Vec<Vec<String>> = self
                .accounts
                .iter()
                .map(|a| {
                    let status = match (a.is_usable(now), a.is_active) {
                        (true, true) => out.green("active"),
                        (true, false) => String::new(),
                        (false, _) => out.red("logged out"),
                    };
                    vec![
                        if a.is_active {
                            "*".into()
                        } else {
                            String::new()
                        },
                        who(a),
                        server_label(a, &self.accounts),
                        status,
                    ]
                })
                .collect();
            if let Some(e) = &self.env {
                let host = sentry_api::Origin::parse(&e.host)
                    .map(|o| o.host().to_string())
                    .unwrap_or_else(|| e.host.clone());
                rows.push(vec![String::new(), e.who(), host, "env token".into()]);
            }
            out.table(Some(&["", "ACCOUNT", "SERVER", "STATUS"]), rows)?;
        }
        out.blank()?;
        out.blank()?;
        out.line(match (&self.env, self.env_in_use, self.accounts.len()) {
            (Some(e), true, _) => format!("{} is in use and overrides stored accounts.", e.var),
            (_, _, 0) => "Log in with 'sentry auth login'.".into(),
            (_, _, 1) => "Add another account with 'sentry auth login'.".into(),
            _ => "Switch accounts with 'sentry auth switch <email>'.".into(),
        })
    }
}

pub fn run(ctx: &Context, _args: &ListArgs) -> CliResult<i32> {
    let settings = ctx.settings()?;
    let accounts = ctx.store()?.accounts().map_err(store_error)?;
    let env = EnvAccount::find(settings)
        .map(|e| e.with_user(ctx))
        .transpose()?;
    let active = accounts.iter().find(|a| a.is_active);
    let sel = crate::auth::select::select(settings, active, now_ms());
    let env_in_use = sel
        .chosen
        .as_ref()
        .is_some_and(|c| c.source.env_var().is_some());
    emit(
        &AccountList {
            accounts,
            env,
            env_in_use,
        },
        &ctx.output,
    )?;
    Ok(0)
}
