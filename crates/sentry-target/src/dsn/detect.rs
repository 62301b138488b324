//! Project DSN auto-detection: the step of target resolution that comes after
//! flags, environment, config files and `cli defaults`. The binary maps each
//! DSN to its project and caches the detection in cli.db's `dsn_cache` per
//! directory ([`CacheStamp`] says when it is still current).
//!
//! Detection order: source code, then `.env*` files (in [`ENV_FILES`] order),
//! then the environment variables of [`DSN_ENV_VARS`]. The walk honours
//! `.gitignore` (also outside git repositories), skips dependency and build
//! directories, binary and large files, and only reports strings that parse as
//! DSNs, because a false positive silently points every command at the wrong
//! project.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::UNIX_EPOCH;

use ignore::{WalkBuilder, WalkState};
use memchr::memmem;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{Dsn, DsnError};

// ---------------------------------------------------------------------------
// Detection results
// ---------------------------------------------------------------------------

/// Environment variables that may carry a DSN, in detection order.
pub const DSN_ENV_VARS: [&str; 6] = [
    "SENTRY_DSN",
    "NEXT_PUBLIC_SENTRY_DSN",
    "REACT_APP_SENTRY_DSN",
    "VITE_SENTRY_DSN",
    "EXPO_PUBLIC_SENTRY_DSN",
    "NUXT_PUBLIC_SENTRY_DSN",
];

/// `.env` file names in detection order (most specific first).
pub const ENV_FILES: [&str; 6] = [
    ".env.local",
    ".env.development.local",
    ".env.production.local",
    ".env",
    ".env.development",
    ".env.production",
];

/// Directory names whose children are separate packages of a monorepo.
pub const MONOREPO_ROOTS: [&str; 5] = ["packages", "apps", "libs", "services", "modules"];

/// Where a DSN was found. The string forms are the `dsn_cache.source`
/// values upstream writes, so cached rows stay interchangeable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DsnSource {
    /// Source code or a config file in the tree.
    #[serde(rename = "code")]
    Code,
    /// A `.env*` file.
    #[serde(rename = "env_file")]
    EnvFile,
    /// A process environment variable.
    #[serde(rename = "env")]
    EnvVar,
}

impl DsnSource {
    /// The `dsn_cache.source` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            DsnSource::Code => "code",
            DsnSource::EnvFile => "env_file",
            DsnSource::EnvVar => "env",
        }
    }
}

/// One DSN found during detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredDsn", into = "StoredDsn")]
pub struct DetectedDsn {
    /// The parsed DSN.
    pub dsn: Dsn,
    /// The DSN exactly as written in its source.
    pub raw: String,
    /// Which kind of source it came from.
    pub source: DsnSource,
    /// File path relative to the detection root, `/`-separated (files only).
    pub path: Option<String>,
    /// 1-based line in that file (files only).
    pub line: Option<u32>,
    /// Variable name (`.env` files and environment variables).
    pub env_var: Option<String>,
    /// Monorepo package directory (`packages/web`), for grouping and aliases.
    pub package_path: Option<String>,
}

/// The JSON shape of one entry of `dsn_cache.all_dsns_json`, matching the
/// keys upstream writes so either implementation can read the other's rows.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredDsn {
    protocol: String,
    public_key: String,
    host: String,
    project_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org_id: Option<String>,
    raw: String,
    source: DsnSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    package_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    env_var: Option<String>,
}

impl From<DetectedDsn> for StoredDsn {
    fn from(d: DetectedDsn) -> Self {
        StoredDsn {
            protocol: d.dsn.scheme.clone(),
            public_key: d.dsn.public_key.clone(),
            host: d.dsn.host_with_port(),
            project_id: d.dsn.project_id.to_string(),
            org_id: d.dsn.org_id.map(|o| o.to_string()),
            raw: d.raw,
            source: d.source,
            source_path: d.path,
            package_path: d.package_path,
            line: d.line,
            env_var: d.env_var,
        }
    }
}

impl TryFrom<StoredDsn> for DetectedDsn {
    type Error = DsnError;
    fn try_from(s: StoredDsn) -> Result<Self, Self::Error> {
        Ok(DetectedDsn {
            dsn: Dsn::parse(&s.raw)?,
            raw: s.raw,
            source: s.source,
            path: s.source_path,
            line: s.line,
            env_var: s.env_var,
            package_path: s.package_path,
        })
    }
}

