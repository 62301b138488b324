//! Which token a command uses: the stored account it routes to (`--account`, the account that
//! serves the targeted org, the one on a server named by a flag), the selection among every
//! token source, and refreshing a stored OAuth session when it is due.

use super::{now_ms, store_error, ActiveToken, Context};
use crate::error::{exit, CliError, CliResult};

impl Context {
    /// Makes this command use the stored account `account_id` instead of the active one
    /// (`org list --account`). Must come before anything selects the token.
    pub fn use_account(&self, account_id: &str) {
        debug_assert!(self.selection.get().is_none(), "token already selected");
        *self.wanted_account.borrow_mut() = Some(account_id.to_string());
    }

    /// A command that targets `org` uses the stored account that serves it when that is not
    /// the active one: the org was listed (and cached in cli.db) under exactly one other
    /// account. A no-op once the token is selected or an account was asked for.
    pub fn route_to_org(&self, org: &str) {
        if self.selection.get().is_some() || self.wanted_account.borrow().is_some() {
            return;
        }
        let Ok(store) = self.store() else { return };
        // With one stored account there is nothing to choose: no cache read on the common path.
        let Ok(accounts) = store.accounts() else {
            return;
        };
        if accounts.len() < 2 {
            return;
        }
        let Ok(rows) = store.all_org_regions() else {
            return;
        };
        let mut owners: Vec<&str> = rows
            .iter()
            .filter(|r| r.org_slug == org)
            .filter_map(|r| r.account_id.as_deref())
            .collect();
        owners.sort_unstable();
        owners.dedup();
        let [one] = owners.as_slice() else { return };
        let Some(owner) = accounts.iter().find(|a| a.account_id == *one) else {
            return;
        };
        // A server named by a flag or the environment limits the choice to its accounts.
        let on_pinned = self.pinned_url().is_none_or(|url| owner.is_on_server(&url));
        if !owner.is_active && on_pinned {
            log::debug!("org {org} is served by account {one}; using it");
            self.use_account(one);
        }
    }

    /// Routes to the account that serves the org a target argument names (`org/`,
    /// `org/project`, `org/SHORT-ID`, a Sentry URL), else the configured default org. See
    /// [`Context::route_to_org`]; never fails (a bad argument is the command's to report).
    pub fn route_to_target(&self, raw: Option<&str>) {
        let named = raw.and_then(|r| {
            use sentry_target::Target;
            match sentry_target::parse_target(r).ok()? {
                Target::OrgAll { org } | Target::Explicit { org, .. } => Some(org),
                Target::DisplayName { org, .. } | Target::Url { org, .. } => org,
                _ => r
                    .split_once('/')
                    .map(|(o, _)| o.to_string())
                    .filter(|o| !o.is_empty()),
            }
        });
        let org = named.or_else(|| {
            self.settings()
                .ok()
                .and_then(|s| s.org.as_ref().map(|o| o.value.clone()))
        });
        if let Some(org) = org.filter(|o| !o.is_empty()) {
            self.route_to_org(&org);
        }
    }

    /// The server URL when a flag or the environment names it (`--url`, `SENTRY_URL`,
    /// `SENTRY_HOST`): it limits which stored accounts a command may use.
    pub fn pinned_url(&self) -> Option<String> {
        let s = self.settings().ok()?;
        matches!(
            s.configured_url.origin,
            sentry_config::Origin::Flag(_) | sentry_config::Origin::Env(_)
        )
        .then(|| s.configured_url.value.clone())
    }

    /// The stored account this process uses: the one a command asked for, else the active
    /// one. A login migrated from before schema v16 has no host: it is bound to the
    /// configured host once, as upstream's lazy migration does.
    fn stored_account(&self) -> CliResult<Option<sentry_store::Account>> {
        let store = self.store()?;
        let wanted = self.wanted_account.borrow().clone();
        let account = match &wanted {
            Some(id) => store.account(id).map_err(store_error)?,
            None => {
                let active = store.active_account().map_err(store_error)?;
                match self.pinned_url() {
                    // A server named by a flag or the environment that the active account is
                    // not on: that server's most recently used usable account, if any.
                    Some(url) if !active.as_ref().is_some_and(|a| a.is_on_server(&url)) => {
                        let now = now_ms();
                        let there = store.accounts_on_server(&url).map_err(store_error)?;
                        match there.into_iter().find(|a| a.is_usable(now)) {
                            Some(a) => {
                                log::debug!(
                                    "{url} is named explicitly: using its account {}",
                                    a.account_id
                                );
                                Some(a)
                            }
                            None => active,
                        }
                    }
                    _ => active,
                }
            }
        };
        let Some(mut account) = account else {
            return Ok(None);
        };
        if account.host.is_none() && account.has_token() {
            let host = if self.project_url_file()?.is_some() {
                sentry_config::DEFAULT_URL.to_string()
            } else {
                self.settings()?.configured_url.value.clone()
            };
            let mut rec = account.auth_record();
            rec.host = Some(host.clone());
            let target = sentry_store::LoginTarget::Account(&account.account_id);
            if store.save_login(&rec, target).is_ok() {
                log::info!("Migrated stored credentials to host-scoped model: {host}");
            }
            account.host = Some(host);
        }
        Ok(Some(account))
    }

