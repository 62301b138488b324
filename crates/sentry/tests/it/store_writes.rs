//! Writes that must land (`auth login`, `auth logout`, `cli defaults …`) exit non-zero with
//! the real reason and the path to fix when `cli.db` cannot be written; only caches may
//! degrade silently (decisions.md #6). Every fault here is a real one the OS produces: a
//! directory where the file should be, a config dir below a regular file, a file size limit
//! (RLIMIT_FSIZE), a full tmpfs (private mount namespace, root only) and a config dir owned
//! by another user (the child runs as `nobody`). Tests usually run as root, where permission
//! bits do not stop writes, hence the uid switch.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::common::*;

fn stored_org(env: &TestEnv) -> Option<String> {
    let store = sentry_store::Store::open(&env.config_dir()).unwrap();
    store.meta_get("defaults.org").unwrap()
}

#[test]
fn defaults_fail_when_cli_db_is_a_directory() {
    let env = TestEnv::new();
    let db = env.config_dir().join("cli.db");
    std::fs::create_dir(&db).unwrap();

    let (code, stdout, stderr) = run(env.std_cmd().args(["cli", "defaults", "org", "acme"]));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout, "", "nothing claims success");
    assert!(
        stderr.contains(&format!(
            "Error: Could not save to the local database: {} is a directory, not a database file.",
            db.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("Move {} out of the way", db.display())),
        "{stderr}"
    );
    // --json callers get the same failure as one JSON object.
    let (code, stdout, stderr) = run(env
        .std_cmd()
        .args(["cli", "defaults", "org", "acme", "--json"]));
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    let err: serde_json::Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(err["error"]["exitCode"], 1);
    assert!(err["error"]["hint"]
        .as_str()
        .unwrap()
        .contains("out of the way"));

    // Reading still works (degraded, one warning) and reports nothing stored.
    let (code, stdout, stderr) = run(env.std_cmd().args(["cli", "defaults", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["defaults"]["organization"],
        serde_json::Value::Null
    );
    assert_eq!(stderr.matches("Warning:").count(), 1, "{stderr}");
}

#[test]
fn defaults_fail_when_the_config_dir_is_below_a_regular_file() {
    let env = TestEnv::new();
    let blocker = env.write("blocker", "not a directory\n");
    let cfg = blocker.join("sentry");
    let (code, stdout, stderr) = run(env
        .std_cmd()
        .env("SENTRY_CONFIG_DIR", &cfg)
        .args(["cli", "defaults", "project", "app"]));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(&format!(
            "{} is a file, so the config directory {} cannot be created.",
            blocker.display(),
            cfg.display()
        )),
        "{stderr}"
    );
    assert_contains(&stderr, "SENTRY_CONFIG_DIR");
}

#[test]
fn login_and_logout_fail_when_nothing_can_be_saved() {
    let env = TestEnv::with_server();
    let db = env.config_dir().join("cli.db");
    std::fs::create_dir(&db).unwrap();
    let (code, stdout, stderr) = run(env.std_cmd().args([
        "auth",
        "login",
        "--token",
        &env.token(),
        "--url",
        &env.url(),
    ]));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout, "", "no 'Authenticated' line");
    assert_contains(&stderr, "is a directory, not a database file");
    // Nothing was stored anywhere: the CLI is still logged out.
    std::fs::remove_dir(&db).unwrap();
    let (code, _, stderr) = run(env.std_cmd().args(["auth", "status"]));
    assert_eq!(code, 10, "{stderr}");
}

