//! GitHub discovery offline: a `github-discovery` location of an app-config
//! read over a directory of repository checkouts (one sub-directory per
//! repository) instead of GitHub's API. Each checkout whose name matches
//! the location's repository pattern is read at the location's catalog
//! path as the optional `url` location the discovery processor emits for
//! it (`https://github.com/<org>/<repo>/blob/<branch>/<path>`), with the
//! discovery location as the origin its rules see.

use std::path::Path;

use super::Registration;
use super::registered_as::checkout_branch;
use crate::app_config::ConfigLocation;
use crate::catalog_rules::LocationRef;
use crate::diagnostic::Diagnostic;

/// The catalog path the discovery processor reads when the target names
/// none.
const DEFAULT_CATALOG_PATH: &str = "catalog-info.yaml";

/// What a `github-discovery` target asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
struct DiscoveryTarget {
    /// `https://github.com/<org>/` (scheme, host and organisation).
    org_url: String,
    /// Repository names it matches (`*` is any run of characters).
    repositories: Wildcard,
    /// The branch, or `-` for each repository's default branch.
    branch: String,
    /// The catalog path inside each repository, without a leading `/`
    /// (globs allowed).
    catalog_path: String,
}

fn parse_target(target: &str) -> Option<DiscoveryTarget> {
    let url = url::Url::parse(target).ok()?;
    let host = url.host_str()?;
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let (org, rest) = segments.split_first()?;
    let pattern = rest.first().copied().unwrap_or("*");
    let (branch, catalog_path) = match rest.get(1..) {
        Some([blob, branch, path @ ..]) if *blob == "blob" && !path.is_empty() => {
            ((*branch).to_owned(), path.join("/"))
        }
        _ => ("-".to_owned(), DEFAULT_CATALOG_PATH.to_owned()),
    };
    Some(DiscoveryTarget {
        org_url: format!("{}://{host}/{org}/", url.scheme()),
        repositories: Wildcard(pattern.to_owned()),
        branch,
        catalog_path,
    })
}

/// A repository name pattern where `*` is any run of characters and every
/// other character is itself (the processor's pattern, as a regular
/// expression anchored at both ends).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Wildcard(String);

impl Wildcard {
    fn is_match(&self, name: &str) -> bool {
        let parts: Vec<&str> = self.0.split('*').collect();
        let [first, middle @ .., last] = parts.as_slice() else {
            return name == self.0;
        };
        let Some(mut rest) = name.strip_prefix(first) else {
            return false;
        };
        for part in middle {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.len() >= last.len() && rest.ends_with(last)
    }
}

/// The registration a `url` location of a GitHub file
/// (`https://github.com/<org>/<repo>/blob/<ref>/<path>`) makes when `repos`
/// holds a checkout named `<repo>`; `None` otherwise.
pub(super) fn checked_out(location: &ConfigLocation, repos: &Path) -> Option<Registration> {
    let url = url::Url::parse(&location.resolved).ok()?;
    let segments: Vec<String> = url
        .path_segments()?
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|d| d.into_owned())
        })
        .collect::<Result<_, _>>()
        .ok()?;
    let [org, repo, kind, branch, path @ ..] = segments.as_slice() else {
        return None;
    };
    let plain = |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\']);
    if (kind != "blob" && kind != "tree")
        || path.is_empty()
        || ![org, repo, branch].iter().all(|s| plain(s))
        || !path.iter().all(|s| plain(s))
        || repo.starts_with('.')
    {
        return None;
    }
    let repos = repos.canonicalize().ok()?;
    let checkout = repos.join(repo);
    // Only a real directory: a link could lead out of `repos`.
    if !std::fs::symlink_metadata(&checkout).is_ok_and(|m| m.is_dir()) {
        return None;
    }
    let prefix = format!(
        "{}://{}/{org}/{repo}/{kind}/{branch}/",
        url.scheme(),
        url.host_str()?
    );
    Some(Registration::checked_out(
        checkout,
        path.join("/"),
        prefix,
        &location.resolved,
        location.span.clone(),
    ))
}

