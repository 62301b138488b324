//! Remote URLs and the Sentry repositories they stand for.
//!
//! A Sentry repository (`GET /organizations/{org}/repos/`) has a `name` chosen by its
//! integration and usually a `url`. A git remote matches it when both URLs point at the same
//! host and path, or when the remote's path is the repository's name:
//!
//! | remote | host | path (id) | name guess |
//! |---|---|---|---|
//! | `git@github.com:owner/repo.git`, `https://github.com/owner/repo` | github.com | owner/repo | owner/repo |
//! | `ssh://git@gitlab.com:2222/group/sub/repo.git` | gitlab.com | group/sub/repo | group/sub/repo |
//! | `https://dev.azure.com/org/project/_git/repo` | dev.azure.com | org/project/repo | project/repo |
//! | `git@ssh.dev.azure.com:v3/org/project/repo` | dev.azure.com | org/project/repo | project/repo |
//! | `https://org.visualstudio.com/project/_git/repo` | dev.azure.com | org/project/repo | project/repo |
//! | `https://bitbucket.example.com/scm/proj/repo.git` (Bitbucket Server) | bitbucket.example.com | proj/repo | proj/repo |
//!
//! GitLab names its repositories `Group / Sub / Repo` (with spaces), so names are compared with
//! the spaces around `/` removed and case ignored.

/// A remote URL reduced to what identifies the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// Lower-case host without port or user (`github.com`; Azure DevOps hosts become
    /// `dev.azure.com`).
    pub host: String,
    /// The repository's path on that host without `.git` or slashes around it
    /// (`owner/repo`, `group/sub/repo`; for Azure DevOps `org/project/repo`).
    pub path: String,
}

/// Parses `scheme://[user@]host[:port]/path` and scp-like `[user@]host:path`. `None` for local
/// paths and `file://` URLs, which name no hosted repository.
pub fn parse_remote_url(url: &str) -> Option<RemoteUrl> {
    let url = url.trim();
    let (host, path) = if url.contains("://") {
        let parsed = url::Url::parse(url).ok()?;
        let host = parsed.host_str()?.to_string();
        (host, parsed.path().to_string())
    } else {
        // scp-like: a `:` before any `/`, and something that is not a Windows drive.
        let colon = url.find(':')?;
        if url[..colon].contains('/') || colon < 2 {
            return None;
        }
        let host = url[..colon].rsplit('@').next()?.to_string();
        (host, url[colon + 1..].to_string())
    };
    let host = host.to_ascii_lowercase();
    let path = path.trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    if host.is_empty() || path.is_empty() {
        return None;
    }
    Some(canonical(host, path))
}

/// Azure DevOps and Bitbucket Server spell one repository several ways; others are kept.
fn canonical(host: String, path: &str) -> RemoteUrl {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let azure = |org: &str, project: &str, repo: &str| RemoteUrl {
        host: "dev.azure.com".to_string(),
        path: format!("{org}/{project}/{repo}"),
    };
    if host == "ssh.dev.azure.com" || host == "vs-ssh.visualstudio.com" {
        if let ["v3", org, project, repo] = parts.as_slice() {
            return azure(org, project, repo);
        }
    }
    if host == "dev.azure.com" {
        if let [org, project, "_git", repo] = parts.as_slice() {
            return azure(org, project, repo);
        }
    }
    if let Some(org) = host.strip_suffix(".visualstudio.com") {
        match parts.as_slice() {
            [_, project, "_git", repo] | [project, "_git", repo] => {
                return azure(org, project, repo);
            }
            _ => {}
        }
    }
    if let ["scm", rest @ ..] = parts.as_slice() {
        if rest.len() >= 2 {
            return RemoteUrl {
                host,
                path: rest.join("/"),
            };
        }
    }
    RemoteUrl {
        host,
        path: parts.join("/"),
    }
}

/// The name a Sentry integration most likely gave the repository behind this remote
/// (`owner/repo`; `project/repo` for Azure DevOps). `None` when the URL names no host.
pub fn repo_name_from_url(url: &str) -> Option<String> {
    let r = parse_remote_url(url)?;
    if r.host == "dev.azure.com" {
        let mut parts = r.path.splitn(2, '/');
        let _org = parts.next();
        return parts.next().map(str::to_string);
    }
    Some(r.path)
}

