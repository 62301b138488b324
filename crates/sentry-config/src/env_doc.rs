//! The environment variables settings resolution reads, documented once for `sentry help
//! --json` (agents read it to learn how to configure the CLI). The names must match what
//! [`crate::resolve`] reads; the test below keeps the two in step.

/// `(name, one-line description)`, in the order a person configures things.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("SENTRY_AUTH_TOKEN", "Auth token for API requests (CI, scripts); beats a stored login only for its own server and orgs"),
    ("SENTRY_TOKEN", "Alias of SENTRY_AUTH_TOKEN"),
    ("SENTRY_FORCE_ENV_TOKEN", "Use only the environment's token, never a stored login"),
    ("SENTRY_URL", "Sentry server URL (self-hosted); same as --url"),
    ("SENTRY_HOST", "Sentry server host or URL; SENTRY_URL wins when both are set"),
    ("SENTRY_ORG", "Default organization slug"),
    ("SENTRY_PROJECT", "Default project slug (or org/project)"),
    ("SENTRY_DSN", "DSN that event send and monitor run report to"),
    ("SENTRY_RELEASE", "Release version used by sentry-cli's release commands"),
    ("SENTRY_CONFIG_DIR", "Directory of cli.db (default ~/.sentry)"),
    ("SENTRY_PROPERTIES", "Path of a sentry.properties file to read settings from"),
    ("SENTRY_LOAD_DOTENV", "Set to 0 to skip reading .env files"),
    ("SENTRY_DOTENV_PATH", "Path of the .env file to read"),
    ("SENTRY_CUSTOM_HEADERS", "Extra HTTP headers sent with every request (Name: Value, newline-separated)"),
    ("SENTRY_CLIENT_ID", "OAuth client ID for auth login (self-hosted)"),
    ("SENTRY_SETUP_CODE", "One-time setup code redeemed by auth bootstrap"),
    ("SENTRY_HTTP_TIMEOUT", "Seconds a command may wait for the server in all (default 40)"),
    ("SENTRY_HTTP_MAX_RETRIES", "Retries of a failed request (default 5; 0 fails at once)"),
    ("SENTRY_LOG_LEVEL", "Log verbosity on stderr: error, warn, info, debug, trace"),
    ("SENTRY_PLAIN_OUTPUT", "Set to 1 for plain output without colour or box drawing"),
    ("NO_COLOR", "Disable colour"),
    ("FORCE_COLOR", "Force colour on a terminal"),
    ("HTTPS_PROXY", "Proxy for HTTPS requests (also HTTP_PROXY, ALL_PROXY, NO_PROXY)"),
];

#[cfg(test)]
mod tests {
    use super::ENV_VARS;

    /// Every documented variable is one the code reads (SENTRY_RELEASE is read by the
    /// release commands through `Settings::env_var`).
    #[test]
    fn documented_variables_are_read() {
        let sources = [
            include_str!("resolve.rs"),
            include_str!("settings.rs"),
            include_str!("lib.rs"),
            include_str!("dotenv.rs"),
            include_str!("files.rs"),
            include_str!("url.rs"),
            include_str!("setup_code.rs"),
            include_str!("token.rs"),
            include_str!("headers.rs"),
        ]
        .concat();
        for (name, _) in ENV_VARS.iter().filter(|(n, _)| *n != "SENTRY_RELEASE") {
            assert!(
                sources.contains(&format!("\"{name}\"")),
                "{name} is documented but not read in sentry-config"
            );
        }
    }
}
