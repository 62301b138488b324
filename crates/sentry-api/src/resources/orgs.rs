//! Organizations and what hangs directly off them: teams, repositories, membership.

use super::OrgApi;
use crate::urls::encode_segment;
use crate::RequestBuilder;

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/`.
    pub fn detail(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path(""))
    }

    /// `GET /organizations/{org}/teams/` (paginated).
    pub fn teams(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("teams/"))
    }

    /// `GET /organizations/{org}/repos/` (paginated).
    pub fn repos(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("repos/"))
    }

    /// `POST /organizations/{org}/members/me/teams/{team}/`: join a team.
    pub fn join_team(&self, team: &str) -> RequestBuilder<'c> {
        let rest = format!("members/me/teams/{}/", encode_segment(team));
        self.at("POST", &self.org_path(&rest))
    }

    /// `GET /organizations/{org}/replay-count/`.
    pub fn replay_count(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("replay-count/"))
    }

    /// `GET /organizations/{org}/trace/{trace_id}/`.
    pub fn trace(&self, trace_id: &str) -> RequestBuilder<'c> {
        let rest = format!("trace/{}/", encode_segment(trace_id));
        self.at("GET", &self.org_path(&rest))
    }
}
