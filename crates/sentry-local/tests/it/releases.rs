//! Releases, deploys and commits over HTTP.

use crate::common::agent;

use sentry_local::{start, RunningServer, ServerConfig};
use serde_json::{json, Value};

struct Api {
    s: RunningServer,
}

impl Api {
    fn new() -> Api {
        Api {
            s: start(ServerConfig::for_tests()).unwrap(),
        }
    }
    fn url(&self, path: &str) -> String {
        format!("{}/api/0/{path}", self.s.url)
    }
    fn auth(&self) -> String {
        format!("Bearer {}", self.s.token())
    }
    fn get(&self, path: &str) -> (u16, Value, Option<String>) {
        let mut r = agent()
            .get(self.url(path))
            .header("Authorization", self.auth())
            .call()
            .unwrap();
        let link = r
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let status = r.status().as_u16();
        (
            status,
            r.body_mut().read_json().unwrap_or(Value::Null),
            link,
        )
    }
    fn send(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let a = agent();
        let url = self.url(path);
        let req = match method {
            "POST" => a.post(url),
            "PUT" => a.put(url),
            _ => unreachable!(),
        };
        let mut r = req
            .header("Authorization", self.auth())
            .send_json(&body)
            .unwrap();
        let status = r.status().as_u16();
        (status, r.body_mut().read_json().unwrap_or(Value::Null))
    }
    fn delete(&self, path: &str) -> u16 {
        agent()
            .delete(self.url(path))
            .header("Authorization", self.auth())
            .call()
            .unwrap()
            .status()
            .as_u16()
    }
}

#[test]
fn create_view_update_delete() {
    let api = Api::new();
    let (status, rel) = api.send(
        "POST",
        "organizations/local/releases/",
        json!({"version": "app@1.2.3+45", "projects": ["app"], "ref": "main", "url": "https://ci/1"}),
    );
    assert_eq!(status, 201, "{rel}");
    assert_eq!(rel["version"], "app@1.2.3+45");
    assert_eq!(rel["shortVersion"], "1.2.3+45");
    assert_eq!(rel["versionInfo"]["package"], "app");
    assert_eq!(rel["ref"], "main");
    assert_eq!(rel["url"], "https://ci/1");
    assert_eq!(rel["dateReleased"], Value::Null);
    assert_eq!(rel["status"], "open");
    assert_eq!(rel["commitCount"], 0);
    assert_eq!(rel["deployCount"], 0);
    assert_eq!(rel["lastDeploy"], Value::Null);
    assert_eq!(rel["newGroups"], 0);
    assert_eq!(
        rel["projects"][0]["slug"], "app",
        "projects carry slug, name and id: {rel}"
    );
    assert_eq!(rel["projects"][0]["id"], 1);

    // Creating again is "already reported" and keeps the release.
    let (status, _) = api.send(
        "POST",
        "organizations/local/releases/",
        json!({"version": "app@1.2.3+45", "projects": ["app"]}),
    );
    assert_eq!(status, 208);

    // The version is URL-encoded in paths (`@` and `+`).
    let path = "organizations/local/releases/app%401.2.3%2B45/";
    let (status, detail, _) = api.get(&format!("{path}?health=true&adoptionStages=true"));
    assert_eq!(status, 200);
    assert_eq!(detail["version"], "app@1.2.3+45");
    assert_eq!(detail["projects"][0]["healthData"]["hasHealthData"], false);

    let (status, fin) = api.send(
        "PUT",
        path,
        json!({"dateReleased": "2024-05-01T10:00:00Z", "url": "https://ci/2"}),
    );
    assert_eq!(status, 200, "{fin}");
    assert_eq!(fin["dateReleased"], "2024-05-01T10:00:00.000000Z");
    assert_eq!(fin["url"], "https://ci/2");
    let (_, arch) = api.send("PUT", path, json!({"status": "archived"}));
    assert_eq!(arch["status"], "archived");
    let (status, _) = api.send("PUT", path, json!({"status": "gone"}));
    assert_eq!(status, 400);

    assert_eq!(api.delete(path), 204);
    assert_eq!(api.get(path).0, 404);
    assert_eq!(api.delete(path), 404);
}

