//! The device-flow QR code is for a person looking at a terminal: with stderr piped (CI logs,
//! files) `auth login` prints the URL and code only, never the ~19-line block of half-block
//! characters. On a terminal (a pty from `script`) the QR code is still shown.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::auth_support::*;

const QR_CHARS: [char; 3] = ['█', '▀', '▄'];

#[test]
fn device_login_with_piped_output_prints_no_qr_code() {
    let env = server(600, 3600);
    let login = start_login(&env, &["--url", &env.url()]);
    approve(&env, &login.user_code);
    let (code, out, err) = login.wait();
    assert_eq!(code, 0, "stderr: {err}");
    assert!(out.starts_with("✔ Authentication successful!\n"), "{out}");
    assert!(
        !err.contains(QR_CHARS),
        "no QR block in piped output:\n{err}"
    );
    assert!(!out.contains(QR_CHARS), "{out}");
    assert!(!err.contains("Scan this QR code"), "{err}");
    assert!(err.contains("ℹ Visit the URL below to sign in:\n"), "{err}");
    assert!(
        err.contains(&format!("  URL:  {}/oauth/device/", env.url())),
        "{err}"
    );
    // Bounded: the whole diagnostic stream of a login is a handful of lines.
    assert!(
        err.lines().count() <= 12,
        "{} lines:\n{err}",
        err.lines().count()
    );
}

/// `script` gives the CLI a pseudo-terminal for stdin/stdout/stderr; `--no-browser` keeps it
/// from opening one. Skipped (with a note) where util-linux `script` is missing.
#[test]
fn device_login_on_a_terminal_shows_the_qr_code() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED terminal QR check: `script` (util-linux) is not installed");
        return;
    }
    let env = server(600, 3600);
    let bin = assert_cmd::cargo::cargo_bin("sentry");
    let inner = format!(
        "'{}' auth login --no-browser --timeout 60 --url '{}'",
        bin.display(),
        env.url()
    );
    let mut child = env
        .command("script")
        .args(["-qefc", &inner, "/dev/null"])
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let mut pty = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let user_code = loop {
        let n = pty.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "login ended before a code: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).replace('\r', "");
        if let Some(line) = text.lines().find(|l| l.trim().starts_with("Code: ")) {
            if text.contains("Waiting for authorization") {
                break line.trim().trim_start_matches("Code: ").trim().to_string();
            }
        }
    };
    approve(&env, &user_code);
    let _ = pty.read_to_end(&mut seen);
    let status = child.wait().unwrap();
    let text = String::from_utf8_lossy(&seen).replace('\r', "");
    assert!(status.success(), "{text}");
    assert!(
        text.contains("Scan this QR code or visit the URL below:"),
        "{text}"
    );
    let qr_lines = text
        .lines()
        .filter(|l| !l.is_empty() && l.chars().all(|c| QR_CHARS.contains(&c) || c == ' '))
        .count();
    assert!(qr_lines >= 10, "a QR block on the terminal:\n{text}");
    assert!(text.contains("Authentication successful!"), "{text}");
}
