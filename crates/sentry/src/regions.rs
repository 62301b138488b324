//! Org → region URL routing.
//!
//! SaaS organizations live in a region silo (`us.sentry.io`, `de.sentry.io`) while the org list
//! comes from the control silo. Every org-scoped request must go to the org's region, so the
//! region is looked up once per org: the run's memo (in the Context) → `org_regions` in cli.db → an org token's
//! `region_url` claim → one `GET organizations/{org}/` probe (its `links.regionUrl`).
//!
//! Trust is never widened here (the token rule, `sentry_api::scope`): a region URL is trusted
//! only when a response of a trusted origin named it — in this process (the api crate records
//! it) or in an earlier one (cli.db keeps, per credential and per origin asked, the origin
//! that named each cached region). Rows learned with another credential or from another
//! server are never looked at; a cached row that no origin trusted by this token vouches for
//! is re-validated by the probe. A probe answered with a 4xx
//! other than 401/403 falls back to the base URL — how self-hosted servers (no regions) keep
//! working; any other failure (a refusal, an unreachable or stalled server, 5xx) is the
//! command's error: falling back would only repeat it against the same server.

use std::collections::HashMap;

use sentry_api::{org_region_url, Client};
use sentry_store::{OrgRegion, Store};
use serde_json::Value;

use crate::context::{api_error, Context};
use crate::error::CliResult;

/// Regions and probe bodies learned by one [`Context`] (one command run, one token), so a
/// command never probes twice. Keyed by the client's base URL and the org slug: the same
/// slug on another server is another org.
#[derive(Default)]
pub struct Memo {
    regions: HashMap<String, String>,
    /// The org detail returned by the probe; `org view` reuses it instead of a second GET.
    probes: HashMap<String, Value>,
}

fn with_memo<T>(ctx: &Context, f: impl FnOnce(&mut Memo) -> T) -> T {
    f(&mut ctx.region_memo().borrow_mut())
}

fn key(client: &Client, org: &str) -> String {
    format!("{}|{org}", normalize(client.base_url()))
}

