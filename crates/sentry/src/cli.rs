//! The command-line grammar. Global flags are accepted before or after the subcommand.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "sentry",
    version,
    propagate_version = true,
    about = "A native command-line client for Sentry",
    long_about = "sentry is a command-line interface for Sentry (sentry.io or self-hosted): \
authentication, organizations, projects, issues, events and raw API calls, plus a local \
Sentry-compatible server for offline use.",
    disable_help_subcommand = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command understands. They feed settings resolution, which records that they
/// came from the command line.
#[derive(Debug, Args, Default, Clone)]
pub struct GlobalArgs {
    /// Sentry server URL (self-hosted); overrides SENTRY_URL and config files
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    /// Auth token to use; beats every other token source
    #[arg(long = "auth-token", global = true, value_name = "TOKEN")]
    pub auth_token: Option<String>,
    /// Extra HTTP header `Name: Value` sent with every request (repeatable)
    #[arg(long = "header", global = true, value_name = "KEY:VALUE")]
    pub headers: Vec<String>,
    /// Log verbosity on stderr: error, warn, info, debug, trace (or off)
    #[arg(long = "log-level", global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Enable debug logging (same as --log-level debug)
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
    /// Organization slug
    #[arg(short = 'o', long, global = true, value_name = "ORG")]
    pub org: Option<String>,
    /// Project slug (or org/project)
    #[arg(short = 'p', long, global = true, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Output as JSON (with --fields to select)
    #[arg(long, global = true)]
    pub json: bool,
    /// Comma-separated fields to keep in JSON output; dot paths reach into objects
    #[arg(long, global = true, value_name = "FIELDS")]
    pub fields: Option<String>,
    /// Filter JSON output with a jq expression (implies --json); strings print raw
    #[arg(long, global = true, value_name = "EXPRESSION")]
    pub jq: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print configuration and verify authentication
    Info(crate::commands::info::InfoArgs),
    /// Authenticate with Sentry: login, logout, refresh, status, token, whoami
    Auth(crate::commands::auth::AuthArgs),
    /// Alias of `auth whoami`
    #[command(hide = true)]
    Whoami(crate::commands::auth::whoami::WhoamiArgs),
    /// sentry-cli's `login` (use `auth login`)
    #[command(hide = true)]
    Login(crate::commands::login_legacy::LegacyLoginArgs),
    /// Work with Sentry organizations
    #[command(subcommand)]
    Org(crate::commands::org::OrgCommand),
    /// Work with Sentry projects
    #[command(subcommand)]
    Project(crate::commands::project::ProjectCommand),
    /// Manage Sentry issues
    #[command(subcommand)]
    Issue(crate::commands::issue::IssueCommand),
    /// View, list and send Sentry events
    #[command(subcommand)]
    Event(crate::commands::event::EventCommand),
    // Bare, with only a feedback ID, it is `feedback view` (0.49's default command).
    /// Search, inspect, and manage User Feedback
    Feedback(
        Plural<
            crate::commands::feedback::FeedbackCommand,
            crate::commands::feedback::view::DefaultArgs,
        >,
    ),
    /// List attribute keys of spans, logs and metrics
    #[command(subcommand)]
    Attribute(crate::commands::attribute::AttributeCommand),
    /// Search, inspect and download Session Replays
    #[command(subcommand)]
    Replay(crate::commands::replay::ReplayCommand),
    /// Query aggregate event data (errors, spans, logs)
    Explore(Box<crate::commands::explore::ExploreArgs>),
    /// List the client keys (DSNs) for a Sentry project or organization
    #[command(subcommand)]
    Dsn(crate::commands::dsn::DsnCommand),
    /// Work with Sentry teams
    #[command(subcommand)]
    Team(crate::commands::team::TeamCommand),
    /// Work with repositories connected to Sentry
    #[command(subcommand)]
    Repo(crate::commands::repo::RepoCommand),
    /// `event send` under its top-level name
    #[command(hide = true)]
    SendEvent(Box<crate::commands::event::send::SendArgs>),
    /// Removed in 0.49: says to use `event send --raw` (exit 1)
    #[command(hide = true)]
    SendEnvelope(crate::commands::event::send_envelope::SendEnvelopeArgs),
    // Bare, or with only a target, it is `monitor list` (0.49's default command of the group).
    /// Run commands with cron monitor check-ins and list configured monitors
    Monitor(
        Plural<crate::commands::monitor::MonitorCommand, crate::commands::team::list::ListArgs>,
    ),
    /// List, create, finalize, and deploy Sentry releases
    #[command(subcommand)]
    Release(crate::commands::release::ReleaseCommand),
    /// `org list`, or `orgs <subcommand>` = `org <subcommand>`
    #[command(hide = true, alias = "organizations")]
    Orgs(Plural<crate::commands::org::OrgCommand, crate::commands::org::list::ListArgs>),
    /// `project list`, or `projects <subcommand>` = `project <subcommand>`
    #[command(hide = true)]
    Projects(
        Plural<crate::commands::project::ProjectCommand, crate::commands::project::list::ListArgs>,
    ),
    /// `issue list`, or `issues <subcommand>` = `issue <subcommand>`
    #[command(hide = true)]
    Issues(Plural<crate::commands::issue::IssueCommand, crate::commands::issue::list::ListArgs>),
    /// `event list`, or `events <subcommand>` = `event <subcommand>`
    #[command(hide = true)]
    Events(Plural<crate::commands::event::EventCommand, crate::commands::event::list::ListArgs>),
    /// `team list`, or `teams <subcommand>` = `team <subcommand>`
    #[command(hide = true)]
    Teams(Plural<crate::commands::team::TeamCommand, crate::commands::team::list::ListArgs>),
    /// `repo list`, or `repos <subcommand>` = `repo <subcommand>`
    #[command(hide = true)]
    Repos(Plural<crate::commands::repo::RepoCommand, crate::commands::team::list::ListArgs>),
    /// `monitor list`, or `monitors <subcommand>` = `monitor <subcommand>`
    #[command(hide = true)]
    Monitors(
        Plural<crate::commands::monitor::MonitorCommand, crate::commands::team::list::ListArgs>,
    ),
    /// `release list`, or `releases <subcommand>` = `release <subcommand>`
    #[command(hide = true)]
    Releases(
        Plural<crate::commands::release::ReleaseCommand, crate::commands::release::list::ListArgs>,
    ),
    /// List and view logs (bare `log <id>` = `log view`)
    Log(Plural<crate::commands::log::LogCommand, crate::commands::log::view::ViewArgs>),
    /// List traces, view a trace and its logs (bare `trace <id>` = `trace view`)
    Trace(Plural<crate::commands::trace::TraceCommand, crate::commands::trace::view::ViewArgs>),
    /// List and view spans (bare `span <trace-id> <span-id>` = `span view`)
    Span(Plural<crate::commands::span::SpanCommand, crate::commands::span::view::ViewArgs>),
    /// `log list`, or `logs <subcommand>` = `log <subcommand>`
    #[command(hide = true)]
    Logs(Plural<crate::commands::log::LogCommand, crate::commands::log::list::ListArgs>),
    /// `trace list`, or `traces <subcommand>` = `trace <subcommand>`
    #[command(hide = true)]
    Traces(Plural<crate::commands::trace::TraceCommand, crate::commands::trace::list::ListArgs>),
    /// `span list`, or `spans <subcommand>` = `span <subcommand>`
    #[command(hide = true)]
    Spans(Plural<crate::commands::span::SpanCommand, crate::commands::span::list::ListArgs>),
    /// Inject debug IDs, upload and resolve JavaScript source maps
    #[command(subcommand, alias = "sourcemaps")]
    Sourcemap(crate::commands::sourcemap::SourcemapCommand),
    /// Show every effective setting and where it came from
    #[command(subcommand)]
    Config(ConfigCommand),
    /// CLI-related commands
    #[command(subcommand)]
    Cli(CliCommand),
    /// Sentry for local development: a local Sentry-compatible server
    Local(crate::commands::local::LocalArgs),
    /// Make an authenticated request to the Sentry API and print the response
    Api(crate::commands::api::ApiArgs),
    /// Help for a command, or with --json the whole command tree (for agents)
    Help(crate::commands::help::HelpArgs),
}

