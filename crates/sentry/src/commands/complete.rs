//! `sentry __complete <word>… <partial>`: what the shell scripts of `sentry cli completion`
//! ask on every Tab press, one `value<TAB>description` per line on stdout.
//!
//! The rules, because a shell calls this while someone types:
//! - Subcommands, flags and flag values come from the clap tree, the same one that parses
//!   the command line, so completion never drifts from the grammar.
//! - Org, project, release, monitor and team names come only from what `cli.db` has cached
//!   (also what sentry 0.49 cached): never the network, never a write.
//! - Nothing is ever printed on stderr and the exit code is always 0: a damaged `cli.db`, an
//!   unknown command or a bad word completes nothing.
//! - Settings are not resolved (no config files, no `.env`): only where `cli.db` lives.

use std::collections::BTreeMap;
use std::path::Path;

use clap::{Arg, Command, CommandFactory};
use sentry_store::CompletionNames;

/// `--period` presets, as 0.49 offers them.
const PERIODS: &[(&str, &str)] = &[
    ("1h", "Last hour"),
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("14d", "Last 14 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
];

/// Completes `args` (the words after `sentry __complete`; the last is the partial word) and
/// prints the candidates. Always exit 0.
pub fn run(args: &[String], env: &BTreeMap<String, String>, home: Option<&Path>) -> i32 {
    let mut root = crate::cli::Cli::command();
    root.build();
    let lines = candidates(&root, args, &|| {
        CompletionNames::read(&sentry_config::config_dir(env, home))
    });
    if !lines.is_empty() {
        let mut out = lines.join("\n");
        out.push('\n');
        let _ = crate::output::write_stdout(out.as_bytes());
    }
    0
}

/// What to offer for `args` (typed words, then the partial one) under `root`. `names` is
/// called only when a positional needs cached names.
pub fn candidates(
    root: &Command,
    args: &[String],
    names: &dyn Fn() -> CompletionNames,
) -> Vec<String> {
    let (partial, words) = match args.split_last() {
        Some((p, w)) => (p.as_str(), w),
        None => ("", &[][..]),
    };
    let mut cmd = root;
    let mut positionals = 0usize;
    let mut pending_value: Option<&Arg> = None;
    for word in words {
        if pending_value.take().is_some() {
            continue;
        }
        if word == "--" {
            return Vec::new();
        }
        if let Some(flag) = word.strip_prefix("--") {
            if let Some(arg) = find_long(cmd, flag) {
                if takes_value(arg) && !flag.contains('=') {
                    pending_value = Some(arg);
                }
            }
            continue;
        }
        if word.len() == 2 && word.starts_with('-') {
            let c = word.chars().nth(1).unwrap_or('-');
            if let Some(arg) = cmd.get_arguments().find(|a| a.get_short() == Some(c)) {
                if takes_value(arg) {
                    pending_value = Some(arg);
                }
            }
            continue;
        }
        match cmd.find_subcommand(word) {
            Some(sub) if positionals == 0 => cmd = sub,
            _ => positionals += 1,
        }
    }
    if let Some(arg) = pending_value {
        return value_candidates(arg, partial);
    }
    if partial.starts_with('-') {
        let mut flags: Vec<(String, String)> = cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_positional())
            .filter_map(|a| Some((format!("--{}", a.get_long()?), brief(a.get_help()))))
            .filter(|(f, _)| f.starts_with(partial))
            .collect();
        flags.sort();
        flags.dedup();
        return flags.into_iter().map(|(f, h)| line(&f, &h)).collect();
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .filter(|s| s.get_name().starts_with(partial))
        .map(|s| line(s.get_name(), &brief(s.get_about())))
        .collect();
    if !subs.is_empty() && positionals == 0 {
        return subs;
    }
    match cmd.get_positionals().nth(positionals) {
        Some(arg) if !arg.get_possible_values().is_empty() => value_candidates(arg, partial),
        Some(arg) => positional_candidates(arg, partial, &names()),
        None => Vec::new(),
    }
}

fn find_long<'a>(cmd: &'a Command, flag: &str) -> Option<&'a Arg> {
    let name = flag.split('=').next().unwrap_or(flag);
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.takes_values())
}

fn brief(help: Option<&clap::builder::StyledStr>) -> String {
    help.map(|h| h.to_string().lines().next().unwrap_or("").to_string())
        .unwrap_or_default()
}

