//! Stored accounts as the `auth` commands show and pick them: how an account is named
//! (`Jane Doe <jane@example.com> on sentry.example.com`), its JSON entry (0.49's fields), and
//! the one rule for turning what a user typed (`jane@example.com`, `jane`, a user id, an
//! account id, `jane@example.com:sentry.example.com`, `--url`) into one account.

use sentry_store::{same_server, Account, Store};
use serde_json::{json, Map, Value};

use crate::context::{now_ms, store_error};
use crate::error::{exit, CliError, CliResult};

/// `Jane Doe <jane@example.com>` from whatever of name, username and email is known (the
/// name, else the username); `None` when none is.
pub fn person(name: Option<&str>, username: Option<&str>, email: Option<&str>) -> Option<String> {
    fn nonempty(s: Option<&str>) -> Option<&str> {
        s.filter(|v| !v.is_empty())
    }
    match (nonempty(name).or(nonempty(username)), nonempty(email)) {
        (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
        (Some(n), None) => Some(n.to_string()),
        (None, Some(e)) => Some(e.to_string()),
        (None, None) => None,
    }
}

/// How an account is named: [`person`], else its user id, else the account id.
pub fn who(a: &Account) -> String {
    person(a.name.as_deref(), a.username.as_deref(), a.email.as_deref()).unwrap_or_else(|| match a
        .user_id
        .as_deref()
        .filter(|id| !id.is_empty())
    {
        Some(id) => format!("user {id}"),
        None => format!("account {}", a.account_id),
    })
}

/// How the server of `a` is shown next to the others: the host name like upstream, but
/// `host:port` (or the whole origin) when that is what tells two stored servers apart —
/// upstream shows `127.0.0.1` twice for two local servers.
pub fn server_label(a: &Account, all: &[Account]) -> String {
    let Some(host) = a.host.as_deref() else {
        return String::new();
    };
    let Some(origin) = sentry_api::Origin::parse(host) else {
        return host.to_string();
    };
    let clash = all.iter().any(|o| {
        o.host.as_deref().is_some_and(|h| {
            !same_server(h, host)
                && sentry_api::Origin::parse(h).is_some_and(|p| p.host() == origin.host())
        })
    });
    if !clash {
        return origin.host().to_string();
    }
    let same_authority = all.iter().any(|o| {
        o.host.as_deref().is_some_and(|h| {
            !same_server(h, host)
                && sentry_api::Origin::parse(h).is_some_and(|p| p.authority() == origin.authority())
        })
    });
    if same_authority {
        origin.to_string()
    } else {
        origin.authority()
    }
}

/// `Jane Doe <jane@example.com> on sentry.example.com`.
pub fn describe(a: &Account, all: &[Account]) -> String {
    let server = server_label(a, all);
    if server.is_empty() {
        who(a)
    } else {
        format!("{} on {server}", who(a))
    }
}

/// 0.49's account entry (`auth list --json`, `auth logout --json` `removed[]`).
pub fn json_entry(a: &Account) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(a.account_id));
    m.insert("active".into(), json!(a.is_active));
    let fields = [
        ("host", &a.host),
        ("userId", &a.user_id),
        ("email", &a.email),
        ("username", &a.username),
        ("name", &a.name),
    ];
    for (k, v) in fields {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            m.insert(k.into(), json!(v));
        }
    }
    m.insert("usable".into(), json!(a.is_usable(now_ms())));
    if let Some(e) = a.expires_at.filter(|e| *e > 0) {
        m.insert("expiresAt".into(), json!(e));
    }
    Value::Object(m)
}

/// Splits `jane@example.com:sentry.example.com` into the account and the server; anything
/// without a `:` after the last `@` is only an account.
fn split_server(raw: &str) -> (&str, Option<&str>) {
    let at = raw.rfind('@').map_or(0, |i| i + 1);
    match raw[at..].find(':') {
        Some(i) if at + i + 1 < raw.len() => (&raw[..at + i], Some(&raw[at + i + 1..])),
        _ => (raw, None),
    }
}

