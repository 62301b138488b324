//! OAuth scopes requested by the device flow and the validation of `--scope`/`--read-only`.

use crate::error::CliError;

pub use sentry_wire::scopes::{ALL_SCOPES, DEFAULT_SCOPES};

/// The scopes to request for `--read-only` / `--scope` (already validated against each
/// other and against `--token` by [`check_flags`]).
pub fn requested(read_only: bool, scope_args: &[String]) -> Result<Vec<String>, CliError> {
    if read_only {
        return Ok(DEFAULT_SCOPES
            .iter()
            .filter(|s| s.ends_with(":read"))
            .map(|s| s.to_string())
            .collect());
    }
    if scope_args.is_empty() {
        return Ok(DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect());
    }
    let mut out: Vec<String> = Vec::new();
    for raw in scope_args.iter().flat_map(|a| a.split(',')) {
        let item = raw.trim().to_ascii_lowercase();
        if item.is_empty() {
            continue;
        }
        if !ALL_SCOPES.contains(&item.as_str()) {
            return Err(CliError::validation(format!(
                "Invalid scope \"{}\". Must be one of: {}",
                raw.trim(),
                ALL_SCOPES.join(", ")
            )));
        }
        if !out.contains(&item) {
            out.push(item);
        }
    }
    if out.is_empty() {
        return Err(CliError::validation("No scopes provided to --scope"));
    }
    Ok(out)
}

/// Flag combinations refused before any network or database work (exit 21).
pub fn check_flags(token: bool, read_only: bool, scopes: bool) -> Result<(), CliError> {
    if token && (read_only || scopes) {
        let flag = if read_only { "--read-only" } else { "--scope" };
        return Err(CliError::validation(format!(
            "{flag} cannot be used with --token — OAuth scope is fixed when the token is issued, so the CLI cannot narrow an existing token's permissions.\n\n\
To restrict OAuth scopes, drop --token and use the device flow:\n  sentry auth login --read-only\n  sentry auth login --scope project:read --scope org:read\n\n\
Or create a scoped User Auth Token in Sentry (Account → Auth Tokens) and pass it without --read-only/--scope."
        )));
    }
    if read_only && scopes {
        return Err(CliError::validation(
            "--read-only and --scope cannot be used together. Use --read-only for the read-only subset, or --scope to list exact scopes.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn scope_lists() {
        assert_eq!(requested(false, &[]).unwrap().len(), 12);
        assert_eq!(
            requested(true, &[]).unwrap(),
            s(&[
                "project:read",
                "org:read",
                "event:read",
                "member:read",
                "team:read",
                "alerts:read"
            ])
        );
        assert_eq!(
            requested(
                false,
                &s(&["project:read,ORG:read", "event:read", "org:read"])
            )
            .unwrap(),
            s(&["project:read", "org:read", "event:read"])
        );
        let e = requested(false, &s(&["foo:bar"])).unwrap_err();
        assert!(e
            .message
            .starts_with("Invalid scope \"foo:bar\". Must be one of: org:read, org:write,"));
        assert_eq!(e.exit_code, 21);
        assert_eq!(
            requested(false, &s(&[" , "])).unwrap_err().message,
            "No scopes provided to --scope"
        );
        assert_eq!(ALL_SCOPES.len(), 22);
    }

    #[test]
    fn flag_conflicts() {
        assert!(check_flags(true, true, false)
            .unwrap_err()
            .message
            .starts_with("--read-only cannot be used with --token — OAuth scope"));
        assert!(check_flags(true, false, true)
            .unwrap_err()
            .message
            .starts_with("--scope cannot be used with --token"));
        assert_eq!(check_flags(false, true, true).unwrap_err().exit_code, 21);
        assert!(check_flags(true, false, false).is_ok());
    }
}
