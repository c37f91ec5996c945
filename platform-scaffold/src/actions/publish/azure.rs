//! `publish:azure` on the local git host, with the Azure module's
//! defaults (branch `master`, message `initial commit`) and outputs (the
//! remote and web URLs Azure DevOps answers with, a repository id).

use serde::Deserialize;
use serde_json::Value;

use super::{
    RepoTarget, create_bare, recorded_schemas, requests, set_default_branch, source_directory,
    unapplied_settings,
};
use crate::Error;
use crate::actions::git::{GitRemotes, LocalGitHost, Publish, branch_name, publish};
use crate::actions::{Action, ActionContext};

/// `publish:azure`: creates the repository on the local git host and
/// pushes the workspace (or `sourcePath`) to it.
#[derive(Clone, Debug)]
pub struct PublishAzure {
    host: LocalGitHost,
}

impl PublishAzure {
    /// `publish:azure` against `host`.
    #[must_use]
    pub fn new(host: LocalGitHost) -> Self {
        Self { host }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishInput {
    repo_url: String,
    #[serde(default)]
    default_branch: Option<String>,
    #[serde(default)]
    source_path: Option<String>,
    #[serde(default)]
    git_commit_message: Option<String>,
    #[serde(default)]
    git_author_name: Option<String>,
    #[serde(default)]
    git_author_email: Option<String>,
}

/// A repository id in Azure's GUID shape, made from the first commit so a
/// run is reproducible.
fn repository_id(hash: &str) -> String {
    let hex: String = hash
        .chars()
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

impl Action for PublishAzure {
    fn id(&self) -> &str {
        "publish:azure"
    }

    fn description(&self) -> &str {
        "Creates an Azure DevOps repository and pushes the workspace to it (here: on the local git host)."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PublishInput = ctx.input_as(self.id())?;
        let target = RepoTarget::parse(ctx, &input.repo_url, "azure")?;
        let branch = input.default_branch.as_deref().unwrap_or("master");
        branch_name(branch)?;
        let source = source_directory(ctx, input.source_path.as_deref())?;
        let bare = target.bare_path(self.host.root());
        let settings = unapplied_settings(
            ctx,
            &[
                "repoUrl",
                "defaultBranch",
                "sourcePath",
                "gitCommitMessage",
                "gitAuthorName",
                "gitAuthorEmail",
            ],
        );
        create_bare(&bare, &format!("{}/{}", target.owner, target.repo))?;
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
            &GitRemotes::new().with_local_root(self.host.root()),
        );
        let hash = match pushed {
            Ok(hash) => hash,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&bare);
                return Err(e);
            }
        };
        set_default_branch(&bare, branch)?;
        requests::record_settings(&bare, &settings)?;
        // `owner` is `<organization>/<project>`.
        let organization = target.owner.split('/').next().unwrap_or_default();
        let (host, path, repo) = (&target.host, &target.owner, &target.repo);
        ctx.output("commitHash", Value::String(hash.clone()));
        ctx.output(
            "remoteUrl",
            Value::String(format!("https://{organization}@{host}/{path}/_git/{repo}")),
        );
        ctx.output(
            "repoContentsUrl",
            Value::String(format!("https://{host}/{path}/_git/{repo}")),
        );
        ctx.output("repositoryId", Value::String(repository_id(&hash)));
        Ok(())
    }
}
