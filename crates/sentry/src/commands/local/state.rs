//! The state file of a running `local serve` (its URL, API token and DSN), through which
//! `local run`, `local demo-events` and `local setup-code` find it.

use std::path::PathBuf;

use crate::context::Context;

/// The state file of the `local serve` that recorded itself there, if it still answers.
fn running_server_state(ctx: &Context) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(state_file(ctx)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = url::Url::parse(v.get("url")?.as_str()?).ok()?;
    let addr = url.socket_addrs(|| None).ok()?.into_iter().next()?;
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(300)).ok()?;
    Some(v)
}

/// The DSN of the `local serve` that recorded itself in the state file, if it still answers.
pub fn running_server_dsn(ctx: &Context) -> Option<String> {
    let v = running_server_state(ctx)?;
    v.get("dsn")?.as_str().map(str::to_string)
}

/// The URL and API token of the `local serve` that recorded itself in the state file, if it
/// still answers.
pub fn running_server(ctx: &Context) -> Option<(String, String)> {
    let v = running_server_state(ctx)?;
    let s = |k: &str| v.get(k)?.as_str().map(str::to_string);
    Some((s("url")?, s("token")?))
}

/// Where a running `local serve` records its URL, token and DSN for `local run` (mode 0600).
pub fn state_file(ctx: &Context) -> PathBuf {
    ctx.config_dir().join("local").join("server.json")
}

pub fn write_state_file(ctx: &Context, info: &serde_json::Value) {
    let path = state_file(ctx);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension("json.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    if let Ok(mut f) = opts.open(&tmp) {
        use std::io::Write;
        if f.write_all(info.to_string().as_bytes()).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
}
