//! `publish:github` and `publish:github:pull-request` on the local git
//! host, with the GitHub module's defaults (branch `main`, message
//! `initial commit`, author `Scaffolder <scaffolder@backstage.io>`) and
//! outputs.

use serde::Deserialize;
use serde_json::{Value, json};

use super::changes::{self, Changes};
use super::new_repository::{PushInput, create_and_push};
use super::{
    RepoTarget, default_branch, recorded_schemas, requests, source_directory, unapplied_settings,
};
use crate::Error;
use crate::actions::git::{LocalGitHost, branch_name};
use crate::actions::{Action, ActionContext};

const DEFAULT_AUTHOR: (&str, &str) = ("Scaffolder", "scaffolder@backstage.io");

/// `publish:github`: creates the repository on the local git host and
/// pushes the workspace (or `sourcePath`) to its default branch.
#[derive(Clone, Debug)]
pub struct PublishGithub {
    host: LocalGitHost,
}

impl PublishGithub {
    /// `publish:github` against `host`.
    #[must_use]
    pub fn new(host: LocalGitHost) -> Self {
        Self { host }
    }
}

impl Action for PublishGithub {
    fn id(&self) -> &str {
        "publish:github"
    }

    fn description(&self) -> &str {
        "Creates a GitHub repository and pushes the workspace to it (here: on the local git host)."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PushInput = ctx.input_as(self.id())?;
        let target = RepoTarget::parse(ctx, &input.repo_url, "github")?;
        let branch = input.branch("main")?;
        let hash = create_and_push(ctx, &self.host, &target, &input, branch, &[])?;
        let web = target.web_url();
        ctx.output("remoteUrl", Value::String(format!("{web}.git")));
        ctx.output(
            "repoContentsUrl",
            Value::String(format!("{web}/blob/{branch}")),
        );
        ctx.output("commitHash", Value::String(hash.unwrap_or_default()));
        Ok(())
    }
}

/// `publish:github:pull-request`: commits the workspace's files (under
/// `targetPath`) on top of the target branch, pushes them to `branchName`
/// and opens a pull request, all on the local git host.
#[derive(Clone, Debug)]
pub struct PublishGithubPullRequest {
    host: LocalGitHost,
}

impl PublishGithubPullRequest {
    /// `publish:github:pull-request` against `host`.
    #[must_use]
    pub fn new(host: LocalGitHost) -> Self {
        Self { host }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PullRequestInput {
    pub(crate) repo_url: String,
    pub(crate) branch_name: String,
    pub(crate) title: String,
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) target_branch_name: Option<String>,
    #[serde(default)]
    pub(crate) source_path: Option<String>,
    #[serde(default)]
    pub(crate) target_path: Option<String>,
    #[serde(default)]
    pub(crate) files_to_delete: Vec<String>,
    #[serde(default)]
    pub(crate) draft: bool,
    #[serde(default)]
    pub(crate) update: bool,
    #[serde(default)]
    pub(crate) create_when_empty: Option<bool>,
    #[serde(default)]
    pub(crate) commit_message: Option<String>,
    #[serde(default)]
    pub(crate) git_author_name: Option<String>,
    #[serde(default)]
    pub(crate) git_author_email: Option<String>,
    #[serde(default)]
    pub(crate) reviewers: Vec<String>,
    #[serde(default)]
    pub(crate) team_reviewers: Vec<String>,
    #[serde(default)]
    pub(crate) assignees: Vec<String>,
}

impl PullRequestInput {
    /// Checks what does not depend on the host (`targetPath`,
    /// `filesToDelete`, `branchName`); returns `targetPath`.
    pub(crate) fn checked_target_path(&self) -> Result<String, Error> {
        let target_path = self.target_path.clone().unwrap_or_default();
        repository_path(&target_path, "targetPath")?;
        for path in &self.files_to_delete {
            repository_path(path, "filesToDelete entry")?;
        }
        branch_name(&self.branch_name)?;
        Ok(target_path)
    }

