//! `sentry project create [<org>/]<name>:<platform>`: creates a project under a team (the only
//! team, the one you are a member of, or `--team`), then prints its DSN.

use std::io;

use clap::Args;
use serde_json::{json, Value};

use crate::context::{api_error, Context};
use crate::error::{exit, CliError, CliResult};
use crate::output::format::text;
use crate::output::{emit, Human, Report};
use crate::target::{str_field, Resolver};

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// `[<org>/]<name>:<platform>`, e.g. `acme/checkout:python`
    #[arg(required = true)]
    pub spec: String,
    /// Team that owns the project (default: your only team, or the one you belong to)
    #[arg(short = 't', long)]
    pub team: Option<String>,
    /// Show what would be created without creating it
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

struct Created {
    value: Value,
    notes: Vec<String>,
    dry_run: bool,
}

impl Report for Created {
    fn json(&self) -> Value {
        self.value.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        let v = &self.value;
        if self.dry_run {
            out.line(format!(
                "Dry run: would create project '{}' ({}) in {} under team '{}'.",
                text(v, "name"),
                text(v, "platform"),
                text(v, "orgSlug"),
                text(v, "teamSlug")
            ))?;
            return Ok(());
        }
        let p = v.get("project").cloned().unwrap_or(Value::Null);
        out.heading(&format!(
            "Created project '{}' in {}",
            text(&p, "name"),
            text(v, "orgSlug")
        ))?;
        out.blank()?;
        for n in &self.notes {
            out.line(n)?;
        }
        if !self.notes.is_empty() {
            out.blank()?;
        }
        let rows = vec![
            vec!["Project".to_string(), text(&p, "name")],
            vec!["Slug".to_string(), text(&p, "slug")],
            vec!["Org".to_string(), text(v, "orgSlug")],
            vec!["Team".to_string(), text(v, "teamSlug")],
            vec!["Platform".to_string(), text(&p, "platform")],
            vec![
                "DSN".to_string(),
                v.get("dsn")
                    .and_then(Value::as_str)
                    .unwrap_or("-")
                    .to_string(),
            ],
            vec!["URL".to_string(), text(v, "url")],
        ];
        out.table(None, rows)
    }
}

fn parse_spec(spec: &str) -> CliResult<(Option<String>, String, String)> {
    let (org, rest) = match spec.split_once('/') {
        Some((o, r)) if !o.trim().is_empty() => (Some(o.trim().to_string()), r),
        Some((_, r)) => (None, r),
        None => (None, spec),
    };
    let (name, platform) = rest.rsplit_once(':').ok_or_else(|| {
        CliError::validation(format!(
            "Invalid project '{spec}': expected [<org>/]<name>:<platform>, e.g. my-app:python"
        ))
    })?;
    let (name, platform) = (name.trim(), platform.trim());
    if name.is_empty() || platform.is_empty() {
        return Err(CliError::validation(format!(
            "Invalid project '{spec}': both a name and a platform are required (e.g. my-app:python)"
        )));
    }
    Ok((org, name.to_string(), platform.to_string()))
}

pub fn run(ctx: &Context, args: &CreateArgs) -> CliResult<i32> {
    let (org_arg, name, platform) = parse_spec(&args.spec)?;
    match org_arg.as_deref() {
        Some(org) => ctx.route_to_org(org),
        None => ctx.route_to_target(None),
    }
    let client = ctx.authed_client()?;
    let r = Resolver::new(ctx, &client);
    let org = match org_arg {
        Some(o) => o,
        None => match r.context_org()? {
            Some(o) => o,
            None => {
                let orgs = r.org_slugs().unwrap_or_default();
                return Err(r.context_missing(
                    "An organization is required: use <org>/<name>:<platform>.",
                    &orgs,
                ));
            }
        },
    };
    let mut notes = Vec::new();
    let team = match &args.team {
        Some(t) => t.clone(),
        None => {
            let teams: Vec<Value> = r.org(&org)?.teams().send_json().map_err(api_error)?;
            let member: Vec<&Value> = teams
                .iter()
                .filter(|t| t.get("isMember").and_then(Value::as_bool) == Some(true))
                .collect();
            let chosen = match (teams.len(), member.len()) {
                (0, _) => None,
                (1, _) => teams.first(),
                (_, 1) => member.first().copied(),
                _ => {
                    let slugs: Vec<String> =
                        teams.iter().filter_map(|t| str_field(t, "slug")).collect();
                    return Err(CliError::validation(format!(
                        "Several teams in '{org}' could own the project: {}.",
                        slugs.join(", ")
                    ))
                    .with_hint("Pick one with --team <slug>."));
                }
            };
            match chosen {
                Some(t) => {
                    let slug = str_field(t, "slug").unwrap_or_default();
                    notes.push(format!("Using team '{slug}'"));
                    slug
                }
                None if args.dry_run => org.clone(),
                None => {
                    let created: Value = r
                        .org(&org)?
                        .create_team()
                        .json(&json!({ "slug": org }))
                        .map_err(api_error)?
                        .send_json()
                        .map_err(api_error)?;
                    let slug = str_field(&created, "slug").unwrap_or_else(|| org.clone());
                    let _ = r.org(&org)?.join_team(&slug).send();
                    notes.push(format!("Created team '{slug}' (the organization had none)"));
                    slug
                }
            }
        }
    };
    if args.dry_run {
        let value = json!({"dryRun": true, "orgSlug": org, "teamSlug": team, "name": name, "platform": platform});
        emit(
            &Created {
                value,
                notes,
                dry_run: true,
            },
            &ctx.output,
        )?;
        return Ok(0);
    }
    let body = json!({ "name": name, "platform": platform });
    let api = r.org(&org)?;
    let project: Value = match api
        .create_team_project(&team)
        .json(&body)
        .map_err(api_error)?
        .send_json()
    {
        Ok(p) => p,
        Err(e)
            if e.status() == Some(403)
                && e.api_detail()
                    .is_some_and(|d| d.contains("disabled this feature")) =>
        {
            api.create_project()
                .json(&body)
                .map_err(api_error)?
                .send_json()
                .map_err(api_error)?
        }
        Err(e) if e.status() == Some(404) => {
            return Err(CliError::new(
                exit::NOT_FOUND,
                format!("Team '{team}' not found in '{org}'."),
            ))
        }
        Err(e) => return Err(api_error(e)),
    };
    let slug = str_field(&project, "slug").unwrap_or_default();
    let wanted = slug_of(&name);
    if !slug.is_empty() && slug != wanted {
        notes.push(format!(
            "Slug '{slug}' was assigned because '{wanted}' is already taken"
        ));
    }
    let dsn = crate::commands::project::view::project_dsn(&r, &org, &slug).unwrap_or(None);
    let url = format!(
        "{}/settings/{org}/projects/{slug}/",
        client.base_url().trim_end_matches('/')
    );
    let value =
        json!({"project": project, "orgSlug": org, "teamSlug": team, "dsn": dsn, "url": url});
    emit(
        &Created {
            value,
            notes,
            dry_run: false,
        },
        &ctx.output,
    )?;
    Ok(0)
}

fn slug_of(name: &str) -> String {
    let mut s = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(
            parse_spec("acme/my-app:python").unwrap(),
            (Some("acme".into()), "my-app".into(), "python".into())
        );
        assert_eq!(parse_spec("my-app:node").unwrap().0, None);
        assert_eq!(parse_spec("my-app").unwrap_err().exit_code, 21);
        assert_eq!(parse_spec("acme/:python").unwrap_err().exit_code, 21);
        assert_eq!(slug_of("My App!"), "my-app");
    }
}
