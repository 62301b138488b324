//! `sentry-cli completions [bash|zsh|fish|elvish|powershell]`: a completion script generated
//! from this binary's own clap tree, so it always matches the grammar it completes. Without a
//! shell, 3.x guesses it from `$SHELL`; here that is a usage error naming the choices, since
//! the environment is read only by settings resolution.

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
    let shell = args.shell.ok_or_else(|| {
        CliError::general(
            "Could not determine the shell; pass one of: bash, elvish, fish, powershell, zsh",
        )
    })?;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut LegacyCli::command(), "sentry-cli", &mut out);
    crate::output::write_stdout(&out)?;
    Ok(0)
}
