//! Where a value came from. Every resolved setting carries one so `config list`, warnings and
//! errors can point the user at the exact flag, variable or `file:line` to change.

use std::fmt;
use std::path::PathBuf;

/// The source of one resolved value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--url`.
    Flag(String),
    /// A variable of the real process environment.
    Env(String),
    /// A variable loaded from a `.env` file (counts as environment for precedence).
    DotEnv { path: PathBuf, line: usize },
    /// A `.sentryclirc`/`sentrycli.ini` or `SENTRY_PROPERTIES` file.
    File { path: PathBuf, line: usize },
    /// A value stored with `sentry cli defaults <key>`; holds the short key (`url`, `org`, ...).
    CliDefaults(String),
    /// A claim embedded in an org auth token (`sntrys_...`).
    OrgToken,
    /// The built-in default.
    BuiltIn,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(name) => write!(f, "flag {name}"),
            Origin::Env(name) => write!(f, "env {name}"),
            Origin::DotEnv { path, line } | Origin::File { path, line } => {
                write!(f, "{}:{line}", path.display())
            }
            Origin::CliDefaults(key) => write!(f, "cli defaults {key}"),
            Origin::OrgToken => f.write_str("org auth token"),
            Origin::BuiltIn => f.write_str("default"),
        }
    }
}

impl serde::Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A resolved value together with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    pub fn new(value: T, origin: Origin) -> Self {
        Setting { value, origin }
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Setting<U> {
        Setting {
            value: f(self.value),
            origin: self.origin,
        }
    }
}
