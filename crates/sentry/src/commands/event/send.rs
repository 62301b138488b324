//! `sentry event send [<dsn>|<project>|<org>/<project>] [<file>...]`: one event to the
//! DSN's envelope endpoint, authenticated by the DSN's public key (never the auth token).
//!
//! The event is built from flags (`-m`, `-l`, `-t KEY:VALUE`…), or read from JSON event files
//! (one envelope each), or with `--raw` sent byte for byte (a pre-built envelope). The DSN
//! comes from the first positional when it is a URL, from a project's sole active key when it
//! names a project, else from `--dsn`, `SENTRY_DSN`/`auth.dsn`, or detection in the working
//! tree. Every input is checked before anything is sent: a malformed tag is exit 21 with
//! nothing on the wire.

use std::io;
use std::path::Path;

use clap::{Args, ValueEnum};
use sentry_api::resources::ingest::{envelope, IngestTarget};
use sentry_api::Raw;
use serde_json::{json, Map, Value};

use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::dsn::{ingest_dsn, ingest_target};
use crate::target::{Resolver, Scope};

/// How many log lines `--logfile` attaches (the last ones).
const LOGFILE_LINES: usize = 100;

/// User keys that are fields of the event's `user`; any other key goes under `user.data`.
const USER_FIELDS: &[&str] = &["id", "email", "ip_address", "username"];

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
    Fatal,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Optional DSN/project target followed by JSON event file path(s)
    #[arg(value_name = "TARGET-OR-FILE")]
    pub target_or_file: Vec<String>,
    /// Event message (repeat for multi-line)
    #[arg(short = 'm', long)]
    pub message: Vec<String>,
    /// Arguments for message template (repeat for multiple)
    #[arg(short = 'a', long = "message-arg")]
    pub message_arg: Vec<String>,
    /// Event severity level
    #[arg(short = 'l', long, value_enum, default_value = "error")]
    pub level: Level,
    /// Release version
    #[arg(short = 'r', long)]
    pub release: Option<String>,
    /// Distribution identifier
    #[arg(short = 'd', long)]
    pub dist: Option<String>,
    /// Environment name (e.g. production, staging)
    #[arg(short = 'E', long)]
    pub env: Option<String>,
    // 0.49's `-p` is `--platform`; clap gives `-p` to the global `--project`, which names
    // nothing for this command (the target is positional), so `build_event` reads it as the
    // platform.
    /// Platform identifier (default: other; `-p` works too)
    #[arg(long)]
    pub platform: Option<String>,
    /// Tag as KEY:VALUE (repeat for multiple)
    #[arg(short = 't', long)]
    pub tag: Vec<String>,
    /// Extra data as KEY:VALUE (repeat for multiple)
    #[arg(short = 'e', long)]
    pub extra: Vec<String>,
    /// User info as KEY:VALUE — id, email, username, ip_address, or custom
    #[arg(short = 'u', long)]
    pub user: Vec<String>,
    /// Custom fingerprint part (repeat for multiple)
    #[arg(short = 'f', long)]
    pub fingerprint: Vec<String>,
    /// Event timestamp (Unix epoch, ISO 8601, or RFC 2822)
    #[arg(long)]
    pub timestamp: Option<String>,
    /// Do not include environment variables in the event
    #[arg(long = "no-environ")]
    pub no_environ: bool,
    /// Path to a log file — last 100 lines are attached as breadcrumbs
    #[arg(long)]
    pub logfile: Option<String>,
    /// Parse 'CATEGORY: message' prefixes from logfile breadcrumbs
    #[arg(long = "with-categories")]
    pub with_categories: bool,
    /// Send file contents as-is without parsing
    #[arg(long)]
    pub raw: bool,
    /// DSN to send to (instead of a DSN as the first argument)
    #[arg(long, hide = true)]
    pub dsn: Option<String>,
    /// `KEY:VALUE` splits at the first colon only (sentry-cli 3.x, where `a=b:c` is the key
    /// `a=b`); 0.49 also accepts `KEY=VALUE`.
    #[arg(skip)]
    pub colon_only: bool,
}

/// One event handed to ingest.
struct Sent {
    event_id: String,
    file: Option<String>,
}

impl Report for Sent {
    fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("eventId".into(), json!(self.event_id));
        if let Some(f) = &self.file {
            m.insert("file".into(), json!(f));
        }
        Value::Object(m)
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        match &self.file {
            Some(f) => out.line(format!("Event from {f} dispatched: {}", self.event_id)),
            None => {
                out.line("Event dispatched.")?;
                out.line(format!("Event ID: {}", self.event_id))
            }
        }
    }
}

