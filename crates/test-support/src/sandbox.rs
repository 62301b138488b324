//! A throw-away directory tree for one test, and programs run inside it with a clean
//! environment, so nothing leaks between tests or from the developer's own setup.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;

use tempfile::TempDir;

/// `home/` (the `HOME`), `home/.sentry/` (the `SENTRY_CONFIG_DIR`) and `work/` (the working
/// directory) under a temporary root that is removed when the sandbox is dropped.
pub struct Sandbox {
    pub root: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        for d in ["home", "home/.sentry", "work"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        Self { root }
    }

    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root.path().join("home/.sentry")
    }

    pub fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Writes `contents` to `rel` (relative to the root), creating parent directories.
    pub fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let p = self.root.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// `program` with a clean environment: only `PATH` survives from the parent; `HOME` and
    /// `SENTRY_CONFIG_DIR` point into the sandbox, and it runs in `work/`.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("SENTRY_CONFIG_DIR", self.config_dir())
            .current_dir(self.work());
        cmd
    }
}
