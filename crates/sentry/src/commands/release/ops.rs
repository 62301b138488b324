//! The release requests both grammars make (`sentry release …` and `sentry-cli releases …`):
//! typed inputs in, the server's JSON out. Each grammar keeps only its own parsing and
//! rendering, so a request body is shaped in exactly one place.
//!
//! Optional fields are left out of the body when unset, which is what both CLIs' servers
//! expect (Sentry treats a missing key as "unchanged").

use sentry_api::{ApiError, OrgApi};
use serde::Serialize;
use serde_json::Value;

/// A release to create (`POST /organizations/{org}/releases/`). Posting an existing version
/// updates it, which is how sentry-cli 3.x archives and restores.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRelease {
    pub version: String,
    /// Slugs as strings, numeric IDs as numbers (3.x sends `"web"` and `42`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<Value>>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_released: Option<String>,
    /// `open` or `archived`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

/// Fields to change on an existing release (`PUT …/releases/{version}/`).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_released: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

/// A deploy to record (`POST …/releases/{version}/deploys/`).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewDeploy {
    pub environment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_finished: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<Value>>,
}

/// Creates (or, for an existing version, updates) a release.
pub fn create(org: &OrgApi<'_>, release: &NewRelease) -> Result<Value, ApiError> {
    org.create_release().json(release)?.send_json()
}

/// Changes an existing release; 404 when it does not exist.
pub fn update(
    org: &OrgApi<'_>,
    version: &str,
    changes: &ReleaseChanges,
) -> Result<Value, ApiError> {
    org.update_release(version).json(changes)?.send_json()
}

/// The release, or `None` when the server has no such version (404).
pub fn get(org: &OrgApi<'_>, version: &str) -> Result<Option<Value>, ApiError> {
    match org.release(version).send_json() {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.status() == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Deletes the release; `Ok(false)` when there was none (404).
pub fn delete(org: &OrgApi<'_>, version: &str) -> Result<bool, ApiError> {
    match org.delete_release(version).send() {
        Ok(_) => Ok(true),
        Err(e) if e.status() == Some(404) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The release's commits, newest first.
pub fn commits(org: &OrgApi<'_>, version: &str) -> Result<Vec<Value>, ApiError> {
    org.release_commits(version).send_json()
}

/// The release's deploys, as the server orders them (latest first).
pub fn deploys(org: &OrgApi<'_>, version: &str) -> Result<Vec<Value>, ApiError> {
    org.release_deploys(version).send_json()
}

/// Records a deploy of the release.
pub fn create_deploy(
    org: &OrgApi<'_>,
    version: &str,
    deploy: &NewDeploy,
) -> Result<Value, ApiError> {
    org.create_deploy(version).json(deploy)?.send_json()
}

/// The newest releases of the org, or of one project when `project` is set (one page).
pub fn list(org: &OrgApi<'_>, project: Option<&str>) -> Result<Vec<Value>, ApiError> {
    match project {
        Some(p) => org.project_releases(p).send_json(),
        None => org.releases().send_json(),
    }
}
