//! Where a token may be sent: the one rule every request of the CLI goes through.
//!
//! A token is worth stealing, and the settings that decide where a request goes (the base
//! URL, a proxy, TLS verification, extra CAs) come from many places, some of which a cloned
//! repository controls (its `.sentryclirc`, `sentry.properties`, `.env`). The rule, decided
//! once per client by [`decide`] from the origin of the token and of every such setting:
//!
//! 1. **A token bound to hosts goes only there.** A stored login belongs to the host it was
//!    issued for (`auth.host`); an org auth token to the `url`/`region_url` it carries. A base
//!    URL outside them is refused whichever source set it (`SENTRY_URL`, `--url`, a file).
//! 2. **A floating token** (`--auth-token`, `SENTRY_AUTH_TOKEN`, `[auth] token`, a `.env`)
//!    names no host, so it goes where the configured URL points — unless that URL comes only
//!    from a project file other than the token's own source: a repository cannot point the
//!    user's token at its own server. Sentry SaaS URLs are exempt (a token for sentry.io is
//!    meant for sentry.io).
//! 3. **Connection settings from a project file** (a proxy, `verify_ssl = false`, an extra
//!    CA) are not used with a token from elsewhere: a repository cannot route the user's
//!    token through its own proxy or strip TLS from it. (Settings also set to the same value
//!    at the user's level count as the user's: the caller passes them as [`Provenance::User`].)
//! 4. **With no token**, a non-SaaS base URL that only a project file supplies is refused too:
//!    the user's custom headers (identity-aware proxy tokens) would go there.
//! 5. **Regions**: an organization's region URL is trusted only when a response from an
//!    already trusted origin named it ([`crate::Client`] learns them itself); redirects carry
//!    the token only to the request's own origin.
//!
//! A refusal is not an error at construction: it is attached to the client and returned by
//! every request that would carry credentials, before anything is sent, so no code path can
//! forget the check. Callers that want to fail early ask [`crate::Client::refusal`].

use std::path::PathBuf;

use crate::urls::Origin;
use crate::{ApiError, ProxyConfig};

/// How far a configured value can be trusted with the user's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// The user's own setup: a flag, the real process environment, a config file in the
    /// user's home or config directory, `cli defaults`, a file the user named explicitly.
    User,
    /// A file inside the working tree (a project `.sentryclirc`, the `SENTRY_PROPERTIES`
    /// file, a `.env` found by walking up): whoever wrote the repository controls it.
    Project(PathBuf),
    /// The built-in default (`https://sentry.io`).
    BuiltIn,
}

/// A setting with its provenance and a label naming its source for messages
/// (`SENTRY_URL`, `--url`, `/repo/.sentryclirc:3`, `stored login`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub provenance: Provenance,
    pub label: String,
}

impl<T> Sourced<T> {
    pub fn new(value: T, provenance: Provenance, label: impl Into<String>) -> Self {
        Sourced {
            value,
            provenance,
            label: label.into(),
        }
    }
}

/// How a token is tied to a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// Issued for these origins (a stored login's host, an org token's claims).
    Hosts(Vec<String>),
    /// Names no host; may follow the configured URL if rule 2 allows. Holds where the token
    /// itself came from.
    Floating(Provenance),
}

/// A token and what ties it to a host.
#[derive(Clone)]
pub struct Credential {
    pub token: String,
    pub binding: Binding,
    /// Names the token's source in messages (`SENTRY_AUTH_TOKEN`, `stored login`, …).
    pub label: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("token", &"<redacted>")
            .field("binding", &self.binding)
            .field("label", &self.label)
            .finish()
    }
}

/// The settings that decide where bytes go, each with its source.
#[derive(Debug, Clone)]
pub struct Route {
    /// Control-silo base URL, e.g. `https://sentry.io` or `http://127.0.0.1:8000`.
    pub base_url: Sourced<String>,
    pub proxy: Option<Sourced<ProxyConfig>>,
    /// Set when certificate verification was turned off (`[http] verify_ssl = false`).
    pub insecure_tls: Option<Sourced<()>>,
    /// Extra PEM CA files added to the built-in Mozilla roots.
    pub ca_certs: Vec<Sourced<PathBuf>>,
}