/// What the positionals name.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Dsn(String),
    Project(String),
}

/// Splits the positionals into an optional target and the files: a URL is a DSN; a path
/// (leading `.`, absolute, two or more `/`, or a dot in its last segment) starts the files;
/// anything else names a project.
fn split_positionals(args: &[String]) -> (Option<Target>, Vec<String>) {
    let Some(first) = args.first() else {
        return (None, Vec::new());
    };
    let lower = first.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return (Some(Target::Dsn(first.clone())), args[1..].to_vec());
    }
    if looks_like_file(first) {
        return (None, args.to_vec());
    }
    (Some(Target::Project(first.clone())), args[1..].to_vec())
}

fn looks_like_file(s: &str) -> bool {
    s.starts_with('.')
        || Path::new(s).is_absolute()
        || s.matches('/').count() > 1
        || s.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// `KEY:VALUE` or `KEY=VALUE`, split at whichever separator comes first (at the first colon
/// with `colon_only`); the key must not be empty.
fn key_value(raw: &str, colon_only: bool) -> CliResult<(String, String)> {
    let at = if colon_only {
        raw.find(':')
    } else {
        raw.find([':', '='])
    };
    match at {
        Some(i) if i > 0 => Ok((raw[..i].to_string(), raw[i + 1..].to_string())),
        _ => Err(CliError::validation(format!(
            "Expected KEY:VALUE format, got: {}",
            json!(raw)
        ))),
    }
}

fn key_values(raws: &[String], colon_only: bool) -> CliResult<Map<String, Value>> {
    raws.iter()
        .map(|r| key_value(r, colon_only).map(|(k, v)| (k, Value::String(v))))
        .collect()
}

fn user(raws: &[String], colon_only: bool) -> CliResult<Map<String, Value>> {
    let mut user = Map::new();
    let mut data = Map::new();
    for raw in raws {
        let (k, v) = key_value(raw, colon_only)?;
        if USER_FIELDS.contains(&k.as_str()) {
            user.insert(k, json!(v));
        } else {
            data.insert(k, json!(v));
        }
    }
    if !data.is_empty() {
        user.insert("data".into(), Value::Object(data));
    }
    Ok(user)
}

/// Epoch seconds from a number, an RFC 3339/ISO 8601 time or an RFC 2822 date.
pub(crate) fn timestamp(raw: &str) -> CliResult<f64> {
    let raw = raw.trim();
    if let Ok(n) = raw.parse::<f64>() {
        if n.is_finite() {
            return Ok(n);
        }
    }
    let from_ts = |t: jiff::Timestamp| t.as_millisecond() as f64 / 1000.0;
    if let Ok(t) = raw.parse::<jiff::Timestamp>() {
        return Ok(from_ts(t));
    }
    if let Ok(dt) = raw.parse::<jiff::civil::DateTime>() {
        if let Ok(t) = jiff::tz::TimeZone::UTC.to_timestamp(dt) {
            return Ok(from_ts(t));
        }
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(raw) {
        return Ok(from_ts(z.timestamp()));
    }
    Err(CliError::validation(format!(
        "Invalid --timestamp value: '{raw}'. Use a Unix epoch number, ISO 8601, or RFC 2822 date."
    )))
}

/// The last [`LOGFILE_LINES`] non-empty lines of `path` as breadcrumbs stamped with the
/// file's modification time.
fn breadcrumbs(path: &str, with_categories: bool) -> CliResult<Vec<Value>> {
    let read = std::fs::read(path).and_then(|b| Ok((b, std::fs::metadata(path)?.modified()?)));
    let (bytes, modified) = read.map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => CliError::validation(format!("Logfile not found: {path}")),
        _ => CliError::validation(format!("Cannot read logfile {path}: {e}")),
    })?;
    let mtime = modified
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let text = String::from_utf8_lossy(&bytes);
    let crumbs: Vec<Value> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (category, message) = match line.split_once(':') {
                Some((c, m)) if with_categories && !c.is_empty() => (c.trim(), m.trim()),
                _ => ("log", line),
            };
            json!({"timestamp": mtime, "category": category, "message": message})
        })
        .collect();
    let skip = crumbs.len().saturating_sub(LOGFILE_LINES);
    Ok(crumbs.into_iter().skip(skip).collect())
}

/// Environment variables whose values must not leave the machine in `extra.environ`.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "AUTH",
        "KEY",
        "DSN",
        "CREDENTIAL",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// The event the flags describe.
