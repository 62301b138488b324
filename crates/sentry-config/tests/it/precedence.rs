//! The precedence matrix: one row per rule. Each row writes its files into a fresh temp tree
//! (`{root}/home` is HOME, cwd defaults to `{root}/home/work/app/sub`), resolves, and checks
//! the value AND the origin of url / org / project / token candidates.

use std::collections::BTreeMap;
use std::path::Path;

use sentry_config::{resolve, FlagValues, Inputs, Settings};

const ORG_TOKEN: &str = "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";

struct Row {
    name: &'static str,
    /// `(path relative to root, contents)`.
    files: &'static [(&'static str, &'static str)],
    env: &'static [(&'static str, &'static str)],
    /// `(flag, value)`: url, auth-token, org, project.
    flags: &'static [(&'static str, &'static str)],
    cli_defaults: &'static [(&'static str, &'static str)],
    /// Relative to root; empty = `home/work/app/sub`.
    cwd: &'static str,
    /// `(field, value, origin)`; value `-` = unset. Fields: url, configured_url, org, project,
    /// token0.., tokens (count), project_file (url_from_project_file).
    expect: &'static [(&'static str, &'static str, &'static str)],
    /// Substrings that must appear in warnings or token_warnings.
    warnings: &'static [&'static str],
}

const ROWS: &[Row] = &[
    Row {
        name: "built-in defaults",
        files: &[],
        env: &[],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("url", "https://sentry.io", "default"),
            ("org", "-", ""),
            ("project", "-", ""),
            ("tokens", "0", ""),
            ("project_file", "false", ""),
        ],
        warnings: &[],
    },
    Row {
        name: "flag over env",
        files: &[],
        env: &[("SENTRY_URL", "http://env.example:2"), ("SENTRY_ORG", "envorg"), ("SENTRY_PROJECT", "envproj")],
        flags: &[("url", "http://flag.example:1/"), ("org", "flagorg"), ("project", "flagproj")],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("url", "http://flag.example:1", "flag --url"),
            ("org", "flagorg", "flag --org"),
            ("project", "flagproj", "flag --project"),
        ],
        warnings: &[],
    },
    Row {
        name: "SENTRY_HOST over SENTRY_URL",
        files: &[],
        env: &[("SENTRY_URL", "http://url.example"), ("SENTRY_HOST", "host.example")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[("url", "https://host.example", "env SENTRY_HOST")],
        warnings: &[],
    },
    Row {
        name: "env over rc",
        files: &[("home/work/app/.sentryclirc", "[defaults]\norg = rcorg\nurl = http://rc.example\n")],
        env: &[("SENTRY_ORG", "envorg"), ("SENTRY_URL", "http://env.example")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("url", "http://env.example", "env SENTRY_URL"),
            ("org", "envorg", "env SENTRY_ORG"),
            ("project_file", "false", ""),
        ],
        warnings: &[],
    },
    Row {
        name: "closer rc wins per key, farther fills gaps",
        files: &[
            ("home/work/.sentryclirc", "[defaults]\norg = far\nproject = farproj\n"),
            ("home/work/app/.sentryclirc", "# near\n[defaults]\nproject = near\n"),
        ],
        env: &[],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("org", "far", "{root}/home/work/.sentryclirc:2"),
            ("project", "near", "{root}/home/work/app/.sentryclirc:3"),
        ],
        warnings: &[],
    },
    Row {
        name: ".sentryclirc beats sentrycli.ini in the same directory; ini used alone",
        files: &[
            ("home/work/app/.sentryclirc", "[defaults]\norg = rc\n"),
            ("home/work/app/sentrycli.ini", "[defaults]\norg = ini\nproject = iniproj\n"),
            ("home/work/sentrycli.ini", "[defaults]\nproject = upper\nurl = http://upper.example\n"),
        ],
        env: &[],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("org", "rc", "{root}/home/work/app/.sentryclirc:2"),
            ("project", "upper", "{root}/home/work/sentrycli.ini:2"),
            ("url", "http://upper.example", "{root}/home/work/sentrycli.ini:3"),
            ("project_file", "true", ""),
        ],
        warnings: &[],
    },
    Row {
        name: "global ~/.sentryclirc fallback (not a project file even though the walk passes it)",
        files: &[("home/.sentryclirc", "[defaults]\norg = global\nurl = http://global.example\n")],
        env: &[],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("org", "global", "{root}/home/.sentryclirc:2"),
            ("url", "http://global.example", "{root}/home/.sentryclirc:3"),
            ("project_file", "false", ""),
        ],
        warnings: &[],
    },
    Row {
        name: "XDG sentrycli.ini when ~/.sentryclirc is absent",
        files: &[("xdg/sentry/sentrycli.ini", "[defaults]\norg = xdg\n")],
        env: &[("XDG_CONFIG_HOME", "{root}/xdg")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[("org", "xdg", "{root}/xdg/sentry/sentrycli.ini:2")],
        warnings: &[],
    },
    Row {
        name: "XDG ignored when ~/.sentryclirc exists",
        files: &[
            ("xdg/sentry/sentrycli.ini", "[defaults]\norg = xdg\nproject = xdgproj\n"),
            ("home/.sentryclirc", "[defaults]\norg = home\n"),
        ],
        env: &[("XDG_CONFIG_HOME", "{root}/xdg")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[("org", "home", "{root}/home/.sentryclirc:2"), ("project", "-", "")],
        warnings: &[],
    },
    Row {
        name: "$SENTRY_CONFIG_DIR/.sentryclirc beats ~/.sentryclirc, project beats both",
        files: &[
            ("cfg/.sentryclirc", "[defaults]\norg = cfg\nproject = cfgproj\n"),
            ("home/.sentryclirc", "[defaults]\norg = home\nproject = homeproj\nurl = http://home.example\n"),
            ("home/work/.sentryclirc", "[defaults]\nproject = proj\n"),
        ],
        env: &[("SENTRY_CONFIG_DIR", "{root}/cfg")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("org", "cfg", "{root}/cfg/.sentryclirc:2"),
            ("project", "proj", "{root}/home/work/.sentryclirc:2"),
            ("url", "http://home.example", "{root}/home/.sentryclirc:4"),
        ],
        warnings: &[],
    },
    Row {
        name: "SENTRY_PROPERTIES beats rc files, env beats properties",
        files: &[
            ("home/work/app/.sentryclirc", "[defaults]\norg = rc\nproject = rcproj\n[auth]\ntoken = rctoken\n"),
            ("props/sentry.properties", "# android\ndefaults.org=props\ndefaults.project=propsproj\nauth.token=propstoken\n"),
        ],
        env: &[("SENTRY_PROPERTIES", "{root}/props/sentry.properties"), ("SENTRY_PROJECT", "envproj")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("org", "props", "{root}/props/sentry.properties:2"),
            ("project", "envproj", "env SENTRY_PROJECT"),
            ("tokens", "2", ""),
            ("token0", "propstoken", "{root}/props/sentry.properties:4"),
            ("token1", "rctoken", "{root}/home/work/app/.sentryclirc:5"),
        ],
        warnings: &[],
    },
    Row {
        name: "relative SENTRY_PROPERTIES is relative to cwd; missing file only warns",
        files: &[],
        env: &[("SENTRY_PROPERTIES", "nope.properties")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[("org", "-", "")],
        warnings: &["Failed to find file referenced by SENTRY_PROPERTIES ({root}/home/work/app/sub/nope.properties)"],
    },
    Row {
        name: ".env does not override the real environment",
        files: &[("home/work/app/.env", "SENTRY_ORG=dotenv\nSENTRY_PROJECT=dotproj\n")],
        env: &[("SENTRY_ORG", "real")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("org", "real", "env SENTRY_ORG"),
            ("project", "dotproj", "{root}/home/work/app/.env:2"),
        ],
        warnings: &[],
    },
    Row {
        name: ".env counts as environment (beats rc); a walked .env URL is a project file",
        files: &[
            ("home/work/app/.env", "# comment\nexport SENTRY_URL=http://dotenv.example\n"),
            ("home/work/app/.sentryclirc", "[defaults]\nurl = http://rc.example\n"),
        ],
        env: &[],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("url", "http://dotenv.example", "{root}/home/work/app/.env:2"),
            ("project_file", "true", ""),
        ],
        warnings: &[],
    },
    Row {
        name: "SENTRY_DOTENV_PATH loads that file with override; SENTRY_DOTENV_PATHS later wins",
        files: &[
            ("envs/a.env", "SENTRY_ORG=a\nSENTRY_PROJECT=a\n"),
            ("envs/b.env", "SENTRY_PROJECT=b\n"),
            ("home/work/app/.env", "SENTRY_URL=http://walked.example\n"),
        ],
        env: &[("SENTRY_DOTENV_PATHS", " {root}/envs/a.env, ,{root}/envs/b.env"), ("SENTRY_ORG", "real")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("org", "a", "{root}/envs/a.env:1"),
            ("project", "b", "{root}/envs/b.env:1"),
            ("url", "https://sentry.io", "default"),
        ],
        warnings: &[],
    },
    Row {
        name: "SENTRY_LOAD_DOTENV=0 disables .env",
        files: &[("home/work/app/.env", "SENTRY_ORG=dotenv\n")],
        env: &[("SENTRY_LOAD_DOTENV", "0")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[("org", "-", "")],
        warnings: &[],
    },
    Row {
        name: "SENTRY_PROJECT=org/project sets both and ignores SENTRY_ORG",
        files: &[],
        env: &[("SENTRY_PROJECT", "combo-org/combo-proj"), ("SENTRY_ORG", "other")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("org", "combo-org", "env SENTRY_PROJECT"),
            ("project", "combo-proj", "env SENTRY_PROJECT"),
        ],
        warnings: &[],
    },
    Row {
        name: "--org beats the SENTRY_PROJECT combo's org",
        files: &[],
        env: &[("SENTRY_PROJECT", "combo-org/combo-proj")],
        flags: &[("org", "flagorg")],
        cli_defaults: &[],
        cwd: "",
        expect: &[("org", "flagorg", "flag --org"), ("project", "combo-proj", "env SENTRY_PROJECT")],
        warnings: &[],
    },
    Row {
        name: "malformed SENTRY_PROJECT combo is dropped, SENTRY_ORG applies alone",
        files: &[("home/work/.sentryclirc", "[defaults]\nproject = rcproj\n")],
        env: &[("SENTRY_PROJECT", "/proj"), ("SENTRY_ORG", "envorg")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[("org", "envorg", "env SENTRY_ORG"), ("project", "rcproj", "{root}/home/work/.sentryclirc:2")],
        warnings: &["Ignoring SENTRY_PROJECT '/proj' (env SENTRY_PROJECT)"],
    },
    Row {
        name: "cli defaults are the lowest configured layer",
        files: &[("home/.sentryclirc", "[defaults]\nproject = rcproj\n")],
        env: &[],
        flags: &[],
        cli_defaults: &[
            ("defaults.org", "cdorg"),
            ("defaults.project", "cdproj"),
            ("defaults.url", "self.example.com"),
        ],
        cwd: "",
        expect: &[
            ("org", "cdorg", "cli defaults org"),
            ("project", "rcproj", "{root}/home/.sentryclirc:2"),
            ("url", "https://self.example.com", "cli defaults url"),
        ],
        warnings: &[],
    },
    Row {
        name: "org token claims beat configured url and org, with warnings naming both",
        files: &[],
        env: &[("SENTRY_AUTH_TOKEN", ORG_TOKEN), ("SENTRY_URL", "http://other.example:1"), ("SENTRY_ORG", "other")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("url", "http://127.0.0.1:9000", "org auth token"),
            ("configured_url", "http://other.example:1", "env SENTRY_URL"),
            ("org", "acme", "org auth token"),
            ("token0", ORG_TOKEN, "env SENTRY_AUTH_TOKEN"),
        ],
        warnings: &[
            "Using http://127.0.0.1:9000 (embedded in the org auth token from env SENTRY_AUTH_TOKEN) rather than http://other.example:1 from env SENTRY_URL. To use http://other.example:1, provide an auth token for it.",
            "Using organization 'acme' (embedded in the org auth token from env SENTRY_AUTH_TOKEN) rather than 'other' from env SENTRY_ORG.",
        ],
    },
    Row {
        name: "org token claims fill an empty configuration silently",
        files: &[],
        env: &[],
        flags: &[("auth-token", ORG_TOKEN)],
        cli_defaults: &[],
        cwd: "",
        expect: &[("url", "http://127.0.0.1:9000", "org auth token"), ("org", "acme", "org auth token")],
        warnings: &[],
    },
    Row {
        name: "token candidates in precedence order",
        files: &[
            ("home/.sentryclirc", "[auth]\ntoken = globaltok\n"),
            ("home/work/app/.sentryclirc", "[auth]\ntoken = projtok\n"),
        ],
        env: &[("SENTRY_AUTH_TOKEN", " envtok "), ("SENTRY_TOKEN", "legacytok"), ("SENTRY_FORCE_ENV_TOKEN", "1")],
        flags: &[("auth-token", "flagtok")],
        cli_defaults: &[],
        cwd: "",
        expect: &[
            ("tokens", "5", ""),
            ("token0", "flagtok", "flag --auth-token"),
            ("token1", "envtok", "env SENTRY_AUTH_TOKEN"),
            ("token2", "legacytok", "env SENTRY_TOKEN"),
            ("token3", "projtok", "{root}/home/work/app/.sentryclirc:2"),
            ("token4", "globaltok", "{root}/home/.sentryclirc:2"),
            ("force_env_token", "true", ""),
        ],
        warnings: &[],
    },
    Row {
        name: "blank env values are unset",
        files: &[("home/.sentryclirc", "[defaults]\norg = rc\n")],
        env: &[("SENTRY_ORG", "  "), ("SENTRY_AUTH_TOKEN", ""), ("SENTRY_URL", "")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[("org", "rc", "{root}/home/.sentryclirc:2"), ("tokens", "0", ""), ("url", "https://sentry.io", "default")],
        warnings: &[],
    },
    Row {
        name: "legacy API key is ignored with a warning",
        files: &[("home/.sentryclirc", "[auth]\napi_key = abc\n")],
        env: &[("SENTRY_API_KEY", "def")],
        flags: &[],
        cli_defaults: &[],
        cwd: "",
        expect: &[("tokens", "0", "")],
        warnings: &[
            "SENTRY_API_KEY (env SENTRY_API_KEY) is ignored: legacy API keys are no longer supported. Use SENTRY_AUTH_TOKEN instead.",
            "{root}/home/.sentryclirc:2: [auth] api_key is ignored: legacy API keys are no longer supported. Use [auth] token instead.",
        ],
    },
];

fn sub(s: &str, root: &Path) -> String {
    s.replace("{root}", &root.display().to_string())
}

fn run(row: &Row, root: &Path) -> Settings {
    for (rel, contents) in row.files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, sub(contents, root)).unwrap();
    }
    let cwd = root.join(if row.cwd.is_empty() {
        "home/work/app/sub"
    } else {
        row.cwd
    });
    std::fs::create_dir_all(&cwd).unwrap();
    let mut flags = FlagValues::default();
    for (k, v) in row.flags {
        let v = Some(v.to_string());
        match *k {
            "url" => flags.url = v,
            "auth-token" => flags.auth_token = v,
            "org" => flags.org = v,
            "project" => flags.project = v,
            other => panic!("unknown flag {other}"),
        }
    }
    let inputs = Inputs {
        cwd,
        home: Some(root.join("home")),
        env: row
            .env
            .iter()
            .map(|(k, v)| (k.to_string(), sub(v, root)))
            .collect(),
        flags,
        cli_defaults: row
            .cli_defaults
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        stdout_is_tty: false,
    };
    resolve(&inputs).unwrap_or_else(|e| panic!("{}: resolve failed: {e}", row.name))
}

fn field(s: &Settings, name: &str) -> Option<(String, String)> {
    let pair = |v: &sentry_config::Setting<String>| (v.value.clone(), v.origin.to_string());
    match name {
        "url" => Some(pair(&s.url)),
        "configured_url" => Some(pair(&s.configured_url)),
        "org" => s.org.as_ref().map(pair),
        "project" => s.project.as_ref().map(pair),
        "tokens" => Some((s.tokens.len().to_string(), String::new())),
        "project_file" => Some((s.url_from_project_file.to_string(), String::new())),
        "force_env_token" => Some((s.force_env_token.to_string(), String::new())),
        t if t.starts_with("token") => {
            let i: usize = t["token".len()..].parse().unwrap();
            s.tokens.get(i).map(pair)
        }
        other => panic!("unknown field {other}"),
    }
}

#[test]
fn precedence_matrix() {
    let mut failures = Vec::new();
    for row in ROWS {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let s = run(row, root);
        for (name, value, origin) in row.expect {
            let got = field(&s, name);
            let want = (*value != "-").then(|| (value.to_string(), sub(origin, root)));
            if got != want {
                failures.push(format!(
                    "[{}] {name}: expected {want:?}, got {got:?}",
                    row.name
                ));
            }
        }
        let all: Vec<String> = s
            .warnings
            .iter()
            .chain(&s.token_warnings)
            .cloned()
            .collect();
        for w in row.warnings {
            let w = sub(w, root);
            if !all.iter().any(|x| x.contains(&w)) {
                failures.push(format!("[{}] missing warning {w:?} in {all:?}", row.name));
            }
        }
        if row.warnings.is_empty() && !all.is_empty() {
            failures.push(format!("[{}] unexpected warnings {all:?}", row.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn inputs_in(root: &Path, env: &[(&str, &str)]) -> Inputs {
    let cwd = root.join("home/work");
    std::fs::create_dir_all(&cwd).unwrap();
    Inputs {
        cwd,
        home: Some(root.join("home")),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..Inputs::default()
    }
}

#[test]
fn invalid_url_names_its_origin() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs = inputs_in(tmp.path(), &[("SENTRY_URL", "http://h.example/sentry/")]);
    let e = resolve(&inputs).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid Sentry URL 'http://h.example/sentry/' from env SENTRY_URL: not on URL root. Expected http(s)://host[:port]."
    );
    assert_eq!(e.exit_code(), 20);
    inputs.flags.url = Some("ftp://x".into());
    let e = resolve(&inputs).unwrap_err();
    assert_eq!(e.to_string(), "Invalid Sentry URL 'ftp://x' from flag --url: unknown scheme 'ftp'. Expected http(s)://host[:port].");
    assert_eq!(e.exit_code(), 21);
}

#[test]
fn malformed_first_org_token_is_an_error_shadowed_one_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs = inputs_in(
        tmp.path(),
        &[("SENTRY_AUTH_TOKEN", "sntrys_bm90IGpzb24=_secret")],
    );
    let e = resolve(&inputs).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid org auth token from env SENTRY_AUTH_TOKEN: the payload is not valid JSON. Copy the whole token again from Sentry (Settings > Auth Tokens)."
    );
    inputs.flags.auth_token = Some("sntryu_abc".into());
    let s = resolve(&inputs).unwrap();
    assert_eq!(s.org_token, None);
    assert_eq!(
        s.warnings,
        vec!["Ignoring the token from env SENTRY_AUTH_TOKEN: Invalid org auth token: the payload is not valid JSON. Copy the whole token again from Sentry (Settings > Auth Tokens).".to_string()]
    );
}

#[test]
fn parse_error_in_rc_is_fatal_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = inputs_in(tmp.path(), &[]);
    std::fs::write(
        tmp.path().join("home/work/.sentryclirc"),
        "[defaults]\norg = x\njunk\n",
    )
    .unwrap();
    let e = resolve(&inputs).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "Could not parse {}:3: expected 'key = value', a [section] header or a comment",
            tmp.path().join("home/work/.sentryclirc").display()
        )
    );
    assert_eq!(e.exit_code(), 20);
}

