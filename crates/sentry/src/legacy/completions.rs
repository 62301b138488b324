//! `sentry-cli completions [bash|zsh|fish|elvish|powershell]`: a completion script generated
//! from this binary's own clap tree, so it always matches the grammar it completes. Without a
//! shell, 3.8 prints the command's help and exits 2 (whatever `$SHELL` says); so does this
//! (`arg_required_else_help` on the command).

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::legacy::LegacyCli;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for.
    #[arg(value_name = "shell", value_enum)]
    pub shell: Option<Shell>,
}

pub fn run(_ctx: &Context, args: &CompletionsArgs) -> CliResult<i32> {
    // Unreachable through the parser (no shell = help, exit 2); kept as a plain error.
    let shell = args.shell.ok_or_else(|| {
        CliError::general("Name the shell: bash, elvish, fish, powershell or zsh")
    })?;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut LegacyCli::command(), "sentry-cli", &mut out);
    crate::output::write_stdout(&out)?;
    Ok(0)
}
