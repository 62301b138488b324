//! The few typed calls the core commands need. Values stay `serde_json::Value` where the
//! CLI prints the server's object verbatim (`--json` must show every field).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::urls::encode_segment;
use crate::{ApiError, Client};

/// Upstream's cap for the organization list (50 pages of 100).
pub const MAX_ORGANIZATIONS: usize = 5000;

/// One entry of `GET /users/me/regions/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub name: String,
    pub url: String,
}

#[derive(Deserialize)]
struct RegionsBody {
    #[serde(default)]
    regions: Vec<Region>,
}

impl Client {
    /// `GET /api/0/` on the control silo: `{auth: {scopes…}, user: {…}}` (used by `sentry info`
    /// and the scope check).
    pub fn get_root(&self) -> Result<Value, ApiError> {
        self.get("/").send_json()
    }

    /// `GET /api/0/auth/`: the authenticated user (works for OAuth and personal tokens).
    pub fn get_auth(&self) -> Result<Value, ApiError> {
        self.get("/auth/").send_json()
    }

    /// `GET /api/0/users/me/regions/`. The regions it names are trusted for the token.
    pub fn user_regions(&self) -> Result<Vec<Region>, ApiError> {
        let resp = self.get("/users/me/regions/").send()?;
        let body: RegionsBody = resp.json()?;
        for r in &body.regions {
            let _ = self.trust_region_named_by(resp.url(), &r.url);
        }
        Ok(body.regions)
    }

    /// Every organization the token can see (control silo, `per_page=100`, auto-paginated up
    /// to [`MAX_ORGANIZATIONS`]). Each region URL found is trusted for the token.
    pub fn list_organizations(&self) -> Result<Vec<Value>, ApiError> {
        let page = self.paginate::<Value>(
            "/organizations/",
            &[("per_page", "100")],
            MAX_ORGANIZATIONS,
            MAX_ORGANIZATIONS / 100,
        )?;
        // The pages came from the base URL (a request elsewhere would have been refused).
        let base = self.base_url().to_string();
        for org in &page.items {
            if let Some(url) = org_region_url(org) {
                let _ = self.trust_region_named_by(&base, &url);
            }
        }
        Ok(page.items)
    }

    /// `GET /api/0/organizations/{slug}/` on the control silo (region discovery probe). The
    /// region it names is trusted for the token.
    pub fn get_organization(&self, slug: &str) -> Result<Value, ApiError> {
        let resp = self
            .get(&format!("/organizations/{}/", encode_segment(slug)))
            .send()?;
        let org: Value = resp.json()?;
        if let Some(url) = org_region_url(&org) {
            let _ = self.trust_region_named_by(resp.url(), &url);
        }
        Ok(org)
    }
}

/// `links.regionUrl` of an organization object, if present and non-empty.
pub fn org_region_url(org: &Value) -> Option<String> {
    org.get("links")?
        .get("regionUrl")?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