/// A DSN-looking value that failed to parse in a place where a DSN was
/// clearly intended (a `SENTRY_DSN` variable or `.env` line). Reported so
/// the binary can warn instead of silently falling back to another source: a
/// fallback nobody mentions points every command at a different project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDsn {
    /// Where it was found.
    pub source: DsnSource,
    /// Relative file path (`.env` files only).
    pub path: Option<String>,
    /// 1-based line (`.env` files only).
    pub line: Option<u32>,
    /// The variable name.
    pub env_var: String,
    /// Why it did not parse.
    pub error: DsnError,
}

/// What a cache needs to decide later, cheaply, whether a detection is
/// still current: mtimes (ms since the epoch) of the root, of every walked
/// directory (a new file changes its directory's mtime) and of every file
/// that contributed or could contribute a DSN, plus the DSN env values.
/// Serialises to the `dsn_cache` `*_json` / `root_dir_mtime` columns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheStamp {
    /// The detection root (absolute, as given).
    pub root: PathBuf,
    /// Root directory mtime.
    pub root_dir_mtime: i64,
    /// Relative file path → mtime, for files holding DSNs and all `.env*` files seen.
    pub source_mtimes: BTreeMap<String, i64>,
    /// Relative directory path (`.` for the root) → mtime, for every walked directory.
    pub dir_mtimes: BTreeMap<String, i64>,
    /// The DSN environment variables that were set, name → value.
    pub env_values: BTreeMap<String, String>,
}

/// The outcome of [`detect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// Every distinct DSN, in priority order: code (by path, then line),
    /// `.env` files (root first, spec file order), environment variables.
    pub dsns: Vec<DetectedDsn>,
    /// Values meant as DSNs that did not parse.
    pub invalid: Vec<InvalidDsn>,
    /// Stable identity of the detected project set (see [`fingerprint`]);
    /// keys the `project_aliases` rows.
    pub fingerprint: String,
    /// Validation data for the cache.
    pub stamp: CacheStamp,
    /// How many files' contents were read, for diagnostics.
    pub files_scanned: usize,
}

impl Detection {
    /// The DSN to use when one is needed: the highest-priority one.
    pub fn primary(&self) -> Option<&DetectedDsn> {
        self.dsns.first()
    }

    /// Several projects (a monorepo): list commands fan out and use aliases.
    pub fn has_multiple(&self) -> bool {
        self.dsns.len() > 1
    }
}

/// Identity of a set of DSNs, independent of order and of which file each
/// came from: sorted, de-duplicated `<orgId>:<projectId>` (or
/// `<host>:<projectId>` without an org ID), comma-joined. The format matches
/// upstream's so aliases cached by either implementation stay valid.
pub fn fingerprint<'a>(dsns: impl IntoIterator<Item = &'a Dsn>) -> String {
    let mut keys: Vec<String> = dsns
        .into_iter()
        .map(|d| match d.org_id {
            Some(o) => format!("{o}:{}", d.project_id),
            None => format!("{}:{}", d.host_with_port(), d.project_id),
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys.join(",")
}

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

/// Knobs for [`detect_with`]. The defaults are what the CLI uses.
#[derive(Debug, Clone)]
pub struct DetectOptions {
    /// Deepest file scanned, counted in path components below the root
    /// (`packages/web/src/lib/sentry.ts` is 5). DSNs sit in init/config files
    /// near package roots; the bound keeps huge trees cheap.
    pub max_depth: usize,
    /// Files larger than this are skipped (bundles, fixtures, lockfiles).
    pub max_file_size: u64,
    /// Walker threads; 0 picks the number of CPUs.
    pub threads: usize,
    /// Accept code DSNs for any host. Off by default: code DSNs must belong
    /// to the configured Sentry (`SENTRY_URL`/`SENTRY_HOST` in the env map)
    /// or to `*.sentry.io`, which keeps example and third-party DSNs out.
    pub any_code_host: bool,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            max_depth: 6,
            max_file_size: 1024 * 1024,
            threads: 0,
            any_code_host: false,
        }
    }
}