/// `Group / Sub / Repo` → `group/sub/repo`.
fn normalize_name(name: &str) -> String {
    name.split('/')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("/")
        .to_lowercase()
}

/// Whether the Sentry repository `name` (with its `url`, when it has one) is the repository
/// that `remote_url` points at.
pub fn matches_repo(name: &str, url: Option<&str>, remote_url: &str) -> bool {
    let Some(remote) = parse_remote_url(remote_url) else {
        return normalize_name(name) == normalize_name(remote_url);
    };
    if let Some(repo_url) = url.and_then(parse_remote_url) {
        if repo_url.host == remote.host && repo_url.path.eq_ignore_ascii_case(&remote.path) {
            return true;
        }
    }
    let name = normalize_name(name);
    name == remote.path.to_lowercase()
        || repo_name_from_url(remote_url).is_some_and(|n| n.to_lowercase() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(url: &str) -> Option<(String, String)> {
        parse_remote_url(url).map(|r| (r.host, r.path))
    }

    fn hp(h: &str, path: &str) -> Option<(String, String)> {
        Some((h.to_string(), path.to_string()))
    }

    #[test]
    fn parses_the_common_spellings() {
        let gh = hp("github.com", "owner/repo");
        assert_eq!(p("git@github.com:owner/repo.git"), gh);
        assert_eq!(p("https://github.com/owner/repo"), gh);
        assert_eq!(p("https://github.com/owner/repo.git/"), gh);
        assert_eq!(p("https://user:pw@GitHub.com/owner/repo.git"), gh);
        assert_eq!(p("ssh://git@github.com:22/owner/repo.git"), gh);
        assert_eq!(p("git://github.com/owner/repo"), gh);
        assert_eq!(p("github.com:owner/repo"), gh);
        assert_eq!(
            p("git@gitlab.com:group/sub/repo.git"),
            hp("gitlab.com", "group/sub/repo")
        );
        assert_eq!(
            p("ssh://git@gitlab.example.com:2222/group/sub/repo.git"),
            hp("gitlab.example.com", "group/sub/repo")
        );
        assert_eq!(
            p("git@bitbucket.org:team/repo.git"),
            hp("bitbucket.org", "team/repo")
        );
        assert_eq!(
            p("https://bitbucket.example.com/scm/proj/repo.git"),
            hp("bitbucket.example.com", "proj/repo")
        );
    }

    #[test]
    fn azure_devops_spellings_agree() {
        let az = hp("dev.azure.com", "org/project/repo");
        assert_eq!(p("https://dev.azure.com/org/project/_git/repo"), az);
        assert_eq!(p("https://org@dev.azure.com/org/project/_git/repo"), az);
        assert_eq!(p("git@ssh.dev.azure.com:v3/org/project/repo"), az);
        assert_eq!(p("https://org.visualstudio.com/project/_git/repo"), az);
        assert_eq!(
            p("https://org.visualstudio.com/DefaultCollection/project/_git/repo"),
            az
        );
        assert_eq!(p("org@vs-ssh.visualstudio.com:v3/org/project/repo"), az);
        assert_eq!(
            repo_name_from_url("https://dev.azure.com/org/project/_git/repo").as_deref(),
            Some("project/repo")
        );
    }

    #[test]
    fn local_paths_are_not_hosted() {
        assert_eq!(p("/srv/git/repo.git"), None);
        assert_eq!(p("file:///srv/git/repo.git"), None);
        assert_eq!(p("../other"), None);
        assert_eq!(p("C:\\repos\\x"), None);
    }

    #[test]
    fn matches_by_url_or_name() {
        let remote = "git@github.com:Acme/Widgets.git";
        assert!(matches_repo("acme/widgets", None, remote));
        assert!(matches_repo(
            "renamed",
            Some("https://github.com/acme/widgets"),
            remote
        ));
        assert!(!matches_repo("acme/other", None, remote));
        assert!(!matches_repo(
            "acme/widgets",
            None,
            "git@gitlab.com:acme/widgets-2.git"
        ));
        assert!(matches_repo(
            "Group / Sub / Repo",
            None,
            "https://gitlab.com/group/sub/repo.git"
        ));
        assert!(matches_repo(
            "project/repo",
            None,
            "https://dev.azure.com/org/project/_git/repo"
        ));
        // Same path on another host is another repository when the URL says so.
        assert!(!matches_repo(
            "x",
            Some("https://gitlab.com/acme/widgets"),
            remote
        ));
    }
}
