//! Releases and their deploys.

use super::OrgApi;
use crate::urls::encode_segment;
use crate::RequestBuilder;

impl<'c> OrgApi<'c> {
    /// `/organizations/{org}/releases/{version}/{rest}`.
    fn release_path(&self, version: &str, rest: &str) -> String {
        self.org_path(&format!("releases/{}/{rest}", encode_segment(version)))
    }

    /// `GET /organizations/{org}/releases/` (paginated).
    pub fn releases(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("releases/"))
    }

    /// `GET /projects/{org}/{project}/releases/`: one project's releases (sentry-cli 3.x's
    /// `releases list -p`).
    pub fn project_releases(&self, project: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.project_path(project, "releases/"))
    }

    /// `POST /organizations/{org}/releases/`: create (or update) a release.
    pub fn create_release(&self) -> RequestBuilder<'c> {
        self.at("POST", &self.org_path("releases/"))
    }

    /// `GET /organizations/{org}/releases/{version}/`.
    pub fn release(&self, version: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.release_path(version, ""))
    }

    /// `PUT /organizations/{org}/releases/{version}/`: finalize, archive, restore, edit.
    pub fn update_release(&self, version: &str) -> RequestBuilder<'c> {
        self.at("PUT", &self.release_path(version, ""))
    }

    /// `DELETE /organizations/{org}/releases/{version}/`.
    pub fn delete_release(&self, version: &str) -> RequestBuilder<'c> {
        self.at("DELETE", &self.release_path(version, ""))
    }

    /// `GET /organizations/{org}/releases/{version}/deploys/`.
    pub fn release_deploys(&self, version: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.release_path(version, "deploys/"))
    }

    /// `GET /organizations/{org}/releases/{version}/commits/`.
    pub fn release_commits(&self, version: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.release_path(version, "commits/"))
    }

    /// `POST /organizations/{org}/releases/{version}/deploys/`.
    pub fn create_deploy(&self, version: &str) -> RequestBuilder<'c> {
        self.at("POST", &self.release_path(version, "deploys/"))
    }

    /// `GET /organizations/{org}/releases/{version}/previous-with-commits/`: the newest
    /// older release that has commits (its `lastCommit.id` starts `set-commits --auto`'s
    /// range), or `{}`.
    pub fn previous_release_with_commits(&self, version: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.release_path(version, "previous-with-commits/"))
    }
}
