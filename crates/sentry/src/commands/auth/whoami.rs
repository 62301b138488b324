//! `sentry auth whoami` (and hidden `sentry whoami`): who the token belongs to. Org auth
//! tokens are decoded offline; everything else asks `GET /api/0/auth/`.

use std::io;

use clap::Args;
use serde_json::{json, Map, Value};

use crate::commands::auth::login::LoginUser;
use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

struct OrgToken(sentry_config::OrgTokenClaims);

impl Report for OrgToken {
    fn json(&self) -> Value {
        let mut v = Map::new();
        v.insert("type".into(), json!("org-auth-token"));
        if let Some(o) = &self.0.org {
            v.insert("organization".into(), json!(o));
        }
        v.insert("url".into(), json!(self.0.url));
        if let Some(r) = &self.0.region_url {
            v.insert("regionUrl".into(), json!(r));
        }
        Value::Object(v)
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        let mut rows = vec![vec![
            "Token type".to_string(),
            "Organization auth token".to_string(),
        ]];
        if let Some(o) = &self.0.org {
            rows.push(vec!["Organization".into(), o.clone()]);
        }
        rows.push(vec![
            "Instance".into(),
            self.0.url.clone().unwrap_or_else(|| "-".into()),
        ]);
        if let Some(r) = &self.0.region_url {
            rows.push(vec!["Region".into(), r.clone()]);
        }
        out.table(None, rows)?;
        out.blank()?;
        out.line(out.dim("Run `sentry auth login` for user-scoped authentication"))
    }
}

/// The user, and the hint naming the other accounts (human output only).
struct User(Value, Option<String>);

impl Report for User {
    fn json(&self) -> Value {
        self.0.clone()
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        match LoginUser::from_api(&self.0) {
            Some(u) => out.line(u.display())?,
            None => out.line("unknown user")?,
        }
        if let Some(h) = &self.1 {
            out.blank()?;
            out.line(h)?;
        }
        Ok(())
    }
}

pub fn run(ctx: &Context, _args: &WhoamiArgs) -> CliResult<i32> {
    let token = ctx.require_token()?;
    if token
        .value
        .starts_with(sentry_wire::tokens::ORG_TOKEN_PREFIX)
    {
        let claims = sentry_config::parse_org_token(&token.value)
            .map_err(|e| CliError::new(exit::NOT_FOUND, e.to_string()))?
            .ok_or_else(|| CliError::new(exit::NOT_FOUND, "Malformed organization auth token"))?;
        crate::diag!("Warning: This is an organization auth token — not tied to a specific user.");
        emit(&OrgToken(claims), &ctx.output)?;
        return Ok(0);
    }
    let client = ctx.client()?;
    let user = client.get_auth().map_err(api_error)?;
    let parsed = LoginUser::from_api(&user).ok_or_else(|| {
        CliError::new(
            exit::API,
            "Invalid response from /auth/: the user has no id",
        )
    })?;
    if let (true, Some(id)) = (token.stored, token.account_id.as_deref()) {
        // Keep the cached identity current (errors ignored, as upstream).
        parsed.store(ctx, id);
    }
    let hint = match token.source.env_var() {
        Some(_) => None,
        None => others_hint(ctx, &parsed, token.account_id.as_deref()),
    };
    emit(&User(user, hint), &ctx.output)?;
    Ok(0)
}

/// With several usable accounts stored, whoami names the others (upstream's hint).
fn others_hint(ctx: &Context, me: &LoginUser, in_use: Option<&str>) -> Option<String> {
    let all = ctx.store().ok()?.accounts().ok()?;
    let now = crate::context::now_ms();
    let others: Vec<String> = all
        .iter()
        .filter(|a| Some(a.account_id.as_str()) != in_use && a.is_usable(now))
        .map(|a| crate::auth::accounts::describe(a, &all))
        .collect();
    if others.is_empty() {
        return None;
    }
    let name = me
        .name
        .clone()
        .or_else(|| me.username.clone())
        .or_else(|| me.email.clone())
        .unwrap_or_else(|| format!("user {}", me.id));
    Some(format!(
        "You are {name}, but you can be whoever you want — as long as it's one of: {}. Run 'sentry auth switch'.",
        others.join(", ")
    ))
}
