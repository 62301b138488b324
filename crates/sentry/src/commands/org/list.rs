//! `sentry org list` (alias `sentry orgs`): every org from the control silo; fills the region
//! cache so later org-scoped commands need no probe. With several stored accounts the orgs
//! of every usable one are listed together, each with the account that reaches it (which
//! is the account later commands for that org use).

use std::io;

use clap::Args;
use sentry_store::Account;
use serde_json::{json, Value};

use crate::auth::env_account::EnvAccount;
use crate::context::{api_error, store_error, Context};
use crate::error::CliResult;
use crate::output::{emit, Human, Report};
use crate::target::str_field;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Maximum number of organizations to show (1-1000)
    #[arg(short = 'n', long, default_value_t = 25)]
    pub limit: i64,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
    /// Only this account's organizations (email, username or account id; add :<server> to
    /// pick one server's login)
    #[arg(short = 'a', long, value_name = "ACCOUNT")]
    pub account: Option<String>,
}

/// The account an org was listed under (0.49's `account` object).
#[derive(Clone)]
struct Via {
    /// `jane@example.com:sentry.example.com` — what `--account` accepts, and the ACCOUNT cell.
    name: String,
    id: String,
    label: String,
    email: Option<String>,
    username: Option<String>,
    server: String,
    host: String,
    env_var: Option<String>,
    /// Orgs reachable from several accounts on one server are listed once.
    server_key: String,
}

impl Via {
    fn stored(a: &Account, all: &[Account]) -> Via {
        let host = a.host.clone().unwrap_or_default();
        let server = account_server(&host);
        let who = a
            .email
            .clone()
            .or_else(|| a.username.clone())
            .unwrap_or_else(|| a.account_id.clone());
        Via {
            name: format!("{who}:{server}"),
            id: a.account_id.clone(),
            label: crate::auth::accounts::describe(a, all),
            email: a.email.clone(),
            username: a.username.clone(),
            server,
            server_key: sentry_store::origin_of(&host).unwrap_or_default(),
            host,
            env_var: None,
        }
    }

    fn env(e: &EnvAccount) -> Via {
        Via {
            name: e.id(),
            id: e.id(),
            label: format!(
                "{} on {}",
                e.who(),
                crate::auth::accounts::server_name(&e.host)
            ),
            email: e.user.as_ref().and_then(|u| u.email.clone()),
            username: e.user.as_ref().and_then(|u| u.username.clone()),
            server: account_server(&e.host),
            server_key: e.host.clone(),
            host: e.host.clone(),
            env_var: Some(e.var.clone()),
        }
    }

    fn json(&self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("id".into(), json!(self.id));
        m.insert("label".into(), json!(self.label));
        let optional = [
            ("email", self.email.as_deref()),
            ("username", self.username.as_deref()),
            ("server", Some(self.server.as_str())),
            ("host", Some(self.host.as_str())),
            ("envVar", self.env_var.as_deref()),
        ];
        for (k, v) in optional {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                m.insert(k.into(), json!(v));
            }
        }
        Value::Object(m)
    }
}

/// How `--account` and the ACCOUNT column name a server: the host (with port) for https,
/// else the whole origin, as 0.49 does.
fn account_server(host: &str) -> String {
    match url::Url::parse(host) {
        Ok(u) if u.scheme() == "https" => match u.port() {
            Some(p) => format!("{}:{p}", u.host_str().unwrap_or_default()),
            None => u.host_str().unwrap_or_default().to_string(),
        },
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => host.to_string(),
    }
}

struct OrgList {
    orgs: Vec<Value>,
    /// Per org, the account it was listed under (only when several were listed).
    via: Vec<Option<Via>>,
    total: usize,
}

impl Report for OrgList {
    fn json(&self) -> Value {
        Value::Array(
            self.orgs
                .iter()
                .zip(&self.via)
                .map(|(o, via)| match (o, via) {
                    (Value::Object(m), Some(via)) => {
                        let mut m = m.clone();
                        m.insert("account".into(), via.json());
                        Value::Object(m)
                    }
                    _ => o.clone(),
                })
                .collect(),
        )
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.orgs.is_empty() {
            return out.line("No organizations found.");
        }
        let regions: Vec<String> = self
            .orgs
            .iter()
            .map(|o| sentry_api::org_region_url(o).unwrap_or_default())
            .collect();
        let mut distinct = regions.clone();
        distinct.sort();
        distinct.dedup();
        let show_region = distinct.len() > 1;
        let show_account = self.via.iter().any(Option::is_some);
        let rows: Vec<Vec<String>> = self
            .orgs
            .iter()
            .zip(&regions)
            .zip(&self.via)
            .map(|((o, r), via)| {
                let mut row = vec![str_field(o, "slug").unwrap_or_default()];
                if show_region {
                    row.push(crate::regions::region_label(r));
                }
                row.push(str_field(o, "name").unwrap_or_default());
                if show_account {
                    row.push(via.as_ref().map(|v| v.name.clone()).unwrap_or_default());
                }
                row
            })
            .collect();
        let mut header = vec!["SLUG"];
        if show_region {
            header.push("REGION");
        }
        header.push("NAME");
        if show_account {
            header.push("ACCOUNT");
        }
        out.table(Some(&header), rows)?;
        out.blank()?;
        if self.total > self.orgs.len() {
            out.line(format!(
                "Showing {} of {} organizations",
                self.orgs.len(),
                self.total
            ))?;
        }
        out.line("Tip: Use 'sentry org view <slug>' for details")
    }
}

