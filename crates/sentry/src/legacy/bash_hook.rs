//! `sentry-cli bash-hook [--no-exit] [--cli CMD] [--tag K:V] [--release R]`: prints a bash
//! script that, sourced with `eval "$(sentry-cli bash-hook)"`, records a traceback of the
//! failing command, tees the script's output to a log, and on error sends an event by calling
//! this binary's hidden `bash-hook --send-event --traceback F --log F` (which prints the event
//! ID into `SENTRY_LAST_EVENT`). The script is written here for this tool; it follows 3.x's
//! protocol (the same traps, files and hidden flags) so an existing hook line keeps working.

use clap::Args;
use serde_json::{json, Value};

use crate::commands::event::send::{self, Level, Prepared, SendArgs};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::send_event::{configured_dsn, hyphenated};
use crate::legacy::LegacyGlobal;

#[derive(Debug, Args)]
pub struct BashHookArgs {
    /// Do not turn on -e (exit immediately) flag automatically
    #[arg(long = "no-exit")]
    pub no_exit: bool,
    /// Explicitly set/override the sentry-cli command
    #[arg(long = "cli", value_name = "CMD")]
    pub cli: Option<String>,
    /// Add tags (key:value) to the event.
    #[arg(long = "tag", value_name = "KEY:VALUE")]
    pub tags: Vec<String>,
    /// Define release version for the event.
    #[arg(long, value_name = "RELEASE")]
    pub release: Option<String>,
    /// Accepted for 3.x compatibility; there is no Info.plist preprocessing here.
    #[arg(long = "allow-xcode-infoplist-preprocessing", hide = true)]
    pub allow_xcode_infoplist_preprocessing: bool,
    #[arg(long = "send-event", hide = true, requires_all = ["traceback", "log"])]
    pub send_event: bool,
    #[arg(long, hide = true, value_name = "PATH")]
    pub traceback: Option<String>,
    #[arg(long, hide = true, value_name = "PATH")]
    pub log: Option<String>,
}

/// Quotes `s` for bash as one word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

const SCRIPT: &str = r#"{SET_E}
_SENTRY_TRACEBACK_FILE={TRACEBACK}
_SENTRY_LOG_FILE={LOG}

if [ "${SENTRY_CLI_NO_EXIT_TRAP-0}" != 1 ]; then
  trap _sentry_exit_trap EXIT
fi
trap _sentry_err_trap ERR

_sentry_shown_traceback=0

_sentry_exit_trap() {
  local _exit_code="$?"
  local _command="${BASH_COMMAND:-unknown}"
  if [[ $_exit_code != 0 && "${_sentry_shown_traceback}" != 1 ]]; then
    _sentry_err_trap "$_command" "$_exit_code"
  fi
  rm -f "$_SENTRY_TRACEBACK_FILE" "$_SENTRY_LOG_FILE"
  exit $_exit_code
}