fn line(value: &str, description: &str) -> String {
    if description.is_empty() {
        value.to_string()
    } else {
        format!("{value}\t{description}")
    }
}

fn value_candidates(arg: &Arg, partial: &str) -> Vec<String> {
    if arg.get_id() == "period" {
        return PERIODS
            .iter()
            .filter(|(v, _)| v.starts_with(partial))
            .map(|(v, d)| line(v, d))
            .collect();
    }
    arg.get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set() && v.get_name().starts_with(partial))
        .map(|v| line(v.get_name(), &brief(v.get_help())))
        .collect()
}

/// What a positional names, judged by its value name (`org/project`, `org/version`, …).
fn positional_candidates(arg: &Arg, partial: &str, names: &CompletionNames) -> Vec<String> {
    let what = arg
        .get_value_names()
        .and_then(|v| v.first().map(|s| s.to_string()))
        .unwrap_or_else(|| arg.get_id().to_string())
        .to_ascii_lowercase();
    let kind_values = |kind: &str| -> Vec<String> {
        names
            .values
            .iter()
            .filter(|v| v.0 == kind)
            .map(|v| format!("{}/{}", v.1, v.2))
            .collect()
    };
    let orgs_slash = || names.orgs.iter().map(|o| format!("{}/", o.0));
    let mut out: Vec<(String, String)> = Vec::new();
    if what.contains("version") {
        out.extend(orgs_slash().map(|o| (o, String::new())));
        out.extend(
            kind_values("release")
                .into_iter()
                .map(|v| (v, String::new())),
        );
    } else if what.contains("monitor") {
        out.extend(
            kind_values("monitor")
                .into_iter()
                .map(|v| (v, String::new())),
        );
    } else if what.contains("project") || what.contains("target") {
        for (slug, name) in &names.orgs {
            out.push((format!("{slug}/"), name.clone().unwrap_or_default()));
        }
        for (org, slug, name) in &names.projects {
            out.push((format!("{org}/{slug}"), name.clone().unwrap_or_default()));
        }
    } else if what == "org" || what.contains("organization") {
        for (slug, name) in &names.orgs {
            out.push((slug.clone(), name.clone().unwrap_or_default()));
        }
    }
    let mut seen = Vec::new();
    out.into_iter()
        .filter(|(v, _)| v.starts_with(partial))
        .filter(|(v, _)| {
            let new = !seen.contains(v);
            seen.push(v.clone());
            new
        })
        .map(|(v, d)| line(&v, &d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(words: &[&str], names: CompletionNames) -> Vec<String> {
        let mut root = crate::cli::Cli::command();
        root.build();
        let args: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        candidates(&root, &args, &|| names.clone())
    }

    fn names() -> CompletionNames {
        CompletionNames {
            orgs: vec![("acme".into(), Some("Acme".into())), ("beta".into(), None)],
            projects: vec![("acme".into(), "web".into(), Some("Web".into()))],
            values: vec![("release".into(), "acme".into(), "1.0".into(), None)],
        }
    }

    #[test]
    fn subcommands_flags_and_values_come_from_the_tree() {
        let subs = complete(&["issue", "l"], CompletionNames::default());
        assert_eq!(subs.len(), 1, "{subs:?}");
        assert!(subs[0].starts_with("list\t"), "{subs:?}");
        let flags = complete(&["issue", "list", "--li"], CompletionNames::default());
        assert_eq!(flags.len(), 1);
        assert!(flags[0].starts_with("--limit\t"), "{flags:?}");
        let periods = complete(
            &["issue", "list", "--period", "1"],
            CompletionNames::default(),
        );
        assert_eq!(periods, ["1h\tLast hour", "14d\tLast 14 days"]);
        assert!(complete(&["nope", ""], names()).is_empty());
        assert!(complete(&["issue", "list", "--", ""], names()).is_empty());
    }

    #[test]
    fn positionals_come_from_cached_names() {
        assert_eq!(
            complete(&["project", "list", ""], names()),
            ["acme/\tAcme", "beta/", "acme/web\tWeb"]
        );
        assert_eq!(
            complete(&["project", "list", "acme/w"], names()),
            ["acme/web\tWeb"]
        );
        assert_eq!(
            complete(&["release", "view", "acme/"], names()),
            ["acme/", "acme/1.0"]
        );
        assert_eq!(complete(&["org", "view", "a"], names()), ["acme\tAcme"]);
        assert_eq!(complete(&["cli", "completion", "f"], names()), ["fish"]);
    }
}
