//! Issues (groups): lists, lookups by id and short id, status changes, their events.

use super::OrgApi;
use crate::urls::encode_segment;
use crate::{Client, RequestBuilder};

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/issues/` (paginated; `limit` is the page size).
    pub fn issues(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("issues/"))
    }

    /// `PUT /organizations/{org}/issues/`: change several issues at once (`?id=…`).
    pub fn update_issues(&self) -> RequestBuilder<'c> {
        self.at("PUT", &self.org_path("issues/"))
    }

    /// `GET /projects/{org}/{project}/issues/` (paginated): the project-scoped list
    /// sentry-cli 3.x reads (`issues list`, and the selection of its bulk changes).
    pub fn project_issues(&self, project: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.project_path(project, "issues/"))
    }

    /// `PUT /projects/{org}/{project}/issues/`: change the issues selected by the query
    /// (`?id=…`, `?status=…`, or none for all), as 3.x's bulk `issues resolve|mute|unresolve`.
    pub fn update_project_issues(&self, project: &str) -> RequestBuilder<'c> {
        self.at("PUT", &self.project_path(project, "issues/"))
    }

    /// `GET /organizations/{org}/issues/{id}/`.
    pub fn issue(&self, id: &str) -> RequestBuilder<'c> {
        self.at(
            "GET",
            &self.org_path(&format!("issues/{}/", encode_segment(id))),
        )
    }

    /// `PUT /organizations/{org}/issues/{id}/`: status and assignment changes.
    pub fn update_issue(&self, id: &str) -> RequestBuilder<'c> {
        self.at(
            "PUT",
            &self.org_path(&format!("issues/{}/", encode_segment(id))),
        )
    }

    /// `GET /organizations/{org}/issues/{id}/events/` (paginated).
    pub fn issue_events(&self, id: &str) -> RequestBuilder<'c> {
        let rest = format!("issues/{}/events/", encode_segment(id));
        self.at("GET", &self.org_path(&rest))
    }

    /// `GET /organizations/{org}/issues/{id}/events/latest/`.
    pub fn latest_issue_event(&self, id: &str) -> RequestBuilder<'c> {
        let rest = format!("issues/{}/events/latest/", encode_segment(id));
        self.at("GET", &self.org_path(&rest))
    }

    /// `GET /organizations/{org}/issues/{id}/tags/{key}/`: the top values of one tag.
    pub fn issue_tag(&self, id: &str, key: &str) -> RequestBuilder<'c> {
        let rest = format!(
            "issues/{}/tags/{}/",
            encode_segment(id),
            encode_segment(key)
        );
        self.at("GET", &self.org_path(&rest))
    }

    /// `GET /organizations/{org}/shortids/{short_id}/`.
    pub fn short_id(&self, short_id: &str) -> RequestBuilder<'c> {
        let rest = format!("shortids/{}/", encode_segment(short_id));
        self.at("GET", &self.org_path(&rest))
    }
}

impl Client {
    /// `GET /issues/{id}/` on the control silo (an issue whose org is not known yet).
    pub fn issue_by_id(&self, id: &str) -> RequestBuilder<'_> {
        self.get(&format!("/issues/{}/", encode_segment(id)))
    }

    /// `GET /shared/issues/{share_id}/` on the server of a public share link, without
    /// credentials (the link is public, and its server need not be the configured one).
    pub fn shared_issue(&self, base: &str, share_id: &str) -> RequestBuilder<'_> {
        let path = format!("/shared/issues/{}/", encode_segment(share_id));
        self.request_at("GET", base, &path).without_auth()
    }
}