/// Directories never worth scanning: VCS data, dependencies, build output,
/// caches and vendored code. Their DSNs belong to somebody else.
const SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".idea",
    ".vscode",
    ".cursor",
    "node_modules",
    "bower_components",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    "venv",
    ".venv",
    "build",
    "target",
    ".gradle",
    "vendor",
    "third_party",
    "Pods",
    "Carthage",
    ".bundle",
    "dist",
    "out",
    ".next",
    ".nuxt",
    ".output",
    ".svelte-kit",
    "coverage",
    ".yarn",
    ".pnpm-store",
    ".terraform",
    ".cache",
    "DerivedData",
];

/// Extensions of source and config files that can hold a DSN.
const SCAN_EXTENSIONS: &[&str] = &[
    "ts",
    "tsx",
    "js",
    "jsx",
    "mjs",
    "cjs",
    "mts",
    "cts",
    "astro",
    "vue",
    "svelte",
    "py",
    "go",
    "rb",
    "erb",
    "php",
    "java",
    "kt",
    "kts",
    "scala",
    "groovy",
    "gradle",
    "cs",
    "fs",
    "vb",
    "cshtml",
    "razor",
    "rs",
    "swift",
    "m",
    "mm",
    "dart",
    "ex",
    "exs",
    "erl",
    "lua",
    "json",
    "yaml",
    "yml",
    "toml",
    "xml",
    "plist",
    "properties",
    "config",
    "ini",
    "cfg",
    "conf",
    "html",
    "htm",
    "tf",
];

/// Directories this deep (root = 0) are checked for `.env*` files.
const ENV_DIR_DEPTH: usize = 2;

/// Line prefixes that mark a commented-out DSN.
const COMMENT_PREFIXES: &[&str] = &["//", "#", "--", "<!--", "/*", "*", "'''", "\"\"\"", ";"];

fn dsn_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)https?://[a-z0-9]+(?::[a-z0-9]+)?@[a-z0-9.\-]+(?::[0-9]+)?(?:/[a-z0-9._~\-]+)*/[0-9]+",
        )
        .expect("static regex")
    })
}

/// Detects DSNs under `root` with the default options. `env` is a snapshot
/// of the process environment (only the DSN variables and
/// `SENTRY_URL`/`SENTRY_HOST` are consulted).
pub fn detect(root: &Path, env: &BTreeMap<String, String>) -> Detection {
    detect_with(root, env, &DetectOptions::default())
}

enum Found {
    Dir {
        rel: String,
        depth: usize,
        mtime: i64,
    },
    Code {
        rel: String,
        hits: Vec<(String, u32)>,
        mtime: i64,
    },
}

