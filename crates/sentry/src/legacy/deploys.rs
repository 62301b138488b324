//! `sentry-cli deploys [-o ORG] [-p PROJECT]… [-r RELEASE] <new|list>` and its hidden twin
//! `sentry-cli releases deploys [VERSION] <new|list>`: a release's deploys in 3.x's grammar
//! and text, through the deploy requests `sentry release deploy(s)` makes
//! (`commands::release::ops`).
//!
//! The release comes from `VERSION`, `-r/--release`, then `SENTRY_RELEASE`; an invalid
//! `SENTRY_RELEASE` is ignored with a warning, as in 3.x.

use clap::{Args, Subcommand};
use serde_json::Value;

use super::releases::{parse_version, print_always, OrgProjectArgs};
use super::remote::{self, NotFound};
use super::{LegacyGlobal, Scope};
use crate::commands::release::ops::{self, NewDeploy};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::table::{human_duration, seconds_since, Table};
use crate::output::format::text;

/// Top-level `deploys`.
#[derive(Debug, Args)]
pub struct DeploysArgs {
    #[command(flatten)]
    pub scope: OrgProjectArgs,
    #[command(flatten)]
    pub inner: DeploysInner,
}

impl DeploysArgs {
    pub fn scope(&self) -> Scope {
        self.scope.scope()
    }
}

/// `releases deploys [VERSION]` (hidden in 3.x; `-o/-p` come from `releases`).
#[derive(Debug, Args)]
pub struct ReleaseDeploysArgs {
    /// The version of the release
    #[arg(verbatim_doc_comment, value_name = "VERSION", value_parser = parse_version)]
    pub version: Option<String>,
    #[command(flatten)]
    pub inner: DeploysInner,
}

#[derive(Debug, Args)]
pub struct DeploysInner {
    /// The release slug.
    #[arg(verbatim_doc_comment, short = 'r', long, global = true, value_name = "RELEASE", value_parser = parse_version)]
    pub release: Option<String>,
    #[command(subcommand)]
    pub command: DeploysCommand,
}

#[derive(Debug, Subcommand)]
pub enum DeploysCommand {
    /// List all deployments of a release.
    #[command(verbatim_doc_comment)]
    List,
    /// Creates a new release deployment.
    #[command(verbatim_doc_comment)]
    New(NewDeployArgs),
}

#[derive(Debug, Args)]
pub struct NewDeployArgs {
    /// Set the environment for this release.
    /// This argument is required.  Values that make sense here would be 'production' or 'staging'.
    #[arg(
        verbatim_doc_comment,
        short = 'e',
        long = "env",
        value_name = "ENV",
        required = true
    )]
    pub env: String,
    /// Optional human readable name for this deployment.
    #[arg(verbatim_doc_comment, short = 'n', long, value_name = "NAME")]
    pub name: Option<String>,
    /// Optional URL that points to the deployment.
    #[arg(verbatim_doc_comment, short = 'u', long, value_name = "URL")]
    pub url: Option<String>,
    /// Optional unix timestamp when the deployment started.
    #[arg(verbatim_doc_comment, long, value_name = "TIMESTAMP", value_parser = remote::parse_timestamp)]
    pub started: Option<String>,
    /// Optional unix timestamp when the deployment finished.
    #[arg(verbatim_doc_comment, long, value_name = "TIMESTAMP", value_parser = remote::parse_timestamp)]
    pub finished: Option<String>,
    /// Optional deployment duration in seconds.
    /// This can be specified alternatively to `--started` and `--finished`.
    #[arg(verbatim_doc_comment, short = 't', long, value_name = "SECONDS")]
    pub time: Option<i64>,
}

pub fn run(ctx: &Context, global: &LegacyGlobal, args: &DeploysArgs) -> CliResult<i32> {
    run_inner(ctx, global, &args.scope, None, &args.inner)
}

