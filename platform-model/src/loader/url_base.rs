//! A repository checkout read as its GitHub URL: how Backstage's GitHub
//! integration resolves a relative target against a file's URL, and which
//! URLs name files of the checkout (the only ones read offline).

use std::path::{Path, PathBuf};

/// A repository checkout read as the URL of one ref.
#[derive(Clone, Debug)]
pub(crate) struct UrlBase {
    /// The checkout.
    pub(crate) dir: PathBuf,
    /// The URL the checkout was registered with, ending in `/`
    /// (`https://github.com/org/repo/blob/main/`).
    pub(crate) prefix: String,
    /// The same URL as the GitHub integration resolves every URL: with
    /// `tree` for `blob` (`https://github.com/org/repo/tree/main/`).
    tree: String,
    /// Scheme, host, owner and repository (`https://github.com/org/repo/`).
    repository: String,
}

/// Where a resolved URL leads, seen from one checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UrlTarget {
    /// A file of the checkout at its ref.
    Local(PathBuf),
    /// Another ref of the same repository: not checked out here.
    OtherRef,
    /// A file of another repository on the same host.
    OtherRepository,
    /// The same host, but no file of any repository (a path above the
    /// ref, an encoded separator).
    NotAFile,
    /// Another host.
    Elsewhere,
}

impl UrlBase {
    /// The checkout `dir` read as `prefix` (`https://<host>/<owner>/<repo>/blob/<ref>/`).
    pub(crate) fn new(dir: PathBuf, prefix: String) -> Self {
        let prefix = if prefix.ends_with('/') {
            prefix
        } else {
            format!("{prefix}/")
        };
        let tree = with_tree(&prefix);
        let repository = url::Url::parse(&prefix)
            .ok()
            .and_then(|u| {
                let mut segments = u.path_segments()?;
                let (owner, repo) = (segments.next()?, segments.next()?);
                Some(format!(
                    "{}://{}/{owner}/{repo}/",
                    u.scheme(),
                    u.host_str()?
                ))
            })
            .unwrap_or_else(|| prefix.clone());
        Self {
            dir,
            prefix,
            tree,
            repository,
        }
    }

    /// The URL Backstage names a file of the checkout by (`tree` form);
    /// `None` for a path outside the checkout.
    pub(crate) fn url_of(&self, path: &Path) -> Option<String> {
        self.under(&self.tree, path)
    }

    /// The URL of a file of the checkout as it was registered (`blob`
    /// form): how the registration's own Location is named.
    pub(crate) fn registered_url_of(&self, path: &Path) -> Option<String> {
        self.under(&self.prefix, path)
    }

    fn under(&self, base: &str, path: &Path) -> Option<String> {
        let canonical = path.canonicalize().ok();
        let relative = path
            .strip_prefix(&self.dir)
            .ok()
            .or_else(|| canonical.as_deref()?.strip_prefix(&self.dir).ok())?;
        let relative: Vec<String> = relative
            .components()
            .map(|c| {
                percent_encoding::utf8_percent_encode(&c.as_os_str().to_string_lossy(), SEGMENT)
                    .to_string()
            })
            .collect();
        Some(format!("{base}{}", relative.join("/")))
    }

    /// `target` resolved against `base` (a URL of this repository) as the
    /// GitHub integration resolves it: a full URL stands, `/x` is the
    /// repository's root, anything else is relative to `base`'s directory;
    /// `blob` becomes `tree`. `None` when no URL can be formed.
    pub(crate) fn resolve(&self, base: &str, target: &str) -> Option<String> {
        if let Ok(full) = url::Url::parse(target) {
            return Some(with_tree(full.as_str()));
        }
        if let Some(rooted) = target.strip_prefix('/') {
            let joined = url::Url::parse(&self.tree).ok()?.join(rooted).ok()?;
            return Some(with_tree(joined.as_str()));
        }
        let joined = url::Url::parse(base).ok()?.join(target).ok()?;
        Some(with_tree(joined.as_str()))
    }