/// [`detect`] with explicit options.
pub fn detect_with(root: &Path, env: &BTreeMap<String, String>, opts: &DetectOptions) -> Detection {
    let host_rule = HostRule::from_env(env, opts.any_code_host);
    let scanned = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<Found>();

    let walker = WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .ignore(true)
        .parents(true)
        .follow_links(false)
        .max_depth(Some(opts.max_depth))
        .threads(opts.threads)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && e.depth() > 0
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| SKIP_DIRS.contains(&n)))
        })
        .build_parallel();

    walker.run(|| {
        let tx = tx.clone();
        let host_rule = &host_rule;
        let scanned = &scanned;
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                return WalkState::Continue;
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            let rel = rel_path(root, entry.path());
            if ft.is_dir() {
                let mtime = entry.metadata().ok().map_or(0, |m| mtime_ms(&m));
                let _ = tx.send(Found::Dir {
                    rel,
                    depth: entry.depth(),
                    mtime,
                });
            } else if ft.is_file() && should_scan(entry.path()) {
                scanned.fetch_add(1, Ordering::Relaxed);
                let hits = scan_file(entry.path(), opts.max_file_size, host_rule);
                if !hits.is_empty() {
                    let mtime = fs::metadata(entry.path()).map_or(0, |m| mtime_ms(&m));
                    let _ = tx.send(Found::Code { rel, hits, mtime });
                }
            }
            WalkState::Continue
        })
    });
    drop(tx);

    let mut stamp = CacheStamp {
        root: root.to_path_buf(),
        root_dir_mtime: fs::metadata(root).map_or(0, |m| mtime_ms(&m)),
        ..CacheStamp::default()
    };
    let mut env_dirs: Vec<String> = Vec::new();
    let mut code: Vec<(String, Vec<(String, u32)>)> = Vec::new();
    for found in rx {
        match found {
            Found::Dir { rel, depth, mtime } => {
                if depth <= ENV_DIR_DEPTH {
                    env_dirs.push(rel.clone());
                }
                stamp.dir_mtimes.insert(rel, mtime);
            }
            Found::Code { rel, hits, mtime } => {
                stamp.source_mtimes.insert(rel.clone(), mtime);
                code.push((rel, hits));
            }
        }
    }
    code.sort_by(|a, b| a.0.cmp(&b.0));
    env_dirs.sort_by(|a, b| (a != ".", a).cmp(&(b != ".", b)));

    let mut out = Collector::default();
    for (rel, hits) in code {
        let package_path = infer_package_path(&rel);
        for (raw, line) in hits {
            if let Ok(dsn) = Dsn::parse(&raw) {
                out.push(DetectedDsn {
                    dsn,
                    raw,
                    source: DsnSource::Code,
                    path: Some(rel.clone()),
                    line: Some(line),
                    env_var: None,
                    package_path: package_path.clone(),
                });
            }
        }
    }
    for dir in &env_dirs {
        scan_env_dir(root, dir, dir == ".", &mut out, &mut stamp);
    }
    for var in DSN_ENV_VARS {
        let Some(value) = env.get(var) else { continue };
        stamp.env_values.insert(var.to_string(), value.clone());
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match Dsn::parse(value) {
            Ok(dsn) => {
                out.push(DetectedDsn {
                    dsn,
                    raw: value.to_string(),
                    source: DsnSource::EnvVar,
                    path: None,
                    line: None,
                    env_var: Some(var.to_string()),
                    package_path: None,
                });
            }
            Err(error) => out.invalid.push(InvalidDsn {
                source: DsnSource::EnvVar,
                path: None,
                line: None,
                env_var: var.to_string(),
                error,
            }),
        }
    }

    let fingerprint = fingerprint(out.dsns.iter().map(|d| &d.dsn));
    Detection {
        dsns: out.dsns,
        invalid: out.invalid,
        fingerprint,
        stamp,
        files_scanned: scanned.load(Ordering::Relaxed),
    }
}

#[derive(Default)]
struct Collector {
    dsns: Vec<DetectedDsn>,
    invalid: Vec<InvalidDsn>,
    seen: HashSet<String>,
}

impl Collector {
    fn push(&mut self, d: DetectedDsn) -> bool {
        if self.seen.insert(d.raw.clone()) {
            self.dsns.push(d);
            true
        } else {
            false
        }
    }
}

/// Reads the `.env*` files of one directory in spec order. The root
/// contributes every DSN it has; a package directory contributes only its
/// first, so a package's `.env.production` does not add a second project.
fn scan_env_dir(
    root: &Path,
    dir: &str,
    is_root: bool,
    out: &mut Collector,
    stamp: &mut CacheStamp,
) {
    let dir_path = if is_root {
        root.to_path_buf()
    } else {
        root.join(dir)
    };
    let package_path = if is_root { None } else { Some(dir.to_string()) };
    for name in ENV_FILES {
        let path = dir_path.join(name);
        // `metadata` follows symlinks; requiring a regular file keeps named
        // pipes (1Password-style secret mounts) from blocking the read.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let rel = if is_root {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
        stamp.source_mtimes.insert(rel.clone(), mtime_ms(&meta));
        if meta.len() > 1024 * 1024 {
            continue;
        }
        let Ok(content) = fs::read(&path) else {
            continue;
        };
        let content = String::from_utf8_lossy(&content);
        let mut found_any = false;
        for (var, value, line) in env_file_entries(&content) {
            match Dsn::parse(&value) {
                Ok(dsn) => {
                    found_any |= out.push(DetectedDsn {
                        dsn,
                        raw: value,
                        source: DsnSource::EnvFile,
                        path: Some(rel.clone()),
                        line: Some(line),
                        env_var: Some(var),
                        package_path: package_path.clone(),
                    });
                }
                Err(error) => out.invalid.push(InvalidDsn {
                    source: DsnSource::EnvFile,
                    path: Some(rel.clone()),
                    line: Some(line),
                    env_var: var,
                    error,
                }),
            }
        }
        if found_any && !is_root {
            break;
        }
    }
}