/// A plural group (`sentry projects …`, sentry-cli 3.x's spelling, accepted as an alias of
/// the singular group): bare, it is the group's `list`; with
/// a subcommand it runs that subcommand of the singular group (`projects view x` = `project
/// view x`), after 0.49's tip naming the canonical spelling. Typing the plural is the most
/// common slip from `gh`/sentry-cli habits (`sentry-cli projects list`), so it must never be
/// read as a project named "list".
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Plural<C: Subcommand, L: Args> {
    #[command(subcommand)]
    pub command: Option<C>,
    #[command(flatten)]
    pub list: L,
}

/// The singular group of a plural top-level name, as clap reports it (`orgs`, not the
/// `organizations` alias).
pub fn singular_of(plural: &str) -> Option<&'static str> {
    Some(match plural {
        "orgs" => "org",
        "projects" => "project",
        "issues" => "issue",
        "events" => "event",
        "teams" => "team",
        "repos" => "repo",
        "monitors" => "monitor",
        "releases" => "release",
        _ => return None,
    })
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// List every effective setting with its value and origin
    List(crate::commands::config::list::ListArgs),
    /// Print the effective value of one setting (e.g. `defaults.url`)
    Get(crate::commands::config::get::GetArgs),
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Print the shell completion script (bash, zsh, fish, powershell)
    Completion(crate::commands::cli::completion::CompletionArgs),
    /// Write man pages for every command into a directory
    #[command(hide = true)]
    Manpages(crate::commands::cli::manpages::ManpagesArgs),
    /// View or change default settings stored in cli.db
    Defaults(crate::commands::cli::defaults::DefaultsArgs),
}
