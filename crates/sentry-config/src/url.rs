//! Sentry base URL normalization shared by every URL source.

/// Turns a configured URL into `scheme://host[:port]` (no trailing slash). A bare host gets
/// `https://`. A path, query or fragment is rejected like sentry-cli does ("not on URL root"):
/// API paths are appended to this base, so anything after the host would be silently wrong.
pub fn normalize_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("it is empty".to_string());
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let parsed = url::Url::parse(&with_scheme).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("unknown scheme '{}'", parsed.scheme()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".to_string());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("credentials in the URL are not supported".to_string());
    }
    if !parsed.path().trim_end_matches('/').is_empty()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err("not on URL root".to_string());
    }
    Ok(parsed.origin().ascii_serialization())
}

/// Whether `url` (normalized) is Sentry SaaS: https, default port, `sentry.io` or a subdomain.
pub fn is_saas_url(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    parsed.scheme() == "https"
        && parsed.port().is_none()
        && parsed
            .host_str()
            .is_some_and(|h| h == "sentry.io" || h.ends_with(".sentry.io"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization() {
        assert_eq!(
            normalize_url("sentry.example.com").as_deref(),
            Ok("https://sentry.example.com")
        );
        assert_eq!(
            normalize_url("localhost:8000").as_deref(),
            Ok("https://localhost:8000")
        );
        assert_eq!(
            normalize_url("http://127.0.0.1:9000/").as_deref(),
            Ok("http://127.0.0.1:9000")
        );
        assert_eq!(
            normalize_url("https://sentry.io:443/").as_deref(),
            Ok("https://sentry.io")
        );
        assert_eq!(
            normalize_url("HTTPS://Sentry.IO").as_deref(),
            Ok("https://sentry.io")
        );
        assert_eq!(
            normalize_url("http://h/sentry/"),
            Err("not on URL root".to_string())
        );
        assert_eq!(
            normalize_url("ftp://h"),
            Err("unknown scheme 'ftp'".to_string())
        );
        assert_eq!(
            normalize_url("https://u:p@h"),
            Err("credentials in the URL are not supported".to_string())
        );
        assert_eq!(normalize_url(" "), Err("it is empty".to_string()));
        assert!(is_saas_url("https://sentry.io"));
        assert!(is_saas_url("https://us.sentry.io"));
        assert!(!is_saas_url("https://sentry.io:8443"));
        assert!(!is_saas_url("http://sentry.io"));
        assert!(!is_saas_url("https://notsentry.io"));
    }
}