/// `(variable, value, line)` for every DSN variable assigned in a dotenv
/// file. Handles `export`, quotes and trailing ` # comments`; empty values
/// are skipped (an unset placeholder, not a mistake).
pub fn env_file_entries(content: &str) -> Vec<(String, String, u32)> {
    let mut out = Vec::new();
    for (idx, line) in content.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").map_or(t, str::trim_start);
        let Some((key, value)) = t.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if !DSN_ENV_VARS.contains(&key) {
            continue;
        }
        let value = value.trim();
        let value = match value.chars().next() {
            Some(q @ ('"' | '\'')) => match value[1..].find(q) {
                Some(end) => &value[1..1 + end],
                None => continue,
            },
            _ => match value.find(" #") {
                Some(i) => value[..i].trim_end(),
                None => value,
            },
        };
        if value.is_empty() {
            continue;
        }
        out.push((key.to_string(), value.to_string(), idx as u32 + 1));
    }
    out
}

/// Which hosts code DSNs may point at.
enum HostRule {
    Any,
    /// `sentry.io` and its subdomains.
    Saas,
    /// The configured self-hosted `host[:port]` (and subdomains of its host).
    SelfHosted {
        host: String,
        port: Option<u16>,
    },
}

impl HostRule {
    fn from_env(env: &BTreeMap<String, String>, any: bool) -> HostRule {
        if any {
            return HostRule::Any;
        }
        let configured = ["SENTRY_URL", "SENTRY_HOST"]
            .iter()
            .filter_map(|k| env.get(*k))
            .map(|v| v.trim())
            .find(|v| !v.is_empty());
        let Some(configured) = configured else {
            return HostRule::Saas;
        };
        let with_scheme = if configured.contains("://") {
            configured.to_string()
        } else {
            format!("https://{configured}")
        };
        match url::Url::parse(&with_scheme) {
            Ok(u) => match u.host_str() {
                Some(h) if h == "sentry.io" || h.ends_with(".sentry.io") => HostRule::Saas,
                Some(h) => HostRule::SelfHosted {
                    host: h.to_ascii_lowercase(),
                    port: u.port(),
                },
                None => HostRule::Saas,
            },
            Err(_) => HostRule::Saas,
        }
    }

    fn accepts(&self, dsn: &Dsn) -> bool {
        let sub_or_eq = |h: &str, base: &str| h == base || h.ends_with(&format!(".{base}"));
        match self {
            HostRule::Any => true,
            HostRule::Saas => sub_or_eq(&dsn.host, "sentry.io"),
            HostRule::SelfHosted { host, port } => sub_or_eq(&dsn.host, host) && dsn.port == *port,
        }
    }
}

