//! REST API over real HTTP: identity, orgs, projects, teams, repos, issues and events.

use crate::common::*;
use sentry_local::RunningServer;
use serde_json::{json, Value};

fn send(s: &RunningServer, ev: Value) -> String {
    let r = send_envelope(s, &event_envelope(&ev));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

/// Parses a Link header into (rel, results, cursor, url) tuples.
fn links(link: &str) -> Vec<(String, String, String, String)> {
    link.split(", <")
        .map(|part| {
            let url = part
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .to_string();
            let attr = |name: &str| {
                part.split(&format!("{name}=\""))
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            };
            (attr("rel"), attr("results"), attr("cursor"), url)
        })
        .collect()
}

#[test]
fn identity_endpoints_and_auth_errors() {
    let s = server();
    let r = api(&s, "GET", "/", None);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["user"]["email"], "dev@localhost");
    assert!(v["auth"]["scopes"]
        .as_array()
        .unwrap()
        .contains(&json!("project:releases")));
    let anon = request("GET", &format!("{}/api/0/", s.url), &[], None);
    assert_eq!(
        anon.json(),
        json!({"version": "0", "auth": null, "user": null})
    );
    let r = api(&s, "GET", "auth/", None);
    assert_eq!(r.status, 200);
    let u = r.json();
    assert_eq!(
        (u["id"].as_str(), u["username"].as_str(), u["name"].as_str()),
        (Some("1"), Some("dev"), Some("Local Developer"))
    );
    let r = api(&s, "GET", "users/me/regions/", None);
    assert_eq!(
        r.json(),
        json!({"regions": [{"name": "local", "url": s.url}]})
    );
    // missing and invalid tokens, worded as Sentry does
    let r = request("GET", &format!("{}/api/0/organizations/", s.url), &[], None);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"detail": "Authentication credentials were not provided."})
    );
    let r = api_with(&s, "sntryu_nope", "GET", "organizations/", None);
    assert_eq!(r.status, 401);
    assert_eq!(r.json(), json!({"detail": "Invalid token"}));
    let r = api_with(&s, "sntryu_nope", "GET", "/", None);
    assert_eq!(r.status, 401);
    let r = api(&s, "POST", "organizations/", Some(json!({})));
    assert_eq!(r.status, 405);
    assert_eq!(r.json(), json!({"detail": "Method not allowed."}));
}

#[test]
fn organizations_list_and_detail() {
    let s = server();
    let r = api(&s, "GET", "organizations/?per_page=100", None);
    assert_eq!(r.status, 200);
    let orgs = r.json();
    assert_eq!(orgs.as_array().unwrap().len(), 1);
    assert_eq!(orgs[0]["slug"], "local");
    assert_eq!(orgs[0]["id"], "1");
    assert_eq!(
        orgs[0]["links"],
        json!({"organizationUrl": s.url, "regionUrl": s.url})
    );
    assert!(r.link.unwrap().contains("rel=\"next\"; results=\"false\""));
    let d = api(&s, "GET", "organizations/local/", None).json();
    assert_eq!(d["slug"], "local");
    assert_eq!(d["links"]["regionUrl"], s.url.as_str());
    assert_eq!(d["projects"][0]["slug"], "app");
    assert_eq!(d["teams"][0]["slug"], "local");
    assert_eq!(d["orgRole"], "owner");
    assert_eq!(
        api(&s, "GET", "organizations/1/", None).json()["slug"],
        "local"
    );
    let r = api(&s, "GET", "organizations/nope/", None);
    assert_eq!(r.status, 404);
}

