//! Events: by id within a project, across an org, their attachments, and the Discover query.

use super::OrgApi;
use crate::urls::encode_segment;
use crate::RequestBuilder;

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/events/`: the Discover/explore query endpoint.
    pub fn events(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("events/"))
    }

    /// `GET /organizations/{org}/eventids/{id}/`: which project an event id belongs to.
    pub fn event_id(&self, id: &str) -> RequestBuilder<'c> {
        let rest = format!("eventids/{}/", encode_segment(id));
        self.at("GET", &self.org_path(&rest))
    }

    /// `GET /projects/{org}/{project}/events/` (paginated): a project's latest events.
    pub fn project_events(&self, project: &str) -> RequestBuilder<'c> {
        self.at("GET", &self.project_path(project, "events/"))
    }

    /// `GET /projects/{org}/{project}/events/{id}/`.
    pub fn project_event(&self, project: &str, id: &str) -> RequestBuilder<'c> {
        let rest = format!("events/{}/", encode_segment(id));
        self.at("GET", &self.project_path(project, &rest))
    }

    /// Where an attachment downloads from (shown to the user, not requested here).
    pub fn attachment_download_url(&self, project: &str, event: &str, attachment: &str) -> String {
        let rest = format!(
            "events/{}/attachments/{}/",
            encode_segment(event),
            encode_segment(attachment)
        );
        format!(
            "{}?download=1",
            crate::api_url(&self.base, &self.project_path(project, &rest))
        )
    }

    /// `GET /projects/{org}/{project}/events/{id}/attachments/`.
    pub fn event_attachments(&self, project: &str, id: &str) -> RequestBuilder<'c> {
        let rest = format!("events/{}/attachments/", encode_segment(id));
        self.at("GET", &self.project_path(project, &rest))
    }
}