fn should_scan(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SCAN_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Finds DSNs in one file: `(raw, line)` pairs in file order. Binary files
/// (a NUL in the first 8 KiB) and files above the size limit yield nothing.
fn scan_file(path: &Path, max_size: u64, rule: &HostRule) -> Vec<(String, u32)> {
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    let mut buf = Vec::new();
    if file.take(max_size + 1).read_to_end(&mut buf).is_err() || buf.len() as u64 > max_size {
        return Vec::new();
    }
    scan_bytes(&buf, rule)
}

fn scan_bytes(buf: &[u8], rule: &HostRule) -> Vec<(String, u32)> {
    if memchr::memchr(0, &buf[..buf.len().min(8192)]).is_some() {
        return Vec::new();
    }
    let mut out: Vec<(String, u32)> = Vec::new();
    let mut last_line_start = usize::MAX;
    let (mut counted_upto, mut line_no) = (0usize, 1u32);
    for pos in memmem::find_iter(buf, b"://") {
        let line_start = memchr::memrchr(b'\n', &buf[..pos]).map_or(0, |i| i + 1);
        if line_start == last_line_start {
            continue;
        }
        last_line_start = line_start;
        let line_end = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |i| pos + i);
        let line = &buf[line_start..line_end];
        if memchr::memchr(b'@', line).is_none() {
            continue;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        let trimmed = text.trim_start();
        if COMMENT_PREFIXES.iter().any(|p| trimmed.starts_with(p)) {
            continue;
        }
        line_no += memchr::memchr_iter(b'\n', &buf[counted_upto..line_start]).count() as u32;
        counted_upto = line_start;
        for m in dsn_regex().find_iter(text) {
            let next = text[m.end()..].chars().next();
            if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let raw = m.as_str();
            if let Ok(dsn) = Dsn::parse(raw) {
                if rule.accepts(&dsn) && !out.iter().any(|(r, _)| r == raw) {
                    out.push((raw.to_string(), line_no));
                }
            }
        }
    }
    out
}

/// `packages/web/src/x.ts` → `packages/web`; `None` outside monorepo roots.
fn infer_package_path(rel: &str) -> Option<String> {
    let mut parts = rel.split('/');
    let (first, second, third) = (parts.next()?, parts.next()?, parts.next());
    if third.is_some() && MONOREPO_ROOTS.contains(&first) {
        Some(format!("{first}/{second}"))
    } else {
        None
    }
}

fn rel_path(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(p) if p.as_os_str().is_empty() => ".".to_string(),
        Ok(p) => p
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.to_string_lossy().into_owned(),
    }
}

fn mtime_ms(meta: &fs::Metadata) -> i64 {
    match meta.modified() {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        },
        Err(_) => 0,
    }
}

/// Re-checks a cached detection without walking the tree: every recorded
/// directory and file must still exist with the same mtime. A new file
/// changes its directory's mtime; an edited DSN file changes its own.
/// (An in-place edit that adds the first DSN to a previously DSN-free source
/// file is not seen; the cache's 24 h TTL bounds that.)
pub fn still_valid(cached: &CacheStamp) -> bool {
    let same =
        |path: &Path, expected: i64| fs::metadata(path).is_ok_and(|m| mtime_ms(&m) == expected);
    if !same(&cached.root, cached.root_dir_mtime) {
        return false;
    }
    cached.dir_mtimes.iter().all(|(rel, &m)| {
        let p = if rel == "." {
            cached.root.clone()
        } else {
            cached.root.join(rel)
        };
        same(&p, m)
    }) && cached
        .source_mtimes
        .iter()
        .all(|(rel, &m)| same(&cached.root.join(rel), m))
}

