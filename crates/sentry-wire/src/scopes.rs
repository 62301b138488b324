//! OAuth scopes: every scope a Sentry token can carry and the set a login asks for when it
//! names none (`sentry auth login` requests it; the local server grants it).

/// Every scope a Sentry token can carry, in Sentry's documented order (CLI messages list
/// them in it; the local server's seeded admin token has all of them).
pub const ALL_SCOPES: &[&str] = &[
    "org:read",
    "org:write",
    "org:admin",
    "org:integrations",
    "org:ci",
    "member:invite",
    "member:read",
    "member:write",
    "member:admin",
    "team:read",
    "team:write",
    "team:admin",
    "project:read",
    "project:write",
    "project:admin",
    "project:releases",
    "project:distribution",
    "event:read",
    "event:write",
    "event:admin",
    "alerts:read",
    "alerts:write",
];

/// What `sentry auth login` asks for by default, and what the local server grants a request
/// that names no scope: enough for every CLI command, nothing that administers the
/// organization.
pub const DEFAULT_SCOPES: &[&str] = &[
    "project:read",
    "project:write",
    "project:admin",
    "org:read",
    "event:read",
    "event:write",
    "member:read",
    "team:read",
    "team:write",
    "team:admin",
    "alerts:read",
    "alerts:write",
];