_sentry_err_trap() {
  local _exit_code="$?"
  local _command="${BASH_COMMAND:-unknown}"
  if [ $# -ge 1 ] && [ "x$1" != x ]; then
    _command="$1"
  fi
  if [ $# -ge 2 ] && [ "x$2" != x ]; then
    _exit_code="$2"
  fi
  _sentry_traceback 1
  echo "@command:${_command}" >> "$_SENTRY_TRACEBACK_FILE"
  echo "@exit_code:${_exit_code}" >> "$_SENTRY_TRACEBACK_FILE"

  : >> "$_SENTRY_LOG_FILE"
  export SENTRY_LAST_EVENT=$({CLI} bash-hook --send-event --traceback "$_SENTRY_TRACEBACK_FILE"{EXTRA} --log "$_SENTRY_LOG_FILE")
  rm -f "$_SENTRY_TRACEBACK_FILE" "$_SENTRY_LOG_FILE"
}

_sentry_traceback() {
  _sentry_shown_traceback=1
  local -i start=$(( ${1:-0} + 1 ))
  local -i end=${#BASH_SOURCE[@]}
  local -i i=0
  local -i j=0

  : > "$_SENTRY_TRACEBACK_FILE"
  for ((i=${start}; i < ${end}; i++)); do
    j=$(( $i - 1 ))
    local function="${FUNCNAME[$i]}"
    local file="${BASH_SOURCE[$i]}"
    local line="${BASH_LINENO[$j]}"
    echo "${function}:${file}:${line}" >> "$_SENTRY_TRACEBACK_FILE"
  done
}

: > "$_SENTRY_LOG_FILE"

if command -v perl >/dev/null; then
  exec \
    1> >(tee >(perl '-MPOSIX' -ne '$|++; print strftime("%Y-%m-%d %H:%M:%S %z: ", localtime()), "stdout: ", $_;' >> "$_SENTRY_LOG_FILE")) \
    2> >(tee >(perl '-MPOSIX' -ne '$|++; print strftime("%Y-%m-%d %H:%M:%S %z: ", localtime()), "stderr: ", $_;' >> "$_SENTRY_LOG_FILE") >&2)
else
  exec \
    1> >(tee >(awk '{ system(""); print strftime("%Y-%m-%d %H:%M:%S %z:"), "stdout:", $0; system(""); }' >> "$_SENTRY_LOG_FILE")) \
    2> >(tee >(awk '{ system(""); print strftime("%Y-%m-%d %H:%M:%S %z:"), "stderr:", $0; system(""); }' >> "$_SENTRY_LOG_FILE") >&2)
fi
"#;

/// The hook script for this invocation.
fn script(args: &BashHookArgs) -> CliResult<String> {
    let cli = match &args.cli {
        Some(c) => c.clone(),
        None => std::env::current_exe()
            .map_err(|e| CliError::general(format!("cannot locate this executable: {e}")))?
            .display()
            .to_string(),
    };
    let mut extra = String::new();
    for t in &args.tags {
        extra.push_str(&format!(" --tag {}", quote(t)));
    }
    if let Some(r) = &args.release {
        extra.push_str(&format!(" --release {}", quote(r)));
    }
    let tmp = std::env::temp_dir();
    let file = |ext: &str| {
        let id = hyphenated(&crate::ids::event_id());
        quote(
            &tmp.join(format!(".sentry-{id}.{ext}"))
                .display()
                .to_string(),
        )
    };
    Ok(SCRIPT
        .replace("{SET_E}", if args.no_exit { "" } else { "set -e\n" })
        .replace("{TRACEBACK}", &file("traceback"))
        .replace("{LOG}", &file("out"))
        .replace("{CLI}", &quote(&cli))
        .replace("{EXTRA}", &extra))
}

/// The event for a failed command: the command and its exit status as the message, the bash
/// call stack (innermost first in the file) as the stack trace, the log as breadcrumbs.
fn hook_event(ctx: &Context, args: &BashHookArgs) -> CliResult<Value> {
    let traceback = args.traceback.as_deref().unwrap_or_default();
    let text = std::fs::read_to_string(traceback)
        .map_err(|e| CliError::general(format!("{traceback}: {e}")))?;
    let (mut command, mut code) = ("unknown".to_string(), "1".to_string());
    let mut frames = Vec::new();
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("@command:") {
            command = c.to_string();
        } else if let Some(c) = line.strip_prefix("@exit_code:") {
            code = c.to_string();
        } else {
            let mut parts = line.splitn(3, ':');
            let function = parts.next().unwrap_or_default();
            let file = parts.next().unwrap_or_default();
            let lineno = parts.next().and_then(|l| l.parse::<u64>().ok());
            frames.push(
                json!({"function": function, "filename": file, "abs_path": file, "lineno": lineno}),
            );
        }
    }
    frames.reverse();
    let core = SendArgs {
        target_or_file: Vec::new(),
        message: vec![format!("command \"{command}\" exited with status {code}")],
        message_arg: Vec::new(),
        level: Level::Error,
        release: args.release.clone(),
        dist: None,
        env: None,
        platform: Some("bash".into()),
        tag: args.tags.clone(),
        extra: Vec::new(),
        user: Vec::new(),
        fingerprint: Vec::new(),
        timestamp: None,
        no_environ: false,
        logfile: args.log.clone(),
        with_categories: false,
        raw: false,
        dsn: None,
        colon_only: true,
    };
    let Prepared::Event(mut ev) = send::prepare(ctx, &core, Vec::new())? else {
        unreachable!("no files were given")
    };
    ev["exception"] = json!({"values": [{
        "type": "BashError",
        "value": format!("command \"{command}\" exited with status {code}"),
        "stacktrace": {"frames": frames},
    }]});
    ev["extra"]["command"] = json!(command);
    ev["extra"]["exit_code"] = json!(code);
    Ok(ev)
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &BashHookArgs) -> CliResult<i32> {
    if !args.send_event {
        super::print(global, &script(args)?)?;
        return Ok(0);
    }
    let ev = hook_event(ctx, args)?;
    let dsn = configured_dsn(ctx)?;
    send::dispatch(ctx, &dsn, Prepared::Event(ev), |d| {
        super::print(global, &hyphenated(&d.event_id))
    })?;
    Ok(0)
}
