//! What several 3.x commands share: where the org and project come from and 3.x's words when
//! they are missing, the 3.x rendering of API failures, and 3.x's ASCII tables.

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::context::Context;
use crate::error::{CliError, CliResult};

/// The organization (`-o`, `SENTRY_ORG`, config, org token), or 3.x's error.
pub fn require_org(ctx: &Context) -> CliResult<String> {
    ctx.settings()?
        .org
        .as_ref()
        .map(|s| s.value.clone())
        .filter(|o| !o.is_empty())
        .ok_or_else(|| {
            CliError::general(
                "An organization ID or slug is required (provide with --org, set SENTRY_ORG, or use an org-scoped auth token)",
            )
        })
}

/// The project (`-p`, `SENTRY_PROJECT`, config), or 3.x's error.
pub fn require_project(ctx: &Context) -> CliResult<String> {
    ctx.settings()?
        .project
        .as_ref()
        .map(|s| s.value.clone())
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            CliError::general("A project ID or slug is required (provide with --project)")
        })
}

/// An authenticated client, or 3.x's error when no token is configured at all (3.x would send
/// the request unauthenticated and print the server's 401; naming the fix is kinder and is
/// what 3.x's own `info` says).
pub fn authed_client(ctx: &Context) -> CliResult<sentry_api::Client> {
    if ctx.active_token()?.is_none() {
        return Err(CliError::general(
            "Auth token is required for this request. Please run `sentry-cli login` and try again!",
        ));
    }
    ctx.authed_client()
}

/// What a 404 means for the request that got it, in 3.x's words.
#[derive(Clone, Copy)]
pub enum Missing {
    Organization,
    Project,
    Resource,
}

/// An API failure as 3.x prints it: a 404 as the missing thing, another HTTP error as
/// `API request failed` caused by the server's detail; transport failures keep our message
/// (which names the setting the URL came from).
pub fn api_failure(e: sentry_api::ApiError, missing: Missing) -> CliError {
    let Some(status) = e.status() else {
        return crate::context::api_error(e);
    };
    if status == 404 {
        return CliError::general(match missing {
            Missing::Organization => "organization not found",
            Missing::Project => {
                "Project not found. Ensure that you configured the correct project and organization."
            }
            Missing::Resource => "resource not found",
        });
    }
    let body = e.body().unwrap_or_default();
    let detail = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("detail").and_then(Value::as_str).map(str::to_string))
        .or_else(|| {
            let text = String::from_utf8_lossy(body).trim().to_string();
            (!text.is_empty() && text.len() < 200).then_some(text)
        })
        .unwrap_or_else(|| "generic error".to_string());
    CliError::general(format!(
        "API request failed\n\nCaused by:\n    sentry reported an error: {detail} (http status: {status})"
    ))
}

/// The pages 3.x reads of a list endpoint: no page size (the server's default, 100), at
/// most `pages` requests.
pub fn paging(pages: usize) -> sentry_api::Paging {
    sentry_api::Paging {
        size_param: None,
        ..sentry_api::Paging::per_page(usize::MAX, pages)
    }
}

/// 3.x's ASCII table: `+---+` rules, a header row, cells padded by one space and left
/// aligned; a cell with line breaks spans several lines.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table, each line ending in `\n`.
    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                for line in cell.split('\n') {
                    widths[i] = widths[i].max(line.width());
                }
            }
        }
        let rule: String = widths.iter().fold("+".to_string(), |mut s, w| {
            s.push_str(&"-".repeat(w + 2));
            s.push('+');
            s
        });
        let mut out = format!("{rule}\n");
        push_row(&mut out, &widths, &self.header);
        out.push_str(&rule);
        out.push('\n');
        for row in &self.rows {
            push_row(&mut out, &widths, row);
        }
        out.push_str(&rule);
        out.push('\n');
        out
    }
}

/// One row, as many lines high as its tallest cell.
fn push_row(out: &mut String, widths: &[usize], cells: &[String]) {
    let height = cells
        .iter()
        .map(|c| c.split('\n').count())
        .max()
        .unwrap_or(1);
    for n in 0..height {
        out.push('|');
        for (i, w) in widths.iter().enumerate() {
            let text = cells
                .get(i)
                .and_then(|c| c.split('\n').nth(n))
                .unwrap_or_default();
            out.push(' ');
            out.push_str(text);
            out.push_str(&" ".repeat(w.saturating_sub(text.width()) + 1));
            out.push('|');
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_as_3x_draws_them() {
        let mut t = Table::new(&["ID", "Tags"]);
        t.row(vec!["1".into(), "a: b\nlevel: error".into()]);
        assert_eq!(
            t.render(),
            "+----+--------------+\n\
             | ID | Tags         |\n\
             +----+--------------+\n\
             | 1  | a: b         |\n\
             |    | level: error |\n\
             +----+--------------+\n"
        );
    }
}
