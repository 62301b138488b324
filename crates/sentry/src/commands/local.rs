//! `sentry local`: run, tail and use the built-in local Sentry-compatible server.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{Human, Report};

/// Shown under `sentry local --help`: the whole loop, including how to send test events.
const LOCAL_EXAMPLES: &str = "\
Examples:
  sentry local serve                  Start the server; prints its URL, API token and DSN
  sentry local demo-events            Send a few SDK-shaped test error events to it
  sentry local setup-code             A one-time SENTRY_SETUP_CODE for `sentry auth bootstrap`
  sentry local run -- npm start       Run your app with SENTRY_DSN pointing at it
  sentry local                        Tail what arrives, one line per item
  SENTRY_URL=<url> SENTRY_AUTH_TOKEN=<token> sentry issue list local/
                                      Browse the events with the usual commands";

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, after_help = LOCAL_EXAMPLES)]
pub struct LocalArgs {
    #[command(subcommand)]
    pub command: Option<LocalCommand>,
    #[command(flatten)]
    pub tail: TailArgs,
    #[command(flatten)]
    pub not_applicable: NotForLocal,
}

/// Global flags that mean nothing to `sentry local` and its subcommands, which talk to the
/// local server rather than a Sentry host, org or project.
///
/// clap copies every `global = true` flag into each subcommand unless the subcommand
/// already has an argument with the same id. Declaring them here, hidden, with the root's ids
/// keeps them out of the help of `local` and everything below it, while `--org x` and the
/// like are still accepted (their values still reach the root's `GlobalArgs`), so scripts
/// that pass them everywhere keep working. The host flags stay global so the subcommands
/// inherit the hidden versions; the output flags are not (the tail prints lines, not JSON),
/// and the subcommands that print data declare visible ones ([`OutputFlags`]).
#[derive(Debug, Args, Clone, Default)]
pub struct NotForLocal {
    #[arg(long, global = true, hide = true, value_name = "URL")]
    pub url: Option<String>,
    #[arg(long = "auth-token", global = true, hide = true, value_name = "TOKEN")]
    pub auth_token: Option<String>,
    #[arg(long = "header", global = true, hide = true, value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    #[arg(short = 'o', long, global = true, hide = true, value_name = "ORG")]
    pub org: Option<String>,
    #[arg(short = 'p', long, global = true, hide = true, value_name = "PROJECT")]
    pub project: Option<String>,
    #[arg(long, hide = true)]
    pub json: bool,
    #[arg(long, hide = true, value_name = "FIELDS")]
    pub fields: Option<String>,
    #[arg(long, hide = true, value_name = "EXPRESSION")]
    pub jq: Option<String>,
}

/// The root's output flags, re-declared (same ids, same meaning) for the `local`
/// subcommands that print data; see [`NotForLocal`] for why.
#[derive(Debug, Args, Clone, Default)]
pub struct OutputFlags {
    /// Output as JSON (with --fields to select)
    #[arg(long)]
    pub json: bool,
    /// Comma-separated fields to keep in JSON output; dot paths reach into objects
    #[arg(long, value_name = "FIELDS")]
    pub fields: Option<String>,
    /// Filter JSON output with a jq expression (implies --json); strings print raw
    #[arg(long, value_name = "EXPRESSION")]
    pub jq: Option<String>,
}

/// Without a subcommand `sentry local` tails a running server: one line per envelope item.
#[derive(Debug, Args, Clone)]
pub struct TailArgs {
    /// Only show items of these kinds (error, transaction, log, ai); repeatable
    #[arg(short = 'f', long = "filter", value_name = "TYPE")]
    pub filters: Vec<String>,
    /// Print nothing but errors
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Host of the local server
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the local server
    #[arg(long, default_value_t = 8969)]
    pub port: u16,
}

#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Start the local server in the foreground (Ctrl-C stops it)
    Serve(ServeArgs),
    /// Run a command with SENTRY_DSN and SENTRY_SPOTLIGHT pointing at the local server
    Run(RunArgs),
    /// Send SDK-shaped test error events (to the running local server by default)
    DemoEvents(crate::commands::local_demo::DemoEventsArgs),
    /// Print a one-time SENTRY_SETUP_CODE for `sentry auth bootstrap` against the local server
    SetupCode(crate::commands::local_setup_code::SetupCodeArgs),
}

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

