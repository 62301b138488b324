//! `sentry cli manpages --dir DIR`: writes a man page per command (`sentry.1`,
//! `sentry-issue.1`, `sentry-issue-list.1`, …) from the clap tree, for packagers
//! (`MANPATH=DIR man sentry-issue-list`). Each page is written to a temporary file and
//! renamed, so an interrupted run leaves whole pages only.

use std::io;
use std::path::{Path, PathBuf};

use clap::{Args, Command, CommandFactory};
use serde_json::{json, Value};

use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{emit, Human, Report};

#[derive(Debug, Args)]
pub struct ManpagesArgs {
    /// Directory to write the pages into (created if missing)
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
}

struct Written(Vec<PathBuf>);

impl Report for Written {
    fn json(&self) -> Value {
        json!(self
            .0
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>())
    }
    fn human(&self, out: &mut Human) -> io::Result<()> {
        out.line(format!("Wrote {} man pages", self.0.len()))
    }
}

pub fn run(ctx: &Context, args: &ManpagesArgs) -> CliResult<i32> {
    let dir = ctx.cwd.join(&args.dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::general(format!("Cannot create {}: {e}", dir.display())))?;
    let mut root = crate::cli::Cli::command();
    root.build();
    let mut written = Vec::new();
    write_pages(&root, "sentry", &dir, &mut written)?;
    emit(&Written(written), &ctx.output)?;
    Ok(0)
}

fn write_pages(cmd: &Command, name: &str, dir: &Path, written: &mut Vec<PathBuf>) -> CliResult<()> {
    let page = cmd
        .clone()
        .name(name.to_string())
        .bin_name(name.replace('-', " "));
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .map_err(|e| CliError::general(format!("Cannot render the {name} man page: {e}")))?;
    let path = dir.join(format!("{name}.1"));
    let tmp = dir.join(format!(".{name}.1.tmp"));
    std::fs::write(&tmp, &buf)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| CliError::general(format!("Cannot write {}: {e}", path.display())))?;
    written.push(path);
    for sub in cmd
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
    {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