pub fn run_for_release(
    ctx: &Context,
    global: &LegacyGlobal,
    scope: &OrgProjectArgs,
    args: &ReleaseDeploysArgs,
) -> CliResult<i32> {
    run_inner(ctx, global, scope, args.version.as_deref(), &args.inner)
}

/// `VERSION`, `-r`, then `SENTRY_RELEASE` (validated like the flag), else 3.x's error.
fn release(ctx: &Context, version: Option<&str>, flag: Option<&str>) -> CliResult<String> {
    if let Some(v) = version.or(flag) {
        return Ok(v.to_string());
    }
    if let Some(env) = ctx.settings()?.env_var("SENTRY_RELEASE") {
        match parse_version(&env.value) {
            Ok(v) => return Ok(v),
            Err(e) => remote::warn(&format!(
                "Ignoring invalid SENTRY_RELEASE environment variable: {e}"
            )),
        }
    }
    Err(CliError::general(
        "A release slug is required (provide with --release or by setting the SENTRY_RELEASE environment variable)",
    ))
}

fn run_inner(
    ctx: &Context,
    global: &LegacyGlobal,
    scope: &OrgProjectArgs,
    version: Option<&str>,
    args: &DeploysInner,
) -> CliResult<i32> {
    let version = release(ctx, version, args.release.as_deref())?;
    match &args.command {
        DeploysCommand::List => list(ctx, global, &version),
        DeploysCommand::New(a) => new(ctx, global, scope, &version, a),
    }
}

fn list(ctx: &Context, global: &LegacyGlobal, version: &str) -> CliResult<i32> {
    let client = remote::client(ctx)?;
    let org = remote::org(ctx)?;
    let deploys = ops::deploys(&remote::org_api(&client, &org), version)
        .map_err(|e| remote::api_failure(e, NotFound::Release))?;
    if deploys.is_empty() {
        print_always(global, "No deploys found")?;
        return Ok(0);
    }
    let mut table = Table::new(&["Environment", "Name", "Finished"]);
    for d in &deploys {
        let finished = d
            .get("dateFinished")
            .and_then(Value::as_str)
            .and_then(seconds_since)
            .map(human_duration)
            .unwrap_or_else(|| "-".to_string());
        table.row(vec![text(d, "environment"), name_or_unnamed(d), finished]);
    }
    print_always(global, &table.render())?;
    Ok(0)
}

/// The deploy's name, or 3.x's `unnamed`.
fn name_or_unnamed(d: &Value) -> String {
    match text(d, "name") {
        n if n.is_empty() => "unnamed".to_string(),
        n => n,
    }
}

fn new(
    ctx: &Context,
    global: &LegacyGlobal,
    scope: &OrgProjectArgs,
    version: &str,
    args: &NewDeployArgs,
) -> CliResult<i32> {
    // 3.x asks for the org before the token here (and after it everywhere else).
    let org = remote::org(ctx)?;
    let client = remote::client(ctx)?;
    let projects = remote::projects(ctx, &scope.projects)?;
    // `--time` wins over `--started`/`--finished`: finished now, started that long before.
    let (started, finished) = match args.time {
        Some(secs) => {
            let now = jiff::Timestamp::now();
            let start = now
                .checked_sub(jiff::SignedDuration::from_secs(secs))
                .unwrap_or(now);
            (Some(start.to_string()), Some(now.to_string()))
        }
        None => (args.started.clone(), args.finished.clone()),
    };
    let deploy = NewDeploy {
        environment: args.env.clone(),
        name: args.name.clone(),
        url: args.url.clone(),
        date_started: started,
        date_finished: finished,
        projects: (!projects.is_empty()).then(|| remote::project_values(&projects)),
    };
    let created = ops::create_deploy(&remote::org_api(&client, &org), version, &deploy)
        .map_err(|e| remote::api_failure(e, NotFound::Release))?;
    let name = match args.name.as_deref() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => name_or_unnamed(&created),
    };
    print_always(
        global,
        &format!("Created new deploy {name} for '{}'", args.env),
    )?;
    Ok(0)
}
