//! Prints the accounts stored in `<config dir>/cli.db` as JSON, with the fields and order of
//! upstream 0.49's `sentry auth list --json` (stored accounts only), so `tests/interop.sh`
//! can compare both tools' reading of one file:
//!
//!     cargo run -q -p sentry-store --example accounts -- <config dir>
//!
//! Store warnings go to stderr; exit 1 when the store cannot be opened.

use serde_json::{json, Map, Value};

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: accounts <config dir>");
        std::process::exit(2);
    };
    let store = match sentry_store::Store::open(std::path::Path::new(&dir)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let accounts = store.accounts().unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    for w in store.take_warnings() {
        eprintln!("{w}");
    }
    let now = sentry_store::now_ms();
    let list: Vec<Value> = accounts
        .iter()
        .map(|a| {
            let mut o = Map::new();
            o.insert("id".into(), json!(a.account_id));
            o.insert("active".into(), json!(a.is_active));
            let mut opt = |k: &str, v: &Option<String>| {
                if let Some(v) = v {
                    o.insert(k.into(), json!(v));
                }
            };
            opt("host", &a.host);
            opt("userId", &a.user_id);
            opt("email", &a.email);
            opt("username", &a.username);
            opt("name", &a.name);
            o.insert("usable".into(), json!(a.is_usable(now)));
            if let Some(e) = a.expires_at {
                o.insert("expiresAt".into(), json!(e));
            }
            Value::Object(o)
        })
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&Value::Array(list)).unwrap_or_default()
    );
}
