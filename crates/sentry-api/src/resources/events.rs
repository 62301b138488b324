//! Events: by id within a project, across an org, their attachments, and the Discover query.

use super::OrgApi;
use crate::urls::encode_segment;
use crate::RequestBuilder;

/// What one `events-timeseries` request asks for (see [`OrgApi::events_timeseries`]).
#[derive(Debug, Clone, Copy)]
pub struct TimeSeriesQuery<'a> {
    /// `errors`, `spans`, `logs`, `tracemetrics`, …
    pub dataset: &'a str,
    /// The aggregates, one series each (`count()`, `p95(span.duration)`).
    pub y_axis: &'a [String],
    /// Sentry search syntax; empty is not sent.
    pub query: Option<&'a str>,
    /// A numeric project id; none means every project of the org.
    pub project: Option<&'a str>,
    /// The bucket size: `15s`, `5m`, `1h`, `1d`, …
    pub interval: &'a str,
    /// `statsPeriod`, or `start` and `end`, as `sentry_target::parse_period` returns them.
    pub period: &'a [(&'a str, String)],
}

impl<'c> OrgApi<'c> {
    /// `GET /organizations/{org}/events/`: the Discover/explore query endpoint.
    pub fn events(&self) -> RequestBuilder<'c> {
        self.at("GET", &self.org_path("events/"))
    }

    /// `GET /organizations/{org}/events-timeseries/`: aggregates in time buckets, answered as
    /// `{meta:{dataset,start,end}, timeSeries:[{values,yAxis,meta}]}`. The parameters go in
    /// the official CLI's order: dataset, yAxis…, query, project, interval, then the period.
    pub fn events_timeseries(&self, q: &TimeSeriesQuery<'_>) -> RequestBuilder<'c> {
        let mut req = self
            .at("GET", &self.org_path("events-timeseries/"))
            .query("dataset", q.dataset);
        for y in q.y_axis {
            req = req.query("yAxis", y.as_str());
        }
        if let Some(query) = q.query.filter(|s| !s.is_empty()) {
            req = req.query("query", query);
        }
        if let Some(p) = q.project {
            req = req.query("project", p);
        }
        req = req.query("interval", q.interval);
        for (k, v) in q.period {
            req = req.query(*k, v.as_str());
        }
        req
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