#[test]
fn validation_errors() {
    let api = Api::new();
    let (status, body) = api.send(
        "POST",
        "organizations/local/releases/",
        json!({"projects": ["app"]}),
    );
    assert_eq!(status, 400);
    assert_eq!(body["detail"], "version: This field is required.");
    let (status, body) = api.send(
        "POST",
        "organizations/local/releases/",
        json!({"version": "latest", "projects": ["app"]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["detail"],
        "version: Release with name latest is not allowed"
    );
    let (status, body) = api.send(
        "POST",
        "organizations/local/releases/",
        json!({"version": "1.0", "projects": ["nope"]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["detail"],
        "projects: Invalid project ids or slugs: nope"
    );
    let (status, _) = api.send(
        "POST",
        "organizations/missing/releases/",
        json!({"version": "1", "projects": []}),
    );
    assert_eq!(status, 404);
    // No token → 401.
    let r = agent()
        .get(api.url("organizations/local/releases/"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[test]
fn list_filters_and_paginates() {
    let api = Api::new();
    for v in ["1.0.0", "1.1.0", "2.0.0"] {
        let (s, _) = api.send(
            "POST",
            "organizations/local/releases/",
            json!({"version": v, "projects": ["app"]}),
        );
        assert_eq!(s, 201);
    }
    api.send(
        "PUT",
        "organizations/local/releases/1.1.0/",
        json!({"status": "archived"}),
    );

    let (status, list, link) = api.get(
        "organizations/local/releases/?per_page=1&sort=date&health=1&statsPeriod=90d&status=open",
    );
    assert_eq!(status, 200);
    let versions: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["2.0.0"], "newest first, archived hidden");
    let link = link.unwrap();
    assert!(
        link.contains(r#"rel="next"; results="true"; cursor="0:1:0""#),
        "{link}"
    );
    assert!(
        link.contains(r#"rel="previous"; results="false""#),
        "{link}"
    );

    let (_, page2, link2) =
        api.get("organizations/local/releases/?per_page=1&status=open&cursor=0:1:0");
    assert_eq!(page2[0]["version"], "1.0.0");
    assert!(link2.unwrap().contains(r#"rel="next"; results="false""#));

    let (_, archived, _) = api.get("organizations/local/releases/?status=archived");
    assert_eq!(archived.as_array().unwrap().len(), 1);
    let (_, q, _) = api.get("organizations/local/releases/?query=2.0");
    assert_eq!(q.as_array().unwrap().len(), 1);
    let (_, by_project, _) = api.get("organizations/local/releases/?project=1&per_page=100");
    assert_eq!(by_project.as_array().unwrap().len(), 2);
    let (_, other_project, _) = api.get("organizations/local/releases/?project=999");
    assert_eq!(other_project, json!([]));
    let (_, proj_list, _) = api.get("projects/local/app/releases/");
    assert_eq!(proj_list.as_array().unwrap().len(), 2);
}

#[test]
fn project_endpoint_creates_for_that_project() {
    let api = Api::new();
    let (status, rel) = api.send(
        "POST",
        "projects/local/app/releases/",
        json!({"version": "p1"}),
    );
    assert_eq!(status, 201, "{rel}");
    assert_eq!(rel["projects"][0]["slug"], "app");
}

#[test]
fn deploys_and_commits() {
    let api = Api::new();
    api.send(
        "POST",
        "organizations/local/releases/",
        json!({"version": "old", "projects": ["app"]}),
    );
    api.send(
        "POST",
        "organizations/local/repos/",
        json!({"name": "acme/app"}),
    );
    let (_, with_commits) = api.send(
        "PUT",
        "organizations/local/releases/old/",
        json!({"refs": [{"repository": "acme/app", "commit": "a".repeat(40), "previousCommit": null}]}),
    );
    assert_eq!(with_commits["commitCount"], 1);
    assert_eq!(with_commits["lastCommit"]["id"], "a".repeat(40));

    api.send(
        "POST",
        "organizations/local/releases/",
        json!({"version": "new", "projects": ["app"]}),
    );
    let (_, prev, _) = api.get("organizations/local/releases/new/previous-with-commits/");
    assert_eq!(prev["version"], "old");
    assert_eq!(prev["lastCommit"]["id"], "a".repeat(40));
    let (_, none, _) = api.get("organizations/local/releases/old/previous-with-commits/");
    assert_eq!(none, json!({}));

    let (status, rel) = api.send(
        "PUT",
        "organizations/local/releases/new/",
        json!({"commits": [
            {"id": "b".repeat(40), "repository": "acme/app", "message": "fix", "author_name": "Jane", "author_email": "jane@example.com", "timestamp": "2024-01-01T00:00:00Z"},
            {"id": "c".repeat(40), "message": "feat", "author_name": "Jane", "author_email": "jane@example.com"}
        ]}),
    );
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["commitCount"], 2);
    assert_eq!(
        rel["authors"],
        json!([{"name": "Jane", "email": "jane@example.com"}])
    );
    let (_, commits, _) = api.get("organizations/local/releases/new/commits/");
    assert_eq!(commits[1]["message"], "feat");
    let (_, cleared) = api.send(
        "PUT",
        "organizations/local/releases/new/",
        json!({"refs": []}),
    );
    assert_eq!(cleared["commitCount"], 0);

    let (status, deploy) = api.send(
        "POST",
        "organizations/local/releases/new/deploys/",
        json!({"environment": "production", "name": "d1", "url": "https://d", "dateStarted": 1700000000}),
    );
    assert_eq!(status, 201, "{deploy}");
    assert_eq!(deploy["environment"], "production");
    assert_eq!(deploy["name"], "d1");
    assert_eq!(deploy["dateStarted"], "2023-11-14T22:13:20.000000Z");
    assert!(deploy["id"].is_string());
    let (status, _) = api.send(
        "POST",
        "organizations/local/releases/new/deploys/",
        json!({}),
    );
    assert_eq!(status, 400);
    let (_, deploys, _) = api.get("organizations/local/releases/new/deploys/");
    assert_eq!(deploys.as_array().unwrap().len(), 1);
    let (_, rel, _) = api.get("organizations/local/releases/new/");
    assert_eq!(rel["deployCount"], 1);
    assert_eq!(rel["lastDeploy"]["name"], "d1");
}

#[test]
fn read_only_token_cannot_write() {
    let api = Api::new();
    api.s
        .state
        .db
        .with(|c| {
            c.execute(
                "INSERT INTO api_tokens (token, user_id, scopes, kind, date_created) VALUES ('ro', 1, 'project:read org:read', 'user', 'now')",
                [],
            )
        })
        .unwrap();
    let r = agent()
        .post(api.url("organizations/local/releases/"))
        .header("Authorization", "Bearer ro")
        .send_json(json!({"version": "x", "projects": ["app"]}))
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = agent()
        .get(api.url("organizations/local/releases/"))
        .header("Authorization", "Bearer ro")
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// `set-commits` as sentry.io answers it: `commits` create their repository by name and keep
/// authors; `refs` must name repositories the org has; empty lists clear.
#[test]
fn release_commits_like_sentry() {
    let api = Api::new();
    api.send(
        "POST",
        "organizations/local/releases/",
        json!({"version": "1.0", "projects": ["app"]}),
    );
    // refs naming an unknown repository: Sentry's InvalidRepository answer, nothing stored.
    let (status, body) = api.send(
        "PUT",
        "organizations/local/releases/1.0/",
        json!({"refs": [{"repository": "acme/nope", "commit": "a".repeat(40)}, {"repository": "x/y", "commit": "b"}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"refs": ["Invalid repository names: acme/nope,x/y"]})
    );
    let (_, rel, _) = api.get("organizations/local/releases/1.0/");
    assert_eq!(rel["commitCount"], 0);

    // commits: the repository is created on first use (no provider, like get_or_create).
    let (status, rel) = api.send(
        "PUT",
        "organizations/local/releases/1.0/",
        json!({"commits": [
            {"id": "c".repeat(40), "repository": "acme/widgets", "message": "second", "author_name": "Ann", "author_email": "ann@example.com", "timestamp": "2024-01-02T03:04:05+01:00",
             "patch_set": [{"path": "a.txt", "type": "M"}]},
            {"id": "d".repeat(40), "repository": "acme/widgets", "message": "first", "author_name": "Bob", "author_email": "bob@example.com", "timestamp": "2024-01-01T00:00:00Z"},
            {"id": "e".repeat(40), "message": "no repo", "author_name": "Ann", "author_email": "ann@example.com"}
        ]}),
    );
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["commitCount"], 3);
    assert_eq!(
        rel["authors"],
        json!([{"name": "Ann", "email": "ann@example.com"}, {"name": "Bob", "email": "bob@example.com"}])
    );
    let last = &rel["lastCommit"];
    assert_eq!(last["id"], "c".repeat(40));
    assert_eq!(last["message"], "second");
    assert_eq!(last["dateCreated"], "2024-01-02T02:04:05.000000Z");
    assert_eq!(
        last["author"],
        json!({"name": "Ann", "email": "ann@example.com"})
    );
    assert_eq!(last["repository"]["name"], "acme/widgets");
    assert_eq!(
        last["repository"]["provider"],
        json!({"id": "unknown", "name": "Unknown Provider"})
    );
    let (_, repos, _) = api.get("organizations/local/repos/");
    let names: Vec<&str> = repos
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme/widgets", "organization-1"]);
    let (_, commits, _) = api.get("organizations/local/releases/1.0/commits/");
    assert_eq!(commits.as_array().unwrap().len(), 3);
    assert_eq!(commits[1]["repository"]["name"], "acme/widgets");
    assert_eq!(commits[1]["author"]["email"], "bob@example.com");
    assert_eq!(commits[2]["repository"]["name"], "organization-1");

    // refs to a repository the org now has: the head commit is recorded.
    api.send(
        "POST",
        "organizations/local/releases/",
        json!({"version": "2.0", "projects": ["app"]}),
    );
    let (status, rel) = api.send(
        "PUT",
        "organizations/local/releases/2.0/",
        json!({"refs": [{"repository": "acme/widgets", "commit": "f".repeat(40), "previousCommit": "c".repeat(40)}]}),
    );
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["commitCount"], 1);
    assert_eq!(rel["lastCommit"]["repository"]["name"], "acme/widgets");
    let (_, prev, _) = api.get("organizations/local/releases/2.0/previous-with-commits/");
    assert_eq!(prev["version"], "1.0");
    assert_eq!(prev["lastCommit"]["id"], "c".repeat(40));

    // Clearing with either list.
    let (_, cleared) = api.send(
        "PUT",
        "organizations/local/releases/1.0/",
        json!({"commits": []}),
    );
    assert_eq!(cleared["commitCount"], 0);
    assert_eq!(cleared["lastCommit"], Value::Null);
    assert_eq!(cleared["authors"], json!([]));
    let (_, cleared) = api.send(
        "PUT",
        "organizations/local/releases/2.0/",
        json!({"refs": []}),
    );
    assert_eq!(cleared["commitCount"], 0);
}