fn build_event(ctx: &Context, args: &SendArgs) -> CliResult<Value> {
    let tags = key_values(&args.tag, args.colon_only)?;
    let mut extra = Map::new();
    if !args.no_environ {
        let environ: Map<String, Value> = ctx
            .env
            .iter()
            .map(|(k, v)| {
                let v = if secret_name(k) { "[Filtered]" } else { v };
                (k.clone(), json!(v))
            })
            .collect();
        extra.insert("environ".into(), Value::Object(environ));
    }
    extra.extend(key_values(&args.extra, args.colon_only)?);
    let user = user(&args.user, args.colon_only)?;
    let ts = match &args.timestamp {
        Some(t) if !t.trim().is_empty() => timestamp(t)?,
        _ => jiff::Timestamp::now().as_millisecond() as f64 / 1000.0,
    };
    let crumbs = match &args.logfile {
        Some(p) => Some(breadcrumbs(p, args.with_categories)?),
        None => None,
    };
    let mut ev = Map::new();
    ev.insert("event_id".into(), json!(crate::ids::event_id()));
    ev.insert("level".into(), json!(args.level.as_str()));
    let platform = args
        .platform
        .as_deref()
        .or(ctx.global.project.as_deref())
        .unwrap_or("other");
    ev.insert("platform".into(), json!(platform));
    ev.insert("timestamp".into(), json!(ts));
    for (k, v) in [
        ("release", &args.release),
        ("dist", &args.dist),
        ("environment", &args.env),
    ] {
        if let Some(v) = v {
            ev.insert(k.into(), json!(v));
        }
    }
    let mut logentry = Map::new();
    logentry.insert("message".into(), json!(args.message.join("\n")));
    if !args.message_arg.is_empty() {
        logentry.insert("params".into(), json!(args.message_arg));
    }
    ev.insert("logentry".into(), Value::Object(logentry));
    if !tags.is_empty() {
        ev.insert("tags".into(), Value::Object(tags));
    }
    if !extra.is_empty() {
        ev.insert("extra".into(), Value::Object(extra));
    }
    if !user.is_empty() {
        ev.insert("user".into(), Value::Object(user));
    }
    if !args.fingerprint.is_empty() {
        ev.insert("fingerprint".into(), json!(args.fingerprint));
    }
    if let Some(c) = crumbs {
        ev.insert("breadcrumbs".into(), json!(c));
    }
    Ok(Value::Object(ev))
}

/// An event envelope: the event ID and send time in the header, one `event` item.
fn event_envelope(event: &Value) -> Vec<u8> {
    let mut header = Map::new();
    if let Some(id) = event.get("event_id").and_then(Value::as_str) {
        header.insert("event_id".into(), json!(id));
    }
    header.insert("sent_at".into(), json!(jiff::Timestamp::now().to_string()));
    let payload = serde_json::to_vec(event).unwrap_or_default();
    envelope(&Value::Object(header), &[("event", &payload)])
}

