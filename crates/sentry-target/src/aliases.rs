//! Short aliases for the projects of a multi-project `issue list`, so
//! `f-g` can stand for `FRONTEND-G`. The list stores them in cli.db's
//! `project_aliases` (lower-case alias → org and project, keyed by the DSN
//! fingerprint of the working tree), and an `<alias>-<suffix>` issue argument
//! is expanded through that table, client-side, before the short-ID lookup.
//! The algorithm matches upstream's so aliases shown by either implementation
//! mean the same project.

use std::collections::{BTreeMap, BTreeSet};

/// One project's alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectAlias {
    /// Org slug.
    pub org: String,
    /// Project slug.
    pub project: String,
    /// Lower-case alias; `<orgPrefix>/<projectPrefix>` when the same slug
    /// exists in several orgs.
    pub alias: String,
}

/// Builds aliases for `(org, project)` pairs, in input order (duplicates
/// are reported once).
///
/// * Slugs unique across orgs: a shared leading word (`spotlight-` in
///   `spotlight-electron`, `spotlight-website`) is dropped, a slug that
///   extends another (`cli-website` next to `cli`) keeps only its tail, then
///   each gets its shortest unique prefix: `frontend`, `functions`,
///   `backend` → `fr`, `fu`, `b`.
/// * A slug present in several orgs: `<org prefix>/<project prefix>`.
pub fn build_aliases(pairs: &[(String, String)]) -> Vec<ProjectAlias> {
    let mut project_orgs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (org, project) in pairs {
        project_orgs.entry(project).or_default().insert(org);
    }
    let unique: Vec<&str> = unique_in_order(pairs.iter().map(|(_, p)| p.as_str()))
        .into_iter()
        .filter(|p| project_orgs[p].len() == 1)
        .collect();
    let colliding: Vec<&str> = unique_in_order(pairs.iter().map(|(_, p)| p.as_str()))
        .into_iter()
        .filter(|p| project_orgs[p].len() > 1)
        .collect();

    let mut by_slug: BTreeMap<String, String> = BTreeMap::new();
    if !unique.is_empty() {
        let strip = common_word_prefix(&unique);
        let mut remainder: BTreeMap<&str, String> = unique
            .iter()
            .map(|s| {
                // Only slugs that really start with the shared word lose it
                // (upstream cut every slug at that length, mangling others).
                let r = match s.get(strip.len()..) {
                    Some(r) if !strip.is_empty() && s.to_lowercase().starts_with(&strip) => r,
                    _ => "",
                };
                (
                    *s,
                    if r.is_empty() {
                        s.to_string()
                    } else {
                        r.to_string()
                    },
                )
            })
            .collect();
        apply_prefix_relationships(&unique, &mut remainder);
        let rems: Vec<String> = unique.iter().map(|s| remainder[s].clone()).collect();
        let prefixes = shortest_unique_prefixes(&rems);
        for (slug, rem) in unique.iter().zip(&rems) {
            by_slug.insert(slug.to_string(), prefixes[rem].clone());
        }
    }

    let mut by_pair: BTreeMap<(String, String), String> = BTreeMap::new();
    if !colliding.is_empty() {
        let orgs: Vec<String> = unique_in_order(
            colliding
                .iter()
                .flat_map(|p| project_orgs[p].iter().copied()),
        )
        .into_iter()
        .map(str::to_string)
        .collect();
        let org_prefix = shortest_unique_prefixes(&orgs);
        let slugs: Vec<String> = colliding.iter().map(|s| s.to_string()).collect();
        let proj_prefix = shortest_unique_prefixes(&slugs);
        for slug in &colliding {
            for org in &project_orgs[slug] {
                by_pair.insert(
                    (org.to_string(), slug.to_string()),
                    format!("{}/{}", org_prefix[*org], proj_prefix[*slug]),
                );
            }
        }
    }

    let mut seen = BTreeSet::new();
    pairs
        .iter()
        .filter(|pair| seen.insert((*pair).clone()))
        .map(|(org, project)| ProjectAlias {
            org: org.clone(),
            project: project.clone(),
            alias: by_pair
                .get(&(org.clone(), project.clone()))
                .or_else(|| by_slug.get(project))
                .cloned()
                .unwrap_or_else(|| project.to_lowercase()),
        })
        .collect()
}

fn unique_in_order<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    it.filter(|s| seen.insert(*s)).collect()
}

/// The first word (up to and including its `-`/`_`) shared by every slug
/// that has one, when at least two do; otherwise empty.
pub fn common_word_prefix(slugs: &[&str]) -> String {
    let words: Vec<String> = slugs
        .iter()
        .filter_map(|s| {
            let lower = s.to_lowercase();
            // Upstream takes the later of the first '-' and the first '_'.
            let idx = match (lower.find('-'), lower.find('_')) {
                (Some(a), Some(b)) => a.max(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => return None,
            };
            (idx > 0).then(|| lower[..=idx].to_string())
        })
        .collect();
    if words.len() < 2 || words.iter().any(|w| w != &words[0]) {
        return String::new();
    }
    words[0].clone()
}

/// `cli` + `cli-website` → `cli-website` is known by `website`, unless that
/// tail is itself a slug or already someone's remainder.
fn apply_prefix_relationships<'a>(slugs: &[&'a str], remainder: &mut BTreeMap<&'a str, String>) {
    let mut taken: BTreeSet<String> = remainder.values().cloned().collect();
    let all: BTreeSet<&str> = slugs.iter().copied().collect();
    for slug in slugs {
        let longest = slugs
            .iter()
            .filter(|o| *o != slug && slug.starts_with(&format!("{o}-")))
            .max_by_key(|o| o.len());
        if let Some(prefix) = longest {
            let tail = &slug[prefix.len() + 1..];
            if !tail.is_empty() && !all.contains(tail) && !taken.contains(tail) {
                remainder.insert(slug, tail.to_string());
                taken.insert(tail.to_string());
            }
        }
    }
}

