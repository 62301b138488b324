//! `attribute list` against the local server: keys of the spans and logs sent through the DSN
//! plus the built-in ones, typed keys spelled `tags[name,type]`, `has:` co-occurrence, paging
//! with 0.49's per-type cursors, and locally rejected filters.

use serde_json::{json, Value};

use crate::cmds_support::{clear_log, logged, send_envelope_to};
use crate::common::{assert_exit, assert_success, stdout_json, text, TestEnv};

fn seeded() -> TestEnv {
    let env = TestEnv::with_server();
    let now = jiff::Timestamp::now().as_second() as f64;
    let tx = json!({
        "event_id": "11112222333344445555666677778888",
        "type": "transaction",
        "transaction": "GET /checkout",
        "start_timestamp": now - 1.0,
        "timestamp": now,
        "tags": {"region": "eu"},
        "contexts": {"trace": {"trace_id": "aaaa1111bbbb2222cccc3333dddd4444", "span_id": "1111222233334444", "op": "http.server", "data": {"http.method": "GET"}}},
        "spans": [{"span_id": "5555666677778888", "parent_span_id": "1111222233334444", "trace_id": "aaaa1111bbbb2222cccc3333dddd4444", "op": "db.query", "start_timestamp": now - 0.5, "timestamp": now - 0.4, "data": {"db.system": "postgresql", "cart.total": 12.5, "cache.hit": true}}],
    });
    let logs = json!({"items": [
        {"timestamp": now, "trace_id": "aaaa1111bbbb2222cccc3333dddd4444", "level": "info", "body": "hi", "attributes": {"user.id": {"value": "42", "type": "string"}, "retry": {"value": 3, "type": "integer"}, "sentry.environment": {"value": "prod", "type": "string"}}}
    ]});
    let key = env.server().bootstrap.public_key.clone();
    let project = env.server().bootstrap.project_id as u64;
    send_envelope_to(
        &env,
        project,
        &key,
        "11112222333344445555666677778888",
        &[
            (
                json!({"type": "transaction"}),
                serde_json::to_vec(&tx).unwrap(),
            ),
            (
                json!({"type": "log", "item_count": 1, "content_type": "application/vnd.sentry.items.log+json"}),
                serde_json::to_vec(&logs).unwrap(),
            ),
        ],
    );
    env
}

fn keys(v: &Value) -> Vec<(String, String)> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["key"].as_str().unwrap().to_string(),
                a["source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn json_of(env: &TestEnv, args: &[&str]) -> Value {
    let out = env.api_cmd().args(args).arg("--json").output().unwrap();
    assert_success(&out);
    stdout_json(&out)
}

#[test]
fn span_and_log_keys_with_builtins_and_has_filter() {
    let env = seeded();
    let v = json_of(&env, &["attribute", "list", "local/app"]);
    let k = keys(&v);
    assert_eq!(
        k[0],
        ("tags[cache.hit,boolean]".into(), "user".into()),
        "{v}"
    );
    assert_eq!(k[1], ("tags[cart.total,number]".into(), "user".into()));
    assert!(k.contains(&("db.system".into(), "user".into())));
    assert!(k.contains(&("span.op".into(), "sentry".into())));
    assert_eq!(
        v["data"][1],
        json!({"key": "tags[cart.total,number]", "name": "cart.total", "type": "number", "source": "user"})
    );
    assert_eq!(v["hasMore"], json!(false));

    let logs = json_of(&env, &["attribute", "list", "local/", "--dataset", "logs"]);
    let k = keys(&logs);
    assert!(
        k.contains(&("tags[retry,number]".into(), "user".into())),
        "{logs}"
    );
    assert!(k.contains(&("user.id".into(), "user".into())));
    assert!(
        !k.iter().any(|(key, _)| key.starts_with("sentry.")),
        "{logs}"
    );

    let has = json_of(
        &env,
        &[
            "attribute",
            "list",
            "local/",
            "has:db.system",
            "--type",
            "string",
        ],
    );
    assert_eq!(
        keys(&has),
        [
            ("db.system".to_string(), "user".to_string()),
            ("region".into(), "user".into())
        ]
    );

    let out = env
        .api_cmd()
        .args(["attribute", "list", "local/app", "cart", "--type", "number"])
        .output()
        .unwrap();
    assert_success(&out);
    let s = text(&out.stdout);
    assert!(
        s.contains("│ tags[cart.total,number]  │ number  │ user   │"),
        "{s}"
    );
    assert!(s.contains("\n\n\nShowing 1 spans attribute in local/app.\nTip: Filter or add to columns with: sentry span list local/app -q 'has:tags[cart.total,number]' --fields 'tags[cart.total,number]'\n"), "{s}");
}

#[test]
fn pages_follow_per_type_cursors() {
    let env = seeded();
    let first = json_of(&env, &["attribute", "list", "local/", "-n", "4"]);
    assert_eq!(first["hasMore"], json!(true));
    let cursor = first["nextCursor"].as_str().unwrap();
    assert_eq!(cursor.split('|').count(), 4, "{cursor}");
    let second = json_of(
        &env,
        &["attribute", "list", "local/", "-n", "4", "-c", "next"],
    );
    assert_eq!(second["hasPrev"], json!(true));
    let a = keys(&first);
    let b = keys(&second);
    assert_eq!(b.len(), 4);
    assert!(b.iter().all(|k| !a.contains(k)), "{a:?} {b:?}");
    let back = json_of(
        &env,
        &["attribute", "list", "local/", "-n", "4", "-c", "prev"],
    );
    assert_eq!(keys(&back), a);
}

#[test]
fn bad_filters_and_flags_fail_before_any_request() {
    let env = seeded();
    clear_log(&env);
    for (args, code) in [
        (vec!["attribute", "list", "local/", "a b"], 21),
        (vec!["attribute", "list", "local/", "x*"], 21),
        (vec!["attribute", "list", "local/", "key:value"], 21),
        (vec!["attribute", "list", "local/", "--type", "bogus"], 21),
        (
            vec!["attribute", "list", "local/", "--dataset", "errors"],
            21,
        ),
        (vec!["attribute", "list", "local/", "-n", "0"], 21),
    ] {
        let out = env.api_cmd().args(&args).output().unwrap();
        assert_exit(&out, code);
    }
    assert_eq!(logged(&env), Vec::<String>::new());
    let out = env
        .api_cmd()
        .args(["attribute", "list", "local/", "--type", "bogus"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stderr),
        "Error: Invalid attribute type \"bogus\". Must be one of: string, number, boolean, array\n"
    );
}
