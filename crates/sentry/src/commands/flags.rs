//! Flag groups several commands share, flattened into their argument structs
//! (`#[command(flatten)]`) so a flag is spelled, documented and parsed the same everywhere.
//!
//! Only flags whose help text is the same in every command live here: `--limit`, `--cursor`
//! and `--web` name what they count, page or open (`Maximum number of projects`, `Open the
//! issue in the browser instead`), so each command keeps its own.

use clap::Args;

/// `-f/--fresh`: the official CLI's "bypass the response cache". This CLI caches no API
/// responses, so the flag is accepted (scripts pass it) and changes nothing.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct Fresh {
    /// Accepted for compatibility; responses are never cached
    #[arg(short = 'f', long)]
    pub fresh: bool,
}

/// The values of a repeatable flag that also takes comma-separated lists (`-e prod,staging
/// -e dev`), trimmed, empty items dropped.
pub fn comma_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|e| e.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}
