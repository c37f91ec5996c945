//! What the hosting-API back ends ([`GithubApi`](super::GithubApi),
//! [`GitlabApi`](super::GitlabApi)) share: the REST client, the host the
//! `repoUrl`s name, a configured token, and where pushes may go.

use super::RepoTarget;
use super::rest::Rest;
use crate::Error;
use crate::actions::ActionContext;
use crate::actions::git::GitRemotes;
use crate::secrets::Secret;

/// One hosting service's configuration.
#[derive(Clone, Debug)]
pub(crate) struct Hosting {
    pub(crate) rest: Rest,
    host: String,
    pub(crate) token: Option<Secret>,
    pub(crate) push_remotes: Option<GitRemotes>,
}

impl Hosting {
    /// The service behind `rest`, for `repoUrl`s on `host`.
    pub(crate) fn new(rest: Rest, host: String) -> Self {
        Self {
            rest,
            host: host.to_ascii_lowercase(),
            token: None,
            push_remotes: None,
        }
    }

    /// The repository `repo_url` names, on an integration of `kind`; a
    /// host other than this service's fails with `foreign(host)`.
    pub(crate) fn target(
        &self,
        ctx: &ActionContext<'_>,
        repo_url: &str,
        kind: &str,
        foreign: impl Fn(&str) -> String,
    ) -> Result<RepoTarget, Error> {
        let target = RepoTarget::parse(ctx, repo_url, kind)?;
        if !target.host.eq_ignore_ascii_case(&self.host) {
            return Err(Error::InvalidInput(foreign(&target.host)));
        }
        Ok(target)
    }

    /// The step's own `token` input, when it gives one.
    pub(crate) fn step_token(ctx: &ActionContext<'_>) -> Option<Secret> {
        ctx.input_str("token")
            .filter(|t| !t.is_empty())
            .map(Secret::new)
    }

    /// Where a push to `remote` may go: the configured remotes, else https
    /// on `remote`'s host when that is this service's host or its API's.
    pub(crate) fn push_remotes(&self, remote: &str) -> GitRemotes {
        if let Some(remotes) = &self.push_remotes {
            return remotes.clone();
        }
        let host = url::Url::parse(remote)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        let mut remotes = GitRemotes::new();
        if host.eq_ignore_ascii_case(&self.host) || host.eq_ignore_ascii_case(self.rest.host()) {
            remotes = remotes.with_host(host);
        }
        remotes
    }
}
