//! `sentry help [<command>…] [--json]`: a command's help, or with `--json` the command tree
//! for agents (0.49's shape: `routes` of `commands` with their flags, positionals and short
//! aliases, the global `flags`, and the `envVars` settings read). Everything comes from the
//! clap tree that parses the command line, so it cannot drift from the grammar.

use std::io;

use clap::{Arg, ArgAction, Args, Command, CommandFactory};
use serde_json::{json, Map, Value};

use crate::context::Context;
use crate::error::{exit, CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct HelpArgs {
    /// The command to describe (e.g. `issue list`); the whole tree when omitted
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

struct Help {
    json: Value,
    text: String,
}

impl Report for Help {
    fn json(&self) -> Value {
        self.json.clone()
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(self.text.trim_end())
    }
}

pub fn run(ctx: &Context, args: &HelpArgs) -> CliResult<i32> {
    let mut root = crate::cli::Cli::command();
    root.build();
    let mut cmd = &root;
    let mut path = vec!["sentry".to_string()];
    for word in &args.command {
        cmd = cmd
            .get_subcommands()
            .find(|c| c.get_name() == word || c.get_all_aliases().any(|a| a == word))
            .ok_or_else(|| {
                CliError::new(
                    exit::USAGE,
                    format!(
                        "Unknown command '{}'. Run 'sentry help' to list commands.",
                        args.command.join(" ")
                    ),
                )
            })?;
        path.push(cmd.get_name().to_string());
    }
    let json = if args.command.is_empty() {
        tree(&root)
    } else if cmd.has_subcommands() {
        route(cmd, &path.join(" "))
    } else {
        command(cmd, &path.join(" "))
    };
    let text = cmd
        .clone()
        .bin_name(path.join(" "))
        .render_long_help()
        .to_string();
    emit(&Help { json, text }, &ctx.output)?;
    Ok(0)
}

fn visible(c: &&Command) -> bool {
    !c.is_hide_set() && c.get_name() != "help"
}

/// The whole tree: one route per top-level command.
fn tree(root: &Command) -> Value {
    let routes: Vec<Value> = root
        .get_subcommands()
        .filter(visible)
        .map(|c| route(c, &format!("sentry {}", c.get_name())))
        .collect();
    let flags: Vec<Value> = root
        .get_arguments()
        .filter(|a| a.is_global_set() && !a.is_hide_set())
        .filter_map(|a| {
            let mut f = Map::new();
            f.insert("long".into(), json!(format!("--{}", a.get_long()?)));
            if let Some(s) = a.get_short() {
                f.insert("short".into(), json!(format!("-{s}")));
            }
            f.insert("description".into(), json!(text(a.get_help())));
            Some(Value::Object(f))
        })
        .collect();
    let env_vars: Vec<Value> = sentry_config::ENV_VARS
        .iter()
        .map(|(name, brief)| json!({"name": name, "brief": brief}))
        .collect();
    json!({"routes": routes, "flags": flags, "envVars": env_vars})
}

/// A group (its leaf commands) or a leaf command standing alone.
fn route(cmd: &Command, path: &str) -> Value {
    let commands: Vec<Value> = if cmd.has_subcommands() {
        leaves(cmd, path)
    } else {
        vec![command(cmd, path)]
    };
    json!({"name": cmd.get_name(), "brief": text(cmd.get_about()), "commands": commands})
}

fn leaves(cmd: &Command, path: &str) -> Vec<Value> {
    cmd.get_subcommands()
        .filter(visible)
        .flat_map(|c| {
            let p = format!("{path} {}", c.get_name());
            if c.has_subcommands() {
                leaves(c, &p)
            } else {
                vec![command(c, &p)]
            }
        })
        .collect()
}

fn command(cmd: &Command, path: &str) -> Value {
    let flags: Vec<Value> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && a.get_long().is_some())
        .filter(|a| !matches!(a.get_action(), ArgAction::Help | ArgAction::Version))
        .map(flag)
        .collect();
    let positionals: Vec<Value> = cmd
        .get_positionals()
        .map(|a| {
            json!({
                "name": value_name(a),
                "brief": text(a.get_help()),
                "optional": !a.is_required_set(),
                "variadic": variadic(a),
            })
        })
        .collect();
    let positional = cmd
        .get_positionals()
        .map(|a| {
            let mut s = format!("<{}>", value_name(a));
            if variadic(a) {
                s.push_str("...");
            }
            if a.is_required_set() {
                s
            } else {
                format!("[{s}]")
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let aliases: Map<String, Value> = cmd
        .get_arguments()
        .filter(|a| !matches!(a.get_action(), ArgAction::Help | ArgAction::Version))
        .filter_map(|a| Some((a.get_short()?.to_string(), json!(a.get_long()?))))
        .collect();
    let about = text(cmd.get_about());
    let full = cmd
        .get_long_about()
        .map(|s| s.to_string())
        .unwrap_or_else(|| about.clone());
    json!({
        "path": path,
        "brief": about,
        "fullDescription": full,
        "flags": flags,
        "positional": positional,
        "positionals": positionals,
        "aliases": aliases,
    })
}

fn flag(a: &Arg) -> Value {
    let boolean = matches!(a.get_action(), ArgAction::SetTrue | ArgAction::SetFalse);
    let kind = if boolean {
        "boolean"
    } else if !a.get_possible_values().is_empty() {
        "enum"
    } else {
        "parsed"
    };
    let mut f = Map::new();
    f.insert("name".into(), json!(a.get_long()));
    f.insert("brief".into(), json!(text(a.get_help())));
    f.insert("kind".into(), json!(kind));
    if kind == "enum" {
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        f.insert("values".into(), json!(values));
    }
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !boolean && !defaults.is_empty() {
        f.insert("default".into(), json!(defaults.join(",")));
    }
    f.insert("optional".into(), json!(!a.is_required_set()));
    f.insert("variadic".into(), json!(variadic(a)));
    f.insert("hidden".into(), json!(a.is_hide_set()));
    Value::Object(f)
}

fn variadic(a: &Arg) -> bool {
    matches!(a.get_action(), ArgAction::Append)
        || a.get_num_args().is_some_and(|n| n.max_values() > 1)
}

/// The positional's name as written in usage: its value name, or its id in lower case
/// where clap only upper-cased the id.
fn value_name(a: &Arg) -> String {
    let id = a.get_id().to_string();
    match a
        .get_value_names()
        .and_then(|v| v.first().map(|s| s.to_string()))
    {
        Some(n) if n != id.to_uppercase() => n,
        _ => id,
    }
}

fn text(s: Option<&clap::builder::StyledStr>) -> String {
    s.map(|s| s.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Command {
        let mut root = crate::cli::Cli::command();
        root.build();
        root
    }

    #[test]
    fn the_tree_has_every_visible_leaf_with_its_flags() {
        let t = tree(&built());
        let routes = t["routes"].as_array().unwrap();
        let issue = routes.iter().find(|r| r["name"] == "issue").unwrap();
        let list = issue["commands"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == "sentry issue list")
            .unwrap();
        let limit = list["flags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "limit")
            .unwrap();
        assert_eq!(limit["kind"], "parsed");
        assert_eq!(limit["default"], "25");
        assert_eq!(list["aliases"]["n"], "limit");
        assert_eq!(list["positional"], "[<target>]");
        // A top-level leaf is a route of one command.
        let api = routes.iter().find(|r| r["name"] == "api").unwrap();
        assert_eq!(api["commands"][0]["path"], "sentry api");
        assert!(t["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["long"] == "--json"));
        assert!(t["envVars"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "SENTRY_AUTH_TOKEN"));
        // Hidden commands (the plural aliases, __complete's helpers) stay out.
        assert!(!routes.iter().any(|r| r["name"] == "issues"));
    }
}
