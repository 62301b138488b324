//! `sentry issue merge <issue> <issue> [...] [--into <issue>]`.

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};
use crate::target::issue::ResolvedIssue;
use crate::target::Resolver;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Two or more issues (numeric IDs, short IDs, URLs …)
    #[arg(required = true, num_args = 1..)]
    pub issues: Vec<String>,
    /// Preferred parent issue (the server may pick another)
    #[arg(short = 'i', long)]
    pub into: Option<String>,
}

struct Merged {
    org: String,
    parent: Value,
    children: Vec<Value>,
    warning: Option<String>,
}

impl Report for Merged {
    fn json(&self) -> Value {
        json!({"org": self.org, "parent": self.parent, "children": self.children})
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let label = |v: &Value| {
            v.get("shortId")
                .and_then(Value::as_str)
                .or_else(|| v.get("id").and_then(Value::as_str))
                .unwrap_or_default()
                .to_string()
        };
        out.line(format!(
            "Merged {} issue(s) into {}",
            self.children.len(),
            label(&self.parent)
        ))?;
        for c in &self.children {
            out.line(format!("  • {}", label(c)))?;
        }
        if let Some(url) = self.parent.get("url").and_then(Value::as_str) {
            out.blank()?;
            out.line(format!("See: {url}"))?;
        }
        if let Some(w) = &self.warning {
            crate::diag!("Warning: {w}");
        }
        Ok(())
    }
}

pub fn run(ctx: &Context, args: &MergeArgs) -> CliResult<i32> {
    for raw in args.issues.iter().chain(args.into.iter()) {
        crate::target::issue::parse(raw)?;
    }
    ctx.route_to_target(args.issues.first().map(String::as_str));
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let mut found: Vec<ResolvedIssue> = Vec::new();
    let mut ordered: Vec<String> = args.issues.clone();
    if let Some(into) = &args.into {
        ordered.retain(|i| i != into);
        ordered.insert(0, into.clone());
    }
    for raw in &ordered {
        let f = r.resolve_issue(raw)?;
        if !found.iter().any(|g| g.id() == f.id()) {
            found.push(f);
        }
    }
    if found.len() < 2 {
        return Err(CliError::validation(
            "Merging needs at least two distinct issues.",
        ));
    }
    let org = found[0].org.clone();
    if let Some(other) = found.iter().find(|f| f.org != org) {
        return Err(CliError::validation(format!(
            "Issues from different organizations cannot be merged ({org} and {}).",
            other.org
        )));
    }
    let mut req = r.org(&org)?.update_issues();
    for f in &found {
        req = req.query("id", f.id());
    }
    let resp = req
        .json(&json!({"merge": 1}))
        .map_err(api_error)?
        .send()
        .map_err(api_error)?;
    if resp.status() == 204 || resp.body().is_empty() {
        return Err(CliError::new(
            exit::NOT_FOUND,
            "No matching issues to merge.",
        ));
    }
    let body: Value = resp.json().map_err(api_error)?;
    let merge = body.get("merge").cloned().unwrap_or(Value::Null);
    let parent_id = crate::target::str_field(&merge, "parent").unwrap_or_default();
    let children_ids: Vec<String> = merge
        .get("children")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let short_of = |id: &str| {
        found
            .iter()
            .find(|f| f.id() == id)
            .map(|f| Value::String(f.short_id()))
            .unwrap_or(Value::Null)
    };
    let parent = json!({
        "shortId": short_of(&parent_id),
        "id": parent_id,
        "url": crate::web::issue_url(client.base_url(), &org, &parent_id),
    });
    let children: Vec<Value> = children_ids
        .iter()
        .map(|c| json!({"shortId": short_of(c), "id": c}))
        .collect();
    let warning = (args.into.is_some() && found[0].id() != parent_id).then(|| {
        format!(
            "The server chose {} as the parent instead of {}.",
            parent_id,
            found[0].short_id()
        )
    });
    emit(
        &Merged {
            org,
            parent,
            children,
            warning,
        },
        &ctx.output,
    )?;
    Ok(0)
}
