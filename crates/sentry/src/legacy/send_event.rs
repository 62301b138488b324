//! `sentry-cli send-event [PATH] [-m …] [-t KEY:VALUE …]`: 3.x's flags mapped onto the event
//! core of `sentry event send` ([`crate::commands::event::send`]): the same event, the same
//! envelope, the same ingest request. What is 3.x's here: the DSN comes only from
//! `SENTRY_DSN`/`auth.dsn` (no positional DSN, no detection), a positional is a path or glob
//! of JSON event files, `KEY:VALUE` splits at the first colon with 3.x's messages, and the
//! output reads `Event dispatched.\nEvent id: <uuid>`.

use clap::Args;

use crate::commands::event::send::{self, Level, SendArgs};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
#[command(
    about = "Send a manual event to Sentry.",
    long_about = "Send a manual event to Sentry.\n\nThis command will validate input parameters and \
attempt to send an event to Sentry. Due to network errors, rate limits or sampling the event is not \
guaranteed to actually arrive. Check debug output for transmission errors by passing \
--log-level=debug or setting `SENTRY_LOG_LEVEL=debug`."
)]
pub struct SendEventArgs {
    /// The path or glob to the file(s) in JSON format to send as event(s). When provided, all
    /// other arguments are ignored.
    #[arg(value_name = "PATH")]
    pub path: Option<String>,
    /// Send events using an envelope without attempting to parse their contents.
    #[arg(long)]
    pub raw: bool,
    /// Optional event severity/log level. (debug|info|warning|error|fatal) [defaults to 'error']
    #[arg(short = 'l', long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Optional event timestamp in one of supported formats: unix timestamp, RFC2822 or
    /// RFC3339.
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_timestamp)]
    pub timestamp: Option<String>,
    /// Optional identifier of the release.
    #[arg(short = 'r', long, value_name = "RELEASE")]
    pub release: Option<String>,
    /// Set the distribution.
    #[arg(short = 'd', long, value_name = "DISTRIBUTION")]
    pub dist: Option<String>,
    /// Send with a specific environment.
    #[arg(short = 'E', long = "env", value_name = "ENVIRONMENT")]
    pub env: Option<String>,
    /// Do not send environment variables along
    #[arg(long = "no-environ")]
    pub no_environ: bool,
    /// The event message.
    #[arg(short = 'm', long, value_name = "MESSAGE")]
    pub message: Vec<String>,
    /// Arguments for the event message.
    #[arg(short = 'a', long = "message-arg", value_name = "MESSAGE_ARG")]
    pub message_arg: Vec<String>,
    /// Override the default 'other' platform specifier.
    #[arg(short = 'p', long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Add a tag (key:value) to the event.
    #[arg(short = 't', long, value_name = "KEY:VALUE")]
    pub tag: Vec<String>,
    /// Add extra information (key:value) to the event.
    #[arg(short = 'e', long, value_name = "KEY:VALUE")]
    pub extra: Vec<String>,
    /// Add user information (key:value) to the event. [eg: id:42, username:foo]
    #[arg(short = 'u', long, value_name = "KEY:VALUE")]
    pub user: Vec<String>,
    /// Change the fingerprint of the event.
    #[arg(short = 'f', long, value_name = "FINGERPRINT")]
    pub fingerprint: Vec<String>,
    /// Send a logfile as breadcrumbs with the event (last 100 records)
    #[arg(long, value_name = "PATH")]
    pub logfile: Option<String>,
    /// Accepted for 3.x compatibility; there is no Info.plist preprocessing here.
    #[arg(long = "allow-xcode-infoplist-preprocessing", hide = true)]
    pub allow_xcode_infoplist_preprocessing: bool,
    /// When logfile is provided, this flag will try to assign correct level to extracted log
    /// breadcrumbs. It uses standard log format of "category: message". eg. "INFO: Something
    /// broke" will be parsed as a breadcrumb "{"level": "info", "message": "Something broke"}"
    #[arg(long = "with-categories")]
    pub with_categories: bool,
}

/// 3.x checks `--timestamp` while parsing the command line (a usage error, exit 2) with this
/// wording; the value itself is parsed again by the event core.
fn parse_timestamp(raw: &str) -> Result<String, String> {
    send::timestamp(raw)
        .map(|_| raw.to_string())
        .map_err(|_| "Not in valid format. Unix timestamp or ISO 8601 date expected.".to_string())
}