/// Whether `server` (a URL, `host[:port]` or a host name) names `host` (an origin).
fn names_server(server: &str, host: &str) -> bool {
    let Ok(with_scheme) = sentry_config::normalize_url(server) else {
        return false;
    };
    if same_server(&with_scheme, host) {
        return true;
    }
    // Without a scheme, `host:port` matches that authority whatever the scheme, and a bare
    // host name matches whatever port the account's server uses.
    let (Some(want), Some(have)) = (
        sentry_api::Origin::parse(&with_scheme),
        sentry_api::Origin::parse(host),
    ) else {
        return false;
    };
    if server.contains("://") {
        return false;
    }
    match server.contains(':') {
        true => {
            server.eq_ignore_ascii_case(&have.authority()) || want.authority() == have.authority()
        }
        false => want.host() == have.host(),
    }
}

/// Picks one account for `raw` (see the module docs), for `command` (`sentry auth switch`,
/// …) whose usage the errors show. Exact matches win: the account id, then the email,
/// username or user id (case-insensitive), then `who:server` and `who@hostname`. With
/// `fuzzy`, one account whose email, username or name contains `raw` is used with a
/// warning. Nothing or several: exit 21 (upstream: 23), listing what is stored.
pub fn resolve(
    store: &Store,
    raw: &str,
    url: Option<&str>,
    command: &str,
    fuzzy: bool,
) -> CliResult<Account> {
    let all = store.accounts().map_err(store_error)?;
    let raw = raw.trim();
    let on_url =
        |a: &&Account| url.is_none_or(|s| a.host.as_deref().is_some_and(|h| names_server(s, h)));
    let lower = raw.to_lowercase();
    let eq =
        |v: &Option<String>, want: &str| v.as_deref().is_some_and(|v| v.to_lowercase() == want);
    let who_is = |a: &Account, want: &str| {
        eq(&a.email, want) || eq(&a.username, want) || eq(&a.user_id, want)
    };
    let mut exact: Vec<&Account> = all
        .iter()
        .filter(on_url)
        .filter(|a| a.account_id == raw)
        .collect();
    if exact.is_empty() {
        exact = all
            .iter()
            .filter(on_url)
            .filter(|a| who_is(a, &lower))
            .collect();
    }
    if exact.is_empty() {
        if let (who, Some(server)) = split_server(&lower) {
            exact = all
                .iter()
                .filter(on_url)
                .filter(|a| {
                    who_is(a, who) && a.host.as_deref().is_some_and(|h| names_server(server, h))
                })
                .collect();
        }
    }
    if exact.is_empty() {
        if let Some(at) = lower.rfind('@').filter(|i| *i > 0) {
            let (who, host) = (&lower[..at], &lower[at + 1..]);
            exact = all
                .iter()
                .filter(on_url)
                .filter(|a| {
                    who_is(a, who)
                        && a.host
                            .as_deref()
                            .and_then(sentry_api::Origin::parse)
                            .is_some_and(|o| o.host() == host)
                })
                .collect();
        }
    }
    let on = url
        .map(|u| format!(" on {}", server_name(u)))
        .unwrap_or_default();
    let line = |a: &Account| format!("{} (id: {})", describe(a, &all), a.account_id);
    let resolution = |headline: &str, usage: String, or: Vec<String>| {
        let mut msg = format!("Account '{raw}'{on} {headline}.\n\nTry:\n  {usage}");
        if !or.is_empty() {
            msg.push_str("\n\nOr:");
            for o in or {
                msg.push_str(&format!("\n  - {o}"));
            }
        }
        CliError::new(exit::VALIDATION, msg)
    };
    if let [one] = exact.as_slice() {
        return Ok((*one).clone());
    }
    if exact.len() > 1 {
        let mut or: Vec<String> = exact.iter().map(|a| line(a)).collect();
        or.push("Pick one with <email>:<server>, --url <server>, or the account id".into());
        return Err(resolution(
            "matches more than one stored account",
            format!("{command} <account-id>"),
            or,
        ));
    }
    let contains = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| !lower.is_empty() && v.to_lowercase().contains(&lower))
    };
    let close: Vec<&Account> = all
        .iter()
        .filter(on_url)
        .filter(|a| contains(&a.email) || contains(&a.username) || contains(&a.name))
        .collect();
    if let ([one], true) = (close.as_slice(), fuzzy) {
        crate::diag!(
            "Warning: No account matching '{raw}'. Using {}.",
            describe(one, &all)
        );
        return Ok((*one).clone());
    }
    // Upstream lists only close matches; listing every stored account saves the user a
    // round trip through `auth list`.
    let mut or: Vec<String> = close
        .iter()
        .map(|a| format!("Did you mean {}?", line(a)))
        .collect();
    if or.is_empty() {
        or = all.iter().map(|a| format!("Stored: {}", line(a))).collect();
    }
    or.push("Run 'sentry auth list' to see stored accounts".into());
    Err(resolution(
        "not found",
        format!("{command} <email|username|account-id>"),
        or,
    ))
}

