//! Parser tables: sentry-cli's INI dialect, `.properties`, `.env`, org auth tokens, custom
//! headers, and the unknown-name warnings.

use std::collections::BTreeMap;
use std::path::Path;

use sentry_config::{
    parse_custom_headers, parse_dotenv, parse_org_token, parse_properties, parse_sentryclirc,
    resolve, ConfigError, FlagValues, Inputs, OrgTokenClaims,
};

type Entries = Vec<(&'static str, &'static str, &'static str, usize)>;

/// `(section, key, value, line)` rows and the warnings.
type Parsed = (Vec<(String, String, String, usize)>, Vec<String>);

fn entries_of(text: &str) -> Result<Parsed, String> {
    parse_sentryclirc(Path::new("/p/.sentryclirc"), text)
        .map(|f| {
            let e = f
                .entries
                .into_iter()
                .map(|e| (e.section, e.key, e.value, e.line))
                .collect();
            (e, f.warnings)
        })
        .map_err(|e| e.to_string())
}

#[test]
fn ini_dialect_table() {
    let rows: Vec<(&str, &str, Entries)> = vec![
        (
            "= and : separate, whitespace trimmed",
            "[defaults]\norg = plain\nproject=nospace\nurl: http://x.example\n",
            vec![
                ("defaults", "org", "plain", 2),
                ("defaults", "project", "nospace", 3),
                ("defaults", "url", "http://x.example", 4),
            ],
        ),
        (
            "# and ; comments, also indented",
            "; semi\n# hash\n   # indented\n\t; tab\n[defaults]\norg = x\n",
            vec![("defaults", "org", "x", 6)],
        ),
        (
            "section name trimmed",
            "[ defaults ]\norg = x\n",
            vec![("defaults", "org", "x", 2)],
        ),
        (
            "surrounding quotes stripped",
            "[defaults]\norg = \"quoted value\"\nproject = 'single'\nurl = \"\"\n",
            vec![
                ("defaults", "org", "quoted value", 2),
                ("defaults", "project", "single", 3),
                ("defaults", "url", "", 4),
            ],
        ),
        (
            "no inline comments",
            "[defaults]\norg = foo ; x\nproject = bar # y\n",
            vec![
                ("defaults", "org", "foo ; x", 2),
                ("defaults", "project", "bar # y", 3),
            ],
        ),
        (
            "backslashes kept (escapes disabled)",
            "[http]\nca_cert = C:\\certs\\ca.pem\n[defaults]\norg = a\\;b\n",
            vec![
                ("http", "ca_cert", "C:\\certs\\ca.pem", 2),
                ("defaults", "org", "a\\;b", 4),
            ],
        ),
        (
            "trailing backslash continues the line",
            "[defaults]\norg = line1\\\n  line2\nproject = p\n",
            vec![
                ("defaults", "org", "line1  line2", 2),
                ("defaults", "project", "p", 4),
            ],
        ),
        (
            "empty value",
            "[defaults]\norg =\n",
            vec![("defaults", "org", "", 2)],
        ),
        (
            "UTF-8 BOM stripped",
            "\u{feff}[defaults]\norg = x\n",
            vec![("defaults", "org", "x", 2)],
        ),
        (
            "CRLF line endings",
            "[defaults]\r\norg = x\r\nproject = y\r\n",
            vec![("defaults", "org", "x", 2), ("defaults", "project", "y", 3)],
        ),
        (
            "repeated section blocks are merged",
            "[defaults]\norg = a\n[auth]\ntoken = t\n[defaults]\nproject = b\n",
            vec![
                ("defaults", "org", "a", 2),
                ("auth", "token", "t", 4),
                ("defaults", "project", "b", 6),
            ],
        ),
        (
            "duplicate key: first wins",
            "[defaults]\norg = first\norg = second\n",
            vec![("defaults", "org", "first", 2)],
        ),
        (
            "value containing = and :",
            "[defaults]\nurl = http://h:1/?a=b\n",
            vec![("defaults", "url", "http://h:1/?a=b", 2)],
        ),
        (
            "apostrophe inside a value",
            "[defaults]\norg = joe's\n",
            vec![("defaults", "org", "joe's", 2)],
        ),
        (
            "names are case-sensitive",
            "[Defaults]\nORG = x\n",
            vec![("Defaults", "ORG", "x", 2)],
        ),
        (
            "key before any section",
            "org = x\n[defaults]\n",
            vec![("", "org", "x", 1)],
        ),
        ("empty file", "", vec![]),
    ];
    for (name, text, want) in rows {
        let (got, _) = entries_of(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want: Vec<_> = want
            .into_iter()
            .map(|(s, k, v, l)| (s.to_string(), k.to_string(), v.to_string(), l))
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn ini_malformed_lines_are_errors_with_line_numbers() {
    let rows = [
        ("[defaults]\norg\nproject = x\n", "Could not parse /p/.sentryclirc:2: expected 'key = value', a [section] header or a comment"),
        ("[defaults\norg = x\n", "Could not parse /p/.sentryclirc:1: section header is missing its closing ']'"),
        ("[defaults]\n = x\n", "Could not parse /p/.sentryclirc:2: missing key before the '=' or ':'"),
        (
            "[defaults] # c\n",
            "Could not parse /p/.sentryclirc:1: unexpected text after the section header (comments must be on their own line)",
        ),
        ("[defaults]\norg = \"abc\nproject = p\n", "Could not parse /p/.sentryclirc:2: unclosed \" quote in the value"),
        ("[defaults]\norg = 'abc\n", "Could not parse /p/.sentryclirc:2: unclosed ' quote in the value"),
    ];
    for (text, want) in rows {
        assert_eq!(entries_of(text).unwrap_err(), want, "{text:?}");
    }
    // The offending line is never echoed (it may be a pasted token).
    let err = entries_of("[auth]\nsntryu_secretsecret\n").unwrap_err();
    assert!(!err.contains("secretsecret"), "{err}");
}

#[test]
fn unknown_names_warn_once_with_did_you_mean() {
    let rows: &[(&str, &[&str])] = &[
        ("[default]\norg = x\nproject = y\n", &["/p/.sentryclirc:1: unknown section [default] is ignored (did you mean [defaults]? section names are case-sensitive)"]),
        ("[Defaults]\norg = x\n", &["/p/.sentryclirc:1: unknown section [Defaults] is ignored (did you mean [defaults]? section names are case-sensitive)"]),
        ("[auth]\ntokn = x\n", &["/p/.sentryclirc:2: unknown key 'tokn' in [auth] is ignored (did you mean 'token'?)"]),
        ("[defaults]\nORG = x\n", &["/p/.sentryclirc:2: unknown key 'ORG' in [defaults] is ignored (did you mean 'org'?)"]),
        ("[defaults]\nproxy_url = x\n", &["/p/.sentryclirc:2: unknown key 'proxy_url' in [defaults] is ignored (did you mean to put it under [http]?)"]),
        ("[log]\nzzz = 1\n", &["/p/.sentryclirc:2: unknown key 'zzz' in [log] is ignored (known keys: level)"]),
        ("[zzz]\na = 1\n", &["/p/.sentryclirc:1: unknown section [zzz] is ignored (known sections: auth, defaults, http, log, dif, dsym, update, device, ui)"]),
        ("token = x\n", &["/p/.sentryclirc:1: key 'token' is outside any section and is ignored (did you mean to put it under [auth]?)"]),
        ("[defaults]\norg = a\norg = b\n", &["/p/.sentryclirc:3: duplicate key 'org' in [defaults]; the value from line 2 is used"]),
        (
            "[auth]\ntoken=t\ndsn=d\n[defaults]\nurl=u\norg=o\nproject=p\nvcs_remote=v\npipeline=p\ncustom_header=X: y\n[http]\nkeepalive=true\nproxy_url=p\nproxy_username=u\nproxy_password=p\nverify_ssl=true\ncheck_ssl_revoke=true\nmax_retries=1\nca_cert=c\n[log]\nlevel=info\n[dif]\nmax_upload_size=1\nmax_item_size=1\n[update]\ndisable_check=true\n[device]\nfamily=f\nmodel=m\n",
            &[],
        ),
    ];
    for (text, want) in rows {
        let (_, warnings) = entries_of(text).unwrap();
        assert_eq!(
            warnings,
            want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{text:?}"
        );
    }
}

#[test]
fn properties_files() {
    let text = "# comment\n! also comment\ndefaults.org=acme\ndefaults.project : my-proj\nauth.token   tok\\\n  en\na.b.c=deep\nnodot=ignored\ncli.executable=node_modules/x\ndefaults.url=http://\\u0068ost.example\ndefaults.org=later\n";
    let f = parse_properties(Path::new("/p/sentry.properties"), text.as_bytes()).unwrap();
    let got: Vec<_> = f
        .entries
        .iter()
        .map(|e| (e.section.as_str(), e.key.as_str(), e.value.as_str(), e.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("defaults", "project", "my-proj", 4),
            ("auth", "token", "token", 5),
            ("a.b", "c", "deep", 7),
            ("cli", "executable", "node_modules/x", 9),
            ("defaults", "url", "http://host.example", 10),
            ("defaults", "org", "later", 11),
        ]
    );
    assert_eq!(
        f.warnings,
        vec!["/p/sentry.properties:11: duplicate key 'defaults.org' overrides line 3".to_string()]
    );

    let f = parse_properties(
        Path::new("/p/s.properties"),
        b"default.org=x\ndefaults.orgg=y\n",
    )
    .unwrap();
    assert_eq!(
        f.warnings,
        vec![
            "/p/s.properties:1: unknown section [default] is ignored (did you mean [defaults]? section names are case-sensitive)".to_string(),
            "/p/s.properties:2: unknown key 'orgg' in [defaults] is ignored (did you mean 'org'?)".to_string(),
        ]
    );
    let err = parse_properties(Path::new("/p/bad.properties"), b"a.b=\\u12").unwrap_err();
    assert!(matches!(err, ConfigError::Parse { line: 1, .. }), "{err:?}");
}

#[test]
fn dotenv_files() {
    let vars = parse_dotenv(
        "A_KEY=1\n# comment\n\nexport B_KEY=\"two words\"\nC_KEY='x y'\nSENTRYCFG_T_D=${A_KEY}x\n",
    )
    .unwrap();
    let got: Vec<_> = vars
        .iter()
        .map(|v| (v.key.as_str(), v.value.as_str(), v.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("A_KEY", "1", 1),
            ("B_KEY", "two words", 4),
            ("C_KEY", "x y", 5),
            ("SENTRYCFG_T_D", "1x", 6)
        ]
    );
    let err = parse_dotenv("GOOD=1\nBAD KEY SECRETVALUE\n").unwrap_err();
    assert!(err.starts_with("syntax error at character"), "{err}");
    assert!(!err.contains("SECRETVALUE"), "{err}");
}

#[test]
fn malformed_default_dotenv_warns_and_does_not_fall_through() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::write(root.join("a/.env"), "SENTRY_ORG=parent\n").unwrap();
    std::fs::write(root.join("a/b/.env"), "SENTRY_ORG broken\n").unwrap();
    let inputs = Inputs {
        cwd: root.join("a/b"),
        ..Inputs::default()
    };
    let s = resolve(&inputs).unwrap();
    assert_eq!(s.org, None);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(s.warnings[0]
        .starts_with("Failed to load .env file: We found a .env file, but failed to load it"));

    let inputs = Inputs {
        cwd: root.join("a/b"),
        env: [("SENTRY_DOTENV_PATH".to_string(), "missing.env".to_string())].into(),
        ..Inputs::default()
    };
    let s = resolve(&inputs).unwrap();
    assert_eq!(
        s.warnings,
        vec![format!(
            "Failed to load .env file: Failed to load custom .env file: {}",
            root.join("a/b/missing.env").display()
        )]
    );
}

const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

fn tok(payload: &str) -> String {
    format!("sntrys_{payload}_{SECRET}")
}

#[test]
fn org_token_decoding() {
    let claims = |org: &str, url: Option<&str>, region: Option<&str>| OrgTokenClaims {
        org: Some(org.to_string()),
        url: url.map(String::from),
        region_url: region.map(String::from),
    };
    // Padded standard base64 with region_url.
    let full = "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";
    assert_eq!(
        parse_org_token(full).unwrap(),
        Some(claims(
            "acme",
            Some("http://127.0.0.1:9000"),
            Some("http://127.0.0.1:9001")
        ))
    );
    // Unpadded.
    assert_eq!(
        parse_org_token(&tok(
            "eyJpYXQiOjEsInVybCI6Imh0dHBzOi8veC5leGFtcGxlIiwib3JnIjoiYSJ9"
        ))
        .unwrap(),
        Some(claims("a", Some("https://x.example"), None))
    );
    // Standard (with '/') and URL-safe (with '_') encodings of the same payload.
    let want = Some(claims("o?~~", Some("https://eu.example"), None));
    assert_eq!(
        parse_org_token(&tok(
            "eyJpYXQiOjEsInVybCI6Imh0dHBzOi8vZXUuZXhhbXBsZSIsIm9yZyI6Im8/fn4ifQ=="
        ))
        .unwrap(),
        want
    );
    assert_eq!(
        parse_org_token(&tok(
            "eyJpYXQiOjEsInVybCI6Imh0dHBzOi8vZXUuZXhhbXBsZSIsIm9yZyI6Im8_fn4ifQ"
        ))
        .unwrap(),
        want
    );
    // url: null is accepted as "no URL" (sentry-cli does).
    assert_eq!(
        parse_org_token(&tok("eyJpYXQiOjEsInVybCI6bnVsbCwib3JnIjoiYSJ9")).unwrap(),
        Some(claims("a", None, None))
    );
    // Not an org token.
    assert_eq!(parse_org_token("sntryu_abc").unwrap(), None);
    assert_eq!(parse_org_token("plain-token").unwrap(), None);

    let reason = |t: &str| match parse_org_token(t) {
        Err(ConfigError::InvalidOrgToken {
            origin: None,
            reason,
        }) => reason,
        other => panic!("{t}: {other:?}"),
    };
    assert_eq!(
        reason(&tok("eyJpYXQiOjEsIm9yZyI6ImEifQ==")),
        "the payload has no 'url' claim"
    );
    assert_eq!(
        reason(&tok("eyJ1cmwiOiJodHRwczovL3guZXhhbXBsZSIsIm9yZyI6ImEifQ==")),
        "the payload has no 'iat' claim"
    );
    assert_eq!(
        reason(&tok("bm90IGpzb24=")),
        "the payload is not valid JSON"
    );
    assert_eq!(reason(&tok("WzFd")), "the payload is not a JSON object");
    assert_eq!(reason(&tok("!!!")), "the payload is not valid base64");
    assert_eq!(
        reason("sntrys_onlyonepart"),
        "expected three parts, sntrys_<payload>_<secret>"
    );
    assert_eq!(
        reason("sntrys__secret"),
        "expected three parts, sntrys_<payload>_<secret>"
    );
    assert_eq!(
        reason(&format!("sntrys_{}_{SECRET}", "A".repeat(2048))),
        "it is longer than 2048 characters"
    );
    assert_eq!(
        reason(&tok("eyJpYXQiOjEsInVybCI6ImZ0cDovL3giLCJvcmciOiJhIn0=")),
        "the 'url' claim 'ftp://x' is not a valid URL (unknown scheme 'ftp')"
    );
    let msg = parse_org_token("sntrys_onlyonepart")
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "Invalid org auth token: expected three parts, sntrys_<payload>_<secret>. Copy the whole token again from Sentry (Settings > Auth Tokens)."
    );
    assert!(!msg.contains("onlyonepart"));
}

#[test]
fn custom_header_parsing_and_errors() {
    assert_eq!(
        parse_custom_headers("X-IAP-Token: abc123; X-Second: two\nX-Third:3\r\n;;  \n").unwrap(),
        vec![
            ("X-IAP-Token".to_string(), "abc123".to_string()),
            ("X-Second".to_string(), "two".to_string()),
            ("X-Third".to_string(), "3".to_string()),
        ]
    );
    assert_eq!(parse_custom_headers("").unwrap(), vec![]);
    let err = |s: &str| {
        let e = parse_custom_headers(s).unwrap_err();
        assert_eq!(e.exit_code(), 20);
        e.to_string()
    };
    assert_eq!(
        err("novalue"),
        "Invalid header in SENTRY_CUSTOM_HEADERS: 'novalue'. Expected 'Name: Value' format."
    );
    assert_eq!(
        err(" : v"),
        "Invalid header in SENTRY_CUSTOM_HEADERS: ': v'. Expected 'Name: Value' format."
    );
    assert_eq!(
        err("AUTHORIZATION: Bearer x"),
        "Cannot override reserved header 'AUTHORIZATION' in SENTRY_CUSTOM_HEADERS. This header is managed by the CLI."
    );
    for reserved in [
        "Host",
        "content-type",
        "Content-Length",
        "User-Agent",
        "sentry-trace",
        "Baggage",
    ] {
        assert!(
            err(&format!("{reserved}: x")).starts_with("Cannot override reserved header"),
            "{reserved}"
        );
    }
    assert_eq!(
        err("X Bad: v"),
        "Invalid header name 'X Bad' in SENTRY_CUSTOM_HEADERS. Header names may only contain letters, digits and !#$%&'*+-.^_`|~."
    );
    assert_eq!(
        err("X-A: a\u{7}b"),
        "Invalid value for header 'X-A' in SENTRY_CUSTOM_HEADERS: control characters are not allowed."
    );
}

fn resolve_headers(
    env: &[(&str, &str)],
    flags: &[&str],
    cli_headers: Option<&str>,
) -> Result<sentry_config::Settings, ConfigError> {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = Inputs {
        cwd: tmp.path().to_path_buf(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        flags: FlagValues {
            headers: flags.iter().map(|s| s.to_string()).collect(),
            ..FlagValues::default()
        },
        cli_defaults: cli_headers
            .map(|h| ("defaults.headers".to_string(), h.to_string()))
            .into_iter()
            .collect(),
        ..Inputs::default()
    };
    resolve(&inputs)
}

fn header_list(s: &sentry_config::Settings) -> Vec<(String, String, String)> {
    s.headers
        .iter()
        .map(|h| (h.value.0.clone(), h.value.1.clone(), h.origin.to_string()))
        .collect()
}

fn h(n: &str, v: &str, o: &str) -> (String, String, String) {
    (n.to_string(), v.to_string(), o.to_string())
}

#[test]
fn custom_header_sources() {
    let self_hosted = ("SENTRY_URL", "https://self.example");
    // --header replaces CUSTOM_HEADER; SENTRY_CUSTOM_HEADERS adds; flags win a name conflict.
    let s = resolve_headers(
        &[
            self_hosted,
            ("CUSTOM_HEADER", "X-Legacy: 1"),
            ("SENTRY_CUSTOM_HEADERS", "X-A: env; X-B: env"),
        ],
        &["X-A: flag", "X-Cookie: a=1; b=2"],
        None,
    )
    .unwrap();
    assert_eq!(
        header_list(&s),
        vec![
            h("X-A", "flag", "flag --header"),
            h("X-Cookie", "a=1; b=2", "flag --header"),
            h("X-B", "env", "env SENTRY_CUSTOM_HEADERS"),
        ]
    );
    assert_eq!(s.warnings, vec!["Header 'X-A' from env SENTRY_CUSTOM_HEADERS is overridden by the one from flag --header"]);

    // Without flags CUSTOM_HEADER applies; cli defaults headers used when the env var is unset.
    let s = resolve_headers(
        &[self_hosted, ("CUSTOM_HEADER", "X-Legacy: 1")],
        &[],
        Some("X-Cd: 2"),
    )
    .unwrap();
    assert_eq!(
        header_list(&s),
        vec![
            h("X-Legacy", "1", "env CUSTOM_HEADER"),
            h("X-Cd", "2", "cli defaults headers")
        ]
    );

    // SaaS: the list family is dropped with the upstream warning; legacy headers stay.
    let s = resolve_headers(
        &[
            ("SENTRY_CUSTOM_HEADERS", "X-A: 1"),
            ("CUSTOM_HEADER", "X-L: 2"),
        ],
        &[],
        None,
    )
    .unwrap();
    assert_eq!(header_list(&s), vec![h("X-L", "2", "env CUSTOM_HEADER")]);
    assert_eq!(
        s.warnings,
        vec!["SENTRY_CUSTOM_HEADERS is set but no self-hosted Sentry instance is configured. Headers will be ignored."]
    );

    // Errors name their source and are config errors.
    let e = resolve_headers(&[], &["Host: evil"], None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Cannot override reserved header 'Host' in --header. This header is managed by the CLI."
    );
    assert_eq!(e.exit_code(), 20);
    let e = resolve_headers(&[("CUSTOM_HEADER", "nocolon")], &[], None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid header in CUSTOM_HEADER: 'nocolon'. Expected 'Name: Value' format."
    );
    let e = resolve_headers(
        &[self_hosted, ("SENTRY_CUSTOM_HEADERS", "X-A 1")],
        &[],
        None,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid header in SENTRY_CUSTOM_HEADERS: 'X-A 1'. Expected 'Name: Value' format."
    );
}