pub fn run(ctx: &Context, args: &LocalArgs) -> CliResult<i32> {
    match &args.command {
        None => tail(ctx, &args.tail),
        Some(LocalCommand::Serve(a)) => serve(ctx, a),
        Some(LocalCommand::Run(a)) => run_child(ctx, a),
        Some(LocalCommand::DemoEvents(a)) => crate::commands::local_demo::run(ctx, a),
        Some(LocalCommand::SetupCode(a)) => crate::commands::local_setup_code::run(ctx, a),
    }
}

fn server_config(
    ctx: &Context,
    host: &str,
    port: u16,
    data: Option<PathBuf>,
    memory: bool,
) -> sentry_local::ServerConfig {
    let data = if memory {
        None
    } else {
        Some(
            data.unwrap_or_else(|| ctx.config_dir().join("local"))
                .join("local.db"),
        )
    };
    sentry_local::ServerConfig {
        host: host.to_string(),
        port,
        data,
        ..Default::default()
    }
}

fn serve(ctx: &Context, a: &ServeArgs) -> CliResult<i32> {
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

/// `sentry local`: reads the server's `/stream` through the CLI's HTTP pipeline (proxy, CA
/// and custom-header settings, and the token rule, as for every request; no token is sent)
/// and prints one line per envelope item until the server ends the stream.
fn tail(ctx: &Context, a: &TailArgs) -> CliResult<i32> {
    use std::io::Write;
    let url = format!("http://{}:{}", a.host, a.port);
    let stream_url = format!("{url}/stream");
    let failed = |cause: String| {
        CliError::general(format!("Could not tail the local server at {url}: {cause}"))
            .with_hint("Start it with: sentry local serve")
    };
    let client = ctx.client()?;
    let events = match client.get(&stream_url).without_auth().event_stream() {
        Ok(events) => events,
        Err(
            e @ (sentry_api::ApiError::HostScope { .. }
            | sentry_api::ApiError::ProjectConnection { .. }
            | sentry_api::ApiError::Config { .. }
            | sentry_api::ApiError::Auth { .. }),
        ) => return Err(crate::context::api_error(e)),
        Err(sentry_api::ApiError::Network { cause, .. }) => return Err(failed(cause)),
        Err(e) => return Err(failed(e.headline())),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut print = |line: &str| match writeln!(out, "{line}").and_then(|_| out.flush()) {
        // A closed pipe (`sentry local | head`) ends the tail quietly.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(CliError::general(format!("Could not write the tail: {e}"))),
        Ok(()) => Ok(true),
    };
    if !a.quiet && !print(&format!("Listening on {stream_url} (Ctrl-C to stop)"))? {
        return Ok(0);
    }
    for event in events {
        let event = event.map_err(|e| failed(e.to_string()))?;
        for line in sentry_local::describe_message(&event.event, &event.data, &a.filters) {
            if !print(&line)? {
                return Ok(0);
            }
        }
    }
    Ok(0)
}

fn run_child(ctx: &Context, a: &RunArgs) -> CliResult<i32> {
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

/// The state file of the `local serve` that recorded itself there, if it still answers.
fn running_server_state(ctx: &Context) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(state_file(ctx)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = url::Url::parse(v.get("url")?.as_str()?).ok()?;
    let addr = url.socket_addrs(|| None).ok()?.into_iter().next()?;
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(300)).ok()?;
    Some(v)
}

/// The DSN of the `local serve` that recorded itself in the state file, if it still answers.
pub fn running_server_dsn(ctx: &Context) -> Option<String> {
    let v = running_server_state(ctx)?;
    v.get("dsn")?.as_str().map(str::to_string)
}

/// The URL and API token of the `local serve` that recorded itself in the state file, if it
/// still answers.
pub fn running_server(ctx: &Context) -> Option<(String, String)> {
    let v = running_server_state(ctx)?;
    let s = |k: &str| v.get(k)?.as_str().map(str::to_string);
    Some((s("url")?, s("token")?))
}

/// Where a running `local serve` records its URL, token and DSN for `local run` (mode 0600).
fn state_file(ctx: &Context) -> PathBuf {
    ctx.config_dir().join("local").join("server.json")
}

fn write_state_file(ctx: &Context, info: &serde_json::Value) {
    let path = state_file(ctx);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension("json.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    if let Ok(mut f) = opts.open(&tmp) {
        use std::io::Write;
        if f.write_all(info.to_string().as_bytes()).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
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
