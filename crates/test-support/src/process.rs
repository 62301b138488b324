//! Running a program to completion and reading what it printed.

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Anything that runs to completion and yields an [`Output`]: `std::process::Command` and
/// `assert_cmd::Command`.
pub trait Run {
    fn output(&mut self) -> std::io::Result<Output>;
}

impl Run for Command {
    fn output(&mut self) -> std::io::Result<Output> {
        Command::output(self)
    }
}

impl Run for assert_cmd::Command {
    fn output(&mut self) -> std::io::Result<Output> {
        assert_cmd::Command::output(self)
    }
}

/// Runs a command to completion: exit code (-1 when killed by a signal), stdout, stderr.
pub fn run(cmd: &mut impl Run) -> (i32, String, String) {
    output_parts(&cmd.output().expect("run the command"))
}

/// Exit code (-1 when killed by a signal), stdout and stderr of a finished command.
pub fn output_parts(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

/// Bytes a program printed, as text (invalid UTF-8 replaced).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Stdout parsed as JSON; a test failure that shows the text when it is not JSON.
#[track_caller]
pub fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// `s` parsed as JSON; a test failure that shows the text when it is not JSON.
#[track_caller]
pub fn parse_json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// Runs `cmd` to completion with its pipes drained on threads (a chatty child cannot block on
/// a full pipe). A hang is a test failure: the child is killed after a generous guard — not
/// a timing assertion, a bounded command ends long before it.
pub fn run_guarded(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            pipe.read_to_end(&mut v).ok();
            v
        })
    };
    let out_t = drain(Box::new(child.stdout.take().unwrap()));
    let err_t = drain(Box::new(child.stderr.take().unwrap()));
    let guard = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > guard {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

/// A child process that is killed when the test ends, pass or fail.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
