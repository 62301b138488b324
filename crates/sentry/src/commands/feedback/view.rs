//! `sentry feedback view <feedback>` (also `sentry feedback <feedback>`): one feedback with
//! its latest event, related Session Replays and the attachments of that event.
//!
//! Only the feedback lookup can fail the command: the event, replays and attachments are
//! extras that are shown when the server has them (null / empty otherwise), as upstream does.

use std::io;

use clap::Args;
use serde_json::Value;

use crate::commands::feedback::find::find_feedback;
use crate::commands::feedback::render::{self, event_replay_id, normalize_replay_id, ViewParts};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::{emit, Human, Report};
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Feedback: @latest, numeric ID, short ID, <org>/SHORT-ID, or <org>/<project>/<suffix>
    pub feedback: String,
    /// Open in browser
    #[arg(short = 'w', long)]
    pub web: bool,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// `sentry feedback <feedback>`: the group's default command is `view`, so the group itself
/// takes view's arguments (the ID optional there, so that `sentry feedback list` and the
/// other subcommands parse).
#[derive(Debug, Args)]
pub struct DefaultArgs {
    /// Feedback: @latest, numeric ID, short ID, <org>/SHORT-ID, or <org>/<project>/<suffix>
    pub feedback: Option<String>,
    /// Open in browser
    #[arg(short = 'w', long)]
    pub web: bool,
    #[command(flatten)]
    pub fresh: crate::commands::flags::Fresh,
}

/// Runs the default command; without an ID it is a usage error naming what is missing.
pub fn run_default(ctx: &Context, args: &DefaultArgs) -> CliResult<i32> {
    let Some(feedback) = args.feedback.clone() else {
        return Err(crate::error::CliError::new(
            crate::error::exit::USAGE,
            "Feedback ID is required.\n\nSpecify it using:\n  sentry feedback view <feedback>",
        ));
    };
    run(
        ctx,
        &ViewArgs {
            feedback,
            web: args.web,
            fresh: crate::commands::flags::Fresh {
                fresh: args.fresh.fresh,
            },
        },
    )
}

struct FeedbackView {
    org: String,
    feedback: Value,
    event: Value,
    replay_ids: Vec<String>,
    attachments: Vec<Value>,
}

impl Report for FeedbackView {
    fn json(&self) -> Value {
        let mut v = self.feedback.clone();
        if let Some(m) = v.as_object_mut() {
            m.insert("org".into(), Value::String(self.org.clone()));
            m.insert("event".into(), self.event.clone());
            m.insert(
                "replayIds".into(),
                self.replay_ids.iter().cloned().map(Value::String).collect(),
            );
            m.insert("attachments".into(), Value::Array(self.attachments.clone()));
        }
        v
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        render::view(
            out,
            &ViewParts {
                org: &self.org,
                feedback: &self.feedback,
                event: &self.event,
                replay_ids: &self.replay_ids,
                attachments: &self.attachments,
            },
        )
    }
}

pub fn run(ctx: &Context, args: &ViewArgs) -> CliResult<i32> {
    crate::commands::feedback::find::parse(&args.feedback)?;
    ctx.route_to_target(Some(&args.feedback));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let found = find_feedback(&r, &args.feedback, "view")?;
    if args.web {
        let link = crate::target::str_field(&found.issue, "permalink")
            .unwrap_or_else(|| crate::web::issue_url(client.base_url(), &found.org, &found.id()));
        return crate::web::open(ctx, &link);
    }
    let id = found.id();
    let api = r.org(&found.org)?;
    let event = match api.latest_issue_event(&id).send_json::<Value>() {
        Ok(v) => v,
        Err(e) => {
            log::debug!("[feedback.view] no latest event: {e}");
            Value::Null
        }
    };
    let counted: Vec<String> = api
        .replay_count()
        .query("data_source", "errors")
        .query("project", "-1")
        .query("query", format!("issue.id:[{id}]"))
        .query("returnIds", "true")
        .query("statsPeriod", "90d")
        .send_json::<Value>()
        .ok()
        .and_then(|v| v.get(&id).and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .filter_map(normalize_replay_id)
        .collect();
    let mut replay_ids: Vec<String> = Vec::new();
    for rid in event_replay_id(&event).into_iter().chain(counted) {
        if !replay_ids.contains(&rid) {
            replay_ids.push(rid);
        }
    }
    let project = found
        .issue
        .get("project")
        .and_then(|p| p.get("slug"))
        .and_then(Value::as_str);
    let event_id = event.get("eventID").and_then(Value::as_str);
    let attachments = match (project, event_id) {
        (Some(p), Some(eid)) => api
            .event_attachments(p, eid)
            .pages(sentry_api::Paging::per_page(10_000, 100))
            .collect::<Value>()
            .map(|page| page.items)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    emit(
        &FeedbackView {
            org: found.org.clone(),
            feedback: found.issue,
            event,
            replay_ids,
            attachments,
        },
        &ctx.output,
    )?;
    Ok(0)
}