fn normalize(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

/// The base URL to send requests about `org` to.
pub fn region_for_org(ctx: &Context, client: &Client, org: &str) -> CliResult<String> {
    let k = key(client, org);
    if let Some(r) = with_memo(ctx, |m| m.regions.get(&k).cloned()) {
        return Ok(r);
    }
    let base = normalize(client.base_url());
    let remember = |url: String| -> String {
        with_memo(ctx, |m| m.regions.insert(k.clone(), url.clone()));
        url
    };
    let usable = |url: &str| !client.has_token() || client.is_trusted(url);
    if let Ok(store) = ctx.store() {
        let identity = credential_identity(ctx, store, client);
        if let Ok(Some(row)) = store.org_region(&identity, &base, org) {
            let url = normalize(&row.region_url);
            let vouched = || client.trust_region_named_by(&row.response_origin, &url);
            if !url.is_empty() && (usable(&url) || vouched()) {
                log::debug!("[region] {org} → {url} (cli.db)");
                return Ok(remember(url));
            }
            if !url.is_empty() {
                log::debug!("[region] {org}: cached {url} is not trusted for this token; probing");
            }
        }
    }
    if let Ok(settings) = ctx.settings() {
        if let Some(claims) = &settings.org_token {
            if claims.org.as_deref() == Some(org) {
                if let Some(region) = claims.region_url.as_deref().filter(|r| usable(r)) {
                    log::debug!("[region] {org} → {region} (org token)");
                    return Ok(remember(normalize(region)));
                }
            }
        }
    }
    match client.get_organization(org) {
        Ok(detail) => {
            let region = org_region_url(&detail)
                .map(|r| normalize(&r))
                .unwrap_or_else(|| base.clone());
            log::debug!("[region] {org} → {region} (probe)");
            store_rows(ctx, client, &[(&detail, region.clone())]);
            with_memo(ctx, |m| m.probes.insert(k.clone(), detail));
            Ok(remember(region))
        }
        Err(e) if e.status().is_some_and(|s| (400..500).contains(&s)) && !e.is_auth_error() => {
            log::debug!(
                "[region] probe for {org} failed ({}); using {base}",
                e.headline()
            );
            Ok(remember(base))
        }
        Err(e) => Err(api_error(e)),
    }
}

/// The org detail fetched by the region probe of this run, if one happened.
pub fn probed_org(ctx: &Context, client: &Client, org: &str) -> Option<Value> {
    with_memo(ctx, |m| m.probes.get(&key(client, org)).cloned())
}

/// Records every org of a control-silo org list: `org_regions` rows (region, id, name, role)
/// and trusted origins, so later org-scoped commands need no probe.
pub fn record_org_list(ctx: &Context, client: &Client, orgs: &[Value]) {
    let base = normalize(client.base_url());
    let rows: Vec<(&Value, String)> = orgs
        .iter()
        .filter(|o| o.get("slug").and_then(Value::as_str).is_some())
        .map(|o| {
            let region = org_region_url(o)
                .map(|r| normalize(&r))
                .unwrap_or_else(|| base.clone());
            (o, region)
        })
        .collect();
    // The api crate already trusted each region: the control silo named it.
    for (o, region) in &rows {
        if let Some(slug) = o.get("slug").and_then(Value::as_str) {
            with_memo(ctx, |m| m.regions.insert(key(client, slug), region.clone()));
        }
    }
    store_rows(ctx, client, &rows);
}

/// The identity of the credential `client` sends, which keys its cached regions.
fn credential_identity(ctx: &Context, store: &Store, client: &Client) -> String {
    let token = client
        .has_token()
        .then(|| ctx.active_token().ok().flatten().map(|t| t.value))
        .flatten();
    store.credential_identity_for_token(token.as_deref())
}

fn store_rows(ctx: &Context, client: &Client, rows: &[(&Value, String)]) {
    let source = normalize(client.base_url());
    let Ok(store) = ctx.store() else { return };
    let identity = credential_identity(ctx, store, client);
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let rows: Vec<OrgRegion> = rows
        .iter()
        .filter_map(|(o, region)| {
            Some(OrgRegion {
                // The control silo was asked, and answered both the org list and the probe.
                source_origin: source.clone(),
                response_origin: source.clone(),
                credential_identity: identity.clone(),
                account_id: None,
                org_slug: str_of(o, "slug")?,
                org_id: o.get("id").and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }),
                org_name: str_of(o, "name"),
                org_role: str_of(o, "orgRole").or_else(|| str_of(o, "role")),
                region_url: region.clone(),
                updated_at: 0,
            })
        })
        .collect();
    if let Err(e) = store.upsert_org_regions(&rows) {
        log::debug!("[region] could not cache regions: {e}");
    }
}

/// Every organization the token can see, from the control silo, with their regions recorded.
pub fn list_orgs(ctx: &Context, client: &Client) -> CliResult<Vec<Value>> {
    let orgs = client.list_organizations().map_err(api_error)?;
    record_org_list(ctx, client, &orgs);
    Ok(orgs)
}

/// Region display name for the REGION column: `US`/`EU` for SaaS silos, else the host name
/// without its port (upstream's `LOCALHOST`).
pub fn region_label(url: &str) -> String {
    let host = sentry_api::Origin::parse(url)
        .map(|o| o.host().to_string())
        .unwrap_or_default();
    let first = host.split('.').next().unwrap_or("").to_ascii_lowercase();
    match first.as_str() {
        "us" | "sentry" => "US".to_string(),
        "de" | "eu" => "EU".to_string(),
        _ => host.to_ascii_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_labels() {
        assert_eq!(region_label("https://us.sentry.io"), "US");
        assert_eq!(region_label("https://sentry.io/"), "US");
        assert_eq!(region_label("https://de.sentry.io"), "EU");
        assert_eq!(region_label("http://127.0.0.1:9000"), "127.0.0.1");
        assert_eq!(region_label("http://localhost:9000/"), "LOCALHOST");
    }
}
