//! Cron monitors of an organization (check-ins themselves go through DSN ingest, see
//! [`super::ingest`]).

use super::OrgApi;
use crate::RequestBuilder;

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/monitors/` (paginated).
    pub fn monitors(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("monitors/"))
    }
}
