//! The Sentry REST API, one function per endpoint, grouped by resource. Commands never build
//! a path: they call these, add the query they need and choose how to read the answer.
//!
//! Org-scoped endpoints hang off [`OrgApi`], which is bound to the org's region when it is
//! made, so a request about an org cannot go anywhere but the region that serves it.
//! Endpoints return a [`RequestBuilder`]; [`crate::Pages`] follows cursors for list
//! endpoints, and the models in [`models`] read the fields the CLI uses while keeping the
//! server's object for `--json`.

pub mod attributes;
pub mod events;
pub mod ingest;
pub mod issues;
pub mod models;
pub mod monitors;
pub mod orgs;
pub mod projects;
pub mod releases;
pub mod replays;
pub mod traces;
pub mod uploads;

use crate::urls::encode_segment;
use crate::{Client, RequestBuilder};

/// An organization on the region that serves it.
#[derive(Clone)]
pub struct OrgApi<'c> {
    client: &'c Client,
    base: String,
    slug: String,
}

impl Client {
    /// The endpoints of org `slug`, sent to `region` (its region URL, or the base URL on a
    /// single-region server).
    pub fn org_api(&self, slug: &str, region: &str) -> OrgApi<'_> {
        OrgApi {
            client: self,
            base: region.to_string(),
            slug: slug.to_string(),
        }
    }
}

impl<'c> OrgApi<'c> {
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// The region URL requests go to.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn client(&self) -> &'c Client {
        self.client
    }

    /// `/organizations/{org}/{rest}`.
    fn org_path(&self, rest: &str) -> String {
        format!("/organizations/{}/{rest}", encode_segment(&self.slug))
    }

    /// `/projects/{org}/{project}/{rest}`.
    fn project_path(&self, project: &str, rest: &str) -> String {
        format!(
            "/projects/{}/{}/{rest}",
            encode_segment(&self.slug),
            encode_segment(project)
        )
    }

    fn at(&self, method: &str, path: &str) -> RequestBuilder<'c> {
        self.client.request_at(method, &self.base, path)
    }
}