pub fn run(ctx: &Context, args: &ListArgs) -> CliResult<i32> {
    let limit = sentry_target::validate_limit(args.limit, sentry_target::MAX_LIMIT)
        .map_err(crate::target::target_error)?;
    let store = ctx.store()?;
    if let Some(raw) = &args.account {
        let a = crate::auth::accounts::resolve(
            store,
            raw,
            ctx.global.url.as_deref(),
            "sentry org list --account",
            false,
        )?;
        ctx.use_account(&a.account_id);
        return single(ctx, limit);
    }
    let settings = ctx.settings()?;
    let all = store.accounts().map_err(store_error)?;
    let now = crate::context::now_ms();
    // SENTRY_HOST/SENTRY_URL/--url limit the listing to that server's accounts.
    let pinned = ctx.pinned_url();
    let usable: Vec<&Account> = all
        .iter()
        .filter(|a| a.is_usable(now))
        .filter(|a| pinned.as_deref().is_none_or(|u| a.is_on_server(u)))
        .collect();
    let env = EnvAccount::find(settings);
    let flag_token = ctx.global.auth_token.is_some();
    if flag_token || settings.force_env_token || usable.len() + usize::from(env.is_some()) <= 1 {
        return single(ctx, limit);
    }
    let mut orgs: Vec<Value> = Vec::new();
    let mut via: Vec<Option<Via>> = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut keep =
        |list: Vec<Value>, v: &Via, orgs: &mut Vec<Value>, via: &mut Vec<Option<Via>>| {
            for o in list {
                let slug = str_field(&o, "slug").unwrap_or_default();
                let key = (v.server_key.clone(), slug);
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                orgs.push(o);
                via.push(Some(v.clone()));
            }
        };
    let mut failures = 0;
    for a in &usable {
        let v = Via::stored(a, &all);
        let listed = ctx.for_account(&a.account_id).and_then(|sub| {
            let client = sub.authed_client()?;
            crate::regions::list_orgs(&sub, &client)
        });
        match listed {
            Ok(list) => keep(list, &v, &mut orgs, &mut via),
            Err(e) => {
                failures += 1;
                crate::diag!("Warning: Skipping {}: {}", v.label, e.message);
            }
        }
    }
    if let Some(e) = env {
        let e = e.with_user(ctx)?;
        let v = Via::env(&e);
        let listed = ctx
            .login_client(&e.host, &e.token)
            .and_then(|c| c.list_organizations().map_err(api_error));
        match listed {
            Ok(list) => keep(list, &v, &mut orgs, &mut via),
            Err(err) => {
                failures += 1;
                crate::diag!("Warning: Skipping {}: {}", v.label, err.message);
            }
        }
    }
    if failures == usable.len() + 1 && orgs.is_empty() {
        return single(ctx, limit);
    }
    let total = orgs.len();
    orgs.truncate(limit as usize);
    via.truncate(limit as usize);
    emit(&OrgList { orgs, via, total }, &ctx.output)?;
    Ok(0)
}

/// One account's (or token's) organizations, as before accounts existed.
fn single(ctx: &Context, limit: u32) -> CliResult<i32> {
    let client = ctx.authed_client()?;
    let mut orgs = client.list_organizations().map_err(api_error)?;
    crate::regions::record_org_list(ctx, &client, &orgs);
    let total = orgs.len();
    orgs.truncate(limit as usize);
    let via = orgs.iter().map(|_| None).collect();
    emit(&OrgList { orgs, via, total }, &ctx.output)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::context::Parts;
    use crate::output::capture;

    /// A context whose environment names `server` and its token, in a temporary home.
    fn context(
        server: &sentry_local::RunningServer,
        home: &std::path::Path,
        json: bool,
    ) -> Context {
        let env = BTreeMap::from([
            ("HOME".to_string(), home.display().to_string()),
            (
                "SENTRY_CONFIG_DIR".to_string(),
                home.join(".sentry").display().to_string(),
            ),
            ("SENTRY_URL".to_string(), server.url.clone()),
            ("SENTRY_AUTH_TOKEN".to_string(), server.token().to_string()),
        ]);
        Context::from_parts(Parts {
            global: crate::cli::GlobalArgs {
                json,
                ..Default::default()
            },
            env,
            cwd: home.to_path_buf(),
            home: Some(home.to_path_buf()),
        })
        .unwrap()
    }

    fn args(limit: i64) -> ListArgs {
        ListArgs {
            limit,
            fresh: Default::default(),
            account: None,
        }
    }

    #[test]
    fn lists_the_tokens_orgs_and_caches_their_region() {
        let server = sentry_local::start(sentry_local::ServerConfig::for_tests()).unwrap();
        let home = tempfile::tempdir().unwrap();
        let ctx = context(&server, home.path(), true);
        let (code, out) = capture(|| run(&ctx, &args(25)));
        assert_eq!(code.unwrap(), 0);
        assert_eq!(out.stderr_text(), "");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v.as_array()
                .unwrap()
                .iter()
                .map(|o| o["slug"].clone())
                .collect::<Vec<_>>(),
            vec![json!("local")]
        );
        // The region was recorded for later org-scoped commands.
        let rows = ctx.store().unwrap().all_org_regions().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].org_slug, "local");

        let ctx = context(&server, home.path(), false);
        let (code, out) = capture(|| run(&ctx, &args(25)));
        assert_eq!(code.unwrap(), 0);
        assert!(out
            .stdout_text()
            .ends_with("Tip: Use 'sentry org view <slug>' for details\n"));
    }

    #[test]
    fn a_limit_out_of_range_fails_before_any_request() {
        let server = sentry_local::start(sentry_local::ServerConfig::for_tests()).unwrap();
        let home = tempfile::tempdir().unwrap();
        let ctx = context(&server, home.path(), true);
        let (result, out) = capture(|| run(&ctx, &args(0)));
        assert_eq!(
            result.unwrap_err().exit_code,
            crate::error::exit::VALIDATION
        );
        assert!(out.stdout.is_empty());
    }
}