    /// In a dry run, gives the outputs Backstage's action gives there and
    /// returns true.
    pub(crate) fn dry_run(&self, ctx: &mut ActionContext<'_>) -> bool {
        if !ctx.is_dry_run() {
            return false;
        }
        ctx.log("Performing dry run of creating pull request");
        ctx.output("targetBranchName", Value::String(self.branch_name.clone()));
        ctx.output("remoteUrl", Value::String(self.repo_url.clone()));
        ctx.output("pullRequestNumber", json!(43));
        ctx.log("Dry run complete");
        true
    }
}

/// Refuses a repository path that is absolute or climbs with `..`, with
/// Backstage's wording.
pub(crate) fn repository_path(path: &str, what: &str) -> Result<(), Error> {
    if path.starts_with('/') || path.split('/').any(|s| s == "..") {
        return Err(Error::InvalidInput(format!(
            "Invalid {what} '{path}': must be a relative path within the target repository, without '..' segments"
        )));
    }
    Ok(())
}

impl Action for PublishGithubPullRequest {
    fn id(&self) -> &str {
        "publish:github:pull-request"
    }

    fn description(&self) -> &str {
        "Opens a pull request with the workspace's files (here: a branch and a recorded request on the local git host)."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn supports_dry_run(&self) -> bool {
        true
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PullRequestInput = ctx.input_as(self.id())?;
        let target_path = input.checked_target_path()?;
        let target = RepoTarget::parse(ctx, &input.repo_url, "github")?;
        if input.dry_run(ctx) {
            return Ok(());
        }
        let bare = target.bare_path(self.host.root());
        if !bare.is_dir() {
            return Err(Error::Failed(format!(
                "Pull request creation failed; the repository {}/{} does not exist on the local git host",
                target.owner, target.repo
            )));
        }
        let base = match &input.target_branch_name {
            Some(name) => name.clone(),
            None => default_branch(&bare)?,
        };
        branch_name(&base)?;
        let existing = requests::open_for(&bare, &input.branch_name)?;
        if let (Some((number, _)), false) = (&existing, input.update) {
            return Err(Error::Failed(format!(
                "Pull request creation failed; caused by Error: Pull request already exists: {}/pull/{number}. Set update=true to enable updating",
                target.web_url()
            )));
        }
        ctx.workspace().audit()?;
        let source = source_directory(ctx, input.source_path.as_deref())?;
        let files = ctx.workspace().resolve(&source)?;
        let scratch = crate::workspace::private_tempdir("platform-scaffold-pr-", None)
            .map_err(|e| Error::io("a temporary git directory", &e))?;
        let message = input.commit_message.as_deref().unwrap_or(&input.title);
        let committed = changes::commit(
            &Changes {
                bare: &bare,
                base: &base,
                files: files.is_dir().then_some(files.as_path()),
                target_path: &target_path,
                delete: &input.files_to_delete,
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
        if !committed.changed && input.create_when_empty == Some(false) {
            ctx.log("No changes to commit, pull request was not created");
            return Ok(());
        }
        ctx.check_cancelled()?;
        changes::push(scratch.path(), &bare, &committed.commit, &input.branch_name)?;
        let settings = unapplied_settings(
            ctx,
            &[
                "repoUrl",
                "branchName",
                "title",
                "description",
                "targetBranchName",
                "sourcePath",
                "targetPath",
                "filesToDelete",
                "draft",
                "update",
                "createWhenEmpty",
                "commitMessage",
                "gitAuthorName",
                "gitAuthorEmail",
                "reviewers",
                "teamReviewers",
                "assignees",
            ],
        );
        let number = requests::save(
            &bare,
            existing.map(|(n, _)| n),
            json!({
                "head": input.branch_name,
                "base": base,
                "title": input.title,
                "body": input.description,
                "draft": input.draft,
                "commit": committed.commit,
                "reviewers": input.reviewers,
                "teamReviewers": input.team_reviewers,
                "assignees": input.assignees,
                "settings": settings,
            }),
        )?;
        let url = format!("{}/pull/{number}", target.web_url());
        ctx.log(&format!("opened pull request {url} on the local git host"));
        ctx.output("targetBranchName", Value::String(base));
        ctx.output("remoteUrl", Value::String(url));
        ctx.output("pullRequestNumber", json!(number));
        Ok(())
    }
}
