//! The publish actions of Backstage's GitHub, GitLab, Bitbucket Server and
//! Azure modules, against the local git host
//! ([`LocalGitHost`](super::git::LocalGitHost)): `publish:github`,
//! `publish:github:pull-request`, `publish:gitlab`,
//! `publish:gitlab:merge-request`, `publish:bitbucketServer`,
//! `publish:bitbucketServer:pull-request` and `publish:azure`, with
//! Backstage's input schemas (as recorded from the real modules), defaults
//! and outputs.
//!
//! On the local host a repository is a bare repository
//! `<root>/<owner>/<repo>.git`, a pull or merge request is a branch pushed
//! there plus a recorded request (`<root>/<owner>/<repo>.requests/<n>.json`),
//! and the outputs are the URLs the hosting service would give
//! (`https://github.com/<owner>/<repo>.git`, `…/pull/<n>`), so later steps
//! and the template's output render as they would in Backstage. Settings
//! only a hosting service can apply (visibility, topics, collaborators,
//! branch protection, …) are accepted, logged and recorded.
//!
//! With the `hosting-api` feature (on by default), [`GithubApi`] gives
//! `publish:github` and `publish:github:pull-request` against GitHub's REST
//! API and git over https instead, and [`GitlabApi`] `publish:gitlab` and
//! `publish:gitlab:merge-request` against GitLab's (the `tls` feature for
//! https).

mod azure;
mod bitbucket;
mod changes;
mod github;
#[cfg(feature = "hosting-api")]
mod github_api;
mod gitlab;
#[cfg(feature = "hosting-api")]
mod gitlab_api;
#[cfg(feature = "hosting-api")]
mod hosting;
mod new_repository;
mod requests;
#[cfg(feature = "hosting-api")]
mod rest;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub use azure::PublishAzure;
pub use bitbucket::{PublishBitbucketServer, PublishBitbucketServerPullRequest};
pub use github::{PublishGithub, PublishGithubPullRequest};
#[cfg(feature = "hosting-api")]
pub use github_api::{GITHUB_API_VERSION, GithubApi};
pub use gitlab::{PublishGitlab, PublishGitlabMergeRequest};
#[cfg(feature = "hosting-api")]
pub use gitlab_api::GitlabApi;

use super::ActionContext;
use super::schemas::ActionSchemas;
use crate::Error;

/// A repository a `repoUrl` names (`host?owner=o&repo=r`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RepoTarget {
    pub(crate) host: String,
    /// The owner: a user, an organization, or a GitLab group path.
    pub(crate) owner: String,
    pub(crate) repo: String,
}

impl RepoTarget {
    /// Parses `repo_url` as Backstage's `parseRepoUrl` does, and requires
    /// an integration of `kind` (`github`, `gitlab`) for its host.
    pub(crate) fn parse(
        ctx: &ActionContext<'_>,
        repo_url: &str,
        kind: &str,
    ) -> Result<Self, Error> {
        let integrations = ctx.render_options().scm_integrations();
        let parts = crate::render::parse_repo_url_parts(repo_url, integrations)
            .map_err(Error::InvalidInput)?;
        let text = |key: &str| parts.get(key).and_then(Value::as_str).map(str::to_owned);
        let host = text("host").unwrap_or_default();
        let matches = integrations
            .iter()
            .any(|i| i.host.eq_ignore_ascii_case(&host) && i.kind == kind);
        if !matches {
            return Err(Error::InvalidInput(match kind {
                "github" => format!("No integration for host {host}"),
                _ => format!(
                    "No matching integration configuration for host {host}, please check your integrations config"
                ),
            }));
        }
        let (owner, repo) = match (kind, text("owner"), text("repo"), text("project")) {
            // Bitbucket Server names a repository by project key and slug.
            ("bitbucketServer", _, Some(repo), Some(project)) => (project, repo),
            // Azure DevOps by organization, project and repository.
            ("azure", _, Some(repo), Some(project)) => match text("organization") {
                Some(organization) => (format!("{organization}/{project}"), repo),
                None => {
                    return Err(Error::InvalidInput(format!(
                        "Invalid URL provider was included in the repo URL to create {repo_url}, missing organization"
                    )));
                }
            },
            (_, owner, repo, project) => match (owner, repo, project) {
                (Some(owner), Some(repo), _) => (owner, repo),
                // GitLab's `?project=` form names the project by path.
                (None, _, Some(project)) if kind == "gitlab" => match project.rsplit_once('/') {
                    Some((owner, repo)) => (owner.to_owned(), repo.to_owned()),
                    None => {
                        return Err(Error::InvalidInput(format!(
                            "No owner provided for host: {host}, and repo undefined"
                        )));
                    }
                },
                (owner, repo, _) => {
                    return Err(Error::InvalidInput(format!(
                        "No owner provided for host: {host}, and repo {}",
                        repo.or(owner).unwrap_or_else(|| "undefined".into())
                    )));
                }
            },
        };
        for segment in owner.split('/').chain([repo.as_str()]) {
            let plain = !segment.is_empty()
                && !segment.starts_with('.')
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !plain {
                return Err(Error::InvalidInput(format!(
                    "`{segment}` is not a valid repository owner or name"
                )));
            }
        }
        Ok(Self { host, owner, repo })
    }

