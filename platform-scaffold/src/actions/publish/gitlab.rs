//! `publish:gitlab` and `publish:gitlab:merge-request` on the local git
//! host, with the GitLab module's defaults (branch `master`, message
//! `initial commit`; a merge request's commit message is its title) and
//! outputs.

use serde::Deserialize;
use serde_json::{Value, json};

use super::changes::{self, Changes};
use super::github::repository_path;
use super::new_repository::{PushInput, create_and_push};
use super::{
    RepoTarget, default_branch, recorded_schemas, requests, source_directory, unapplied_settings,
};
use crate::Error;
use crate::actions::git::{LocalGitHost, branch_name};
use crate::actions::{Action, ActionContext};

const DEFAULT_AUTHOR: (&str, &str) = ("Scaffolder", "scaffolder@backstage.io");

/// `publish:gitlab`: creates the project on the local git host and pushes
/// the workspace (or `sourcePath`) to it.
#[derive(Clone, Debug)]
pub struct PublishGitlab {
    host: LocalGitHost,
}

impl PublishGitlab {
    /// `publish:gitlab` against `host`.
    #[must_use]
    pub fn new(host: LocalGitHost) -> Self {
        Self { host }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SkipInput {
    #[serde(default)]
    skip_existing: bool,
}

/// A stable project id for the local host: the number of projects it
/// held when this one was made, plus one, kept beside the repository.
fn project_id(bare: &std::path::Path, root: &std::path::Path) -> Result<u64, Error> {
    let record = bare.with_extension("project.json");
    if let Ok(text) = crate::workspace::read_limited(&record, 4096, "the project record")
        && let Some(id) = serde_json::from_slice::<Value>(&text)
            .ok()
            .and_then(|v| v["id"].as_u64())
    {
        return Ok(id);
    }
    let mut count = 0u64;
    let mut pending = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten().take(100_000) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".project.json") {
                count += 1;
            } else if depth < 8 && !name.ends_with(".git") && entry.path().is_dir() {
                pending.push((entry.path(), depth + 1));
            }
        }
    }
    let id = count + 1;
    std::fs::write(&record, json!({"id": id}).to_string())
        .map_err(|e| Error::io("the project record", &e))?;
    Ok(id)
}

impl Action for PublishGitlab {
    fn id(&self) -> &str {
        "publish:gitlab"
    }

    fn description(&self) -> &str {
        "Creates a GitLab project and pushes the workspace to it (here: on the local git host)."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PushInput = ctx.input_as(self.id())?;
        let skip: SkipInput = ctx.input_as(self.id())?;
        let target = RepoTarget::parse(ctx, &input.repo_url, "gitlab")?;
        let branch = input.branch("master")?;
        let bare = target.bare_path(self.host.root());
        let web = target.web_url();
        if skip.skip_existing && bare.is_dir() {
            let existing = default_branch(&bare)?;
            ctx.log(&format!("project {web} exists; skipped"));
            ctx.output("remoteUrl", Value::String(web.clone()));
            ctx.output(
                "repoContentsUrl",
                Value::String(format!("{web}/-/blob/{existing}")),
            );
            ctx.output("projectId", json!(project_id(&bare, self.host.root())?));
            ctx.output("created", Value::Bool(false));
            return Ok(());
        }
        let hash = create_and_push(ctx, &self.host, &target, &input, branch, &["skipExisting"])?;
        let id = project_id(&bare, self.host.root())?;
        if let Some(hash) = hash {
            ctx.output("commitHash", Value::String(hash));
        }
        ctx.output("remoteUrl", Value::String(web.clone()));
        ctx.output(
            "repoContentsUrl",
            Value::String(format!("{web}/-/blob/{branch}")),
        );
        ctx.output("projectId", json!(id));
        ctx.output("created", Value::Bool(true));
        Ok(())
    }
}

/// `publish:gitlab:merge-request`: commits the workspace's files on a new
/// branch from the target branch and opens a merge request, all on the
/// local git host.
#[derive(Clone, Debug)]
pub struct PublishGitlabMergeRequest {
    host: LocalGitHost,
}

impl PublishGitlabMergeRequest {
    /// `publish:gitlab:merge-request` against `host`.
    #[must_use]
    pub fn new(host: LocalGitHost) -> Self {
        Self { host }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MergeRequestInput {
    pub(crate) repo_url: String,
    pub(crate) title: String,
    pub(crate) branch_name: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) target_branch_name: Option<String>,
    #[serde(default)]
    pub(crate) source_path: Option<String>,
    #[serde(default)]
    pub(crate) target_path: Option<String>,
    #[serde(default)]
    pub(crate) commit_action: Option<String>,
    #[serde(default)]
    pub(crate) remove_source_branch: bool,
    #[serde(default)]
    pub(crate) assignee: Option<String>,
    #[serde(default)]
    pub(crate) reviewers: Vec<String>,
    #[serde(default)]
    pub(crate) labels: Option<Value>,
}

impl Action for PublishGitlabMergeRequest {
    fn id(&self) -> &str {
        "publish:gitlab:merge-request"
    }