/// The host name a `--url`/server argument names, for messages.
pub fn server_name(server: &str) -> String {
    sentry_config::normalize_url(server)
        .ok()
        .and_then(|u| sentry_api::Origin::parse(&u))
        .map(|o| o.host().to_string())
        .unwrap_or_else(|| server.to_string())
}

/// Whether the account is on the server `server` names (`--url` filters).
pub fn on_server(a: &Account, server: &str) -> bool {
    a.host.as_deref().is_some_and(|h| names_server(server, h))
}

/// Keeps `defaults.url` on the active account's server, as 0.49 does when the active account
/// changes: the default URL is where that account's token may go (SENTRY_HOST/SENTRY_URL and
/// flags still win). A sentry.io account needs no default.
pub fn follow_active_server(store: &Store, host: Option<&str>) -> CliResult<()> {
    let Some(host) = host else { return Ok(()) };
    let value = (!sentry_config::is_saas_url(host)).then_some(host);
    store
        .meta_update(&[("defaults.url", value)])
        .map_err(store_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(id: &str, host: &str, email: &str) -> Account {
        Account {
            account_id: id.into(),
            host: Some(host.into()),
            email: Some(email.into()),
            name: Some("Jane".into()),
            ..Account::default()
        }
    }

    #[test]
    fn servers_are_told_apart_by_what_differs() {
        let a = acct("a", "http://127.0.0.1:9000", "j@x");
        let b = acct("b", "http://127.0.0.1:9001", "j@x");
        let c = acct("c", "https://sentry.example.com", "j@x");
        let all = vec![a.clone(), b.clone(), c.clone()];
        assert_eq!(server_label(&a, &all), "127.0.0.1:9000");
        assert_eq!(server_label(&c, &all), "sentry.example.com");
        assert_eq!(server_label(&a, std::slice::from_ref(&a)), "127.0.0.1");
        let s = acct("s", "https://127.0.0.1:9000", "j@x");
        assert_eq!(
            server_label(&a, &[a.clone(), s.clone()]),
            "http://127.0.0.1:9000"
        );
        assert_eq!(
            describe(&a, std::slice::from_ref(&a)),
            "Jane <j@x> on 127.0.0.1"
        );
    }

    #[test]
    fn account_and_server_split() {
        assert_eq!(
            split_server("jane@x.com:sentry.io"),
            ("jane@x.com", Some("sentry.io"))
        );
        assert_eq!(split_server("jane@x.com"), ("jane@x.com", None));
        assert_eq!(
            split_server("jane:127.0.0.1:9000"),
            ("jane", Some("127.0.0.1:9000"))
        );
        assert_eq!(split_server("jane"), ("jane", None));
        assert!(names_server("127.0.0.1", "http://127.0.0.1:9000"));
        assert!(names_server(
            "http://127.0.0.1:9000",
            "http://127.0.0.1:9000"
        ));
        assert!(!names_server("127.0.0.1:9001", "http://127.0.0.1:9000"));
        assert!(names_server("127.0.0.1:9000", "http://127.0.0.1:9000"));
        assert!(names_server("sentry.io", "https://sentry.io"));
    }
}