/// `ulimit -f`: the kernel refuses to grow any file past the limit (EFBIG, with SIGXFSZ
/// ignored as a shell with `trap '' XFSZ` would). SQLite's 32 KiB shared-memory file cannot
/// be created below that limit, so the store cannot be written at all.
fn with_file_size_limit(cmd: &mut Command, bytes: u64) -> &mut Command {
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

#[test]
fn logout_fails_when_the_removal_cannot_be_written() {
    let env = TestEnv::with_server();
    let (code, _, stderr) = run(env.std_cmd().args([
        "auth",
        "login",
        "--token",
        &env.token(),
        "--url",
        &env.url(),
    ]));
    assert_eq!(code, 0, "{stderr}");

    let (code, stdout, stderr) = run(with_file_size_limit(
        env.std_cmd().args(["auth", "logout"]),
        16 * 1024,
    ));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_not_contains(&stdout, "Logged out");
    assert_contains(&stderr, "file size limit");
    assert_contains(&stderr, "ulimit -f");
    assert!(
        !stderr.contains("read-only"),
        "not a permission problem: {stderr}"
    );

    // The login is still there, so the failure message was the truth.
    let (code, _, stderr) = run(env.std_cmd().args(["auth", "status"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(env.std_cmd().args(["auth", "logout"]));
    assert_eq!(code, 0, "{stderr}");
    assert_contains(&stdout, "Logged out");
}

/// A real full disk: a 1 MiB tmpfs in a private mount namespace (needs root, like CI). The
/// first write lands, the disk is filled, then a second write must fail with "No space left
/// on device" (not "read-only") and name the directory to free; the first value survives.
/// A command that only writes caches still succeeds.
#[test]
fn defaults_fail_on_a_full_disk() {
    let env = TestEnv::with_server();
    let mnt = env.root.path().join("tmpfs");
    std::fs::create_dir(&mnt).unwrap();
    let cfg = mnt.join("sentry");
    let outputs = env.root.path().join("out");
    std::fs::create_dir(&outputs).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("sentry");
    let script = r#"
set -u
mount -t tmpfs -o size=1m tmpfs "$MNT" || exit 77
"$BIN" cli defaults org first >"$OUT/1.out" 2>"$OUT/1.err"; echo $? >"$OUT/1.code"
# Fill the disk: the rollback journal of the next write cannot be written (a new cli.db uses
# a rollback journal, so nothing else is needed to open and read it).
dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null
"$BIN" cli defaults org second >"$OUT/2.out" 2>"$OUT/2.err"; echo $? >"$OUT/2.code"
SENTRY_URL="$SURL" SENTRY_AUTH_TOKEN="$STOKEN" "$BIN" org list --json >"$OUT/c.out" 2>"$OUT/c.err"; echo $? >"$OUT/c.code"
rm "$MNT/fill"
"$BIN" cli defaults --json >"$OUT/3.out" 2>"$OUT/3.err"; echo $? >"$OUT/3.code"
"#;
    let status = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", script])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.home())
        .env("SENTRY_CONFIG_DIR", &cfg)
        .env("MNT", &mnt)
        .env("OUT", &outputs)
        .env("BIN", &bin)
        .env("SURL", env.url())
        .env("STOKEN", env.token())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            eprintln!("SKIPPED full-disk scenario: cannot mount a tmpfs in a private mount namespace here ({s})");
            return;
        }
        Err(e) => {
            eprintln!("SKIPPED full-disk scenario: unshare is not available: {e}");
            return;
        }
    }
    let read = |name: &str| std::fs::read_to_string(outputs.join(name)).unwrap();
    assert_eq!(read("1.code").trim(), "0", "{}", read("1.err"));
    let stderr = read("2.err");
    assert_eq!(read("2.code").trim(), "1", "{}\n{stderr}", read("2.out"));
    assert_eq!(read("2.out"), "");
    assert_contains(
        &stderr,
        "Could not save to the local database: No space left on device.",
    );
    assert!(
        stderr.contains(&format!(
            "Free space on the file system holding {}",
            cfg.display()
        )),
        "{stderr}"
    );
    assert_not_contains(&stderr, "read-only");
    // Caches only degrade: a command whose only writes are caches still succeeds.
    let cache_err = read("c.err");
    assert_eq!(read("c.code").trim(), "0", "{cache_err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&read("c.out")).unwrap()[0]["slug"],
        "local"
    );
    assert_not_contains(&cache_err, "Error");
    assert_eq!(read("3.code").trim(), "0", "{}", read("3.err"));
    let shown: serde_json::Value = serde_json::from_str(&read("3.out")).unwrap();
    assert_eq!(shown["defaults"]["organization"], "first");
}

/// A config dir owned by root with mode 0700, used by an ordinary user: the child runs as
/// `nobody`, so the permission check really happens even when tests run as root.
#[test]
fn defaults_fail_for_a_config_dir_owned_by_someone_else() {
    let env = TestEnv::new();
    let me = unsafe { libc::geteuid() };
    if me != 0 {
        eprintln!("SKIPPED foreign-owner scenario: needs root to hand the process to another uid");
        return;
    }
    let nobody = 65534;
    set_mode(env.root.path(), 0o755);
    set_mode(&env.home(), 0o755);
    set_mode(&env.work(), 0o755);
    let cfg = env.config_dir();
    // First a real login row, written by the owner.
    let store = sentry_store::Store::open(&cfg).unwrap();
    store.meta_set("defaults.org", "owner-org").unwrap();
    drop(store);
    set_mode(&cfg, 0o700);

    let (code, stdout, stderr) = run(env
        .std_cmd()
        .uid(nobody)
        .gid(nobody)
        .args(["cli", "defaults", "org", "mine"]));
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout, "");
    assert_contains(&stderr, "Permission denied");
    assert!(
        stderr.contains(&format!("sudo chown -R {nobody} {}", cfg.display())),
        "{stderr}"
    );
    assert_eq!(stored_org(&env).as_deref(), Some("owner-org"));
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// 32 first runs at once on a config dir that does not exist yet: every one must either
/// land its write or fail loudly; none may print a warning (e.g. "database is locked" while
/// creating the schema) and still claim success. Several rounds, since the race is narrow.
#[test]
fn thirty_two_parallel_first_runs_all_land() {
    let env = TestEnv::new();
    for round in 0..6 {
        let cfg = env.root.path().join(format!("fresh-{round}"));
        let children: Vec<_> = (0..32)
            .map(|i| {
                env.std_cmd()
                    .env("SENTRY_CONFIG_DIR", &cfg)
                    .args(["cli", "defaults", "org", &format!("org-{i}")])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut landed = Vec::new();
        for (i, c) in children.into_iter().enumerate() {
            let out = c.wait_with_output().unwrap();
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            assert_eq!(
                (out.status.code(), stderr.as_str()),
                (Some(0), ""),
                "round {round} process {i}: {stdout}"
            );
            assert_eq!(stdout, format!("✓ Default Organization set to org-{i}\n"));
            landed.push(format!("org-{i}"));
        }
        let store = sentry_store::Store::open(&cfg).unwrap();
        let last = store.meta_get("defaults.org").unwrap().unwrap();
        assert!(landed.contains(&last), "{last}");
        assert!(store.warnings().is_empty());
    }
}

/// The same race through `auth login --token`: 32 logins at once on a config dir that does
/// not exist yet all land (each prints success only after its row is written), and the
/// stored login works afterwards.
#[test]
fn thirty_two_parallel_token_logins_all_land() {
    let env = TestEnv::with_server();
    let cfg = env.root.path().join("fresh-login");
    let token = env.token();
    let url = env.url();
    let children: Vec<_> = (0..32)
        .map(|_| {
            env.std_cmd()
                .env("SENTRY_CONFIG_DIR", &cfg)
                .args(["auth", "login", "--force", "--token", &token, "--url", &url])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            (out.status.code(), stderr.as_str()),
            (Some(0), ""),
            "process {i}: {stdout}"
        );
        assert!(
            stdout.starts_with("✔ Authenticated with API token\n"),
            "{stdout}"
        );
    }
    let store = sentry_store::Store::open(&cfg).unwrap();
    assert_eq!(store.auth().unwrap().unwrap().token, Some(token));
    let (code, _, stderr) = run(env
        .std_cmd()
        .env("SENTRY_CONFIG_DIR", &cfg)
        .args(["auth", "status"]));
    assert_eq!(code, 0, "{stderr}");
}