    /// The repository's web URL, `https://<host>/<owner>/<repo>`.
    pub(crate) fn web_url(&self) -> String {
        format!("https://{}/{}/{}", self.host, self.owner, self.repo)
    }

    /// Where the local host keeps it.
    pub(crate) fn bare_path(&self, root: &Path) -> PathBuf {
        let mut path = root.to_path_buf();
        for segment in self.owner.split('/') {
            path.push(segment);
        }
        path.join(format!("{}.git", self.repo))
    }
}

/// Backstage's input and output schemas of action `id`, as recorded.
pub(crate) fn recorded_schemas(id: &str) -> (Value, Value) {
    ActionSchemas::backstage(id).map_or_else(
        || (Value::Object(Map::new()), Value::Object(Map::new())),
        |s| (s.input, s.output),
    )
}

/// The settings in `input` the local host cannot apply (everything but
/// the keys it uses), logged and returned for the record.
pub(crate) fn unapplied_settings(ctx: &mut ActionContext<'_>, used: &[&str]) -> Map<String, Value> {
    let settings: Map<String, Value> = ctx
        .input()
        .iter()
        .filter(|(key, _)| !used.contains(&key.as_str()) && key.as_str() != "token")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !settings.is_empty() {
        let keys: Vec<&str> = settings.keys().map(String::as_str).collect();
        ctx.log(&format!(
            "the local git host records, but does not apply: {}",
            keys.join(", ")
        ));
    }
    settings
}

/// The workspace directory `sourcePath` names, as Backstage's
/// `getRepoSourceDirectory`: leading `../` are dropped, so it stays in the
/// workspace.
pub(crate) fn source_directory(
    ctx: &ActionContext<'_>,
    source_path: Option<&str>,
) -> Result<String, Error> {
    let Some(path) = source_path else {
        return Ok(".".into());
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let relative = if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    };
    ctx.workspace()
        .resolve(&relative)
        .map_err(|_| Error::InvalidInput("Invalid source path".into()))?;
    Ok(relative)
}

/// The default branch of a bare repository (its `HEAD`).
pub(crate) fn default_branch(bare: &Path) -> Result<String, Error> {
    let head = super::git::git(bare, None, &["symbolic-ref", "--short", "HEAD"], None)?;
    Ok(head)
}

/// `HEAD` of a bare repository set to `branch` (the branch pushed first
/// becomes the default, as on a hosting service).
pub(crate) fn set_default_branch(bare: &Path, branch: &str) -> Result<(), Error> {
    super::git::git(
        bare,
        None,
        &["symbolic-ref", "HEAD", &format!("refs/heads/{branch}")],
        None,
    )
    .map(|_| ())
}

/// A bare repository made at `path` (refused when something is there).
pub(crate) fn create_bare(path: &Path, what: &str) -> Result<(), Error> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::Failed(format!(
            "Failed to create the repository {what}: it already exists on the local git host"
        )));
    }
    std::fs::create_dir_all(path).map_err(|e| Error::io(what, &e))?;
    super::git::git(path, None, &["init", "--quiet", "--bare"], None).map(|_| ())
}

/// `path` under `target` (a repository-relative directory, `""` or `.`
/// for the root).
pub(crate) fn repository_join(target: &str, path: &str) -> String {
    let target = target.trim_matches('/');
    if target.is_empty() || target == "." {
        path.to_owned()
    } else {
        format!("{target}/{path}")
    }
}
