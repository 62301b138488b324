//! Trace-item attribute discovery (spans, logs, trace metrics).

use super::OrgApi;
use crate::RequestBuilder;

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/trace-items/attributes/` (paginated): the attribute keys of
    /// a dataset, one `attributeType` per request.
    pub fn trace_item_attributes(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("trace-items/attributes/"))
    }
}
