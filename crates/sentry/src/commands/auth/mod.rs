//! `sentry auth`: log in (OAuth device flow or an API token), log out, refresh, and inspect
//! the credentials the CLI uses.

pub mod bootstrap;
pub mod list;
pub mod login;
pub mod logout;
pub mod refresh;
pub mod status;
pub mod switch;
pub mod token;
pub mod whoami;

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::error::CliResult;

/// Bare `sentry auth` accepts the union of the login and status flags: any login-only flag
/// (`--token`, `--force`, `--url`, `--read-only`, `--scope`) makes it a login; otherwise it
/// shows the status when a token is in effect and logs in when none is.
#[derive(Debug, Args)]
#[command(
    about = "Manage authentication with Sentry",
    long_about = "Manage authentication with Sentry. Use 'sentry auth' to log in when logged out or show status when logged in. Explicit subcommands: 'sentry auth login', 'sentry auth logout', 'sentry auth list', 'sentry auth switch', 'sentry auth refresh', 'sentry auth status', 'sentry auth whoami', and 'sentry auth token'.\n\nSeveral accounts (including on different servers) can be stored at once: each 'sentry auth login' adds one, 'sentry auth list' shows them, and 'sentry auth switch' changes which one commands use."
)]
pub struct AuthArgs {
    #[command(subcommand)]
    pub command: Option<AuthCommand>,
    #[command(flatten)]
    pub login: login::LoginArgs,
    /// Show the token unmasked (status)
    #[arg(long)]
    pub show_token: bool,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Authenticate with Sentry
    Login(login::LoginCmd),
    /// Authenticate using a one-time setup code
    #[command(long_about = bootstrap::LONG_ABOUT)]
    Bootstrap(bootstrap::BootstrapArgs),
    /// List stored accounts
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// Log out of Sentry
    Logout(logout::LogoutArgs),
    /// Refresh your OAuth access token
    Refresh(refresh::RefreshArgs),
    /// View authentication status
    Status(status::StatusArgs),
    /// Switch the active account
    Switch(switch::SwitchArgs),
    /// Print the stored authentication token
    Token(token::TokenArgs),
    /// Show the currently authenticated identity
    Whoami(whoami::WhoamiArgs),
}

pub fn run(ctx: &Context, args: &AuthArgs) -> CliResult<i32> {
    match &args.command {
        Some(AuthCommand::Login(a)) => login::run(ctx, a),
        Some(AuthCommand::Bootstrap(a)) => bootstrap::run(ctx, a),
        Some(AuthCommand::List(a)) => list::run(ctx, a),
        Some(AuthCommand::Logout(a)) => logout::run(ctx, a),
        Some(AuthCommand::Switch(a)) => switch::run(ctx, a),
        Some(AuthCommand::Refresh(a)) => refresh::run(ctx, a),
        Some(AuthCommand::Status(a)) => status::run(ctx, a),
        Some(AuthCommand::Token(a)) => token::run(ctx, a),
        Some(AuthCommand::Whoami(a)) => whoami::run(ctx, a),
        None => bare(ctx, args),
    }
}

/// Login-only flags force a login; otherwise status when authenticated, login when not.
fn bare(ctx: &Context, args: &AuthArgs) -> CliResult<i32> {
    let l = &args.login;
    let login_only = l.token.is_some()
        || l.force
        || ctx.global.url.is_some()
        || l.read_only
        || !l.scope.is_empty();
    if !login_only && ctx.active_token()?.is_some() {
        let status = status::StatusArgs {
            show_token: args.show_token,
            fresh: args.fresh,
        };
        return status::run_with(ctx, &status, false);
    }
    login::run(
        ctx,
        &login::LoginCmd {
            login: l.clone(),
            email: None,
        },
    )
}