impl Route {
    /// A route to `base_url` with no proxy, default TLS.
    pub fn new(base_url: Sourced<String>) -> Route {
        Route {
            base_url,
            proxy: None,
            insecure_tls: None,
            ca_certs: Vec::new(),
        }
    }

    /// The settings that could divert or expose the connection, described for messages.
    fn connection(&self) -> Vec<(String, &Provenance, &str)> {
        let mut out = Vec::new();
        if let Some(p) = &self.proxy {
            out.push((
                format!("proxy {}", crate::urls::redact_userinfo(&p.value.url)),
                &p.provenance,
                p.label.as_str(),
            ));
        }
        if let Some(i) = &self.insecure_tls {
            out.push((
                "TLS certificate verification turned off (verify_ssl = false)".to_string(),
                &i.provenance,
                i.label.as_str(),
            ));
        }
        for c in &self.ca_certs {
            out.push((
                format!("extra CA certificate {}", c.value.display()),
                &c.provenance,
                c.label.as_str(),
            ));
        }
        out
    }
}

/// What [`decide`] concluded: the origins the token may be sent to, and the refusal every
/// credential-carrying request returns instead when the settings break the rule.
#[derive(Debug, Clone)]
pub struct Decision {
    pub origins: Vec<Origin>,
    pub refusal: Option<ApiError>,
}

