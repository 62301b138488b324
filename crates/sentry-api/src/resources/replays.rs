//! Session Replays: one replay and its recording (the replay index, `OrgApi::replays`, is
//! in [`super::traces`]).

use super::OrgApi;
use crate::urls::encode_segment;
use crate::RequestBuilder;

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/replays/{id}/` → `{data: replay}`.
    pub fn replay(&self, id: &str) -> RequestBuilder<'c> {
        let rest = format!("replays/{}/", encode_segment(id));
        self.at("GET", &self.org_path(&rest))
    }

    /// `GET /projects/{org}/{project}/replays/{id}/recording-segments/` (paginated): one array
    /// of rrweb events per segment.
    pub fn replay_recording_segments(&self, project: &str, id: &str) -> RequestBuilder<'c> {
        let rest = format!("replays/{}/recording-segments/", encode_segment(id));
        self.at("GET", &self.project_path(project, &rest))
    }

    /// `GET /organizations/{org}/trace-meta/{trace_id}/`: span, error and log counts of a trace.
    pub fn trace_meta(&self, trace_id: &str) -> RequestBuilder<'c> {
        let rest = format!("trace-meta/{}/", encode_segment(trace_id));
        self.at("GET", &self.org_path(&rest))
    }
}
