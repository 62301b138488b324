//! Cursor pagination over list endpoints.

use serde::de::DeserializeOwned;

use crate::{ApiError, Client};

/// Sentry's per-page maximum.
pub const MAX_PER_PAGE: usize = 100;

/// The result of following `next` cursors.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// More items exist on the server than were returned.
    pub has_more: bool,
    /// Where to continue; `None` when the last page overshot the limit (the items past the
    /// limit would be skipped by that cursor) or when nothing is left.
    pub next_cursor: Option<String>,
    /// Requests made.
    pub pages: usize,
    /// Stopped because `max_pages` was reached while the server had more; the binary warns
    /// `Pagination limit reached (<pages> pages, <items> items). Results may be incomplete.`
    pub page_cap_hit: bool,
}

impl Client {
    /// Fetches up to `limit` items from a list endpoint, following `next` cursors for at most
    /// `max_pages` requests. `per_page=min(limit,100)` is added unless the query already sets
    /// `per_page` or `limit`; a `cursor` in the query is the starting cursor. `endpoint` may
    /// be an absolute URL (region).
    pub fn paginate<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
        limit: usize,
        max_pages: usize,
    ) -> Result<Page<T>, ApiError> {
        let max_pages = max_pages.max(1);
        let mut base_query: Vec<(String, String)> = Vec::new();
        let mut cursor: Option<String> = None;
        for (k, v) in query {
            if *k == "cursor" {
                cursor = Some(v.to_string()).filter(|c| !c.is_empty());
            } else {
                base_query.push((k.to_string(), v.to_string()));
            }
        }
        if !base_query
            .iter()
            .any(|(k, _)| k == "per_page" || k == "limit")
        {
            base_query.push((
                "per_page".to_string(),
                limit.clamp(1, MAX_PER_PAGE).to_string(),
            ));
        }
        let mut items: Vec<T> = Vec::new();
        let mut pages = 0;
        loop {
            let mut req = self.get(endpoint).query_pairs(&base_query);
            if let Some(c) = &cursor {
                req = req.query("cursor", c.as_str());
            }
            let resp = req.send()?;
            pages += 1;
            let batch: Vec<T> = resp.json()?;
            items.extend(batch);
            let next = resp.link().next;
            if items.len() > limit {
                items.truncate(limit);
                return Ok(Page {
                    items,
                    has_more: true,
                    next_cursor: None,
                    pages,
                    page_cap_hit: false,
                });
            }
            match next {
                None => {
                    return Ok(Page {
                        items,
                        has_more: false,
                        next_cursor: None,
                        pages,
                        page_cap_hit: false,
                    })
                }
                Some(n) if items.len() == limit || pages >= max_pages => {
                    let cap = items.len() < limit;
                    return Ok(Page {
                        items,
                        has_more: true,
                        next_cursor: Some(n),
                        pages,
                        page_cap_hit: cap,
                    });
                }
                Some(n) => cursor = Some(n),
            }
        }
    }
}