#[test]
fn settings_debug_and_entries_mask_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let token = "sntryu_0123456789abcdef0123456789abcdef";
    let mut inputs = inputs_in(
        tmp.path(),
        &[
            ("SENTRY_AUTH_TOKEN", token),
            ("SENTRY_URL", "https://self.example"),
        ],
    );
    inputs.flags.headers = vec!["X-IAP-Token: supersecretvalue1234567890".into()];
    let s = resolve(&inputs).unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains(token), "{debug}");
    assert!(!debug.contains("supersecretvalue1234567890"), "{debug}");
    let entries = s.entries();
    let tok = entries.iter().find(|e| e.key == "auth.token").unwrap();
    assert_eq!(tok.value, "sntryu_0...cdef");
    assert_eq!(tok.origin.to_string(), "env SENTRY_AUTH_TOKEN");
    let header = entries.iter().find(|e| e.key == "http.header").unwrap();
    assert_eq!(header.value, "X-IAP-Token: supersec...7890");
    let url = entries.iter().find(|e| e.key == "defaults.url").unwrap();
    assert_eq!(
        (url.value.as_str(), url.origin.to_string()),
        ("https://self.example", "env SENTRY_URL".to_string())
    );
    let json = serde_json::to_value(url).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"key": "defaults.url", "value": "https://self.example", "origin": "env SENTRY_URL"})
    );
}

#[test]
fn config_dir_rule() {
    let home = Path::new("/h");
    let mut env = BTreeMap::new();
    assert_eq!(
        sentry_config::config_dir(&env, Some(home)),
        Path::new("/h/.sentry")
    );
    env.insert("SENTRY_CONFIG_DIR".to_string(), "".to_string());
    assert_eq!(
        sentry_config::config_dir(&env, Some(home)),
        Path::new("/h/.sentry")
    );
    env.insert("SENTRY_CONFIG_DIR".to_string(), "/cfg".to_string());
    assert_eq!(
        sentry_config::config_dir(&env, Some(home)),
        Path::new("/cfg")
    );
}
