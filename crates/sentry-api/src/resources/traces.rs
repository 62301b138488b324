//! Traces, trace logs and trace items (one span's or log's full attribute set), read by
//! `trace`, `span` and `log` commands (the trace tree itself is [`OrgApi::trace`]). The explore table behind `log list`, `trace list` and
//! `span list` is [`OrgApi::events`] with a `dataset`.

use super::OrgApi;
use crate::urls::encode_segment;
use crate::RequestBuilder;

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/trace-logs/?traceId=…`: the logs of one or more traces.
    pub fn trace_logs(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("trace-logs/"))
    }

    /// `GET /projects/{org}/{project}/trace-items/{item_id}/?trace_id=…&item_type=spans|logs`:
    /// every attribute of one span or log.
    pub fn trace_item(&self, project: &str, item_id: &str) -> RequestBuilder<'c> {
        let rest = format!("trace-items/{}/", encode_segment(item_id));
        self.at("GET", &self.project_path(project, &rest))
    }

    /// `GET /organizations/{org}/replays/`: session replays (a trace's, with `query=trace:…`).
    pub fn replays(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("replays/"))
    }
}