    /// Which token this process uses (`--auth-token` > stored login > `SENTRY_AUTH_TOKEN` >
    /// `SENTRY_TOKEN` > config files; `SENTRY_FORCE_ENV_TOKEN` puts the stored login last),
    /// decided once. The note naming a
    /// shadowed token and the org-token claim warnings are printed here, once.
    pub fn token_selection(&self) -> CliResult<&crate::auth::Selection> {
        if let Some(s) = self.selection.get() {
            return Ok(s);
        }
        let settings = self.settings()?;
        let account = self.stored_account()?;
        let sel = crate::auth::select::select(settings, account.as_ref(), now_ms());
        if let Some(c) = &sel.chosen {
            crate::logging::register_secret(&c.value);
            if c.settings_index == Some(0) {
                for w in &settings.token_warnings {
                    crate::diag!("Warning: {w}");
                }
            }
            // Naming the account needs every account (to tell servers apart): only for `-v`.
            if let (true, Some(a), true) = (c.stored, &account, log::log_enabled!(log::Level::Info))
            {
                let all = self.store()?.accounts().unwrap_or_default();
                log::info!("Using account {}", crate::auth::accounts::describe(a, &all));
            }
        }
        let user = account.as_ref().map(|a| {
            a.username
                .clone()
                .filter(|s| !s.is_empty())
                .or(a.name.clone().filter(|s| !s.is_empty()))
                .or(a.email.clone().filter(|s| !s.is_empty()))
        });
        if let Some(note) = sel.shadow_note(user.flatten().as_deref()) {
            crate::diag!("{note}");
        }
        Ok(self.selection.get_or_init(|| sel))
    }

    /// The token requests will carry, as selected (not refreshed; see [`Context::fresh_token`]).
    pub fn active_token(&self) -> CliResult<Option<ActiveToken>> {
        if let Some(t) = self.refreshed.borrow().as_ref() {
            return Ok(Some(t.clone()));
        }
        Ok(self.token_selection()?.chosen.clone())
    }

    /// The active token, refreshed first when it is a stored OAuth session that expired or
    /// has ≤ 10 % of its lifetime left, so an expired but refreshable session counts as
    /// authenticated. A stored session that expired
    /// without a refresh token is cleared (exit 11 unless another token is available).
    pub fn fresh_token(&self) -> CliResult<Option<ActiveToken>> {
        let sel = self.token_selection()?;
        let Some(tok) = self.active_token()? else {
            if sel.dead_stored {
                // The account keeps its row and identity, its credentials go (as upstream
                // does). Tidying up is not the command's write: if it cannot land, the
                // session is still dead and exit 11 is still the answer.
                if let Some(a) = self.stored_account()? {
                    if let Err(e) = self.store()?.invalidate_account(&a.account_id) {
                        log::debug!("could not clear the expired session: {e}");
                    }
                }
                return Err(CliError::new(
                    exit::TOKEN_EXPIRED,
                    "Session expired and no refresh token available. Run 'sentry auth login'.",
                ));
            }
            return Ok(None);
        };
        if !tok.is_oauth()
            || !crate::auth::refresh::needs_refresh(tok.expires_at, tok.issued_at, now_ms())
        {
            return Ok(Some(tok));
        }
        let fresh = self.refresh_stored(crate::auth::refresh::Want::IfNeeded)?;
        Ok(Some(fresh.0))
    }

    /// Refreshes the stored session under the cross-process lock; `true` when this process
    /// obtained a new token (as opposed to finding a fresh one).
    pub fn refresh_stored(
        &self,
        want: crate::auth::refresh::Want<'_>,
    ) -> CliResult<(ActiveToken, bool, sentry_store::AuthRecord)> {
        let store = self.store()?;
        let account = self
            .stored_account()?
            .ok_or_else(crate::auth::refresh::not_authenticated)?;
        let host = account.host.clone().unwrap_or_else(|| {
            self.settings()
                .map(|s| s.configured_url.value.clone())
                .unwrap_or_default()
        });
        let oauth = self.oauth_client(&host)?;
        let outcome =
            crate::auth::refresh::refresh_locked(store, &oauth, want, &account.account_id)?;
        let rec = outcome.record().clone();
        let tok = ActiveToken::from_stored(&rec, Some(&account.account_id))
            .ok_or_else(crate::auth::refresh::not_authenticated)?;
        crate::logging::register_secret(&tok.value);
        *self.refreshed.borrow_mut() = Some(tok.clone());
        let did = matches!(outcome, crate::auth::refresh::Outcome::Refreshed(_));
        Ok((tok, did, rec))
    }

    /// The token or "Not authenticated" (exit 10), for commands that need credentials.
    pub fn require_token(&self) -> CliResult<ActiveToken> {
        self.fresh_token()?
            .ok_or_else(crate::auth::refresh::not_authenticated)
    }

    /// Adds the 401/403 explanations of [`crate::explain`] to an API error, worded for the
    /// token that was used. Applied once by `main` to every command's error.
    pub fn explain_api_error(&self, mut err: CliError) -> CliError {
        let Some(api) = err.api.clone() else {
            return err;
        };
        let token = self.active_token().ok().flatten();
        let base = self.base_url_for(token.as_ref()).unwrap_or_default();
        let lines = crate::explain::auth_failure(
            api.status,
            &api.detail,
            token.as_ref().map(|t| &t.source),
            &base,
        );
        if !lines.is_empty() {
            err.details.push(String::new());
            err.details.extend(lines);
        }
        err
    }
}
