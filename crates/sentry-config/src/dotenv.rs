//! `.env` loading as sentry-cli 3.x does it, but into a map instead of the process
//! environment, so resolution stays a pure function of its inputs.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use crate::{Origin, Setting};

/// The effective environment: the real one plus whatever `.env` files added.
pub(crate) type EnvMap = BTreeMap<String, Setting<String>>;

/// Variables of one `.env` file in file order, each with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotEnvVar {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// Parses a `.env` file with dotenvy. Line numbers come from a scan for `KEY=` /
/// `export KEY=` lines, matched to the parsed pairs in order (dotenvy does not report them).
/// `${VAR}` substitution is dotenvy's, which consults the process environment.
pub fn parse_dotenv(text: &str) -> Result<Vec<DotEnvVar>, String> {
    let mut pairs = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        pairs.push(item.map_err(|e| match e {
            // The offending line is not echoed: it may hold a secret.
            dotenvy::Error::LineParse(_, idx) => {
                format!("syntax error at character {idx} of a line")
            }
            other => other.to_string(),
        })?);
    }
    // Lines of each key in file order; each parsed pair takes the next line of its key, so
    // matching stays O(1) per pair even when a pair has no `KEY=` line of its own (dotenvy
    // also reads multi-line values and `${VAR}` forms).
    let mut lines: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim_start().trim_start_matches('\u{feff}');
        let l = l.strip_prefix("export ").map(str::trim_start).unwrap_or(l);
        let Some((key, _)) = l.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if !key.is_empty() {
            lines.entry(key).or_default().push_back(i + 1);
        }
    }
    Ok(pairs
        .into_iter()
        .map(|(key, value)| {
            let line = lines
                .get_mut(key.as_str())
                .and_then(VecDeque::pop_front)
                .unwrap_or(0);
            DotEnvVar { key, value, line }
        })
        .collect())
}

/// Builds the effective environment.
///
/// sentry-cli rules: loading runs when `SENTRY_LOAD_DOTENV` is unset or exactly `1`.
/// `SENTRY_DOTENV_PATH` (else the comma-separated `SENTRY_DOTENV_PATHS`) names files that are
/// loaded in order and **override** existing variables; otherwise the first `.env` found
/// walking up from `cwd` is loaded without overriding. Failures only warn.
pub(crate) fn effective_env(
    real: &BTreeMap<String, String>,
    cwd: &Path,
    warnings: &mut Vec<String>,
) -> (EnvMap, Option<PathBuf>) {
    let mut env: EnvMap = real
        .iter()
        .map(|(k, v)| (k.clone(), Setting::new(v.clone(), Origin::Env(k.clone()))))
        .collect();
    if real.get("SENTRY_LOAD_DOTENV").is_some_and(|v| v != "1") {
        return (env, None);
    }
    let explicit: Option<Vec<PathBuf>> = match (
        real.get("SENTRY_DOTENV_PATH"),
        real.get("SENTRY_DOTENV_PATHS"),
    ) {
        (Some(p), _) => Some(vec![cwd.join(p)]),
        (None, Some(list)) => Some(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| cwd.join(s))
                .collect(),
        ),
        (None, None) => None,
    };
    if let Some(explicit) = explicit {
        for path in explicit {
            let Ok(text) = std::fs::read_to_string(&path) else {
                warnings.push(format!(
                    "Failed to load .env file: Failed to load custom .env file: {}",
                    path.display()
                ));
                continue;
            };
            match parse_dotenv(&text) {
                Ok(vars) => {
                    for v in vars {
                        let origin = Origin::DotEnv {
                            path: path.clone(),
                            line: v.line,
                        };
                        env.insert(v.key, Setting::new(v.value, origin));
                    }
                }
                Err(e) => {
                    warnings.push(format!("Failed to load .env file {}: {e}", path.display()))
                }
            }
        }
        return (env, None);
    }
    let Some(path) = cwd
        .ancestors()
        .map(|d| d.join(".env"))
        .find(|p| p.is_file())
    else {
        return (env, None);
    };
    match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| parse_dotenv(&t))
    {
        Ok(vars) => {
            for v in vars {
                let origin = Origin::DotEnv {
                    path: path.clone(),
                    line: v.line,
                };
                env.entry(v.key)
                    .or_insert_with(|| Setting::new(v.value, origin));
            }
        }
        Err(e) => warnings.push(format!(
            "Failed to load .env file: We found a .env file, but failed to load it ({}: {e})",
            path.display()
        )),
    }
    (env, Some(path))
}
