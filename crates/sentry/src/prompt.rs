//! Terminal prompts: the question on stderr, the answer from stdin. Callers check first that
//! there is a terminal to ask.

use std::io::{self, BufRead, Write};

use crate::error::{CliError, CliResult};

/// Asks a yes/no question on the terminal. Callers check that stdin is a terminal first.
pub fn confirm(question: &str) -> CliResult<bool> {
    let mut stderr = io::stderr();
    write!(stderr, "{question} [y/N] ")?;
    stderr.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// A numbered choice on the terminal (callers check that there is one): the options on
/// stderr, the answer from stdin; Enter keeps `default`. Asks again on a bad answer.
pub fn choose(question: &str, options: &[String], default: usize) -> CliResult<usize> {
    let mut stderr = io::stderr();
    writeln!(stderr, "{question}")?;
    for (i, o) in options.iter().enumerate() {
        let mark = if i == default { '>' } else { ' ' };
        writeln!(stderr, "{mark} {}. {o}", i + 1)?;
    }
    loop {
        write!(stderr, "Number [{}]: ", default + 1)?;
        stderr.flush()?;
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line)? == 0 {
            return Err(CliError::general("No answer: the input was closed."));
        }
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(default);
        }
        match answer.parse::<usize>() {
            Ok(n) if (1..=options.len()).contains(&n) => return Ok(n - 1),
            _ => writeln!(stderr, "Enter a number from 1 to {}.", options.len())?,
        }
    }
}