#[test]
fn org_tokens_only_see_their_org_and_read_only_tokens_cannot_write() {
    let s = server();
    s.state
        .db
        .with(|c| c.execute("INSERT INTO organizations (id, slug, name, date_created) VALUES (2, 'other', 'Other', '2026-01-01T00:00:00Z')", []))
        .unwrap();
    add_token(&s, "sntrys_orgtok", "org:ci", Some(2), "org");
    let orgs = api_with(&s, "sntrys_orgtok", "GET", "organizations/", None).json();
    assert_eq!(
        orgs.as_array()
            .unwrap()
            .iter()
            .map(|o| o["slug"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["other"]
    );
    // An `org:ci` token reaches release routes, and only those of its own org...
    assert_eq!(
        api_with(
            &s,
            "sntrys_orgtok",
            "GET",
            "organizations/other/releases/",
            None
        )
        .status,
        200
    );
    assert_eq!(
        api_with(
            &s,
            "sntrys_orgtok",
            "GET",
            "organizations/local/releases/",
            None
        )
        .status,
        404
    );
    // ...while routes that need `org:read` or `project:read` refuse it before looking
    // anything up, as Sentry checks a token's scopes first.
    assert_eq!(
        api_with(&s, "sntrys_orgtok", "GET", "organizations/local/", None).status,
        403
    );
    assert_eq!(
        api_with(&s, "sntrys_orgtok", "GET", "projects/local/app/", None).status,
        403
    );
    assert_eq!(
        api(&s, "GET", "organizations/", None)
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    add_token(
        &s,
        "sntryu_readonly",
        "org:read project:read event:read team:read",
        None,
        "user",
    );
    let ro = "sntryu_readonly";
    assert_eq!(
        api_with(&s, ro, "GET", "projects/local/app/", None).status,
        200
    );
    let r = api_with(
        &s,
        ro,
        "POST",
        "teams/local/local/projects/",
        Some(json!({"name": "x"})),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"detail": "You do not have permission to perform this action."})
    );
    assert_eq!(
        api_with(
            &s,
            ro,
            "PUT",
            "projects/local/app/",
            Some(json!({"name": "y"}))
        )
        .status,
        403
    );
    assert_eq!(
        api_with(&s, ro, "DELETE", "projects/local/app/", None).status,
        403
    );
    let id = {
        send(&s, json!({"message": "ro"}));
        api(&s, "GET", "organizations/local/issues/", None).json()[0]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        api_with(
            &s,
            ro,
            "PUT",
            &format!("organizations/local/issues/{id}/"),
            Some(json!({"status": "resolved"}))
        )
        .status,
        403
    );
    assert_eq!(
        api(&s, "GET", &format!("issues/{id}/"), None).json()["status"],
        "unresolved"
    );
}

#[test]
fn projects_keys_create_and_delete() {
    let s = server();
    let p = api(&s, "GET", "projects/local/app/?collapse=organization", None).json();
    assert_eq!(p["id"], "1");
    assert_eq!(p["slug"], "app");
    assert_eq!(p["organization"]["slug"], "local");
    assert_eq!(p["firstEvent"], Value::Null);
    let keys = api(&s, "GET", "projects/local/app/keys/", None).json();
    assert_eq!(keys[0]["dsn"]["public"], s.dsn().as_str());
    assert_eq!(keys[0]["isActive"], true);
    assert_eq!(keys[0]["public"], s.bootstrap.public_key.as_str());
    let found = api(
        &s,
        "GET",
        &format!("projects/?query=dsn:{}", s.bootstrap.public_key),
        None,
    )
    .json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["organization"]["slug"], "local");
    assert_eq!(
        api(&s, "GET", "projects/?query=dsn:0000", None).json(),
        json!([])
    );

    let r = api(
        &s,
        "POST",
        "teams/local/local/projects/",
        Some(json!({"name": "My App", "platform": "python"})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.json();
    assert_eq!(
        (created["slug"].as_str(), created["platform"].as_str()),
        (Some("my-app"), Some("python"))
    );
    let r = api(
        &s,
        "POST",
        "teams/local/local/projects/",
        Some(json!({"name": "My App"})),
    );
    assert_eq!(r.json()["slug"], "my-app-2");
    let r = api(
        &s,
        "POST",
        "teams/local/local/projects/",
        Some(json!({"name": "x", "slug": "my-app"})),
    );
    assert_eq!(r.status, 409);
    let r = api(
        &s,
        "POST",
        "teams/local/nope/projects/",
        Some(json!({"name": "x"})),
    );
    assert_eq!(r.status, 404);
    let keys = api(&s, "GET", "projects/local/my-app/keys/", None).json();
    assert!(keys[0]["dsn"]["public"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/{}", created["id"].as_str().unwrap())));
    let list = api(&s, "GET", "organizations/local/projects/", None).json();
    let slugs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["app", "my-app", "my-app-2"]);
    let r = api(
        &s,
        "POST",
        "organizations/local/projects/",
        Some(json!({"name": "Via Org"})),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["team_slug"], "local");

    assert_eq!(
        api(&s, "DELETE", "projects/local/my-app/", None).status,
        204
    );
    assert_eq!(api(&s, "GET", "projects/local/my-app/", None).status, 404);
}

#[test]
fn teams_and_repos() {
    let s = server();
    let teams = api(&s, "GET", "organizations/local/teams/", None).json();
    assert_eq!(teams[0]["slug"], "local");
    assert_eq!(teams[0]["isMember"], true);
    assert_eq!(teams[0]["memberCount"], 1);
    let r = api(
        &s,
        "POST",
        "organizations/local/teams/",
        Some(json!({"slug": "backend"})),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        api(
            &s,
            "POST",
            "organizations/local/teams/",
            Some(json!({"slug": "backend"}))
        )
        .status,
        409
    );
    assert_eq!(
        api(
            &s,
            "POST",
            "organizations/local/members/me/teams/backend/",
            None
        )
        .status,
        204
    );
    assert_eq!(
        api(&s, "GET", "projects/local/app/teams/", None).json()[0]["slug"],
        "local"
    );
    let r = api(&s, "GET", "organizations/local/repos/?per_page=25", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!([]));
    let r = api(
        &s,
        "POST",
        "organizations/local/repos/",
        Some(json!({"name": "acme/web", "provider": "integrations:github"})),
    );
    assert_eq!(r.status, 201);
    let repos = api(&s, "GET", "organizations/local/repos/", None).json();
    assert_eq!(repos[0]["name"], "acme/web");
    assert_eq!(
        repos[0]["provider"],
        json!({"id": "integrations:github", "name": "GitHub"})
    );
    assert_eq!(repos[0]["url"], "https://github.com/acme/web");
}

#[test]
fn same_exception_twice_is_one_issue_with_count_two() {
    let s = server();
    let mut a = exception_event("ValueError", "invalid literal 1");
    a["user"] = json!({"email": "a@example.com"});
    let first = send(&s, a.clone());
    let mut b = exception_event("ValueError", "invalid literal 2");
    b["user"] = json!({"email": "b@example.com"});
    let second = send(&s, b);
    let issues = api(
        &s,
        "GET",
        "organizations/local/issues/?query=is:unresolved&statsPeriod=14d",
        None,
    )
    .json();
    assert_eq!(issues.as_array().unwrap().len(), 1);
    let i = &issues[0];
    assert_eq!(i["shortId"], "APP-1");
    assert_eq!(i["count"], "2");
    assert_eq!(i["userCount"], 2);
    assert_eq!(i["title"], "ValueError: invalid literal 1");
    assert_eq!(i["culprit"], "app.views in handler");
    assert_eq!(i["level"], "error");
    assert_eq!(i["status"], "unresolved");
    assert_eq!(i["substatus"], "new");
    assert_eq!(i["type"], "error");
    assert_eq!(i["issueCategory"], "error");
    assert_eq!(i["platform"], "python");
    assert_eq!(i["metadata"]["type"], "ValueError");
    assert_eq!(i["metadata"]["function"], "handler");
    assert_eq!(
        i["project"],
        json!({"id": "1", "name": "app", "slug": "app", "platform": "other"})
    );
    let id = i["id"].as_str().unwrap();
    assert_eq!(
        i["permalink"],
        format!("{}/organizations/local/issues/{id}/", s.url)
    );
    assert_eq!(i["stats"]["24h"].as_array().unwrap().len(), 24);

    // detail via org route, legacy route and short id
    let d = api(
        &s,
        "GET",
        &format!("organizations/local/issues/{id}/?collapse=stats&collapse=lifetime"),
        None,
    )
    .json();
    assert_eq!(d["count"], "2");
    assert!(d.get("stats").is_none());
    assert!(d.get("lifetime").is_none());
    assert_eq!(
        api(&s, "GET", &format!("issues/{id}/"), None).json()["shortId"],
        "APP-1"
    );
    let sid = api(&s, "GET", "organizations/local/shortids/app-1/", None).json();
    assert_eq!(sid["organizationSlug"], "local");
    assert_eq!(sid["projectSlug"], "app");
    assert_eq!(sid["groupId"], id);
    assert_eq!(sid["shortId"], "APP-1");
    assert_eq!(sid["group"]["id"], id);
    assert_eq!(
        api(&s, "GET", "organizations/local/shortids/APP-Z/", None).status,
        404
    );

    // events of the issue
    let evs = api(
        &s,
        "GET",
        &format!("organizations/local/issues/{id}/events/?full=false&statsPeriod=7d&per_page=100"),
        None,
    )
    .json();
    assert_eq!(evs.as_array().unwrap().len(), 2);
    assert_eq!(evs[0]["groupID"], id);
    assert_eq!(evs[0]["event.type"], "error");
    assert_eq!(evs[0]["projectID"], "1");
    let latest = api(
        &s,
        "GET",
        &format!("organizations/local/issues/{id}/events/latest/"),
        None,
    )
    .json();
    assert_eq!(latest["eventID"], second.as_str());
    assert_eq!(latest["previousEventID"], first.as_str());
    assert_eq!(latest["entries"][0]["type"], "exception");
    let frames = &latest["entries"][0]["data"]["values"][0]["stacktrace"]["frames"];
    assert_eq!(frames[1]["function"], "handler");
    assert_eq!(frames[1]["inApp"], true);
    assert!(latest["tags"]
        .as_array()
        .unwrap()
        .contains(&json!({"key": "level", "value": "error"})));
    assert_eq!(latest["user"]["email"], "b@example.com");
    let oldest = api(&s, "GET", &format!("issues/{id}/events/oldest/"), None).json();
    assert_eq!(oldest["eventID"], first.as_str());
    assert_eq!(oldest["nextEventID"], second.as_str());
    let ev = api(
        &s,
        "GET",
        &format!("projects/local/app/events/{first}/"),
        None,
    )
    .json();
    assert_eq!(ev["id"], first.as_str());
    assert_eq!(ev["groupID"], id);
    assert!(ev["dateReceived"].as_str().unwrap().ends_with('Z'));
    let look = api(
        &s,
        "GET",
        &format!("organizations/local/eventids/{first}/"),
        None,
    )
    .json();
    assert_eq!(look["organizationSlug"], "local");
    assert_eq!(look["projectSlug"], "app");
    assert_eq!(look["groupId"], id);
    assert_eq!(look["eventId"], first.as_str());
    assert_eq!(look["event"]["eventID"], first.as_str());
    assert_eq!(
        api(
            &s,
            "GET",
            "projects/local/app/events/00000000000000000000000000000000/",
            None
        )
        .status,
        404
    );
}

#[test]
fn fingerprint_and_message_grouping_via_api() {
    let s = server();
    send(&s, json!({"message": "Timeout after 30s for job 4711"}));
    send(&s, json!({"message": "Timeout after 45s for job 99"}));
    send(&s, json!({"message": "a", "fingerprint": ["billing"]}));
    send(
        &s,
        json!({"message": "b", "fingerprint": ["billing"], "level": "warning"}),
    );
    let issues = api(&s, "GET", "organizations/local/issues/?sort=freq", None).json();
    let arr = issues.as_array().unwrap();
    assert_eq!(arr.len(), 2, "{issues:#}");
    assert!(arr.iter().all(|i| i["count"] == "2"));
    let titles: Vec<&str> = arr.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Timeout after 30s for job 4711"));
    assert!(titles.contains(&"a"));
    assert!(arr.iter().all(|i| i["type"] == "default"));
    // level:warning matches the issue whose last event was a warning
    let w = api(
        &s,
        "GET",
        "organizations/local/issues/?query=level:warning",
        None,
    )
    .json();
    assert_eq!(w.as_array().unwrap().len(), 1);
    // free text
    let t = api(&s, "GET", "organizations/local/issues/?query=timeout", None).json();
    assert_eq!(t.as_array().unwrap().len(), 1);
    let r = api(&s, "GET", "organizations/local/issues/?sort=bogus", None);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["detail"], "Sort key 'bogus' not supported.");
}

#[test]
fn status_updates_and_filters() {
    let s = server();
    send(&s, json!({"message": "one"}));
    send(&s, json!({"message": "two"}));
    let list = api(&s, "GET", "organizations/local/issues/", None).json();
    let id_two = list[0]["id"].as_str().unwrap().to_string();
    let id_one = list[1]["id"].as_str().unwrap().to_string();
    let r = api(
        &s,
        "PUT",
        &format!("organizations/local/issues/{id_one}/"),
        Some(json!({"status": "resolved", "statusDetails": {"inRelease": "1.2.3"}})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "resolved");
    assert_eq!(v["statusDetails"]["inRelease"], "1.2.3");
    assert_eq!(v["substatus"], Value::Null);
    assert_eq!(v["id"], id_one.as_str());
    let r = api(
        &s,
        "PUT",
        &format!("issues/{id_two}/"),
        Some(json!({"status": "ignored", "substatus": "archived_until_escalating"})),
    );
    assert_eq!(r.json()["status"], "ignored");
    assert_eq!(r.json()["substatus"], "archived_until_escalating");
    let ids = |q: &str| -> Vec<String> {
        api(
            &s,
            "GET",
            &format!("organizations/local/issues/?query={q}"),
            None,
        )
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
    };
    assert_eq!(ids("is:resolved"), vec![id_one.clone()]);
    assert_eq!(ids("is:ignored"), vec![id_two.clone()]);
    assert!(ids("is:unresolved").is_empty());
    let r = api(
        &s,
        "PUT",
        &format!("organizations/local/issues/{id_two}/"),
        Some(
            json!({"status": "ignored", "statusDetails": {"ignoreDuration": 30}, "substatus": "archived_until_condition_met"}),
        ),
    );
    assert!(r.json()["statusDetails"]["ignoreUntil"].as_str().is_some());
    let r = api(
        &s,
        "PUT",
        &format!("organizations/local/issues/{id_one}/"),
        Some(json!({"status": "unresolved"})),
    );
    assert_eq!(r.json()["status"], "unresolved");
    assert_eq!(r.json()["substatus"], "ongoing");
    let r = api(
        &s,
        "PUT",
        &format!("organizations/local/issues/{id_one}/"),
        Some(json!({"status": "bogus"})),
    );
    assert_eq!(r.status, 400);
    // a new event on a resolved issue reopens it as a regression
    api(
        &s,
        "PUT",
        &format!("organizations/local/issues/{id_one}/"),
        Some(json!({"status": "resolved"})),
    );
    send(&s, json!({"message": "one"}));
    let d = api(&s, "GET", &format!("issues/{id_one}/"), None).json();
    assert_eq!(
        (
            d["status"].as_str(),
            d["substatus"].as_str(),
            d["count"].as_str()
        ),
        (Some("unresolved"), Some("regressed"), Some("2"))
    );
    // project filters
    assert_eq!(
        api(&s, "GET", "organizations/local/issues/?project=1", None)
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        api(&s, "GET", "organizations/local/issues/?project=999", None)
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(ids("project:app").len(), 2);
    assert_eq!(
        api(&s, "GET", "projects/local/app/issues/", None)
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // bulk status update
    let r = api(
        &s,
        "PUT",
        &format!("organizations/local/issues/?id={id_one}&id={id_two}"),
        Some(json!({"status": "resolved"})),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "resolved");
    assert_eq!(ids("is:resolved").len(), 2);
    let r = api(
        &s,
        "PUT",
        "organizations/local/issues/?id=99999",
        Some(json!({"status": "resolved"})),
    );
    assert_eq!(r.status, 204);
}

#[test]
fn merge_issues() {
    let s = server();
    send(&s, json!({"message": "alpha"}));
    send(&s, json!({"message": "beta"}));
    send(&s, json!({"message": "beta"}));
    let list = api(&s, "GET", "organizations/local/issues/?sort=freq", None).json();
    let beta = list[0]["id"].as_str().unwrap().to_string();
    let alpha = list[1]["id"].as_str().unwrap().to_string();
    let r = api(
        &s,
        "PUT",
        &format!("organizations/local/issues/?id={alpha}&id={beta}"),
        Some(json!({"merge": 1})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"merge": {"parent": beta, "children": [alpha]}})
    );
    let after = api(&s, "GET", "organizations/local/issues/", None).json();
    assert_eq!(after.as_array().unwrap().len(), 1);
    assert_eq!(after[0]["count"], "3");
    assert_eq!(
        api(&s, "GET", &format!("issues/{alpha}/"), None).status,
        404
    );
    // a later "alpha" event lands in the merged issue
    send(&s, json!({"message": "alpha"}));
    assert_eq!(
        api(&s, "GET", &format!("issues/{beta}/"), None).json()["count"],
        "4"
    );
    assert_eq!(
        api(&s, "GET", &format!("issues/{beta}/events/"), None)
            .json()
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let r = api(
        &s,
        "PUT",
        &format!("organizations/local/issues/?id={beta}"),
        Some(json!({"merge": 1})),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn issue_pagination_both_ways_and_base32_short_ids() {
    let s = server();
    for i in 0..11 {
        send(
            &s,
            json!({"message": format!("distinct problem {}", ["a","b","c","d","e","f","g","h","i","j","k"][i]), "timestamp": 1_700_000_000 + i as i64 * 10}),
        );
    }
    // short ids: the 10th issue is APP-A, the 11th APP-B
    let sid = api(&s, "GET", "organizations/local/shortids/APP-A/", None).json();
    assert_eq!(sid["group"]["title"], "distinct problem j");
    assert_eq!(
        api(&s, "GET", "organizations/local/shortids/APP-B/", None).json()["group"]["title"],
        "distinct problem k"
    );

    let r = api(
        &s,
        "GET",
        "organizations/local/issues/?limit=4&sort=date",
        None,
    );
    let page1: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        page1,
        vec![
            "distinct problem k",
            "distinct problem j",
            "distinct problem i",
            "distinct problem h"
        ]
    );
    let l = links(r.link.as_deref().unwrap());
    assert_eq!(
        (l[0].0.as_str(), l[0].1.as_str(), l[0].2.as_str()),
        ("previous", "false", "0:0:1")
    );
    assert_eq!(
        (l[1].0.as_str(), l[1].1.as_str(), l[1].2.as_str()),
        ("next", "true", "0:4:0")
    );
    assert!(l[1]
        .3
        .starts_with(&format!("{}/api/0/organizations/local/issues/?", s.url)));
    // follow next links to the end
    let mut url = l[1].3.clone();
    let mut seen = page1.len();
    let mut pages = 1;
    let mut last_prev;
    loop {
        let r = request(
            "GET",
            &url,
            &[("Authorization", &format!("Bearer {}", s.token()))],
            None,
        );
        assert_eq!(r.status, 200);
        seen += r.json().as_array().unwrap().len();
        pages += 1;
        let l = links(r.link.as_deref().unwrap());
        assert_eq!(l[0].1, "true");
        last_prev = l[0].3.clone();
        if l[1].1 == "false" {
            break;
        }
        url = l[1].3.clone();
    }
    assert_eq!((seen, pages), (11, 3));
    // and back one page
    let r = request(
        "GET",
        &last_prev,
        &[("Authorization", &format!("Bearer {}", s.token()))],
        None,
    );
    let body = r.json();
    assert_eq!(body[0]["title"], "distinct problem g");
    assert_eq!(body.as_array().unwrap().len(), 4);
    // events of a project paginate too
    let r = api(&s, "GET", "projects/local/app/events/?per_page=5", None);
    assert_eq!(r.json().as_array().unwrap().len(), 5);
    assert!(r
        .link
        .unwrap()
        .contains("rel=\"next\"; results=\"true\"; cursor=\"0:5:0\""));
    assert_eq!(
        api(
            &s,
            "GET",
            "organizations/local/issues/?cursor=garbage",
            None
        )
        .status,
        400
    );
}

#[test]
fn org_tokens_get_404_for_other_orgs_in_every_feature_api() {
    let s = server();
    s.state
        .db
        .with(|c| c.execute("INSERT INTO organizations (id, slug, name, date_created) VALUES (2, 'other', 'Other', '2026-01-01T00:00:00Z')", []))
        .unwrap();
    add_token(
        &s,
        "sntrys_other",
        "org:ci org:read event:read project:releases",
        Some(2),
        "org",
    );
    let tok = "sntrys_other";
    // Its own org answers, so the 404s below are the org boundary and not a scope problem.
    assert_eq!(
        api_with(&s, tok, "GET", "organizations/other/releases/", None).status,
        200
    );
    assert_eq!(
        api_with(&s, tok, "GET", "organizations/other/monitors/", None).status,
        200
    );
    assert_eq!(
        api_with(&s, tok, "GET", "organizations/other/chunk-upload/", None).status,
        200
    );
    for (method, path, body) in [
        ("GET", "organizations/local/releases/", None),
        (
            "POST",
            "organizations/local/releases/",
            Some(json!({"version": "1.0", "projects": ["app"]})),
        ),
        ("GET", "organizations/local/releases/1.0/", None),
        ("GET", "projects/local/app/releases/", None),
        ("GET", "organizations/local/monitors/", None),
        ("GET", "organizations/local/chunk-upload/", None),
        (
            "GET",
            "organizations/local/events/?dataset=logs&field=message",
            None,
        ),
        (
            "GET",
            "organizations/1/events/?dataset=errors&field=title",
            None,
        ),
    ] {
        let r = api_with(&s, tok, method, path, body);
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
        assert_eq!(
            r.json()["detail"],
            "The requested resource does not exist",
            "{method} {path}"
        );
    }
}

#[test]
fn feature_apis_page_like_the_core_api() {
    let s = server();
    for v in ["1.0", "2.0"] {
        let r = api(
            &s,
            "POST",
            "organizations/local/releases/",
            Some(json!({"version": v, "projects": ["app"]})),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // `limit` is the same as `per_page`, as everywhere else in this API.
    let r = api(&s, "GET", "organizations/local/releases/?limit=1", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let l = links(r.link.as_deref().unwrap());
    assert_eq!(l[1].0, "next");
    assert_eq!(l[1].1, "true");
    assert_eq!(
        l[1].3,
        format!(
            "{}/api/0/organizations/local/releases/?limit=1&cursor=0%3A1%3A0",
            s.url
        )
    );
    for path in [
        "organizations/local/releases/?per_page=abc",
        "organizations/local/releases/?per_page=0",
        "organizations/local/monitors/?per_page=x",
        "organizations/local/events/?dataset=errors&field=title&per_page=-1",
    ] {
        let r = api(&s, "GET", path, None);
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.json()["detail"], "Invalid per_page value.", "{path}");
    }
    for path in [
        "organizations/local/releases/?cursor=nope",
        "organizations/local/monitors/ghost/checkins/?cursor=1:2",
        "organizations/local/events/?dataset=logs&field=message&cursor=0:x:0",
    ] {
        let r = api(&s, "GET", path, None);
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.json()["detail"], "Invalid cursor parameter.", "{path}");
    }

    send(&s, json!({"message": "first"}));
    send(&s, json!({"message": "second"}));
    let path = "organizations/local/events/?dataset=errors&field=title&per_page=1";
    let r = api(&s, "GET", path, None);
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["meta"]["fields"]["title"], "string");
    let l = links(r.link.as_deref().unwrap());
    assert_eq!((l[0].0.as_str(), l[0].1.as_str()), ("previous", "false"));
    assert_eq!((l[1].0.as_str(), l[1].1.as_str()), ("next", "true"));
    assert_eq!(l[1].2, "0:1:0");
    let r = api(&s, "GET", &format!("{path}&cursor=0:1:0"), None);
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 1);
    let l = links(r.link.as_deref().unwrap());
    assert_eq!((l[0].1.as_str(), l[1].1.as_str()), ("true", "false"));
    // A period too large for milliseconds falls back to the default instead of overflowing.
    let r = api(
        &s,
        "GET",
        "organizations/local/events/?dataset=errors&field=title&statsPeriod=9999999999999999w",
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 2);
}
