//! `sentry info`: the effective server, defaults and whether the token works, printed the way
//! `sentry-cli info` prints them so existing scripts keep parsing it.

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, emit_error, Human, Report};

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print the configuration status as JSON and always exit 0 (sentry-cli compatible)
    #[arg(long = "config-status-json")]
    pub config_status_json: bool,
    /// Don't print (or require) the default organization and project
    #[arg(long = "no-defaults")]
    pub no_defaults: bool,
    /// Print nothing; exit 1 unless authenticated (and, without --no-defaults, org and project are set)
    #[arg(short = 'q', long, alias = "silent")]
    pub quiet: bool,
}

pub struct Info {
    url: String,
    pub org: Option<String>,
    pub project: Option<String>,
    method: Option<&'static str>,
    have_dsn: bool,
    /// `GET /api/0/` answered and accepted the token.
    verified: bool,
    email: Option<String>,
    name: Option<String>,
    scopes: Option<Vec<String>>,
    no_defaults: bool,
    /// `--config-status-json` omits the user, as sentry-cli does.
    status_only: bool,
}

impl Report for Info {
    fn json(&self) -> Value {
        let mut v = json!({
            "config": { "org": self.org, "project": self.project, "url": self.url },
            "auth": { "type": self.method.map(|_| "token"), "successful": self.verified },
            "have_dsn": self.have_dsn,
        });
        if !self.status_only && self.verified && (self.email.is_some() || self.name.is_some()) {
            v["user"] = json!({ "email": self.email, "name": self.name });
        }
        v
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(format!("Sentry Server: {}", self.url))?;
        if !self.no_defaults {
            out.line(format!(
                "Default Organization: {}",
                self.org.as_deref().unwrap_or("-")
            ))?;
            out.line(format!(
                "Default Project: {}",
                self.project.as_deref().unwrap_or("-")
            ))?;
        }
        out.blank()?;
        out.line("Authentication Info:")?;
        out.line(format!(
            "  Method: {}",
            self.method.unwrap_or("Unauthorized")
        ))?;
        if self.verified {
            if let Some(e) = &self.email {
                out.line(format!("  User: {e}"))?;
            }
            if let Some(scopes) = &self.scopes {
                out.line("  Scopes:")?;
                for s in scopes {
                    out.line(format!("    - {s}"))?;
                }
            }
        }
        Ok(())
    }
}

/// Why the token could not be verified (each grammar words it its own way).
pub enum Failure {
    NoToken,
    /// `GET /api/0/` answered without an `auth` object.
    NotAccepted,
    Api(sentry_api::ApiError),
    Other(CliError),
}

/// What `info` shows and whether the token works: the settings, then `GET /api/0/` with the
/// active token. Shared by `sentry info` and `sentry-cli info`.
pub fn check(
    ctx: &Context,
    no_defaults: bool,
    status_only: bool,
) -> CliResult<(Info, Option<Failure>)> {
    let settings = ctx.settings()?;
    let token = ctx.active_token()?;
    let mut info = Info {
        url: settings.url.value.trim_end_matches('/').to_string(),
        org: settings.org.as_ref().map(|s| s.value.clone()),
        project: settings.project.as_ref().map(|s| s.value.clone()),
        method: token
            .as_ref()
            .map(|t| if t.is_oauth() { "OAuth" } else { "Auth Token" }),
        have_dsn: settings.dsn.is_some(),
        verified: false,
        email: None,
        name: None,
        scopes: None,
        no_defaults,
        status_only,
    };
    if token.is_none() {
        return Ok((info, Some(Failure::NoToken)));
    }
    let root = match ctx.client() {
        Ok(c) => c.get_root(),
        Err(e) => return Ok((info, Some(Failure::Other(e)))),
    };
    let root = match root {
        Ok(r) => r,
        Err(e) => return Ok((info, Some(Failure::Api(e)))),
    };
    let auth = root.get("auth").filter(|a| !a.is_null());
    info.verified = auth.is_some();
    if let Some(user) = root.get("user").filter(|u| !u.is_null()) {
        info.email = user
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_string);
        info.name = user.get("name").and_then(Value::as_str).map(str::to_string);
    }
    info.scopes = auth
        .and_then(|a| a.get("scopes"))
        .and_then(Value::as_array)
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        });
    let failure = (!info.verified).then_some(Failure::NotAccepted);
    Ok((info, failure))
}

/// `--quiet`'s exit code: 1 unless authenticated and (without `--no-defaults`) both org and
/// project are set.
pub fn quiet_code(info: &Info, failure: Option<&Failure>) -> i32 {
    let missing_defaults = !info.no_defaults && (info.org.is_none() || info.project.is_none());
    if failure.is_some() || missing_defaults {
        1
    } else {
        0
    }
}

pub fn run(ctx: &Context, args: &InfoArgs) -> CliResult<i32> {
    let (info, failure) = check(ctx, args.no_defaults, args.config_status_json)?;
    if args.quiet {
        return Ok(quiet_code(&info, failure.as_ref()));
    }
    let failure = failure.map(|f| match f {
        Failure::NoToken => CliError::new(
            exit::NOT_AUTHENTICATED,
            "Auth token is required for this request.",
        )
        .with_hint("Run `sentry auth login`, pass --auth-token or set SENTRY_AUTH_TOKEN."),
        Failure::NotAccepted => CliError::new(
            exit::NOT_AUTHENTICATED,
            "The server did not accept the auth token.",
        ),
        Failure::Api(e) => crate::context::api_error(e),
        Failure::Other(e) => e,
    });
    let mut opts = ctx.output.clone();
    if args.config_status_json {
        opts.json = true;
    }
    emit(&info, &opts)?;
    if args.config_status_json {
        return Ok(0);
    }
    match failure {
        Some(mut e) => {
            // `info` exits 1 on any failure (sentry-cli compatible); the JSON error object
            // must report the code the process really exits with.
            e.exit_code = exit::GENERAL;
            emit_error(&e, ctx.output.json);
            Ok(exit::GENERAL)
        }
        None => Ok(0),
    }
}
