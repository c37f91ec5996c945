//! `publish:bitbucketServer` and `publish:bitbucketServer:pull-request` on
//! the local git host, with the Bitbucket Server module's defaults (branch
//! `master`, message `initial commit`) and outputs (the clone and browse
//! links Bitbucket Server answers with, the pull request's link).

use serde::Deserialize;
use serde_json::{Value, json};

use super::changes::{self, Changes};
use super::new_repository::{PushInput, create_and_push};
use super::{RepoTarget, default_branch, recorded_schemas, requests};
use crate::Error;
use crate::actions::git::{LocalGitHost, branch_name};
use crate::actions::{Action, ActionContext};

const DEFAULT_AUTHOR: (&str, &str) = ("Scaffolder", "scaffolder@backstage.io");

/// `publish:bitbucketServer`: creates the repository on the local git host
/// and pushes the workspace (or `sourcePath`) to it.
#[derive(Clone, Debug)]
pub struct PublishBitbucketServer {
    host: LocalGitHost,
}

impl PublishBitbucketServer {
    /// `publish:bitbucketServer` against `host`.
    #[must_use]
    pub fn new(host: LocalGitHost) -> Self {
        Self { host }
    }
}

impl Action for PublishBitbucketServer {
    fn id(&self) -> &str {
        "publish:bitbucketServer"
    }

    fn description(&self) -> &str {
        "Creates a Bitbucket Server repository and pushes the workspace to it (here: on the local git host)."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PushInput = ctx.input_as(self.id())?;
        let target = RepoTarget::parse(ctx, &input.repo_url, "bitbucketServer")?;
        let branch = input.branch("master")?;
        let hash = create_and_push(ctx, &self.host, &target, &input, branch, &[])?;
        let (host, project, repo) = (&target.host, &target.owner, &target.repo);
        ctx.output("commitHash", Value::String(hash.unwrap_or_default()));
        ctx.output(
            "remoteUrl",
            Value::String(format!(
                "https://{host}/scm/{}/{repo}.git",
                project.to_lowercase()
            )),
        );
        ctx.output(
            "repoContentsUrl",
            Value::String(format!(
                "https://{host}/projects/{project}/repos/{repo}/browse"
            )),
        );
        Ok(())
    }
}

/// `publish:bitbucketServer:pull-request`: opens a pull request from
/// `sourceBranch`; when that branch does not exist yet, it is made from the
/// target branch with the workspace's files committed on it (message: the
/// description), as the module does.
#[derive(Clone, Debug)]
pub struct PublishBitbucketServerPullRequest {
    host: LocalGitHost,
}

impl PublishBitbucketServerPullRequest {
    /// `publish:bitbucketServer:pull-request` against `host`.
    #[must_use]
    pub fn new(host: LocalGitHost) -> Self {
        Self { host }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PullRequestInput {
    repo_url: String,
    title: String,
    source_branch: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    target_branch: Option<String>,
    #[serde(default)]
    reviewers: Vec<String>,
    #[serde(default)]
    git_author_name: Option<String>,
    #[serde(default)]
    git_author_email: Option<String>,
}

impl Action for PublishBitbucketServerPullRequest {
    fn id(&self) -> &str {
        "publish:bitbucketServer:pull-request"
    }

    fn description(&self) -> &str {
        "Opens a Bitbucket Server pull request (here: a branch and a recorded request on the local git host)."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PullRequestInput = ctx.input_as(self.id())?;
        let target = RepoTarget::parse(ctx, &input.repo_url, "bitbucketServer")?;
        branch_name(&input.source_branch)?;
        let bare = target.bare_path(self.host.root());
        if !bare.is_dir() {
            return Err(Error::Failed(format!(
                "the repository {}/{} does not exist on the local git host",
                target.owner, target.repo
            )));
        }
        let base = match &input.target_branch {
            Some(name) => name.clone(),
            None => default_branch(&bare)?,
        };
        branch_name(&base)?;
        if !changes::branch_exists(&bare, &base) {
            return Err(Error::Failed(format!(
                "Failed to create the pull request: the target branch {base} does not exist"
            )));
        }
        if changes::branch_exists(&bare, &input.source_branch) {
            ctx.log(&format!(
                "the branch {} exists; the pull request is opened from it as it is",
                input.source_branch
            ));
        } else {
            ctx.workspace().audit()?;
            let files = ctx.workspace().resolve(".")?;
            let scratch = crate::workspace::private_tempdir("platform-scaffold-pr-", None)
                .map_err(|e| Error::io("a temporary git directory", &e))?;
            let message = input.description.as_deref().unwrap_or(&input.title);
            let committed = changes::commit(
                &Changes {
                    bare: &bare,
                    base: &base,
                    files: Some(&files),
                    target_path: "",
                    delete: &[],
                    message,
                    author: (
                        input.git_author_name.as_deref().unwrap_or(DEFAULT_AUTHOR.0),
                        input
                            .git_author_email
                            .as_deref()
                            .unwrap_or(DEFAULT_AUTHOR.1),
                    ),
                },
                scratch.path(),
            )?;
            ctx.check_cancelled()?;
            changes::push(
                scratch.path(),
                &bare,
                &committed.commit,
                &input.source_branch,
            )?;
        }
        if let Some((number, _)) = requests::open_for(&bare, &input.source_branch)? {
            return Err(Error::Failed(format!(
                "Failed to create the pull request: one is open from {} already (#{number})",
                input.source_branch
            )));
        }
        let number = requests::save(
            &bare,
            None,
            json!({
                "head": input.source_branch,
                "base": base,
                "title": input.title,
                "body": input.description,
                "reviewers": input.reviewers,
            }),
        )?;
        let url = format!(
            "https://{}/projects/{}/repos/{}/pull-requests/{number}",
            target.host, target.owner, target.repo
        );
        ctx.log(&format!("opened pull request {url} on the local git host"));
        ctx.output("pullRequestUrl", Value::String(url));
        Ok(())
    }
}
