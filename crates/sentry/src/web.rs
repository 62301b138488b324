//! `-w/--web`: the Sentry web UI page for an org, project, issue or event.
//!
//! SaaS uses org subdomains (`https://<org>.sentry.io/...`); self-hosted servers use
//! `<base>/organizations/<org>/...`. When no browser can be opened (not a terminal, no opener)
//! the URL is printed instead, so the flag stays useful over SSH and in scripts.

use std::io::{self, IsTerminal};

use serde_json::{json, Value};

use crate::context::Context;
use crate::error::CliResult;
use crate::output::{emit, Human, Report};

fn is_saas(base: &str) -> bool {
    sentry_api::Origin::parse(base).is_some_and(|o| o.is_saas())
}

/// Root of an org's pages.
pub fn org_url(base: &str, org: &str) -> String {
    let base = base.trim_end_matches('/');
    if is_saas(base) {
        format!("https://{org}.sentry.io/")
    } else {
        format!("{base}/organizations/{org}/")
    }
}

/// The org's page for one path below it (`issues/1/`, `projects/app/`).
pub fn org_page(base: &str, org: &str, path: &str) -> String {
    format!("{}{}", org_url(base, org), path.trim_start_matches('/'))
}

pub fn project_url(base: &str, org: &str, project: &str) -> String {
    org_page(base, org, &format!("projects/{project}/"))
}

pub fn issue_url(base: &str, org: &str, issue_id: &str) -> String {
    org_page(base, org, &format!("issues/{issue_id}/"))
}

pub fn event_url(base: &str, org: &str, project: &str, event_id: &str) -> String {
    org_page(base, org, &format!("projects/{project}/events/{event_id}/"))
}

/// What `--web` did with the page, printed through the shared renderer so `--json`,
/// `--fields` and `--jq` apply. 0.49 has no JSON shape here (it prints its text even under
/// `--json`); ours is `{"url": …}`.
struct WebPage {
    url: String,
    /// A browser was opened.
    opened: bool,
    /// A person is at the terminal (the browser just failed to open).
    interactive: bool,
}

impl Report for WebPage {
    fn json(&self) -> Value {
        json!({ "url": self.url })
    }

    fn human(&self, out: &mut Human) -> io::Result<()> {
        if self.opened {
            out.line("Opening in browser...")
        } else if self.interactive {
            out.line("Could not open browser. Visit this URL:")?;
            out.blank()?;
            out.line(&self.url)?;
            out.blank()
        } else {
            out.line(&self.url)
        }
    }
}

/// Opens `url` in a browser when stdout is a terminal and an opener works; otherwise prints
/// it (scripts, SSH). With `--json` no browser is opened: the caller wants the data.
pub fn open(ctx: &Context, url: &str) -> CliResult<i32> {
    let interactive = std::io::stdout().is_terminal() && !ctx.output.json;
    let opened = interactive && open::that_detached(url).is_ok();
    emit(
        &WebPage {
            url: url.to_string(),
            opened,
            interactive,
        },
        &ctx.output,
    )?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saas_and_self_hosted_urls() {
        assert_eq!(
            org_url("https://sentry.io", "acme"),
            "https://acme.sentry.io/"
        );
        assert_eq!(
            issue_url("https://us.sentry.io/", "acme", "12"),
            "https://acme.sentry.io/issues/12/"
        );
        assert_eq!(
            issue_url("http://127.0.0.1:9000", "acme", "12"),
            "http://127.0.0.1:9000/organizations/acme/issues/12/"
        );
        assert_eq!(
            event_url("https://sentry.example.com", "o", "p", "abc"),
            "https://sentry.example.com/organizations/o/projects/p/events/abc/"
        );
    }
}
