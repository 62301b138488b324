//! `sentry local run -- <command>`: run a program with its SDK pointed at the local server,
//! starting one for the program's lifetime when none is running.

use clap::Args;

use super::server_config;
use super::state::state_file;
use crate::context::Context;
use crate::error::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Host of the local server
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the local server (started if nothing answers there)
    #[arg(long, default_value_t = 8969)]
    pub port: u16,
    /// The command to run, after `--`
    #[arg(trailing_var_arg = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(ctx: &Context, a: &RunArgs) -> CliResult<i32> {
    let url = format!("http://{}:{}", a.host, a.port);
    // Attach to a server that is already running, else start one for the child's lifetime.
    let (dsn, _server) = match existing_dsn(ctx, &a.host, a.port) {
        Some(dsn) => (dsn, None),
        None => {
            let config = server_config(ctx, &a.host, a.port, None, false);
            let server = sentry_local::start(config).map_err(|e| {
                CliError::general(format!("Could not start the local server on {url}: {e}"))
            })?;
            (server.dsn(), Some(server))
        }
    };
    let (program, rest) = a
        .command
        .split_first()
        .ok_or_else(|| CliError::validation("No command given to run"))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest);
    for (k, v) in sentry_local::child_env(&url, &dsn) {
        cmd.env(k, v);
    }
    let status = cmd
        .status()
        .map_err(|e| CliError::general(format!("Could not run {program}: {e}")))?;
    Ok(exit_code_of(status))
}

/// The DSN of a server already listening at `url`, from the state file `local serve` wrote.
fn existing_dsn(ctx: &Context, host: &str, port: u16) -> Option<String> {
    use std::net::ToSocketAddrs;
    let addr = (host, port).to_socket_addrs().ok()?.next()?;
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(300)).ok()?;
    let text = std::fs::read_to_string(state_file(ctx)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = format!("http://{host}:{port}");
    (v.get("url")?.as_str()? == url).then(|| v.get("dsn")?.as_str().map(str::to_string))?
}

fn exit_code_of(status: std::process::ExitStatus) -> i32 {
    if let Some(c) = status.code() {
        return c;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    1
}