/// True when the DSN environment variables are as they were at detection
/// time; env-var DSNs are not covered by [`still_valid`].
pub fn env_unchanged(cached: &CacheStamp, env: &BTreeMap<String, String>) -> bool {
    DSN_ENV_VARS
        .iter()
        .all(|v| cached.env_values.get(*v) == env.get(*v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines() {
        let content = "# comment\nSENTRY_DSN=\n export  SENTRY_DSN=\"https://a@o1.ingest.sentry.io/1\" \n\
            VITE_SENTRY_DSN='https://b@o1.ingest.sentry.io/2'\nNEXT_PUBLIC_SENTRY_DSN=https://c@o1.ingest.sentry.io/3 # prod\n\
            OTHER_DSN=https://d@o1.ingest.sentry.io/4\nSENTRY_DSN=\"unterminated\n";
        assert_eq!(
            env_file_entries(content),
            vec![
                (
                    "SENTRY_DSN".into(),
                    "https://a@o1.ingest.sentry.io/1".into(),
                    3
                ),
                (
                    "VITE_SENTRY_DSN".into(),
                    "https://b@o1.ingest.sentry.io/2".into(),
                    4
                ),
                (
                    "NEXT_PUBLIC_SENTRY_DSN".into(),
                    "https://c@o1.ingest.sentry.io/3".into(),
                    5
                ),
            ]
        );
    }

    #[test]
    fn code_scan_finds_sdk_init_forms_and_skips_comments() {
        let src = "\
import * as Sentry from '@sentry/node';
// Sentry.init({ dsn: \"https://c0mment@o1.ingest.sentry.io/9\" })
Sentry.init({ dsn: \"https://aa11@o1.ingest.us.sentry.io/100\" });
sentry_sdk.init(dsn=\"https://bb22@o1.ingest.sentry.io/200\", traces_sample_rate=1.0)
SentrySdk.Init(o => o.Dsn = \"https://cc33@o2.ingest.de.sentry.io/300\");
sentry.Init(sentry.ClientOptions{Dsn: \"https://dd44@o1.ingest.sentry.io/400\"})
  \"dsn\": \"https://ee55@o1.ingest.sentry.io/500\",
SENTRY_DSN: https://ff66@o1.ingest.sentry.io/600
url = \"https://user@example.com/700\"
x = \"https://aa11@o1.ingest.us.sentry.io/100\"
y = \"https://gg77@o1.ingest.sentry.io/800abc\"
";
        let hits = scan_bytes(src.as_bytes(), &HostRule::Saas);
        assert_eq!(
            hits,
            vec![
                ("https://aa11@o1.ingest.us.sentry.io/100".to_string(), 3),
                ("https://bb22@o1.ingest.sentry.io/200".to_string(), 4),
                ("https://cc33@o2.ingest.de.sentry.io/300".to_string(), 5),
                ("https://dd44@o1.ingest.sentry.io/400".to_string(), 6),
                ("https://ee55@o1.ingest.sentry.io/500".to_string(), 7),
                ("https://ff66@o1.ingest.sentry.io/600".to_string(), 8),
            ]
        );
        let any = scan_bytes(b"url = \"https://user@example.com/700\"", &HostRule::Any);
        assert_eq!(any, vec![("https://user@example.com/700".to_string(), 1)]);
        let mut binary = b"\0\0".to_vec();
        binary.extend_from_slice(b"dsn: \"https://aa11@o1.ingest.sentry.io/100\"");
        assert!(scan_bytes(&binary, &HostRule::Any).is_empty());
    }

    #[test]
    fn fingerprint_is_order_independent_and_deduplicated() {
        let a = Dsn::parse("https://a@o1.ingest.sentry.io/2").unwrap();
        let b = Dsn::parse("https://b@sentry.example.com:9000/7").unwrap();
        let a2 = Dsn::parse("https://other@o1.ingest.us.sentry.io/2").unwrap();
        assert_eq!(fingerprint([&a, &b, &a2]), "1:2,sentry.example.com:9000:7");
        assert_eq!(fingerprint([&b, &a]), "1:2,sentry.example.com:9000:7");
        assert_eq!(fingerprint(std::iter::empty()), "");
    }

    #[test]
    fn detected_dsn_json_matches_upstream_keys_and_round_trips() {
        let d = DetectedDsn {
            dsn: Dsn::parse("https://k@o1.ingest.sentry.io/2").unwrap(),
            raw: "https://k@o1.ingest.sentry.io/2".into(),
            source: DsnSource::EnvFile,
            path: Some("apps/web/.env".into()),
            line: Some(3),
            env_var: Some("SENTRY_DSN".into()),
            package_path: Some("apps/web".into()),
        };
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(
            json,
            "{\"protocol\":\"https\",\"publicKey\":\"k\",\"host\":\"o1.ingest.sentry.io\",\"projectId\":\"2\",\
             \"orgId\":\"1\",\"raw\":\"https://k@o1.ingest.sentry.io/2\",\"source\":\"env_file\",\
             \"sourcePath\":\"apps/web/.env\",\"packagePath\":\"apps/web\",\"line\":3,\"envVar\":\"SENTRY_DSN\"}"
        );
        assert_eq!(serde_json::from_str::<DetectedDsn>(&json).unwrap(), d);
        assert!(serde_json::from_str::<DetectedDsn>(&json.replace("https://k@", "nope")).is_err());
    }

    #[test]
    fn package_paths() {
        assert_eq!(
            infer_package_path("packages/web/src/a.ts").as_deref(),
            Some("packages/web")
        );
        assert_eq!(
            infer_package_path("apps/api/.env").as_deref(),
            Some("apps/api")
        );
        assert_eq!(infer_package_path("packages/.env"), None);
        assert_eq!(infer_package_path("src/a.ts"), None);
    }
}
