//! The resolution itself: gather sources, then pick each value by precedence.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::dotenv::{effective_env, EnvMap};
use crate::files::{parse_properties, parse_sentryclirc, ConfigFile};
use crate::headers::{parse_header_list, parse_one_header};
use crate::settings::{ColorMode, LogLevel, Settings, DEFAULT_URL};
use crate::url::{is_saas_url, normalize_url};
use crate::{config_dir, parse_org_token, ConfigError, Inputs, OrgTokenClaims, Origin, Setting};

/// Where a config file was found; decides precedence and whether its URL is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Properties,
    Project,
    ConfigDir,
    Global,
}

struct Sources<'a> {
    inputs: &'a Inputs,
    env: EnvMap,
    /// `.env` found by the upward walk (a project file, unlike an explicitly named one).
    walked_dotenv: Option<PathBuf>,
    /// Highest precedence first.
    files: Vec<(FileKind, ConfigFile)>,
}

impl Sources<'_> {
    /// The variable, trimmed, if set to something non-blank.
    fn env(&self, name: &str) -> Option<Setting<String>> {
        let s = self.env.get(name)?;
        let v = s.value.trim();
        (!v.is_empty()).then(|| Setting::new(v.to_string(), s.origin.clone()))
    }

    /// `[section] key` from the highest-precedence file that sets it to something non-blank.
    fn file(&self, section: &str, key: &str) -> Option<(Setting<String>, &Path)> {
        self.files.iter().find_map(|(_, f)| {
            let e = f.get(section, key)?;
            let v = e.value.trim();
            (!v.is_empty()).then(|| {
                let origin = Origin::File {
                    path: f.path.clone(),
                    line: e.line,
                };
                (Setting::new(v.to_string(), origin), f.path.as_path())
            })
        })
    }

    fn file_value(&self, section: &str, key: &str) -> Option<Setting<String>> {
        self.file(section, key).map(|(s, _)| s)
    }

    fn cli_default(&self, key: &str) -> Option<Setting<String>> {
        let v = self
            .inputs
            .cli_defaults
            .get(&format!("defaults.{key}"))?
            .trim();
        (!v.is_empty()).then(|| Setting::new(v.to_string(), Origin::CliDefaults(key.to_string())))
    }

    fn flag(value: &Option<String>, name: &str) -> Option<Setting<String>> {
        let v = value.as_deref()?.trim();
        (!v.is_empty()).then(|| Setting::new(v.to_string(), Origin::Flag(name.to_string())))
    }

    /// Whether `origin` points into the project tree rather than at the user's own setup.
    fn is_project_origin(&self, origin: &Origin) -> bool {
        match origin {
            Origin::File { path, .. } | Origin::DotEnv { path, .. } => {
                self.project_files().any(|p| p == path)
            }
            _ => false,
        }
    }

    /// The files a cloned repository controls: project `.sentryclirc`/`sentrycli.ini` files
    /// of the upward walk, the `SENTRY_PROPERTIES` file, and a `.env` the walk found below
    /// `$HOME` (`~/.env` and files above it are the user's own; a file named by
    /// `SENTRY_DOTENV_PATH` was chosen by the user).
    fn project_files(&self) -> impl Iterator<Item = &Path> {
        let dotenv = self.walked_dotenv.as_deref().filter(|p| {
            let dir = p.parent().unwrap_or(Path::new("/"));
            !self
                .inputs
                .home
                .as_deref()
                .is_some_and(|h| h.starts_with(dir))
        });
        self.files
            .iter()
            .filter(|(k, _)| matches!(k, FileKind::Project | FileKind::Properties))
            .map(|(_, f)| f.path.as_path())
            .chain(dotenv)
    }

    /// `[section] key` from the user's own files (`$SENTRY_CONFIG_DIR/.sentryclirc`,
    /// `~/.sentryclirc` or the XDG file) when it equals `value` (as `same` compares them).
    fn user_file_with(
        &self,
        section: &str,
        key: &str,
        same: impl Fn(&str, &Path) -> bool,
    ) -> Option<Origin> {
        self.files
            .iter()
            .filter(|(k, _)| matches!(k, FileKind::ConfigDir | FileKind::Global))
            .find_map(|(_, f)| {
                let e = f.get(section, key)?;
                same(e.value.trim(), &f.path).then(|| Origin::File {
                    path: f.path.clone(),
                    line: e.line,
                })
            })
    }

    /// A connection setting a project file supplies counts as the user's own when the user's
    /// files set the same value: the origin then names the user's file, so the token rule
    /// (sentry-api `scope`) lets credentials travel through it.
    fn confirm_by_user(&self, s: Setting<String>, section: &str, key: &str) -> Setting<String> {
        if !self.is_project_origin(&s.origin) {
            return s;
        }
        match self.user_file_with(section, key, |v, _| v == s.value) {
            Some(origin) => Setting::new(s.value, origin),
            None => s,
        }
    }
}

