//! The sections and keys sentry-cli 3.x files may contain, and did-you-mean suggestions for
//! the ones that are not (a `[default]` typo used to be ignored silently, sentry-cli#494).

/// `(section, keys)`: every key we read, plus legacy keys that are accepted without effect so
/// old files do not produce noise.
pub(crate) const KNOWN: &[(&str, &[&str])] = &[
    ("auth", &["token", "dsn", "api_key"]),
    (
        "defaults",
        &[
            "url",
            "org",
            "project",
            "vcs_remote",
            "pipeline",
            "custom_header",
            "environment",
        ],
    ),
    (
        "http",
        &[
            "keepalive",
            "proxy_url",
            "proxy_username",
            "proxy_password",
            "verify_ssl",
            "check_ssl_revoke",
            "max_retries",
            "ca_cert",
            "timeout",
        ],
    ),
    ("log", &["level"]),
    ("dif", &["max_upload_size", "max_item_size"]),
    ("dsym", &["max_upload_size", "max_item_size"]),
    ("update", &["disable_check"]),
    ("device", &["family", "model"]),
    ("ui", &["show_notifications"]),
];

pub(crate) fn section_keys(section: &str) -> Option<&'static [&'static str]> {
    KNOWN.iter().find(|(s, _)| *s == section).map(|(_, k)| *k)
}

/// The first known section that holds `key` (for "put it under [x]" hints; `dif` is listed
/// before the legacy `dsym`).
pub(crate) fn section_of(key: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(_, keys)| keys.contains(&key))
        .map(|(s, _)| *s)
}

/// The closest candidate to `input`, if it is close enough to be a plausible typo.
/// A case-only difference always matches (names are case-sensitive in sentry-cli).
pub(crate) fn suggest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = input.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for cand in candidates {
        if cand == lower {
            return Some(cand);
        }
        let d = distance(&lower, cand);
        if d <= 2 && d * 3 <= cand.chars().count() + 1 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, so `defualts`
/// is one edit from `defaults`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let sections = KNOWN.iter().map(|(s, _)| *s);
        assert_eq!(suggest("default", sections.clone()), Some("defaults"));
        assert_eq!(suggest("Defaults", sections.clone()), Some("defaults"));
        assert_eq!(suggest("defualts", sections.clone()), Some("defaults"));
        assert_eq!(suggest("cli", sections.clone()), None);
        assert_eq!(suggest("tokn", ["token", "dsn", "api_key"]), Some("token"));
        assert_eq!(suggest("x", ["token", "dsn", "api_key"]), None);
        assert_eq!(section_of("url"), Some("defaults"));
        assert_eq!(section_of("nope"), None);
    }
}
