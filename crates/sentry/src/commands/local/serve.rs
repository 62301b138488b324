//! `sentry local serve`: the local server in the foreground, its connection details printed
//! once it listens.

use std::path::PathBuf;

use clap::Args;

use super::state::{state_file, write_state_file};
use super::{server_config, OutputFlags};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{Human, Report};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to bind; loopback by default so nothing is exposed to the network
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 8969)]
    pub port: u16,
    /// Directory for the server's SQLite data (default: <config dir>/local)
    #[arg(long, value_name = "DIR", conflicts_with = "memory")]
    pub data: Option<PathBuf>,
    /// Keep everything in memory; nothing is written to disk
    #[arg(long)]
    pub memory: bool,
    /// Log each request on stderr: method, path, status and duration
    #[arg(long)]
    pub log_requests: bool,
    #[command(flatten)]
    pub output: OutputFlags,
}

pub fn run(ctx: &Context, a: &ServeArgs) -> CliResult<i32> {
    let mut config = server_config(ctx, &a.host, a.port, a.data.clone(), a.memory);
    if a.log_requests {
        // The line carries no header, so never a token (see sentry_local::RequestLine).
        config.request_log = Some(sentry_local::RequestLog::new(|line| {
            let time = jiff::ZonedDateTime::now().strftime("%H:%M:%S");
            crate::diag!("{time} {line}");
        }));
    }
    let mut printed: CliResult<()> = Ok(());
    let result = sentry_local::serve_blocking(config, |ready| {
        let info = serde_json::json!({
            "url": ready.url,
            "token": ready.token,
            "dsn": ready.dsn,
            "org": ready.org_slug,
            "project": ready.project_slug,
        });
        write_state_file(ctx, &info);
        printed = crate::output::emit(&Ready(info), &ctx.output);
    });
    let _ = std::fs::remove_file(state_file(ctx));
    printed?;
    result.map_err(|e| {
        CliError::general(format!(
            "Could not run the local server on {}:{}: {e}",
            a.host, a.port
        ))
    })?;
    Ok(0)
}

/// The ready line of `local serve`: the connection details, through the shared renderer so
/// `--json`, `--fields` and `--jq` work (`sentry local serve --jq .url`).
struct Ready(serde_json::Value);

impl Report for Ready {
    fn json(&self) -> serde_json::Value {
        self.0.clone()
    }

    fn human(&self, out: &mut Human) -> std::io::Result<()> {
        let s = |k: &str| self.0.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let (url, token, dsn) = (s("url"), s("token"), s("dsn"));
        let (org, project) = (s("org"), s("project"));
        out.line(format!("Sentry local server listening on {url}"))?;
        out.blank()?;
        out.line(format!("  API URL:     {url}"))?;
        out.line(format!("  API token:   {token}"))?;
        out.line(format!("  DSN:         {dsn}"))?;
        out.line(format!("  Org/project: {org}/{project}"))?;
        out.blank()?;
        out.line(format!(
            "Try:  SENTRY_URL={url} SENTRY_AUTH_TOKEN={token} sentry issue list {org}/"
        ))?;
        out.line("Press Ctrl-C to stop.")
    }
}