/// Resolves every setting from `inputs`. Reads files but never the process environment.
pub fn resolve(inputs: &Inputs) -> Result<Settings, ConfigError> {
    let mut warnings = Vec::new();
    let (env, walked_dotenv) = effective_env(&inputs.env, &inputs.cwd, &mut warnings);
    let mut src = Sources {
        inputs,
        env,
        walked_dotenv,
        files: Vec::new(),
    };

    let cfg_dir = config_dir(&inputs.env, inputs.home.as_deref());
    let cfg_dir_origin = match inputs
        .env
        .get("SENTRY_CONFIG_DIR")
        .filter(|v| !v.trim().is_empty())
    {
        Some(_) => Origin::Env("SENTRY_CONFIG_DIR".into()),
        None => Origin::BuiltIn,
    };
    if let Some(s) = src
        .env
        .get("SENTRY_CONFIG_DIR")
        .filter(|s| matches!(s.origin, Origin::DotEnv { .. }))
    {
        warnings.push(format!(
            "SENTRY_CONFIG_DIR from {} is ignored: the config directory must be set in the real environment",
            s.origin
        ));
    }

    for (value, flag) in [
        (&inputs.flags.url, "url"),
        (&inputs.flags.auth_token, "auth-token"),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(ConfigError::EmptyFlag { flag });
        }
    }
    src.files = load_files(&src, &mut warnings)?;
    for (_, f) in &src.files {
        warnings.extend(f.warnings.iter().cloned());
    }

    // Tokens, highest precedence first.
    let mut tokens: Vec<Setting<String>> = Vec::new();
    tokens.extend(Sources::flag(&inputs.flags.auth_token, "--auth-token"));
    tokens.extend(src.env("SENTRY_AUTH_TOKEN"));
    tokens.extend(src.env("SENTRY_TOKEN"));
    for (_, f) in &src.files {
        if let Some(e) = f
            .get("auth", "token")
            .filter(|e| !e.value.trim().is_empty())
        {
            let origin = Origin::File {
                path: f.path.clone(),
                line: e.line,
            };
            tokens.push(Setting::new(e.value.trim().to_string(), origin));
        }
        if let Some(e) = f.get("auth", "api_key") {
            warnings.push(format!(
                "{}:{}: [auth] api_key is ignored: legacy API keys are no longer supported. Use [auth] token instead.",
                f.path.display(),
                e.line
            ));
        }
    }
    if let Some(k) = src.env("SENTRY_API_KEY") {
        warnings.push(format!(
            "SENTRY_API_KEY ({}) is ignored: legacy API keys are no longer supported. Use SENTRY_AUTH_TOKEN instead.",
            k.origin
        ));
    }
    let force_env_token = src.env("SENTRY_FORCE_ENV_TOKEN").is_some();
    let mut org_token: Option<OrgTokenClaims> = None;
    for (i, t) in tokens.iter().enumerate() {
        match parse_org_token(&t.value) {
            Ok(claims) if i == 0 => org_token = claims,
            Ok(_) => {}
            Err(ConfigError::InvalidOrgToken { reason, .. }) if i == 0 => {
                return Err(ConfigError::InvalidOrgToken {
                    origin: Some(t.origin.clone()),
                    reason,
                })
            }
            Err(e) => warnings.push(format!("Ignoring the token from {}: {e}", t.origin)),
        }
    }

    // URL.
    let (configured_url, url_scheme_implied) = resolve_url(&src)?;
    let mut token_warnings = Vec::new();
    let mut url = configured_url.clone();
    let mut url_from_project_file = src.is_project_origin(&configured_url.origin);
    if let (Some(claim), Some(tok)) = (
        org_token.as_ref().and_then(|c| c.url.as_ref()),
        tokens.first(),
    ) {
        if configured_url.origin != Origin::BuiltIn && &configured_url.value != claim {
            token_warnings.push(format!(
                "Using {claim} (embedded in the org auth token from {}) rather than {} from {}. To use {}, provide an auth token for it.",
                tok.origin, configured_url.value, configured_url.origin, configured_url.value
            ));
        }
        url = Setting::new(claim.clone(), Origin::OrgToken);
        url_from_project_file = false;
    }

    // Org and project.
    let (env_org, env_project) = env_org_project(&src, &mut warnings);
    let configured_org = Sources::flag(&inputs.flags.org, "--org")
        .or(env_org)
        .or_else(|| src.file_value("defaults", "org"))
        .or_else(|| src.cli_default("org"));
    let project = Sources::flag(&inputs.flags.project, "--project")
        .or(env_project)
        .or_else(|| src.file_value("defaults", "project"))
        .or_else(|| src.cli_default("project"));
    let mut org = configured_org.clone();
    if let (Some(claim), Some(tok)) = (
        org_token.as_ref().and_then(|c| c.org.as_ref()),
        tokens.first(),
    ) {
        if let Some(c) = configured_org.as_ref().filter(|c| &c.value != claim) {
            token_warnings.push(format!(
                "Using organization '{claim}' (embedded in the org auth token from {}) rather than '{}' from {}. To use '{}', provide an auth token for that organization.",
                tok.origin, c.value, c.origin, c.value
            ));
        }
        org = Some(Setting::new(claim.clone(), Origin::OrgToken));
    }

    let headers = resolve_headers(&src, &url.value, &mut warnings)?;

    // Proxy and TLS.
    let proxy_vars: &[&str] = if url.value.starts_with("https:") {
        &[
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "http_proxy",
        ]
    } else {
        &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    let proxy_url = proxy_vars.iter().find_map(|v| src.env(v)).or_else(|| {
        src.file_value("http", "proxy_url")
            .map(|s| src.confirm_by_user(s, "http", "proxy_url"))
    });
    let no_proxy = src
        .env("no_proxy")
        .or_else(|| src.env("NO_PROXY"))
        .map(|s| {
            s.map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect()
            })
        });
    let verify_ssl = match src
        .file_value("http", "verify_ssl")
        .map(|s| src.confirm_by_user(s, "http", "verify_ssl"))
    {
        Some(s) if s.value.eq_ignore_ascii_case("false") => {
            warnings.push(format!(
                "TLS certificate verification is disabled ([http] verify_ssl = false at {}). Connections can be intercepted; prefer [http] ca_cert for a private CA.",
                s.origin
            ));
            s.map(|_| false)
        }
        Some(s) if s.value.eq_ignore_ascii_case("true") => s.map(|_| true),
        Some(s) => {
            warnings.push(format!(
                "{}: [http] verify_ssl = '{}' is not true or false; certificate verification stays on",
                s.origin, s.value
            ));
            Setting::new(true, Origin::BuiltIn)
        }
        None => Setting::new(true, Origin::BuiltIn),
    };
    let check_ssl_revoke = src
        .file_value("http", "check_ssl_revoke")
        .map(|s| s.map(|v| !v.eq_ignore_ascii_case("false")))
        .unwrap_or(Setting::new(true, Origin::BuiltIn));
    let keepalive = match src.file_value("http", "keepalive") {
        Some(s) => s.map(|v| v == "true"),
        None => Setting::new(url.value.starts_with("https:"), Origin::BuiltIn),
    };
    let max_retries = resolve_max_retries(&src, &mut warnings);
    let http_timeout = number_setting(
        &src,
        &["SENTRY_HTTP_TIMEOUT"],
        Some(("http", "timeout")),
        1,
        40,
        &mut warnings,
    );
    let retry_delay_ms = number_setting(
        &src,
        &["SENTRY_HTTP_RETRY_DELAY_MS"],
        None,
        0,
        1000,
        &mut warnings,
    );
    let max_pagination_pages = number_setting(
        &src,
        &["SENTRY_MAX_PAGINATION_PAGES"],
        None,
        1,
        50,
        &mut warnings,
    );
    let ca_certs = resolve_ca_certs(&src);

    let log_level = resolve_log_level(&src, &mut warnings)?;
    let color = resolve_color(&src);
    let json_output = match src.env.get("SENTRY_OUTPUT_FORMAT") {
        Some(s) => Setting::new(
            s.value.trim().eq_ignore_ascii_case("json"),
            s.origin.clone(),
        ),
        None => Setting::new(false, Origin::BuiltIn),
    };
    let disable_update_check = match src.env("SENTRY_DISABLE_UPDATE_CHECK") {
        Some(s) => s.map(|v| v == "1" || v.eq_ignore_ascii_case("true")),
        None => src
            .file_value("update", "disable_check")
            .map(|s| s.map(|v| v.eq_ignore_ascii_case("true")))
            .unwrap_or(Setting::new(false, Origin::BuiltIn)),
    };
    let no_progress_bar = ["SENTRY_NO_PROGRESS_BAR", "SENTRYCLI_NO_PROGRESS_BAR"]
        .iter()
        .find_map(|v| src.env(v).filter(|s| s.value == "1"))
        .map(|s| s.map(|_| true))
        .unwrap_or(Setting::new(false, Origin::BuiltIn));
    let dif_max_item_size = size_setting(&src, "max_item_size", &mut warnings)
        .unwrap_or(Setting::new(1_048_576, Origin::BuiltIn));
    let dif_max_upload_size = size_setting(&src, "max_upload_size", &mut warnings);

    Ok(Settings {
        url,
        configured_url,
        url_scheme_implied,
        url_from_project_file,
        project_files: src.project_files().map(Path::to_path_buf).collect(),
        org,
        configured_org,
        project,
        tokens,
        org_token,
        force_env_token,
        token_warnings,
        headers,
        dsn: src
            .env("SENTRY_DSN")
            .or_else(|| src.file_value("auth", "dsn")),
        vcs_remote: src
            .env("SENTRY_VCS_REMOTE")
            .or_else(|| src.file_value("defaults", "vcs_remote"))
            .unwrap_or(Setting::new("origin".into(), Origin::BuiltIn)),
        pipeline: src
            .env("SENTRY_PIPELINE")
            .or_else(|| src.file_value("defaults", "pipeline")),
        client_id: src.env("SENTRY_CLIENT_ID"),
        setup_code: src
            .env(crate::SETUP_CODE_ENV)
            .filter(|s| matches!(s.origin, Origin::Env(_))),
        proxy_url,
        proxy_username: src.file_value("http", "proxy_username"),
        proxy_password: src.file_value("http", "proxy_password"),
        no_proxy,
        verify_ssl,
        check_ssl_revoke,
        ca_certs,
        max_retries,
        http_timeout,
        retry_delay_ms,
        max_pagination_pages,
        keepalive,
        log_level,
        color,
        json_output,
        disable_update_check,
        no_progress_bar,
        dif_max_item_size,
        dif_max_upload_size,
        device_family: src
            .env("DEVICE_FAMILY")
            .or_else(|| src.file_value("device", "family")),
        device_model: src
            .env("DEVICE_MODEL")
            .or_else(|| src.file_value("device", "model")),
        config_dir: Setting::new(cfg_dir, cfg_dir_origin),
        config_files: src.files.iter().map(|(_, f)| f.path.clone()).collect(),
        warnings,
        env: src.env,
    })
}