    /// Where `url` leads: a file of the checkout, or somewhere not read.
    pub(crate) fn locate(&self, url: &str) -> UrlTarget {
        let Ok(parsed) = url::Url::parse(url) else {
            return UrlTarget::Elsewhere;
        };
        let normal = with_tree(parsed.as_str());
        if let Some(rest) = normal.strip_prefix(&self.tree) {
            let rest = rest.split(['?', '#']).next().unwrap_or_default();
            let mut path = self.dir.clone();
            for segment in rest.split('/').filter(|s| !s.is_empty()) {
                let Ok(decoded) = percent_encoding::percent_decode_str(segment).decode_utf8()
                else {
                    return UrlTarget::NotAFile;
                };
                // An encoded separator or dot segment would name another
                // file than the URL shows.
                if decoded.contains(['/', '\\']) || decoded == ".." || decoded == "." {
                    return UrlTarget::NotAFile;
                }
                path.push(decoded.as_ref());
            }
            return UrlTarget::Local(path);
        }
        if let Some(rest) = normal.strip_prefix(&self.repository) {
            return if rest.starts_with("tree/") {
                UrlTarget::OtherRef
            } else {
                UrlTarget::NotAFile
            };
        }
        let same_host = url::Url::parse(&self.repository)
            .ok()
            .is_some_and(|base| base.host_str() == parsed.host_str());
        // `normal` is `parsed` with `blob` as `tree`: a file URL of some
        // repository has `tree` as its third path segment.
        let file_url = parsed
            .path_segments()
            .and_then(|mut segments| segments.find(|s| !s.is_empty()).and(segments.nth(1)))
            .is_some_and(|kind| kind == "tree" || kind == "blob" || kind == "edit");
        match (same_host, file_url) {
            (true, true) => UrlTarget::OtherRepository,
            (true, false) => UrlTarget::NotAFile,
            (false, _) => UrlTarget::Elsewhere,
        }
    }
}

/// Characters percent-encoded in a URL path segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\\');

/// `url` with a GitHub `blob` or `edit` type segment (after owner and
/// repository) as `tree`, which is how the integration resolves URLs.
fn with_tree(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    let segments: Option<Vec<String>> = parsed
        .path_segments()
        .map(|s| s.map(str::to_owned).collect());
    if let Some(mut segments) = segments
        && segments.len() > 2
        && (segments[2] == "blob" || segments[2] == "edit")
    {
        segments[2] = "tree".to_owned();
        parsed.set_path(&segments.join("/"));
        return parsed.to_string();
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> UrlBase {
        UrlBase::new(
            PathBuf::from("/co/svc"),
            "https://github.com/acme/svc/blob/main/".into(),
        )
    }

    #[test]
    fn targets_resolve_as_the_github_integration_resolves_them() {
        let b = base();
        let file = "https://github.com/acme/svc/tree/main/sub/catalog-info.yaml";
        let r = |t: &str| b.resolve(file, t).unwrap_or_default();
        assert_eq!(
            r("./api.yaml"),
            "https://github.com/acme/svc/tree/main/sub/api.yaml"
        );
        assert_eq!(
            r("x.txt"),
            "https://github.com/acme/svc/tree/main/sub/x.txt"
        );
        assert_eq!(
            r("../docs/a.md"),
            "https://github.com/acme/svc/tree/main/docs/a.md"
        );
        assert_eq!(
            r("/teams/org.yaml"),
            "https://github.com/acme/svc/tree/main/teams/org.yaml"
        );
        assert_eq!(
            r("https://github.com/acme/svc/blob/main/b.yaml"),
            "https://github.com/acme/svc/tree/main/b.yaml"
        );
        assert_eq!(r("../../../../other/x"), "https://github.com/acme/other/x");
    }

    #[test]
    fn only_files_of_the_checkout_at_its_ref_are_local() {
        let b = base();
        assert_eq!(
            b.locate("https://github.com/acme/svc/tree/main/docs/a%20b.md"),
            UrlTarget::Local(PathBuf::from("/co/svc/docs/a b.md"))
        );
        assert_eq!(
            b.locate("https://github.com/acme/svc/blob/main/x"),
            UrlTarget::Local(PathBuf::from("/co/svc/x"))
        );
        assert_eq!(
            b.locate("https://github.com/acme/svc/tree/dev/x"),
            UrlTarget::OtherRef
        );
        assert_eq!(
            b.locate("https://github.com/acme/svc/x.txt"),
            UrlTarget::NotAFile
        );
        assert_eq!(
            b.locate("https://github.com/acme/other/x.txt"),
            UrlTarget::NotAFile
        );
        assert_eq!(
            b.locate("https://github.com/acme/other/blob/main/x"),
            UrlTarget::OtherRepository
        );
        assert_eq!(b.locate("https://example.com/x.json"), UrlTarget::Elsewhere);
        assert_eq!(
            b.locate("https://github.com/acme/svc/tree/main/a%2F..%2F..%2Fx"),
            UrlTarget::NotAFile
        );
        assert_eq!(
            b.url_of(Path::new("/co/svc/docs/a b.md")).as_deref(),
            Some("https://github.com/acme/svc/tree/main/docs/a%20b.md")
        );
        assert_eq!(b.url_of(Path::new("/co/other/x")), None);
    }
}
