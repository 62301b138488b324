//! Monitors: API CRUD and check-ins sent as real envelopes.

use crate::common::{agent, get};

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

fn send_check_in(s: &RunningServer, payload: Value) {
    let body = format!("{{}}\n{{\"type\":\"check_in\"}}\n{payload}");
    let r = agent()
        .post(format!(
            "{}/api/{}/envelope/?sentry_version=7&sentry_key={}",
            s.url, s.bootstrap.project_id, s.bootstrap.public_key
        ))
        .header("Content-Type", "application/x-sentry-envelope")
        .send(body.as_bytes())
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[test]
fn check_in_with_config_creates_monitor_and_closes_check_in() {
    let s = start(ServerConfig::for_tests()).unwrap();
    let cid = "a".repeat(32);
    send_check_in(
        &s,
        json!({"check_in_id": cid, "monitor_slug": "nightly", "status": "in_progress", "environment": "production",
               "monitor_config": {"schedule": {"type": "crontab", "value": "0 * * * *"}, "checkin_margin": 5,
                                  "max_runtime": 30, "timezone": "UTC", "failure_issue_threshold": 2, "recovery_threshold": 3}}),
    );
    let (status, list) = get(&s, "organizations/local/monitors/?per_page=25");
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let m = &list[0];
    assert_eq!(m["slug"], "nightly");
    assert_eq!(m["name"], "nightly");
    assert_eq!(m["status"], "active");
    assert_eq!(m["isMuted"], false);
    assert_eq!(m["config"]["schedule_type"], "crontab");
    assert_eq!(m["config"]["schedule"], "0 * * * *");
    assert_eq!(m["config"]["checkin_margin"], 5);
    assert_eq!(m["project"]["slug"], "app");
    assert_eq!(m["environments"][0]["name"], "production");
    assert_eq!(m["environments"][0]["status"], "active");

    send_check_in(
        &s,
        json!({"check_in_id": cid, "monitor_slug": "nightly", "status": "ok", "environment": "production", "duration": 1.5}),
    );
    let (_, checkins) = get(&s, "organizations/local/monitors/nightly/checkins/");
    let checkins = checkins.as_array().unwrap();
    assert_eq!(
        checkins.len(),
        1,
        "the second check-in closes the first: {checkins:?}"
    );
    assert_eq!(checkins[0]["status"], "ok");
    assert_eq!(checkins[0]["duration"], 1500);
    assert_eq!(checkins[0]["environment"], "production");
    let (_, m) = get(&s, "organizations/local/monitors/nightly/");
    assert_eq!(m["environments"][0]["status"], "ok");

    // A failing run is a new check-in.
    send_check_in(
        &s,
        json!({"monitor_slug": "nightly", "status": "error", "environment": "production"}),
    );
    let (_, checkins) = get(&s, "organizations/local/monitors/nightly/checkins/");
    assert_eq!(checkins[0]["status"], "error");
    assert_eq!(checkins.as_array().unwrap().len(), 2);
    let (_, m) = get(&s, "organizations/local/monitors/nightly/");
    assert_eq!(m["environments"][0]["status"], "error");
}

#[test]
fn check_in_for_unknown_monitor_without_config_is_dropped() {
    let s = start(ServerConfig::for_tests()).unwrap();
    send_check_in(
        &s,
        json!({"check_in_id": "b".repeat(32), "monitor_slug": "ghost", "status": "ok"}),
    );
    let (_, list) = get(&s, "organizations/local/monitors/");
    assert_eq!(list, json!([]));
    assert_eq!(get(&s, "organizations/local/monitors/ghost/").0, 404);
}

#[test]
fn api_create_detail_delete() {
    let s = start(ServerConfig::for_tests()).unwrap();
    let post = |body: Value| {
        let mut r = agent()
            .post(format!("{}/api/0/organizations/local/monitors/", s.url))
            .header("Authorization", format!("Bearer {}", s.token()))
            .send_json(&body)
            .unwrap();
        let status = r.status().as_u16();
        (status, r.body_mut().read_json::<Value>().unwrap())
    };
    let (status, m) = post(json!({"project": "app", "name": "Daily Backup",
        "config": {"schedule_type": "interval", "schedule": [1, "day"], "checkin_margin": 10}}));
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["slug"], "daily-backup");
    assert_eq!(m["config"]["schedule"], json!([1, "day"]));
    assert_eq!(m["environments"], json!([]));
    let (status, body) = post(json!({"project": "app", "name": "Daily Backup",
        "config": {"schedule_type": "crontab", "schedule": "0 0 * * *"}}));
    assert_eq!(status, 400);
    assert_eq!(
        body["detail"],
        "slug: The slug \"daily-backup\" is already in use."
    );
    let (status, _) = post(json!({"project": "app", "name": "x", "config": {"schedule": "bad"}}));
    assert_eq!(status, 400);
    let (status, _) = post(json!({"name": "x", "config": {"schedule": "* * * * *"}}));
    assert_eq!(status, 400);

    let (status, detail) = get(&s, "organizations/local/monitors/daily-backup/");
    assert_eq!(status, 200);
    assert_eq!(detail["name"], "Daily Backup");
    let (_, found) = get(&s, "organizations/local/monitors/?query=backup");
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (_, none) = get(&s, "organizations/local/monitors/?query=zzz");
    assert_eq!(none, json!([]));

    let r = agent()
        .delete(format!(
            "{}/api/0/organizations/local/monitors/daily-backup/",
            s.url
        ))
        .header("Authorization", format!("Bearer {}", s.token()))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    assert_eq!(get(&s, "organizations/local/monitors/daily-backup/").0, 404);
}