/// The body to send for one file and the event ID to print.
fn file_body(path: &str, raw: bool) -> CliResult<(Vec<u8>, String)> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => CliError::validation(format!("File not found: {path}")),
        _ => CliError::validation(format!("Cannot read file {path}: {e}")),
    })?;
    if raw {
        let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        let id = serde_json::from_slice::<Value>(first)
            .ok()
            .and_then(|h| {
                h.get("event_id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        return Ok((bytes, id));
    }
    let event: Value = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::validation(format!("Failed to parse JSON from {path}: {e}")))?;
    if !event.is_object() {
        return Err(CliError::validation(format!(
            "Failed to create envelope from {path}: the event must be a JSON object"
        )));
    }
    let id = event
        .get("event_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok((event_envelope(&event), id))
}

fn usage_hint() -> String {
    "Suggestion: sentry event send <dsn> -m 'My message'".to_string()
}

/// The sole active DSN of a project (needs a login).
fn project_dsn(ctx: &Context, target: &str) -> CliResult<String> {
    if ctx.active_token()?.is_none() {
        return Err(CliError::config(format!(
            "Cannot resolve project '{target}' without a logged-in session. Pass the DSN as the first argument or run 'sentry auth login'."
        ))
        .with_hint("Suggestion: sentry auth login"));
    }
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let resolved = r.resolve_target(Some(target))?;
    let p = match resolved.scope {
        Scope::Projects(ps) if ps.len() == 1 => ps.into_iter().next(),
        _ => None,
    }
    .ok_or_else(|| {
        CliError::validation(format!(
            "'{target}' does not name one project. Pass a DSN, <project> or <org>/<project>."
        ))
    })?;
    let keys: Vec<Raw<sentry_api::models::ProjectKey>> = r
        .org(&p.org)?
        .project_keys(&p.slug)
        .query("status", "active")
        .send_json()
        .map_err(api_error)?;
    let mut dsns: Vec<String> = Vec::new();
    for k in keys.iter().filter(|k| k.model.is_active) {
        let d = k.model.dsn.public.clone().unwrap_or_default();
        if !d.is_empty() && !dsns.contains(&d) {
            dsns.push(d);
        }
    }
    match dsns.len() {
        0 => Err(CliError::config(format!(
            "No active DSN found for {}/{}. Pass a DSN as the first argument.",
            p.org, p.slug
        ))
        .with_hint(usage_hint())),
        1 => Ok(dsns.remove(0)),
        _ => Err(CliError::config(format!(
            "Project {}/{} has multiple active DSNs. Pass the desired DSN as the first argument.",
            p.org, p.slug
        ))
        .with_hint(usage_hint())),
    }
}

/// What is about to be sent, checked before any DSN is resolved or anything goes on the
/// wire: the event the flags describe, or the files to send.
pub enum Prepared {
    Event(Value),
    Files { files: Vec<String>, raw: bool },
}

/// Checks the local input and builds the event (both grammars: a malformed flag fails before
/// anything is resolved). `files` empty means the event comes from the flags.
pub fn prepare(ctx: &Context, args: &SendArgs, files: Vec<String>) -> CliResult<Prepared> {
    if files.is_empty() {
        if args.raw {
            return Err(CliError::validation(
                "--raw requires a file argument (raw bytes cannot be built from inline flags)",
            ));
        }
        return Ok(Prepared::Event(build_event(ctx, args)?));
    }
    Ok(Prepared::Files {
        files,
        raw: args.raw,
    })
}

/// One dispatched event: its ID and, when it came from a file, the file.
pub struct Dispatched {
    pub event_id: String,
    pub file: Option<String>,
}

/// Sends what [`prepare`] built to the DSN's envelope endpoint; `each` sees every event as
/// soon as it is accepted (so a later file's failure does not hide the earlier ones).
pub fn dispatch(
    ctx: &Context,
    raw_dsn: &str,
    prepared: Prepared,
    mut each: impl FnMut(&Dispatched) -> CliResult<()>,
) -> CliResult<()> {
    let (client, ingest) = ingest_target(ctx, raw_dsn)?;
    match prepared {
        Prepared::Event(ev) => {
            let id = ev
                .get("event_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            send(&client, &ingest, event_envelope(&ev))?;
            each(&Dispatched {
                event_id: id,
                file: None,
            })
        }
        Prepared::Files { files, raw } => {
            for f in &files {
                let (body, id) = file_body(f, raw)?;
                send(&client, &ingest, body)?;
                each(&Dispatched {
                    event_id: id,
                    file: Some(f.clone()),
                })?;
            }
            Ok(())
        }
    }
}

pub fn run(ctx: &Context, args: &SendArgs) -> CliResult<i32> {
    let (target, files) = split_positionals(&args.target_or_file);
    // Local input first: nothing is resolved or sent when the flags are wrong.
    if files.is_empty() && !args.raw && args.message.is_empty() {
        return Err(CliError::config(
            "Provide a message via -m/--message or a JSON event file as a positional argument.",
        )
        .with_hint("Suggestion: sentry event send -m 'My message'"));
    }
    let prepared = prepare(ctx, args, files)?;
    let raw_dsn = match target {
        Some(Target::Dsn(d)) => d.trim().to_string(),
        Some(Target::Project(p)) => project_dsn(ctx, &p)?,
        None => ingest_dsn(ctx, args.dsn.as_deref())?.ok_or_else(|| {
            CliError::config("No DSN found. Pass <dsn>, <project>, or <org>/<project> as the first argument, set SENTRY_DSN, or run from a project where a DSN can be detected.")
                .with_hint(usage_hint())
        })?,
    };
    dispatch(ctx, &raw_dsn, prepared, |d| {
        emit(
            &Sent {
                event_id: d.event_id.clone(),
                file: d.file.clone(),
            },
            &ctx.output,
        )
    })?;
    Ok(0)
}

fn send(client: &sentry_api::Client, ingest: &IngestTarget, body: Vec<u8>) -> CliResult<()> {
    client
        .send_envelope(ingest, body, None)
        .map(|_| ())
        .map_err(api_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_splits_at_first_separator() {
        assert_eq!(
            key_value("a:b:c", false).unwrap(),
            ("a".into(), "b:c".into())
        );
        assert_eq!(
            key_value("a=b:c", false).unwrap(),
            ("a".into(), "b:c".into())
        );
        assert_eq!(
            key_value("a=b:c", true).unwrap(),
            ("a=b".into(), "c".into())
        );
        assert_eq!(key_value("a:", false).unwrap(), ("a".into(), "".into()));
        assert_eq!(key_value("bad", false).unwrap_err().exit_code, 21);
        assert_eq!(key_value("a=b", true).unwrap_err().exit_code, 21);
        assert_eq!(key_value(":v", false).unwrap_err().exit_code, 21);
    }

    #[test]
    fn positionals() {
        let s =
            |v: &[&str]| split_positionals(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            s(&["https://k@h/1", "a.json"]),
            (
                Some(Target::Dsn("https://k@h/1".into())),
                vec!["a.json".into()]
            )
        );
        assert_eq!(s(&["./ev"]), (None, vec!["./ev".into()]));
        assert_eq!(s(&["ev.json"]), (None, vec!["ev.json".into()]));
        assert_eq!(
            s(&["org/app"]),
            (Some(Target::Project("org/app".into())), vec![])
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp("1700000000").unwrap(), 1_700_000_000.0);
        assert_eq!(timestamp("2023-11-14T22:13:20Z").unwrap(), 1_700_000_000.0);
        assert_eq!(
            timestamp("Tue, 14 Nov 2023 22:13:20 +0000").unwrap(),
            1_700_000_000.0
        );
        assert_eq!(timestamp("soon").unwrap_err().exit_code, 21);
    }

    /// `sentry event send <argv>` as clap parses it.
    fn parse(argv: &[&str]) -> SendArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Cmd {
            #[command(flatten)]
            args: SendArgs,
        }
        Cmd::try_parse_from(std::iter::once("send").chain(argv.iter().copied()))
            .unwrap()
            .args
    }

    fn context(env: &[(&str, &str)], home: &Path) -> Context {
        let mut vars: std::collections::BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vars.insert("HOME".into(), home.display().to_string());
        vars.insert(
            "SENTRY_CONFIG_DIR".into(),
            home.join(".sentry").display().to_string(),
        );
        Context::from_parts(crate::context::Parts {
            global: Default::default(),
            env: vars,
            cwd: home.to_path_buf(),
            home: Some(home.to_path_buf()),
        })
        .unwrap()
    }

    #[test]
    fn the_event_carries_the_flags_and_the_masked_environment() {
        let home = tempfile::tempdir().unwrap();
        let ctx = context(
            &[("BUILD_NUMBER", "7"), ("GITHUB_TOKEN", "ghp_secret")],
            home.path(),
        );
        let args = parse(&[
            "-m",
            "a",
            "-m",
            "b",
            "-a",
            "x",
            "-l",
            "info",
            "--platform",
            "python",
            "-t",
            "k:v",
            "-e",
            "n=1",
            "-f",
            "fp",
            "--timestamp",
            "1700000000",
        ]);
        let mut ev = build_event(&ctx, &args).unwrap();
        let id = ev["event_id"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 32);
        ev.as_object_mut().unwrap().remove("event_id");
        assert_eq!(
            ev,
            json!({
                "level": "info",
                "platform": "python",
                "timestamp": 1_700_000_000.0,
                "logentry": {"message": "a\nb", "params": ["x"]},
                "tags": {"k": "v"},
                "extra": {
                    "environ": {
                        "BUILD_NUMBER": "7",
                        "GITHUB_TOKEN": "[Filtered]",
                        "HOME": home.path().display().to_string(),
                        "SENTRY_CONFIG_DIR": home.path().join(".sentry").display().to_string(),
                    },
                    "n": "1",
                },
                "fingerprint": ["fp"],
            })
        );
        let body = String::from_utf8(event_envelope(&json!({"event_id": id}))).unwrap();
        assert!(
            body.starts_with(&format!("{{\"event_id\":\"{id}\",\"sent_at\":")),
            "{body}"
        );
    }

    #[test]
    fn user_fields_and_data() {
        let u = user(&["id:42".into(), "plan=pro".into()], false).unwrap();
        assert_eq!(
            Value::Object(u),
            json!({"id": "42", "data": {"plan": "pro"}})
        );
    }
}
