//! How the files of a load are registered with Backstage, which decides
//! how their placeholders and Location targets resolve: a `file` location
//! names files by path and forms no URL for a relative placeholder; a `url`
//! location (a repository read through its URL) resolves both against the
//! file's URL and keeps placeholders within the repository.

use std::path::Path;

use crate::files::{confine, read_limited};

/// How a load's files are registered (see [`super::LoadOptions::with_registration`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisteredAs {
    /// As `file` locations (Backstage's file reader): the default for a
    /// local path.
    #[default]
    File,
    /// As `url` locations of the repository holding them (the GitHub
    /// integration's URLs), as discovery or a registered URL reads them.
    Url,
}

impl std::str::FromStr for RegisteredAs {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "file" => Ok(Self::File),
            "url" => Ok(Self::Url),
            other => Err(format!("`{other}` is not a registration type (file, url)")),
        }
    }
}

/// The most bytes of `.git/HEAD` or `.git/config` read.
const MAX_GIT_FILE_BYTES: usize = 64 * 1024;

/// A small file of the checkout's `.git` directory, read only when it is a
/// regular file inside the checkout.
fn git_file(checkout: &Path, name: &str) -> Option<String> {
    let path = confine(checkout, &checkout.join(".git").join(name)).ok()?;
    let bytes = read_limited(&path, MAX_GIT_FILE_BYTES).ok()?;
    String::from_utf8(bytes).ok()
}

/// The branch a checkout is on, from `.git/HEAD` (`ref: refs/heads/x`);
/// `HEAD` when it cannot tell (detached, missing, or not a plain file
/// inside the checkout).
pub(crate) fn checkout_branch(checkout: &Path) -> String {
    git_file(checkout, "HEAD")
        .as_deref()
        .and_then(|t| t.trim().strip_prefix("ref: refs/heads/").map(str::to_owned))
        .filter(|b| {
            !b.is_empty()
                && b.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
                && !b.contains("..")
        })
        .unwrap_or_else(|| "HEAD".to_owned())
}

/// The web URL of the checkout's `origin` remote (`https://<host>/<owner>/<repo>`),
/// from `.git/config`; `None` when there is none or it is not an
/// `https`, `ssh` or `git@host:` URL of an owner and a repository.
pub(crate) fn origin_url(checkout: &Path) -> Option<String> {
    let config = git_file(checkout, "config")?;
    let mut in_origin = false;
    let mut remote = None;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_origin = line.replace(' ', "") == "[remote\"origin\"]";
        } else if in_origin
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "url"
        {
            remote = Some(value.trim().to_owned());
        }
    }
    web_url(&remote?)
}

/// `https://<host>/<owner>/<repo>` for a git remote URL.
fn web_url(remote: &str) -> Option<String> {
    let (host, path) = if let Some(rest) = remote.strip_prefix("git@") {
        rest.split_once(':')?
    } else {
        let url = url::Url::parse(remote).ok()?;
        if !["https", "http", "ssh", "git"].contains(&url.scheme()) {
            return None;
        }
        let host = url.host_str()?.to_owned();
        let path = url.path().to_owned();
        return web_url_of(&host, &path);
    };
    web_url_of(host, path)
}

fn web_url_of(host: &str, path: &str) -> Option<String> {
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let (owner, repo) = path.split_once('/')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && s != "."
            && s != ".."
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c));
    (host_ok && plain(owner) && plain(repo)).then(|| format!("https://{host}/{owner}/{repo}"))
}

/// The URL a checkout's root is read as: `<origin>/blob/<branch>/`, or
/// `https://github.com/local/<directory name>/blob/<branch>/` when the
/// checkout has no usable `origin` remote.
pub(crate) fn checkout_prefix(checkout: &Path) -> String {
    let branch = checkout_branch(checkout);
    let base = origin_url(checkout).unwrap_or_else(|| {
        let name = checkout
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| web_url_of("github.com", &format!("local/{n}")).is_some())
            .unwrap_or_else(|| "repository".to_owned());
        format!("https://github.com/local/{name}")
    });
    format!("{base}/blob/{branch}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_become_web_urls() {
        for remote in [
            "https://github.com/acme/svc.git",
            "https://github.com/acme/svc",
            "git@github.com:acme/svc.git",
            "ssh://git@github.com/acme/svc.git",
        ] {
            assert_eq!(
                web_url(remote).as_deref(),
                Some("https://github.com/acme/svc"),
                "{remote}"
            );
        }
        assert_eq!(web_url("file:///srv/git/svc"), None);
        assert_eq!(web_url("https://github.com/only-owner"), None);
        assert_eq!(web_url("https://github.com/a/../b"), None);
    }

    #[test]
    fn a_checkout_is_read_as_its_origin_at_its_branch() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let repo = dir.path().join("svc");
        std::fs::create_dir_all(repo.join(".git"))?;
        let repo = repo.canonicalize()?;
        assert_eq!(
            checkout_prefix(&repo),
            "https://github.com/local/svc/blob/HEAD/"
        );
        std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/trunk\n")?;
        std::fs::write(
            repo.join(".git/config"),
            "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://github.com/x/y\n[remote \"origin\"]\n\turl = git@github.com:acme/svc.git\n",
        )?;
        assert_eq!(
            checkout_prefix(&repo),
            "https://github.com/acme/svc/blob/trunk/"
        );
        std::fs::write(repo.join(".git/HEAD"), "ref: refs/heads/a/../../x\n")?;
        assert_eq!(checkout_branch(&repo), "HEAD");
        std::fs::write(repo.join(".git/HEAD"), "0123abcd\n")?;
        assert_eq!(checkout_branch(&repo), "HEAD");
        Ok(())
    }
}
