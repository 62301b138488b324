//! Projects, their keys (DSNs) and teams.

use super::OrgApi;
use crate::urls::encode_segment;
use crate::{Client, RequestBuilder};

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/projects/` (paginated).
    pub fn projects(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("projects/"))
    }

    /// `POST /organizations/{org}/projects/`: create a project without a team.
    pub fn create_project(&self) -> RequestBuilder<'c> {
        self.at("POST", &self.org_path("projects/"))
    }

    /// `POST /teams/{org}/{team}/projects/`: create a project owned by a team.
    pub fn create_team_project(&self, team: &str) -> RequestBuilder<'c> {
        let path = format!(
            "/teams/{}/{}/projects/",
            encode_segment(&self.slug),
            encode_segment(team)
        );
        self.at("POST", &path)
    }

    /// `GET /projects/{org}/{project}/`.
    pub fn project(&self, project: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.project_path(project, ""))
    }

    /// `DELETE /projects/{org}/{project}/`.
    pub fn delete_project(&self, project: &str) -> RequestBuilder<'c> {
        self.at("DELETE", &self.project_path(project, ""))
    }

    /// `GET /projects/{org}/{project}/keys/`: the project's client keys (DSNs).
    pub fn project_keys(&self, project: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.project_path(project, "keys/"))
    }

    /// `GET /organizations/{org}/project-keys/` (paginated): every project's client keys,
    /// each naming its `projectId`.
    pub fn org_project_keys(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("project-keys/"))
            .query("project", "-1")
    }

    /// `GET /projects/{org}/{project}/environments/`: the project's environments.
    pub fn project_environments(&self, project: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.project_path(project, "environments/"))
    }

    /// `GET /projects/{org}/{project}/teams/`.
    pub fn project_teams(&self, project: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.project_path(project, "teams/"))
    }
}

impl Client {
    /// `GET /projects/` on `base`: every project the token can see there (DSN lookup).
    pub fn all_projects_at<'c>(&'c self, base: &str) -> RequestBuilder<'c> {
        self.request_at("GET", base, "/projects/")
    }
}