/// The registrations a `github-discovery` location makes over `repos`, and
/// the problems found (a target that is not a discovery URL, a directory
/// that cannot be listed).
pub(super) fn discover(
    location: &ConfigLocation,
    repos: &Path,
) -> (Vec<Registration>, Vec<Diagnostic>) {
    let Some(target) = parse_target(&location.resolved) else {
        let problem = Diagnostic::error(
            crate::codes::APP_CONFIG_INVALID,
            format!(
                "`{}` is not a GitHub discovery URL (https://github.com/<org>[/<repo pattern>[/blob/<branch>/<path>]])",
                location.resolved
            ),
        )
        .with_span_opt(location.span.clone());
        return (Vec::new(), vec![problem]);
    };
    // Canonical, so that each checkout is a canonical root to confine its
    // `.git/HEAD` read to.
    let repos = match repos.canonicalize() {
        Ok(dir) => dir,
        Err(e) => {
            let problem = Diagnostic::error(
                crate::codes::FILE_UNREADABLE,
                format!("cannot read the repositories in `{}`: {e}", repos.display()),
            )
            .with_span_opt(location.span.clone());
            return (Vec::new(), vec![problem]);
        }
    };
    let entries = match std::fs::read_dir(&repos) {
        Ok(entries) => entries,
        Err(e) => {
            let problem = Diagnostic::error(
                crate::codes::FILE_UNREADABLE,
                format!("cannot list the repositories in `{}`: {e}", repos.display()),
            )
            .with_span_opt(location.span.clone());
            return (Vec::new(), vec![problem]);
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        // Only real directories: a link could lead out of `repos`.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|name| !name.starts_with('.') && target.repositories.is_match(name))
        .collect();
    names.sort();
    let origin = LocationRef::new(&location.location_type, &location.resolved);
    let registrations = names
        .into_iter()
        .map(|name| {
            let checkout = repos.join(&name);
            let branch = if target.branch == "-" {
                checkout_branch(&checkout)
            } else {
                target.branch.clone()
            };
            let prefix = format!("{}{name}/blob/{branch}/", target.org_url);
            Registration::discovered(
                checkout,
                &target.catalog_path,
                prefix,
                origin.clone(),
                location.span.clone(),
            )
        })
        .collect();
    (registrations, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_targets_as_the_processor_reads_them() {
        let t = parse_target("https://github.com/acme-corp").expect("org only");
        assert_eq!(t.org_url, "https://github.com/acme-corp/");
        assert!(t.repositories.is_match("anything"));
        assert_eq!(
            (t.branch.as_str(), t.catalog_path.as_str()),
            ("-", "catalog-info.yaml")
        );

        let t = parse_target("https://github.com/acme/svc-*/blob/main/deploy/catalog.yaml")
            .expect("full");
        assert!(t.repositories.is_match("svc-payments"));
        assert!(!t.repositories.is_match("web"));
        // Regex characters in names are literal.
        let literal = parse_target("https://github.com/acme/a.c").expect("literal");
        assert!(!literal.repositories.is_match("abc"));
        assert!(literal.repositories.is_match("a.c"));
        let w = Wildcard("a*b*a".into());
        assert!(w.is_match("aba") && w.is_match("axxbyya") && !w.is_match("ab"));
        assert_eq!(
            (t.branch.as_str(), t.catalog_path.as_str()),
            ("main", "deploy/catalog.yaml")
        );
        assert!(parse_target("not a url").is_none());
        assert!(parse_target("https://github.com/").is_none());
    }

    #[test]
    fn a_non_canonical_repos_path_still_finds_the_checkouts_branch() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let repo = dir.path().join("repos/svc");
        std::fs::create_dir_all(repo.join(".git"))?;
        std::fs::create_dir_all(dir.path().join("other"))?;
        std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/trunk\n")?;
        let config = crate::app_config::AppConfig::from_str(
            "app-config.yaml",
            "catalog:\n  locations:\n    - type: github-discovery\n      target: https://github.com/acme\n",
            dir.path(),
            &crate::app_config::AppConfigOptions::default().with_root(dir.path()),
        );
        let catalog = config.catalog(dir.path());
        let (found, problems) = discover(&catalog.locations[0], &dir.path().join("other/../repos"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].url_base.as_ref().map(|(_, url)| url.as_str()),
            Some("https://github.com/acme/svc/blob/trunk/")
        );
        Ok(())
    }
}