/// 3.x's check of `KEY:VALUE` flags: a value without a colon is `missing <what> value`.
fn check_pairs(values: &[String], what: &str) -> CliResult<()> {
    match values.iter().find(|v| !v.contains(':')) {
        Some(_) => Err(CliError::general(format!("missing {what} value"))),
        None => Ok(()),
    }
}

/// 3.x prints event IDs as hyphenated UUIDs.
pub(crate) fn hyphenated(id: &str) -> String {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return id.to_string();
    }
    format!(
        "{}-{}-{}-{}-{}",
        &id[..8],
        &id[8..12],
        &id[12..16],
        &id[16..20],
        &id[20..]
    )
}

/// The 3.x message when no DSN is configured (commands that send to ingest fail before
/// doing anything else).
pub(crate) fn dsn_missing() -> CliError {
    CliError::general(
        "DSN missing. Please set the `SENTRY_DSN` environment variable to your project's DSN.",
    )
}

/// The DSN from `SENTRY_DSN`/`auth.dsn`, the only places 3.x reads it.
pub(crate) fn configured_dsn(ctx: &Context) -> CliResult<String> {
    ctx.settings()?
        .dsn
        .as_ref()
        .map(|d| d.value.trim().to_string())
        .filter(|d| !d.is_empty())
        .ok_or_else(dsn_missing)
}

/// The files a path or glob (`*`, `?` in the last segment) names, sorted; a path that names
/// no file is kept as given, so reading it fails naming it.
pub(crate) fn expand(path: &str) -> Vec<String> {
    use std::path::Path;
    if !path.contains(['*', '?']) {
        return vec![path.to_string()];
    }
    let (dir, pattern) = match path.rsplit_once('/') {
        Some((d, p)) => (Some(if d.is_empty() { "/" } else { d }), p),
        None => (None, path),
    };
    let mut found: Vec<String> = std::fs::read_dir(Path::new(dir.unwrap_or(".")))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            crate::commands::monitor::list::glob(pattern, &name).then(|| match dir {
                Some(d) => Path::new(d).join(&name).display().to_string(),
                None => name,
            })
        })
        .collect();
    found.sort();
    if found.is_empty() {
        vec![path.to_string()]
    } else {
        found
    }
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &SendEventArgs) -> CliResult<i32> {
    let files = args.path.as_deref().map(expand).unwrap_or_default();
    if files.is_empty() {
        check_pairs(&args.tag, "tag")?;
        check_pairs(&args.extra, "extra")?;
        check_pairs(&args.user, "user")?;
    }
    let core = SendArgs {
        target_or_file: Vec::new(),
        message: args.message.clone(),
        message_arg: args.message_arg.clone(),
        level: Level::Error,
        release: args.release.clone(),
        dist: args.dist.clone(),
        env: args.env.clone(),
        platform: args.platform.clone(),
        tag: args.tag.clone(),
        extra: args.extra.clone(),
        user: args.user.clone(),
        fingerprint: args.fingerprint.clone(),
        timestamp: args.timestamp.clone(),
        no_environ: args.no_environ,
        logfile: args.logfile.clone(),
        with_categories: args.with_categories,
        raw: args.raw,
        dsn: None,
        colon_only: true,
    };
    let mut prepared = send::prepare(ctx, &core, files)?;
    // 3.x sends any level string it is given.
    if let (send::Prepared::Event(ev), Some(level)) = (&mut prepared, &args.level) {
        ev["level"] = serde_json::json!(level);
    }
    let dsn = configured_dsn(ctx)?;
    send::dispatch(ctx, &dsn, prepared, |d| {
        let id = hyphenated(&d.event_id);
        match &d.file {
            Some(f) => super::print(global, &format!("Event from file {f} dispatched: {id}")),
            None => super::print(global, &format!("Event dispatched.\nEvent id: {id}")),
        }
    })?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_pairs() {
        assert_eq!(
            hyphenated("03bfef696a864c5c95bc990dfb106395"),
            "03bfef69-6a86-4c5c-95bc-990dfb106395"
        );
        assert_eq!(hyphenated("short"), "short");
        assert!(check_pairs(&["a:b".into()], "tag").is_ok());
        assert_eq!(
            check_pairs(&["a=b".into()], "tag").unwrap_err().message,
            "missing tag value"
        );
    }
}