    fn description(&self) -> &str {
        "Opens a merge request with the workspace's files (here: a branch and a recorded request on the local git host)."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: MergeRequestInput = ctx.input_as(self.id())?;
        let target = RepoTarget::parse(ctx, &input.repo_url, "gitlab")?;
        branch_name(&input.branch_name)?;
        let target_path = input.target_path.clone().unwrap_or_default();
        repository_path(&target_path, "targetPath")?;
        let project = format!("{}/{}", target.owner, target.repo);
        let bare = target.bare_path(self.host.root());
        if !bare.is_dir() {
            return Err(Error::Failed(format!(
                "the project {project} does not exist on the local git host"
            )));
        }
        let base = match &input.target_branch_name {
            Some(name) => name.clone(),
            None => default_branch(&bare).map_err(|_| {
                Error::InvalidInput("The branch creation failed. Target branch was not provided, and could not find default branch from project settings.".into())
            })?,
        };
        branch_name(&base)?;
        let web = target.web_url();
        if changes::branch_exists(&bare, &input.branch_name) {
            return Err(Error::InvalidInput(format!(
                "The branch creation failed because the branch already exists at: {web}/-/tree/{}.",
                input.branch_name
            )));
        }
        ctx.workspace().audit()?;
        // Files come from `sourcePath`, else from `targetPath`, else the
        // workspace, as the GitLab module reads them.
        let root = source_directory(
            ctx,
            input
                .source_path
                .as_deref()
                .or(input.target_path.as_deref()),
        )?;
        let files = ctx.workspace().resolve(&root)?;
        let action = input.commit_action.as_deref().unwrap_or("auto");
        let (files, delete): (Option<&std::path::Path>, Vec<String>) = match action {
            "skip" => (None, Vec::new()),
            "delete" => (None, list_files(&files)?),
            _ => (files.is_dir().then_some(files.as_path()), Vec::new()),
        };
        let delete: Vec<String> = delete
            .iter()
            .map(|p| super::repository_join(&target_path, p))
            .collect();
        let scratch = crate::workspace::private_tempdir("platform-scaffold-mr-", None)
            .map_err(|e| Error::io("a temporary git directory", &e))?;
        let committed = changes::commit(
            &Changes {
                bare: &bare,
                base: &base,
                files,
                target_path: &target_path,
                delete: &delete,
                message: &input.title,
                author: DEFAULT_AUTHOR,
            },
            scratch.path(),
        )?;
        ctx.check_cancelled()?;
        let head = if committed.changed {
            committed.commit.clone()
        } else {
            // No file actions: the branch is made at the target's head.
            crate::actions::git::git(
                &bare,
                None,
                &["rev-parse", &format!("refs/heads/{base}")],
                None,
            )?
        };
        changes::push(scratch.path(), &bare, &head, &input.branch_name)?;
        let settings = unapplied_settings(
            ctx,
            &[
                "repoUrl",
                "title",
                "branchName",
                "description",
                "targetBranchName",
                "sourcePath",
                "targetPath",
                "commitAction",
                "removeSourceBranch",
                "assignee",
                "reviewers",
                "labels",
            ],
        );
        let iid = requests::save(
            &bare,
            None,
            json!({
                "head": input.branch_name,
                "base": base,
                "title": input.title,
                "body": input.description,
                "commit": head,
                "removeSourceBranch": input.remove_source_branch,
                "assignee": input.assignee,
                "reviewers": input.reviewers,
                "labels": input.labels,
                "settings": settings,
            }),
        )?;
        let url = format!("{web}/-/merge_requests/{iid}");
        ctx.log(&format!("opened merge request {url} on the local git host"));
        ctx.output("projectid", Value::String(project.clone()));
        ctx.output("projectPath", Value::String(project));
        ctx.output("targetBranchName", Value::String(base));
        ctx.output("mergeRequestUrl", Value::String(url));
        Ok(())
    }
}

/// The workspace files under `dir`, relative to it (for `commitAction:
/// delete`).
fn list_files(dir: &std::path::Path) -> Result<Vec<String>, Error> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    Ok(crate::actions::skeleton_walk(dir)?
        .into_iter()
        .filter(|e| !matches!(e.kind, crate::actions::skeleton::Kind::Dir))
        .map(|e| e.path)
        .collect())
}
