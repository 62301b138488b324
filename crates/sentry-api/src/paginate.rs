//! Cursor pagination: the one way every list command and `api --paginate` walks pages.
//!
//! A [`Pages`] sends a request once per page, adding the page size and the cursor from the
//! previous answer's `Link` header. It stops when the server has no next page, when the
//! items wanted have arrived ([`Pages::collect`]), when a cursor repeats (a server that
//! hands out the same cursor would otherwise loop), or after `max_pages` requests — then
//! [`Page::page_cap_hit`] says the list may be incomplete.

use serde::de::DeserializeOwned;

use crate::{ApiError, ApiResponse, Client, RequestBuilder};

/// Sentry's per-page maximum.
pub const MAX_PER_PAGE: usize = 100;

/// How a list is fetched page by page.
#[derive(Debug, Clone)]
pub struct Paging {
    /// Most items wanted (`usize::MAX`: everything).
    pub limit: usize,
    /// Most requests made (`SENTRY_MAX_PAGINATION_PAGES`).
    pub max_pages: usize,
    /// The query parameter that carries the page size: `per_page`, or `limit` for the
    /// issue search; `None` sends no size.
    pub size_param: Option<&'static str>,
    /// Ask each page only for what is still missing (the issue search does) instead of
    /// `min(limit, 100)` every time.
    pub shrink: bool,
    /// The cursor to start from (`--cursor`).
    pub cursor: Option<String>,
}

impl Paging {
    /// `per_page=min(limit,100)` pages, from the first page.
    pub fn per_page(limit: usize, max_pages: usize) -> Paging {
        Paging {
            limit,
            max_pages,
            size_param: Some("per_page"),
            shrink: false,
            cursor: None,
        }
    }

    pub fn from_cursor(mut self, cursor: Option<String>) -> Paging {
        self.cursor = cursor.filter(|c| !c.is_empty());
        self
    }
}

/// The result of following `next` cursors.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// More items exist on the server than were returned.
    pub has_more: bool,
    /// Where to continue; `None` when the last page overshot the limit (the items past the
    /// limit would be skipped by that cursor) or when nothing is left.
    pub next_cursor: Option<String>,
    /// The first page answered with a `prev` link.
    pub has_prev: bool,
    /// Requests made.
    pub pages: usize,
    /// Stopped because `max_pages` was reached while the server had more; the binary warns
    /// `Pagination limit reached (<pages> pages, <items> items). Results may be incomplete.`
    pub page_cap_hit: bool,
}

/// Pages of one list request (see the module docs).
pub struct Pages<'a> {
    template: RequestBuilder<'a>,
    paging: Paging,
    cursor: Option<String>,
    seen: Vec<String>,
    got: usize,
    pages: usize,
    done: bool,
    has_prev: bool,
    cap_hit: bool,
}

impl<'a> RequestBuilder<'a> {
    /// Walk this (GET) request's pages.
    pub fn pages(self, paging: Paging) -> Pages<'a> {
        Pages {
            template: self,
            cursor: paging.cursor.clone(),
            paging,
            seen: Vec::new(),
            got: 0,
            pages: 0,
            done: false,
            has_prev: false,
            cap_hit: false,
        }
    }
}

impl<'a> Pages<'a> {
    /// The next page's response; `None` once there is nothing more to fetch. After an
    /// error nothing more is fetched.
    pub fn next_response(&mut self) -> Option<Result<ApiResponse, ApiError>> {
        if self.done {
            return None;
        }
        if self.pages >= self.paging.max_pages.max(1) {
            self.cap_hit = true;
            self.done = true;
            return None;
        }
        let mut req = self.template.clone();
        if let Some(param) = self.paging.size_param {
            let wanted = if self.paging.shrink {
                self.paging.limit.saturating_sub(self.got)
            } else {
                self.paging.limit
            };
            req = req.query(param, wanted.clamp(1, MAX_PER_PAGE).to_string());
        }
        if let Some(c) = &self.cursor {
            req = req.query("cursor", c.as_str());
        }
        let resp = match req.send() {
            Ok(r) => r,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        self.pages += 1;
        let links = resp.link();
        if self.pages == 1 {
            self.has_prev = links.prev.is_some();
        }
        match links.next.filter(|n| !self.seen.contains(n)) {
            Some(n) => {
                self.seen.push(n.clone());
                self.cursor = Some(n);
            }
            None => {
                self.cursor = None;
                self.done = true;
            }
        }
        Some(Ok(resp))
    }

    /// Requests made so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Whether the page cap stopped the walk while the server had more.
    pub fn cap_hit(&self) -> bool {
        self.cap_hit
    }

    /// Reads up to `limit` items of type `T` from the pages.
    pub fn collect<T: DeserializeOwned>(mut self) -> Result<Page<T>, ApiError> {
        let limit = self.paging.limit;
        let mut items: Vec<T> = Vec::new();
        while let Some(resp) = self.next_response() {
            let batch: Vec<T> = resp?.json()?;
            self.got += batch.len();
            items.extend(batch);
            if items.len() >= limit {
                break;
            }
        }
        if items.len() > limit {
            items.truncate(limit);
            return Ok(Page {
                items,
                has_more: true,
                next_cursor: None,
                has_prev: self.has_prev,
                pages: self.pages,
                page_cap_hit: false,
            });
        }
        // A cursor left over means the server has more: the limit was met exactly, or the
        // page cap stopped the walk.
        let next = if self.done && !self.cap_hit {
            None
        } else {
            self.cursor.clone()
        };
        if next.is_some() && items.len() < limit && self.pages >= self.paging.max_pages.max(1) {
            self.cap_hit = true;
        }
        Ok(Page {
            has_more: next.is_some(),
            next_cursor: next,
            has_prev: self.has_prev,
            pages: self.pages,
            page_cap_hit: self.cap_hit && items.len() < limit,
            items,
        })
    }
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
        let mut cursor = None;
        let mut req = self.get(endpoint);
        let mut sized = false;
        for (k, v) in query {
            match *k {
                "cursor" => cursor = Some(v.to_string()),
                "per_page" | "limit" => {
                    sized = true;
                    req = req.query(*k, *v);
                }
                _ => req = req.query(*k, *v),
            }
        }
        let mut paging = Paging::per_page(limit, max_pages).from_cursor(cursor);
        if sized {
            paging.size_param = None;
        }
        req.pages(paging).collect()
    }
}