/// Shortest lower-case prefix of each string that no other string starts
/// with, extended past a trailing `-`/`_`; the whole string when none is.
pub fn shortest_unique_prefixes(strings: &[String]) -> BTreeMap<String, String> {
    let lowers: Vec<String> = strings.iter().map(|s| s.to_lowercase()).collect();
    let mut out = BTreeMap::new();
    for (i, s) in strings.iter().enumerate() {
        let lower = &lowers[i];
        let chars: Vec<(usize, char)> = lower.char_indices().collect();
        let mut found = None;
        for n in 1..=chars.len() {
            let end = chars.get(n).map_or(lower.len(), |(b, _)| *b);
            let prefix = &lower[..end];
            let unique = strings
                .iter()
                .zip(&lowers)
                .all(|(other, ol)| other == s || !ol.starts_with(prefix));
            if unique {
                let mut n = n;
                let mut end = end;
                while (lower[..end].ends_with('-') || lower[..end].ends_with('_'))
                    && n < chars.len()
                {
                    n += 1;
                    end = chars.get(n).map_or(lower.len(), |(b, _)| *b);
                }
                found = Some(lower[..end].to_string());
                break;
            }
        }
        out.insert(s.clone(), found.unwrap_or_else(|| lower.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(o, p)| (o.to_string(), p.to_string()))
            .collect()
    }
    fn aliases(v: &[(&str, &str)]) -> Vec<String> {
        build_aliases(&pairs(v))
            .into_iter()
            .map(|a| a.alias)
            .collect()
    }

    #[test]
    fn shortest_unique_prefix_examples() {
        assert_eq!(
            aliases(&[("a", "frontend"), ("a", "functions"), ("a", "backend")]),
            ["fr", "fu", "b"]
        );
        assert_eq!(
            aliases(&[("acme", "frontend"), ("acme", "backend")]),
            ["f", "b"]
        );
        assert_eq!(aliases(&[("a", "web")]), ["w"]);
    }

    #[test]
    fn common_word_prefix_is_stripped() {
        assert_eq!(
            aliases(&[
                ("s", "spotlight-electron"),
                ("s", "spotlight-website"),
                ("s", "spotlight")
            ]),
            ["e", "w", "s"]
        );
        assert_eq!(
            common_word_prefix(&["frontend", "functions", "backend"]),
            ""
        );
        assert_eq!(common_word_prefix(&["a-x", "b-y"]), "");
        assert_eq!(
            aliases(&[
                ("s", "app-web"),
                ("s", "app-api"),
                ("s", "appserverlongname")
            ]),
            ["w", "api", "app"]
        );
    }

    #[test]
    fn prefix_relationships() {
        assert_eq!(aliases(&[("o", "cli"), ("o", "cli-website")]), ["c", "w"]);
        // The tail would collide with a real slug, so it is not used.
        assert_eq!(
            aliases(&[("o", "cli"), ("o", "cli-website"), ("o", "website")]),
            ["cli", "cli-w", "w"]
        );
    }

    #[test]
    fn cross_org_collisions_get_org_prefixes() {
        let got = build_aliases(&pairs(&[
            ("org1", "dashboard"),
            ("org2", "dashboard"),
            ("org1", "api"),
        ]));
        assert_eq!(
            got,
            vec![
                ProjectAlias {
                    org: "org1".into(),
                    project: "dashboard".into(),
                    alias: "org1/d".into()
                },
                ProjectAlias {
                    org: "org2".into(),
                    project: "dashboard".into(),
                    alias: "org2/d".into()
                },
                ProjectAlias {
                    org: "org1".into(),
                    project: "api".into(),
                    alias: "a".into()
                },
            ]
        );
        assert_eq!(aliases(&[("acme", "x"), ("beta", "x")]), ["a/x", "b/x"]);
    }

    #[test]
    fn prefix_extends_past_word_boundaries() {
        let m =
            shortest_unique_prefixes(&["ab-c".to_string(), "ab-d".to_string(), "x".to_string()]);
        assert_eq!(m["ab-c"], "ab-c");
        assert_eq!(m["ab-d"], "ab-d");
        assert_eq!(m["x"], "x");
        let m = shortest_unique_prefixes(&["a-b".to_string(), "ac".to_string()]);
        assert_eq!(m["a-b"], "a-b");
        assert_eq!(m["ac"], "ac");
    }

    #[test]
    fn empty_and_duplicate_input() {
        assert!(build_aliases(&[]).is_empty());
        assert_eq!(aliases(&[("o", "web"), ("o", "web")]), ["w"]);
    }
}