/// Reads `SENTRY_PROPERTIES`, the project files found walking up from `cwd` (closest first),
/// then the global files — highest precedence first.
fn load_files(
    src: &Sources,
    warnings: &mut Vec<String>,
) -> Result<Vec<(FileKind, ConfigFile)>, ConfigError> {
    let inputs = src.inputs;
    let mut files = Vec::new();
    if let Some(p) = src.env("SENTRY_PROPERTIES") {
        let path = inputs.cwd.join(&p.value);
        match std::fs::read(&path) {
            Ok(bytes) => files.push((FileKind::Properties, parse_properties(&path, &bytes)?)),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                warnings.push(format!("Failed to find file referenced by SENTRY_PROPERTIES ({})", path.display()))
            }
            Err(e) => {
                return Err(ConfigError::Io {
                    path,
                    message: format!("Could not load java style properties file referenced by SENTRY_PROPERTIES: {e}"),
                })
            }
        }
    }

    let config_dir_rc = inputs
        .env
        .get("SENTRY_CONFIG_DIR")
        .filter(|v| !v.trim().is_empty())
        .map(|d| PathBuf::from(d).join(".sentryclirc"));
    let home_rc = inputs.home.as_ref().map(|h| h.join(".sentryclirc"));
    let xdg_rc = src
        .env("XDG_CONFIG_HOME")
        .map(|s| PathBuf::from(s.value))
        .filter(|p| p.is_absolute())
        .or_else(|| inputs.home.as_ref().map(|h| h.join(".config")))
        .map(|d| d.join("sentry").join("sentrycli.ini"));
    let globals: Vec<&PathBuf> = [&config_dir_rc, &home_rc, &xdg_rc]
        .into_iter()
        .flatten()
        .collect();
    let is_global = |p: &Path| {
        globals
            .iter()
            .any(|g| g.as_path() == p || (canonical(g).is_some() && canonical(g) == canonical(p)))
    };

    for dir in inputs.cwd.ancestors() {
        let found = [".sentryclirc", "sentrycli.ini"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file());
        if let Some(path) = found.filter(|p| !is_global(p)) {
            if let Some(f) = read_rc(&path, warnings)? {
                files.push((FileKind::Project, f));
            }
        }
    }
    if let Some(path) = config_dir_rc.filter(|p| p.is_file()) {
        if let Some(f) = read_rc(&path, warnings)? {
            files.push((FileKind::ConfigDir, f));
        }
    }
    let global = home_rc
        .filter(|p| p.is_file())
        .or(xdg_rc.filter(|p| p.is_file()));
    if let Some(path) = global {
        if let Some(f) = read_rc(&path, warnings)? {
            files.push((FileKind::Global, f));
        }
    }
    // The same file reached twice (e.g. SENTRY_CONFIG_DIR = $HOME) is read once.
    let mut seen: Vec<PathBuf> = Vec::new();
    files.retain(|(_, f)| {
        let key = canonical(&f.path).unwrap_or_else(|| f.path.clone());
        let fresh = !seen.contains(&key);
        seen.push(key);
        fresh
    });
    Ok(files)
}

