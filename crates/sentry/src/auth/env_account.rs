//! `SENTRY_AUTH_TOKEN` / `SENTRY_TOKEN` as one more account (0.49): listed by `auth list` and
//! `org list` when its server is known, never stored and never switched to.

use sentry_config::Settings;
use serde_json::{json, Map, Value};

use crate::auth::select::{select, TokenSource};
use crate::context::Context;
use crate::error::CliResult;

/// The env token and the server it is for.
#[derive(Debug, Clone)]
pub struct EnvAccount {
    /// `SENTRY_AUTH_TOKEN` or `SENTRY_TOKEN`.
    pub var: String,
    pub token: String,
    /// The origin of its server: an org token's own URL, else the configured URL.
    pub host: String,
    /// Who it belongs to, when the server said.
    pub user: Option<crate::commands::auth::login::LoginUser>,
}

impl EnvAccount {
    /// The env token, if one is set (without asking the server who it belongs to).
    pub fn find(settings: &Settings) -> Option<EnvAccount> {
        let sel = select(settings, None, 0);
        let tok = sel.env_token()?;
        let var = match &tok.source {
            TokenSource::Env(v) => v.clone(),
            _ => return None,
        };
        let claims_url = sentry_config::parse_org_token(&tok.value)
            .ok()
            .flatten()
            .and_then(|c| c.url);
        let host = claims_url.unwrap_or_else(|| settings.configured_url.value.clone());
        let host = sentry_store::origin_of(&host)?;
        Some(EnvAccount {
            var,
            token: tok.value.clone(),
            host,
            user: None,
        })
    }

    /// Asks the server who the token belongs to (user tokens only; an org token has no
    /// user). A failure leaves the identity unknown: listing accounts never fails on it.
    pub fn with_user(mut self, ctx: &Context) -> CliResult<EnvAccount> {
        if self
            .token
            .starts_with(sentry_wire::tokens::ORG_TOKEN_PREFIX)
        {
            return Ok(self);
        }
        if let Ok(client) = ctx.login_client(&self.host, &self.token) {
            match client.get_auth() {
                Ok(v) => self.user = crate::commands::auth::login::LoginUser::from_api(&v),
                Err(e) => log::debug!("could not ask who {} belongs to: {e}", self.var),
            }
        }
        Ok(self)
    }

    /// `env:SENTRY_AUTH_TOKEN`.
    pub fn id(&self) -> String {
        format!("env:{}", self.var)
    }

    /// `Jane <jane@x> via SENTRY_AUTH_TOKEN`, or the variable alone.
    pub fn who(&self) -> String {
        match &self.user {
            Some(u) => format!("{} via {}", u.display(), self.var),
            None => self.var.clone(),
        }
    }

    /// Its entry in `auth list --json` (0.49's shape).
    pub fn json_entry(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id()));
        m.insert("active".into(), json!(false));
        m.insert("host".into(), json!(self.host));
        if let Some(u) = &self.user {
            m.insert("userId".into(), json!(u.id));
            for (k, v) in [
                ("email", &u.email),
                ("username", &u.username),
                ("name", &u.name),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), json!(v));
                }
            }
        }
        m.insert("usable".into(), json!(true));
        m.insert("envVar".into(), json!(self.var));
        Value::Object(m)
    }
}
