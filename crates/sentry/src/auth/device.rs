//! The interactive half of `sentry auth login`: show the code, open the browser when a person
//! is at a terminal, and poll the token endpoint until the login is approved, denied,
//! expired, timed out or interrupted. Everything here prints to stderr; stdout is reserved for
//! the command's result.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::auth::interrupt;
use crate::auth::oauth::{unreachable_error, CallError, OAuthClient, TokenAnswer, TokenGrant};
use crate::error::{exit, CliError};

/// RFC 8628 §3.5: each `slow_down` adds five seconds to the polling interval.
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct FlowOptions {
    pub scopes: Vec<String>,
    /// `--timeout`: the whole wait, capped by the device code's own lifetime.
    pub timeout: Duration,
    /// `--no-browser`, or nobody at a terminal.
    pub no_browser: bool,
}

fn say(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

fn flow_error(message: impl Into<String>) -> CliError {
    CliError::new(exit::DEVICE_FLOW, message)
}

/// Whether a browser may be opened: only for a person at a terminal.
pub fn browser_allowed(no_browser: bool) -> bool {
    !no_browser && io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Sleeps up to `d`, waking early (with an error) when Ctrl-C was pressed.
fn sleep_interruptible(d: Duration) -> Result<(), CliError> {
    let end = Instant::now() + d;
    loop {
        if interrupt::interrupted() {
            say("");
            return Err(CliError::new(130, "Login cancelled."));
        }
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        std::thread::sleep((end - now).min(Duration::from_millis(100)));
    }
}

/// Runs the device flow to completion and returns the grant. Failures carry exit 51, the
/// documented code (upstream exits 1), Ctrl-C exit 130.
pub fn run(oauth: &OAuthClient, opts: &FlowOptions) -> Result<TokenGrant, CliError> {
    interrupt::install();
    say("ℹ Starting authentication...");
    let code = match oauth.device_code(&opts.scopes) {
        Ok(c) => c,
        Err(e) => return Err(fail(e, &oauth.host)),
    };
    let url = code.complete_url();
    let opened = browser_allowed(opts.no_browser) && open::that_detached(&url).is_ok();
    if opened {
        say("ℹ Opening in browser...");
    } else if io::stderr().is_terminal() {
        say("ℹ Scan this QR code or visit the URL below:");
        if let Some(qr) = crate::auth::qr::render(&url) {
            let _ = write!(io::stderr().lock(), "{qr}");
        }
    } else {
        // Upstream prints the QR code whatever stderr is; a ~19-line block of half-block
        // characters is noise in CI logs and files, where nobody can scan it. The QR code is
        // for a person at a terminal only.
        say("ℹ Visit the URL below to sign in:");
    }
    say("");
    say(&format!("  URL:  {url}"));
    say(&format!("  Code: {}", code.user_code));
    say("");
    if !opened {
        say("  Copy the URL above to sign in.");
        say("");
    }
    say("◐ Waiting for authorization...");

    let lifetime = Duration::from_secs(code.expires_in);
    let deadline = Instant::now() + opts.timeout.min(lifetime);
    let mut interval = Duration::from_secs(code.interval.max(1));
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(failed(flow_error(
                "Authentication timed out. Please try again.",
            )));
        }
        sleep_interruptible(interval.min(remaining))?;
        if Instant::now() >= deadline {
            return Err(failed(flow_error(
                "Authentication timed out. Please try again.",
            )));
        }
        match oauth.poll(&code.device_code) {
            Ok(TokenAnswer::Granted(grant)) => {
                say("✔ Authorization received!");
                return Ok(grant);
            }
            Ok(TokenAnswer::Error(err, description)) => match err.as_str() {
                "authorization_pending" => {}
                "slow_down" => {
                    interval += SLOW_DOWN_STEP;
                    log::debug!("slow_down: polling every {}s now", interval.as_secs());
                }
                "expired_token" => {
                    return Err(failed(flow_error(
                        "Device code expired. Please run 'sentry auth login' again.",
                    )))
                }
                "access_denied" => {
                    return Err(failed(flow_error(
                        "Authorization was denied. Please try again.",
                    )))
                }
                _ => return Err(failed(flow_error(description.unwrap_or(err)))),
            },
            Err(e) => return Err(fail(e, &oauth.host)),
        }
    }
}

fn failed(e: CliError) -> CliError {
    say("✖ Authorization failed");
    e
}

fn fail(e: CallError, host: &str) -> CliError {
    failed(match e {
        CallError::Unreachable(api) => unreachable_error(host, &api, exit::DEVICE_FLOW),
        CallError::Other(mut err) => {
            err.exit_code = exit::DEVICE_FLOW;
            err
        }
    })
}