fn canonical(p: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(p).ok()
}

/// Unreadable files are skipped with a warning (as upstream skips EACCES); unparsable ones
/// are errors.
fn read_rc(path: &Path, warnings: &mut Vec<String>) -> Result<Option<ConfigFile>, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| ConfigError::Io {
                path: path.to_path_buf(),
                message: "the file is not valid UTF-8".into(),
            })?;
            parse_sentryclirc(path, &text).map(Some)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            warnings.push(format!("Skipping {}: permission denied", path.display()));
            Ok(None)
        }
        Err(e) => Err(ConfigError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

/// `--url` > `SENTRY_HOST` > `SENTRY_URL` > files `[defaults] url` > `cli defaults url` >
/// built-in. Only the winning value is validated. The flag says whether `https://` was
/// assumed for a bare `host[:port]` (a plain-HTTP server then fails the TLS handshake, and
/// the error should suggest `http://`).
fn resolve_url(src: &Sources) -> Result<(Setting<String>, bool), ConfigError> {
    let found = Sources::flag(&src.inputs.flags.url, "--url")
        .or_else(|| src.env("SENTRY_HOST"))
        .or_else(|| src.env("SENTRY_URL"))
        .or_else(|| src.file_value("defaults", "url"))
        .or_else(|| src.cli_default("url"));
    match found {
        None => Ok((
            Setting::new(DEFAULT_URL.to_string(), Origin::BuiltIn),
            false,
        )),
        Some(s) => match normalize_url(&s.value) {
            Ok(v) => Ok((Setting::new(v, s.origin), !s.value.contains("://"))),
            // A password typed into the URL is masked where errors are printed (the binary
            // scrubs every message), like every other secret.
            Err(reason) => Err(ConfigError::InvalidUrl {
                value: s.value,
                origin: s.origin,
                reason,
            }),
        },
    }
}

/// `SENTRY_PROJECT=org/project` sets both (and `SENTRY_ORG` is ignored); a malformed combo is
/// dropped with a warning and `SENTRY_ORG` applies alone.
fn env_org_project(
    src: &Sources,
    warnings: &mut Vec<String>,
) -> (Option<Setting<String>>, Option<Setting<String>>) {
    let env_org = src.env("SENTRY_ORG");
    let Some(p) = src.env("SENTRY_PROJECT") else {
        return (env_org, None);
    };
    let Some((o, pr)) = p.value.split_once('/') else {
        return (env_org, Some(p));
    };
    let (o, pr) = (o.trim(), pr.trim());
    if o.is_empty() || pr.is_empty() || pr.contains('/') {
        warnings.push(format!(
            "Ignoring SENTRY_PROJECT '{}' ({}): expected <project> or <org>/<project>",
            p.value, p.origin
        ));
        return (env_org, None);
    }
    (
        Some(Setting::new(o.to_string(), p.origin.clone())),
        Some(Setting::new(pr.to_string(), p.origin)),
    )
}

/// Custom headers. Two families: sentry-cli's single header (`--header` flags, which replace
/// `CUSTOM_HEADER`, which beats `[defaults] custom_header`) and upstream `sentry`'s list
/// (`SENTRY_CUSTOM_HEADERS`, else `cli defaults headers`, self-hosted only). A name set by
/// several sources is taken from the highest: flags > SENTRY_CUSTOM_HEADERS > CUSTOM_HEADER >
/// file > cli defaults.
fn resolve_headers(
    src: &Sources,
    url: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<Setting<(String, String)>>, ConfigError> {
    let mut ranked: Vec<(u8, Setting<(String, String)>)> = Vec::new();
    let flags = &src.inputs.flags.headers;
    if !flags.is_empty() {
        for h in flags {
            ranked.push((
                0,
                Setting::new(
                    parse_one_header(h, "--header")?,
                    Origin::Flag("--header".into()),
                ),
            ));
        }
    } else if let Some(s) = src.env("CUSTOM_HEADER") {
        ranked.push((
            2,
            Setting::new(parse_one_header(&s.value, "CUSTOM_HEADER")?, s.origin),
        ));
    } else if let Some(s) = src.file_value("defaults", "custom_header") {
        let label = format!("[defaults] custom_header ({})", s.origin);
        ranked.push((
            3,
            Setting::new(parse_one_header(&s.value, &label)?, s.origin),
        ));
    }
    let list = match src.env("SENTRY_CUSTOM_HEADERS") {
        Some(s) => Some((
            1,
            parse_header_list(&s.value, "SENTRY_CUSTOM_HEADERS")?,
            s.origin,
            "SENTRY_CUSTOM_HEADERS",
        )),
        None => match src.cli_default("headers") {
            Some(s) => Some((
                4,
                parse_header_list(&s.value, "cli defaults headers")?,
                s.origin,
                "cli defaults headers",
            )),
            None => None,
        },
    };
    if let Some((rank, list, origin, label)) = list {
        if is_saas_url(url) {
            if !list.is_empty() {
                warnings.push(format!(
                    "{label} is set but no self-hosted Sentry instance is configured. Headers will be ignored."
                ));
            }
        } else {
            ranked.extend(
                list.into_iter()
                    .map(|h| (rank, Setting::new(h, origin.clone()))),
            );
        }
    }
    ranked.sort_by_key(|(rank, _)| *rank);
    let mut winners: BTreeMap<String, (u8, Origin)> = BTreeMap::new();
    let mut out = Vec::new();
    for (rank, h) in ranked {
        let name = h.value.0.to_ascii_lowercase();
        match winners.get(&name) {
            Some((r, o)) if *r != rank => {
                warnings.push(format!(
                    "Header '{}' from {} is overridden by the one from {o}",
                    h.value.0, h.origin
                ));
            }
            _ => {
                winners.insert(name, (rank, h.origin.clone()));
                out.push(h);
            }
        }
    }
    Ok(out)
}

fn resolve_max_retries(src: &Sources, warnings: &mut Vec<String>) -> Setting<u32> {
    if let Some(s) = src.env("SENTRY_HTTP_MAX_RETRIES") {
        match s.value.parse::<u32>() {
            Ok(n) => return Setting::new(n, s.origin),
            Err(e) => warnings.push(format!(
                "Ignoring invalid SENTRY_HTTP_MAX_RETRIES environment variable ({}): {e}",
                s.origin
            )),
        }
    }
    if let Some(s) = src.file_value("http", "max_retries") {
        match s.value.parse::<u32>() {
            Ok(n) => return Setting::new(n, s.origin),
            Err(e) => warnings.push(format!(
                "Ignoring invalid [http] max_retries at {}: {e}",
                s.origin
            )),
        }
    }
    Setting::new(5, Origin::BuiltIn)
}

/// Extra CA files from every source (they add to each other). A relative path in a file is
/// relative to that file's directory; `~/` is expanded.
fn resolve_ca_certs(src: &Sources) -> Vec<Setting<PathBuf>> {
    let home = src.inputs.home.as_deref();
    let absolute = |raw: &str, base: &Path| -> PathBuf {
        match (raw.strip_prefix("~/"), home) {
            (Some(rest), Some(h)) => h.join(rest),
            _ => base.join(raw),
        }
    };
    let mut out: Vec<Setting<PathBuf>> = Vec::new();
    if let Some((s, file)) = src.file("http", "ca_cert") {
        let base = file.parent().unwrap_or(Path::new("/"));
        let path = absolute(&s.value, base);
        // A project file's CA counts as the user's when their own file names the same file.
        let origin = if src.is_project_origin(&s.origin) {
            src.user_file_with("http", "ca_cert", |v, f| {
                absolute(v, f.parent().unwrap_or(Path::new("/"))) == path
            })
            .unwrap_or(s.origin)
        } else {
            s.origin
        };
        out.push(Setting::new(path, origin));
    }
    if let Some(s) = src.env("SSL_CERT_FILE") {
        out.push(Setting::new(absolute(&s.value, &src.inputs.cwd), s.origin));
    }
    if let Some(s) = src.cli_default("ca-cert") {
        out.push(Setting::new(absolute(&s.value, &src.inputs.cwd), s.origin));
    }
    let mut seen = Vec::new();
    out.retain(|s| {
        let fresh = !seen.contains(&s.value);
        seen.push(s.value.clone());
        fresh
    });
    out
}

/// A bad `--log-level` is an error (the user just typed it); a bad env or file value warns and
/// falls back, as both upstream CLIs do.
fn resolve_log_level(
    src: &Sources,
    warnings: &mut Vec<String>,
) -> Result<Setting<LogLevel>, ConfigError> {
    if let Some(s) = Sources::flag(&src.inputs.flags.log_level, "--log-level") {
        return match LogLevel::parse(&s.value) {
            Some(l) => Ok(Setting::new(l, s.origin)),
            None => Err(ConfigError::InvalidLogLevel {
                value: s.value,
                origin: s.origin,
            }),
        };
    }
    for s in [src.env("SENTRY_LOG_LEVEL"), src.file_value("log", "level")]
        .into_iter()
        .flatten()
    {
        match LogLevel::parse(&s.value) {
            Some(l) => return Ok(Setting::new(l, s.origin)),
            None => warnings.push(format!(
                "Ignoring invalid log level '{}' from {}. Valid levels: error, warn, log, info, debug, trace, off.",
                s.value, s.origin
            )),
        }
    }
    Ok(Setting::new(LogLevel::Warn, Origin::BuiltIn))
}

fn resolve_color(src: &Sources) -> Setting<ColorMode> {
    color_mode(|name| src.env.get(name).cloned(), src.inputs.stdout_is_tty)
}

/// Plain or rich terminal output, first rule that applies: `SENTRY_PLAIN_OUTPUT` (`0`,
/// `false` or empty → rich, anything else → plain) > `NO_COLOR` (non-empty → plain) >
/// `FORCE_COLOR` (only when stdout is a terminal; `0` → plain, other non-empty → rich) >
/// stdout is a terminal → rich, else plain.
///
/// Public because the renderer must decide before any config file is read (it runs even when
/// settings resolution fails); both then follow the one rule.
pub fn color_mode(
    lookup: impl Fn(&str) -> Option<Setting<String>>,
    stdout_is_tty: bool,
) -> Setting<ColorMode> {
    if let Some(s) = lookup("SENTRY_PLAIN_OUTPUT") {
        let v = s.value.trim().to_ascii_lowercase();
        let plain = !(v.is_empty() || v == "0" || v == "false");
        let mode = if plain {
            ColorMode::Plain
        } else {
            ColorMode::Rich
        };
        return Setting::new(mode, s.origin);
    }
    if let Some(s) = lookup("NO_COLOR").filter(|s| !s.value.is_empty()) {
        return Setting::new(ColorMode::Plain, s.origin);
    }
    if stdout_is_tty {
        if let Some(s) = lookup("FORCE_COLOR").filter(|s| !s.value.is_empty()) {
            let mode = if s.value.trim() == "0" {
                ColorMode::Plain
            } else {
                ColorMode::Rich
            };
            return Setting::new(mode, s.origin);
        }
        return Setting::new(ColorMode::Rich, Origin::BuiltIn);
    }
    Setting::new(ColorMode::Plain, Origin::BuiltIn)
}

/// `[dif] <key>`, falling back to the legacy `[dsym] <key>`.
fn size_setting(src: &Sources, key: &str, warnings: &mut Vec<String>) -> Option<Setting<u64>> {
    let s = src
        .file_value("dif", key)
        .or_else(|| src.file_value("dsym", key))?;
    match s.value.parse::<u64>() {
        Ok(n) => Some(Setting::new(n, s.origin)),
        Err(e) => {
            warnings.push(format!(
                "Ignoring invalid {key} '{}' at {}: {e}",
                s.value, s.origin
            ));
            None
        }
    }
}

/// A whole number from the first variable of `vars` that is set, else `[section] key` of the
/// files, else `default`; values below `min` or not numbers warn and fall back.
fn number_setting(
    src: &Sources,
    vars: &[&str],
    file_key: Option<(&str, &str)>,
    min: u64,
    default: u64,
    warnings: &mut Vec<String>,
) -> Setting<u64> {
    let candidates = vars
        .iter()
        .filter_map(|v| src.env(v).map(|s| (s, v.to_string())))
        .chain(file_key.and_then(|(section, key)| {
            src.file_value(section, key)
                .map(|s| (s, format!("[{section}] {key}")))
        }));
    for (s, name) in candidates {
        match s.value.parse::<u64>() {
            Ok(n) if n >= min => return Setting::new(n, s.origin),
            _ => warnings.push(format!(
                "Ignoring invalid {name} '{}' ({}): expected a whole number of at least {min}",
                s.value, s.origin
            )),
        }
    }
    Setting::new(default, Origin::BuiltIn)
}
