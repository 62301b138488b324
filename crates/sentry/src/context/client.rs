//! HTTP clients of a command: the pipeline settings for a base URL, the API client carrying the
//! active token under the token rule, and the token-less clients of login and OAuth.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{api_error, ActiveToken, Context};
use crate::error::CliResult;

impl Context {
    /// `SENTRY_CLIENT_ID`, else the sentry.io public client.
    pub fn client_id(&self) -> CliResult<String> {
        Ok(self
            .settings()?
            .client_id
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_else(|| crate::auth::DEFAULT_CLIENT_ID.to_string()))
    }

    /// A client for the OAuth endpoints of `host` (no bearer token).
    pub fn oauth_client(&self, host: &str) -> CliResult<crate::auth::oauth::OAuthClient> {
        let settings = self.settings()?;
        let base = crate::auth::host::sourced_url(settings, host, "login URL");
        crate::auth::oauth::OAuthClient::new(self.client_config(base)?, host, &self.client_id()?)
    }

    /// A client without any credential, for DSN-authenticated ingest (`event send`, `monitor
    /// run`): the DSN's public key is the only key those requests carry, so no token is
    /// loaded, refreshed or checked against the DSN's host. Proxy, TLS, headers and retries
    /// are the configured ones.
    pub fn ingest_client(&self, dsn_origin: &str) -> CliResult<sentry_api::Client> {
        let settings = self.settings()?;
        let base = crate::auth::host::sourced_url(settings, dsn_origin, "DSN");
        sentry_api::Client::new(self.client_config(base)?).map_err(api_error)
    }

    /// The project config file that supplied the configured URL, if one did: such a URL gets
    /// no credentials until the user names it themselves (a flag, the environment).
    pub fn project_url_file(&self) -> CliResult<Option<PathBuf>> {
        Ok(crate::auth::host::project_url_file(self.settings()?))
    }

    /// Where requests go for `token` (see [`crate::auth::host::base_url`]).
    pub fn base_url_for(&self, token: Option<&ActiveToken>) -> CliResult<String> {
        Ok(crate::auth::host::base_url(self.settings()?, token).value)
    }

    /// HTTP settings for requests to `base`: the route (proxy, TLS, CA with their sources),
    /// headers, retries and the command's time budget; no credential yet.
    pub fn client_config(
        &self,
        base: sentry_api::Sourced<String>,
    ) -> CliResult<sentry_api::ClientConfig> {
        let settings = self.settings()?;
        let scheme_implied =
            settings.url_scheme_implied && base.value == settings.configured_url.value;
        let route = crate::auth::host::route(settings, base);
        let mut config = sentry_api::ClientConfig::for_route(route, env!("CARGO_PKG_VERSION"));
        config.scheme_implied = scheme_implied;
        config.pipeline = settings.pipeline.as_ref().map(|p| p.value.clone());
        config.custom_headers = settings.headers.iter().map(|h| h.value.clone()).collect();
        config.max_retries = settings.max_retries.value;
        config.retry_base_delay = Duration::from_millis(settings.retry_delay_ms.value);
        config.budget = Some(Duration::from_secs(settings.http_timeout.value));
        config.on_retry = Some(Arc::new(|notice: &sentry_api::RetryNotice| {
            crate::diag!("{notice}");
        }));
        Ok(config)
    }

    /// A client for validating `token` against `host` during `auth login --token`: the token
    /// is bound to the host being logged in to. Fails (exit 13) when the settings would route
    /// it through a project file's proxy or TLS override.
    pub fn login_client(&self, host: &str, token: &str) -> CliResult<sentry_api::Client> {
        let settings = self.settings()?;
        let base = crate::auth::host::sourced_url(settings, host, "login URL");
        let config = self.client_config(base)?.with_host_token(token, host);
        let client = sentry_api::Client::new(config).map_err(api_error)?;
        match client.refusal() {
            Some(r) => Err(api_error(r.clone())),
            None => Ok(client),
        }
    }

    /// The HTTP client for the configured server with the active token (refreshed when due),
    /// under the token rule (`sentry_api::scope`): a token goes only to its own host, never
    /// to a URL or through a proxy/TLS setting that only a project file supplies. Such a
    /// refusal fails here (exit 13) before the command does any work.
    pub fn client(&self) -> CliResult<sentry_api::Client> {
        self.client_scoped(true)
    }

    /// [`Context::client`] for commands that need credentials: with no token at all they fail
    /// with "Not authenticated" (exit 10) before any request, as upstream's auth guard does.
    pub fn authed_client(&self) -> CliResult<sentry_api::Client> {
        self.require_token()?;
        self.client()
    }

    /// [`Context::client`]; `strict = false` (bare `auth`, whose status should still show)
    /// returns the client even when the rule refuses it: every request then fails with the
    /// refusal instead of being sent.
    pub fn client_scoped(&self, strict: bool) -> CliResult<sentry_api::Client> {
        let settings = self.settings()?;
        let token = self.fresh_token()?;
        let base = crate::auth::host::base_url(settings, token.as_ref());
        let base_value = base.value.clone();
        let mut config = self.client_config(base)?;
        if let Some(t) = &token {
            if t.is_oauth() {
                let host = t.host.clone().unwrap_or_else(|| base_value.clone());
                let template = self.client_config(crate::auth::host::sourced_url(
                    settings,
                    &host,
                    "stored login",
                ))?;
                config.refresher =
                    Some(std::sync::Arc::new(crate::auth::refresh::StoreRefresher {
                        config_dir: self.config_dir(),
                        template,
                        host,
                        client_id: self.client_id()?,
                        account_id: t.account_id.clone().unwrap_or_default(),
                    }));
            }
            config.credential = Some(crate::auth::host::credential(settings, t));
        }
        let client = sentry_api::Client::new(config).map_err(api_error)?;
        if strict {
            if let Some(r) = client.refusal() {
                return Err(api_error(r.clone()));
            }
        }
        Ok(client)
    }
}
