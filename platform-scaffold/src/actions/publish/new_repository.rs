//! What the create-and-push actions share on the local git host
//! (`publish:github`, `publish:gitlab`, `publish:bitbucketServer`,
//! `publish:azure`): their common inputs, and making the bare repository,
//! pushing the workspace to it, setting its default branch and recording
//! the settings the host cannot apply. A failed push leaves nothing on the
//! host.

use serde::Deserialize;
use serde_json::Value;

use super::{
    RepoTarget, create_bare, requests, set_default_branch, source_directory, unapplied_settings,
};
use crate::Error;
use crate::actions::ActionContext;
use crate::actions::git::{GitRemotes, LocalGitHost, Publish, branch_name, publish};

/// The inputs the create-and-push actions share.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PushInput {
    pub(crate) repo_url: String,
    #[serde(default)]
    pub(crate) default_branch: Option<String>,
    /// A workspace path; for GitLab also `false` (no push) or `true` (the
    /// whole workspace).
    #[serde(default)]
    pub(crate) source_path: Option<Value>,
    #[serde(default)]
    pub(crate) git_commit_message: Option<String>,
    #[serde(default)]
    pub(crate) git_author_name: Option<String>,
    #[serde(default)]
    pub(crate) git_author_email: Option<String>,
}

/// The input keys [`PushInput`] reads.
const PUSH_KEYS: [&str; 6] = [
    "repoUrl",
    "defaultBranch",
    "sourcePath",
    "gitCommitMessage",
    "gitAuthorName",
    "gitAuthorEmail",
];

impl PushInput {
    /// `defaultBranch`, or the module's default, checked.
    pub(crate) fn branch<'a>(&'a self, default: &'a str) -> Result<&'a str, Error> {
        let branch = self.default_branch.as_deref().unwrap_or(default);
        branch_name(branch)?;
        Ok(branch)
    }
}

/// Makes `target`'s bare repository on `host`, pushes the workspace (or
/// `sourcePath`; nothing for `sourcePath: false`) to `branch`, which
/// becomes its default, and records the settings (the input keys beyond
/// [`PushInput`]'s and `also_used`). Returns the commit pushed.
pub(crate) fn create_and_push(
    ctx: &mut ActionContext<'_>,
    host: &LocalGitHost,
    target: &RepoTarget,
    input: &PushInput,
    branch: &str,
    also_used: &[&str],
) -> Result<Option<String>, Error> {
    let source = match &input.source_path {
        Some(Value::Bool(false)) => None,
        Some(Value::String(path)) => Some(source_directory(ctx, Some(path))?),
        _ => Some(".".to_owned()),
    };
    let used: Vec<&str> = PUSH_KEYS.iter().chain(also_used).copied().collect();
    let settings = unapplied_settings(ctx, &used);
    let bare = target.bare_path(host.root());
    create_bare(&bare, &format!("{}/{}", target.owner, target.repo))?;
    let mut hash = None;
    if let Some(source) = source {
        let remote = bare.to_string_lossy().into_owned();
        let pushed = publish(
            ctx,
            &Publish {
                remote: &remote,
                branch,
                source: Some(&source),
                message: input
                    .git_commit_message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .unwrap_or("initial commit"),
                author: (
                    input.git_author_name.as_deref().unwrap_or("Scaffolder"),
                    input
                        .git_author_email
                        .as_deref()
                        .unwrap_or("scaffolder@backstage.io"),
                ),
                credentials: None,
            },
            &GitRemotes::new().with_local_root(host.root()),
        );
        match pushed {
            Ok(pushed) => hash = Some(pushed),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&bare);
                return Err(e);
            }
        }
        set_default_branch(&bare, branch)?;
    }
    requests::record_settings(&bare, &settings)?;
    Ok(hash)
}