/// Applies the rule (see the module docs) to a credential (or none) and a route.
pub fn decide(credential: Option<&Credential>, route: &Route) -> Result<Decision, ApiError> {
    let base = Origin::parse(&route.base_url.value).ok_or_else(|| ApiError::Config {
        message: format!("Invalid Sentry URL: {}", route.base_url.value),
    })?;
    let project_url = match &route.base_url.provenance {
        Provenance::Project(p) if !base.is_saas() => Some(p),
        _ => None,
    };
    let Some(cred) = credential else {
        // Rule 4. Without credentials the base URL is the anchor for custom headers.
        let refusal = project_url.map(|_| ApiError::HostScope {
            target: base.to_string(),
            allowed: Vec::new(),
            source: Some(route.base_url.label.clone()),
            project_file: project_url.cloned(),
        });
        return Ok(Decision {
            origins: vec![base],
            refusal,
        });
    };
    let (origins, mut refusal) = match &cred.binding {
        Binding::Hosts(hosts) => {
            let origins: Vec<Origin> = hosts.iter().filter_map(|h| Origin::parse(h)).collect();
            let refusal = (!origins.iter().any(|o| o.trusts(&base))).then(|| ApiError::HostScope {
                target: base.to_string(),
                allowed: origins.iter().map(Origin::to_string).collect(),
                source: Some(route.base_url.label.clone()),
                project_file: project_url.cloned(),
            });
            (origins, refusal)
        }
        Binding::Floating(from) => match project_url {
            Some(file) if *from != Provenance::Project(file.clone()) => {
                // Rule 2: the token's own home is sentry.io, where a host-less token goes
                // when nothing the user set says otherwise.
                let home = Origin::parse(crate::DEFAULT_URL).expect("built-in URL parses");
                let refusal = ApiError::HostScope {
                    target: base.to_string(),
                    allowed: vec![home.to_string()],
                    source: Some(route.base_url.label.clone()),
                    project_file: Some(file.clone()),
                };
                (vec![home], Some(refusal))
            }
            _ => (vec![base], None),
        },
    };
    if refusal.is_none() {
        // Rule 3.
        let token_file = match &cred.binding {
            Binding::Floating(Provenance::Project(p)) => Some(p),
            _ => None,
        };
        refusal = route
            .connection()
            .into_iter()
            .find(|(_, prov, _)| matches!(prov, Provenance::Project(p) if Some(p) != token_file))
            .map(|(setting, _, label)| ApiError::ProjectConnection {
                setting,
                source: label.to_string(),
                token: cred.label.clone(),
            });
    }
    Ok(Decision { origins, refusal })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(url: &str, prov: Provenance) -> Route {
        Route::new(Sourced::new(url.to_string(), prov, "label"))
    }

    fn cred(binding: Binding) -> Credential {
        Credential {
            token: "t".into(),
            binding,
            label: "SENTRY_AUTH_TOKEN".into(),
        }
    }

    fn project(p: &str) -> Provenance {
        Provenance::Project(PathBuf::from(p))
    }

    #[test]
    fn bound_tokens_go_only_to_their_hosts() {
        let c = cred(Binding::Hosts(vec!["http://127.0.0.1:1".into()]));
        let d = decide(Some(&c), &route("http://127.0.0.1:1", Provenance::User)).unwrap();
        assert!(d.refusal.is_none());
        let d = decide(Some(&c), &route("http://127.0.0.2:1", Provenance::User)).unwrap();
        assert_eq!(d.refusal.unwrap().exit_code(), 13);
        assert_eq!(d.origins.len(), 1);
        let saas = cred(Binding::Hosts(vec!["https://sentry.io".into()]));
        let d = decide(
            Some(&saas),
            &route("https://us.sentry.io", Provenance::User),
        )
        .unwrap();
        assert!(d.refusal.is_none());
    }

    #[test]
    fn floating_tokens_follow_user_urls_but_not_foreign_project_files() {
        let env = cred(Binding::Floating(Provenance::User));
        let d = decide(Some(&env), &route("http://h:1", Provenance::User)).unwrap();
        assert!(d.refusal.is_none());
        let d = decide(
            Some(&env),
            &route("http://evil:1", project("/w/.sentryclirc")),
        )
        .unwrap();
        assert!(d.refusal.is_some());
        assert_eq!(d.origins[0].to_string(), "https://sentry.io");
        let d = decide(
            Some(&env),
            &route("https://sentry.io", project("/w/.sentryclirc")),
        );
        assert!(d.unwrap().refusal.is_none());
        // Same file: the repository's token to the repository's server.
        let file = cred(Binding::Floating(project("/w/.sentryclirc")));
        let d = decide(
            Some(&file),
            &route("http://h:1", project("/w/.sentryclirc")),
        )
        .unwrap();
        assert!(d.refusal.is_none());
        // A `.env` token and a `.sentryclirc` URL are different sources.
        let dotenv = cred(Binding::Floating(project("/w/.env")));
        let d = decide(
            Some(&dotenv),
            &route("http://h:1", project("/w/.sentryclirc")),
        )
        .unwrap();
        assert!(d.refusal.is_some());
    }

    #[test]
    fn project_connection_settings_need_the_same_source() {
        let mut r = route("http://h:1", Provenance::User);
        r.proxy = Some(Sourced::new(
            ProxyConfig {
                url: "http://u:secret@p:3128".into(),
                ..Default::default()
            },
            project("/w/.sentryclirc"),
            "/w/.sentryclirc:4",
        ));
        let env = cred(Binding::Floating(Provenance::User));
        let e = decide(Some(&env), &r).unwrap().refusal.unwrap();
        assert_eq!(e.exit_code(), 13);
        assert!(e.message().contains("http://***@p:3128"), "{}", e.message());
        assert!(!e.message().contains("secret"), "{}", e.message());
        let file = cred(Binding::Floating(project("/w/.sentryclirc")));
        assert!(decide(Some(&file), &r).unwrap().refusal.is_none());
        assert!(decide(None, &r).unwrap().refusal.is_none());
    }

    #[test]
    fn no_token_refuses_project_self_hosted_urls_only() {
        let d = decide(None, &route("http://evil:1", project("/w/.sentryclirc"))).unwrap();
        assert!(d.refusal.is_some());
        let d = decide(None, &route("http://h:1", Provenance::User)).unwrap();
        assert!(d.refusal.is_none());
    }
}
