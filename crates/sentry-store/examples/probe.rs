//! Developer probe: open a config dir the way the CLI does, report warnings, a few values and
//! how long opening took (startup budget is a few ms). Usage: `probe <config dir> [set K V | login TOKEN HOST]`.

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: probe <config dir> [set <key> <value> | login <token> <host>]");
        std::process::exit(2);
    };
    let started = Instant::now();
    let store = match sentry_store::Store::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("open failed: {e}");
            std::process::exit(1);
        }
    };
    let opened = started.elapsed();
    for w in store.warnings() {
        eprintln!("{w}");
    }
    match args.next().as_deref() {
        Some("set") => {
            if let (Some(k), Some(v)) = (args.next(), args.next()) {
                if let Err(e) = store.meta_set(&k, &v) {
                    eprintln!("set failed: {e}");
                }
            }
        }
        Some("login") => {
            if let (Some(token), Some(host)) = (args.next(), args.next()) {
                let rec = sentry_store::AuthRecord::issued_now(
                    token,
                    Some("refresh".into()),
                    Some(3600),
                    Some(host),
                );
                if let Err(e) = store.set_auth(&rec) {
                    eprintln!("login failed: {e}");
                }
            }
        }
        _ => {}
    }
    println!("path: {}", store.path().display());
    println!("open: {opened:?}, read_only: {}", store.is_read_only());
    match store.auth() {
        Ok(Some(a)) => println!(
            "auth: token={} host={:?} expires_at={:?}",
            a.token
                .as_deref()
                .map_or("<none>".to_string(), sentry_wire::mask_token),
            a.host,
            a.expires_at
        ),
        Ok(None) => println!("auth: none"),
        Err(e) => println!("auth: error {e}"),
    }
    match store.meta_with_prefix("") {
        Ok(m) => {
            for (k, v) in m {
                println!("meta {k} = {v}");
            }
        }
        Err(e) => println!("meta: error {e}"),
    }
}
