//! `sentry local demo-events [--dsn <dsn>] [--distinct N]`: sends realistic SDK-shaped error
//! envelopes through the DSN-authenticated ingest path — test events for the local server
//! (its DSN is the default), the README demo and tests.
//!
//! The default set is four events: two `ZeroDivisionError`s from the same code path (they group
//! into one issue), a `KeyError` and a `TypeError` from a JavaScript frontend. `--distinct N`
//! instead sends N events with distinct fingerprints (N issues), to exercise pagination.

use clap::Args;
use serde_json::{json, Value};

use crate::context::{api_error, Context};
use crate::error::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct DemoEventsArgs {
    /// DSN of the project to send to (default: the running `sentry local serve`)
    #[arg(long)]
    pub dsn: Option<String>,
    /// Send this many events with distinct fingerprints instead of the demo set
    #[arg(long, value_name = "N")]
    pub distinct: Option<u32>,
    #[command(flatten)]
    pub output: super::OutputFlags,
}

fn python_error(
    kind: &str,
    value: &str,
    file: &str,
    func: &str,
    line: u32,
    user: Value,
    extra_tags: Value,
) -> Value {
    json!({
        "platform": "python",
        "level": "error",
        "logger": "demo",
        "release": "shop@1.4.2",
        "environment": "production",
        "server_name": "web-1",
        "user": user,
        "tags": extra_tags,
        "contexts": {"runtime": {"name": "CPython", "version": "3.12.3"}, "os": {"name": "Linux", "version": "6.8"}},
        "exception": {"values": [{
            "type": kind,
            "value": value,
            "mechanism": {"type": "generic", "handled": false},
            "stacktrace": {"frames": [
                {"filename": "shop/app.py", "function": "handle_request", "lineno": 88, "in_app": true},
                {"filename": file, "function": func, "lineno": line, "in_app": true,
                 "context_line": "    return total / count", "pre_context": ["def compute_average(total, count):"], "post_context": []}
            ]}
        }]}
    })
}

fn demo_set() -> Vec<Value> {
    vec![
        python_error(
            "ZeroDivisionError",
            "division by zero",
            "shop/stats.py",
            "compute_average",
            12,
            json!({"id": "42", "email": "ada@example.com"}),
            json!({"route": "/cart"}),
        ),
        python_error(
            "ZeroDivisionError",
            "division by zero",
            "shop/stats.py",
            "compute_average",
            12,
            json!({"id": "7", "email": "grace@example.com"}),
            json!({"route": "/checkout"}),
        ),
        python_error(
            "KeyError",
            "'sku'",
            "shop/cart.py",
            "add_item",
            31,
            json!({"id": "42", "email": "ada@example.com"}),
            json!({"route": "/cart/add"}),
        ),
        json!({
            "platform": "javascript",
            "level": "error",
            "release": "shop-web@2.0.1",
            "environment": "production",
            "user": {"id": "99", "username": "linus"},
            "contexts": {"browser": {"name": "Firefox", "version": "128.0"}, "os": {"name": "Mac OS X", "version": "14.5"}},
            "exception": {"values": [{
                "type": "TypeError",
                "value": "Cannot read properties of undefined (reading 'price')",
                "stacktrace": {"frames": [
                    {"filename": "app:///static/js/cart.js", "function": "renderCart", "lineno": 120, "colno": 17, "in_app": true},
                    {"filename": "app:///static/js/price.js", "function": "formatPrice", "lineno": 8, "colno": 22, "in_app": true}
                ]}
            }]}
        }),
    ]
}

pub fn run(ctx: &Context, args: &DemoEventsArgs) -> CliResult<i32> {
    let raw = match &args.dsn {
        Some(d) => d.clone(),
        None => super::state::running_server_dsn(ctx).ok_or_else(|| {
            CliError::config("No --dsn given and no running `sentry local serve` found.")
                .with_hint("Start one with `sentry local serve`, or pass --dsn <DSN>.")
        })?,
    };
    let dsn =
        sentry_target::dsn::Dsn::parse(raw.trim()).map_err(|e| CliError::config(e.to_string()))?;
    let client = ctx.client()?;
    let now = jiff::Timestamp::now().as_second();
    let events: Vec<Value> = match args.distinct {
        Some(n) => (0..n)
            .map(|i| {
                json!({
                    "platform": "python", "level": "error",
                    "fingerprint": [format!("demo-distinct-{i}")],
                    "message": format!("Demo issue number {i}"),
                    "timestamp": now - i64::from(n - i),
                })
            })
            .collect(),
        None => demo_set(),
    };
    let auth = format!(
        "Sentry sentry_version=7, sentry_key={}, sentry_client=sentry-cli-demo/{}",
        dsn.public_key,
        env!("CARGO_PKG_VERSION")
    );
    let mut ids = Vec::new();
    for mut ev in events {
        let id = crate::ids::event_id();
        if let Some(m) = ev.as_object_mut() {
            m.insert("event_id".into(), json!(id));
            m.entry("timestamp").or_insert(json!(now));
        }
        let header = json!({"event_id": id, "dsn": raw.trim(), "sent_at": jiff::Timestamp::now().to_string()});
        let payload = serde_json::to_vec(&ev).map_err(|e| CliError::general(e.to_string()))?;
        let mut body = serde_json::to_vec(&header).map_err(|e| CliError::general(e.to_string()))?;
        body.push(b'\n');
        body.extend_from_slice(
            format!("{{\"type\":\"event\",\"length\":{}}}\n", payload.len()).as_bytes(),
        );
        body.extend_from_slice(&payload);
        body.push(b'\n');
        client
            .post(&dsn.envelope_url())
            .without_auth()
            .header("X-Sentry-Auth", auth.as_str())
            .body(body, "application/x-sentry-envelope")
            .send()
            .map_err(api_error)?;
        ids.push(id);
    }
    crate::output::emit(
        &Sent {
            ids,
            origin: dsn.origin(),
        },
        &ctx.output,
    )?;
    Ok(0)
}

/// What was sent, through the shared renderer (`--json`, `--fields`, `--jq`).
struct Sent {
    ids: Vec<String>,
    origin: String,
}

impl crate::output::Report for Sent {
    fn json(&self) -> serde_json::Value {
        json!({ "eventIds": self.ids })
    }

    fn human(&self, out: &mut crate::output::Human) -> std::io::Result<()> {
        out.line(format!("Sent {} events to {}", self.ids.len(), self.origin))
    }
}
