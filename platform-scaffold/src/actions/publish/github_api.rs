//! `publish:github` and `publish:github:pull-request` against GitHub's
//! REST API (github.com or GitHub Enterprise) and git over https, as the
//! GitHub module does it: the repository created (`POST /orgs/{org}/repos`
//! or `/user/repos`), its topics, collaborators and variables set, the
//! workspace pushed with the token as `x-access-token`, the default branch
//! protected; a pull request made of blobs, a tree and a commit on the
//! base branch, a branch ref and `POST /repos/{o}/{r}/pulls`.
//!
//! Requests carry the headers GitHub's REST documentation asks for
//! (`Accept: application/vnd.github+json`, `X-GitHub-Api-Version`,
//! `Authorization: Bearer`, a `User-Agent`).

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::changes;
use super::github::PullRequestInput;
use super::hosting::Hosting;
use super::rest::{Response, Rest};
use super::{RepoTarget, recorded_schemas, source_directory};
use crate::Error;
use crate::actions::git::{GitRemotes, Publish, branch_name, publish};
use crate::actions::{Action, ActionContext, ActionRegistry};
use crate::secrets::Secret;

/// The REST API version the requests ask for.
pub const GITHUB_API_VERSION: &str = "2022-11-28";

/// Largest file a pull request sends as a blob, and all of them together.
const MAX_BLOB_BYTES: u64 = 50 * 1024 * 1024;
const MAX_PULL_REQUEST_BYTES: u64 = 200 * 1024 * 1024;

/// How to reach GitHub: the API's base URL, the host `repoUrl`s name, a
/// token for when the template gives none, and where pushes may go.
#[derive(Clone, Debug)]
pub struct GithubApi {
    hosting: Hosting,
}

impl GithubApi {
    /// GitHub at `api_base_url` (`https://api.github.com`, or
    /// `https://<host>/api/v3` for GitHub Enterprise) for `repoUrl`s on
    /// `host`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the URL is not an http(s) URL.
    pub fn new(api_base_url: &str, host: impl Into<String>) -> Result<Self, Error> {
        let rest = Rest::new(
            api_base_url,
            vec![
                ("accept", "application/vnd.github+json".to_owned()),
                ("x-github-api-version", GITHUB_API_VERSION.to_owned()),
            ],
            ("authorization", "Bearer "),
        )?;
        Ok(Self {
            hosting: Hosting::new(rest, host.into()),
        })
    }

    /// The token used when a step gives no `token` input (the integration
    /// token, `GITHUB_TOKEN` in the CLI).
    #[must_use]
    pub fn with_token(mut self, token: Secret) -> Self {
        self.hosting.token = Some(token);
        self
    }

    /// Where pushes may go (default: https on the `clone_url`'s host, when
    /// that is the configured host or the API's).
    #[must_use]
    pub fn with_push_remotes(mut self, remotes: GitRemotes) -> Self {
        self.hosting.push_remotes = Some(remotes);
        self
    }

    /// Registers `publish:github` and `publish:github:pull-request` on this
    /// API (replacing the local git host's).
    pub fn register(&self, registry: &mut ActionRegistry) {
        registry
            .register(PublishGithubApi { api: self.clone() })
            .register(PublishGithubPullRequestApi { api: self.clone() });
    }

    fn token(&self, ctx: &ActionContext<'_>, target: &RepoTarget) -> Result<Secret, Error> {
        Hosting::step_token(ctx)
            .or_else(|| self.hosting.token.clone())
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "No token available for host: {}, with owner {}, and repo {}",
                    target.host, target.owner, target.repo
                ))
            })
    }

    fn target(&self, ctx: &ActionContext<'_>, repo_url: &str) -> Result<RepoTarget, Error> {
        self.hosting.target(ctx, repo_url, "github", |host| {
            format!("No integration for host {host}")
        })
    }

    fn send(
        &self,
        token: &Secret,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Error> {
        self.hosting.rest.send(token, method, path, body)
    }

    /// Sends and requires a 2xx answer.
    fn send_ok(
        &self,
        token: &Secret,
        method: &str,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, Error> {
        let response = self.send(token, method, path, body)?;
        if response.ok() {
            Ok(response.body)
        } else {
            Err(Error::Failed(format!("{what}: {}", response.message())))
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    repo_url: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    homepage: Option<String>,
    #[serde(default)]
    access: Option<String>,
    #[serde(default)]
    repo_visibility: Option<String>,
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
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    collaborators: Vec<Value>,
    #[serde(default)]
    repo_variables: Map<String, Value>,
    #[serde(default)]
    secrets: Map<String, Value>,
    #[serde(default)]
    protect_default_branch: Option<bool>,
}

/// Booleans and strings of the input that go into the create body as they
/// are, with the GitHub module's defaults.
const CREATE_FLAGS: [(&str, &str, Option<bool>); 9] = [
    ("deleteBranchOnMerge", "delete_branch_on_merge", Some(false)),
    ("allowMergeCommit", "allow_merge_commit", Some(true)),
    ("allowSquashMerge", "allow_squash_merge", Some(true)),
    ("allowRebaseMerge", "allow_rebase_merge", Some(true)),
    ("allowAutoMerge", "allow_auto_merge", Some(false)),
    ("allowUpdateBranch", "allow_update_branch", Some(false)),
    ("hasProjects", "has_projects", None),
    ("hasWiki", "has_wiki", None),
    ("hasIssues", "has_issues", None),
];

/// The body of the create request.
fn create_body(
    ctx: &ActionContext<'_>,
    input: &CreateInput,
    target: &RepoTarget,
    organization: bool,
) -> Value {
    let visibility = input.repo_visibility.as_deref().unwrap_or("private");
    let mut body = Map::new();
    body.insert("name".into(), json!(target.repo));
    body.insert("private".into(), json!(visibility == "private"));
    if organization {
        body.insert("visibility".into(), json!(visibility));
    }
    for (key, value) in [
        ("description", &input.description),
        ("homepage", &input.homepage),
    ] {
        if let Some(value) = value {
            body.insert(key.into(), json!(value));
        }
    }
    for (input_key, body_key, default) in CREATE_FLAGS {
        if let Some(flag) = ctx
            .input()
            .get(input_key)
            .and_then(Value::as_bool)
            .or(default)
        {
            body.insert(body_key.into(), json!(flag));
        }
    }
    for (input_key, body_key, default) in [
        (
            "squashMergeCommitTitle",
            "squash_merge_commit_title",
            "COMMIT_OR_PR_TITLE",
        ),
        (
            "squashMergeCommitMessage",
            "squash_merge_commit_message",
            "COMMIT_MESSAGES",
        ),
    ] {
        let value = ctx.input_str(input_key).unwrap_or(default);
        body.insert(body_key.into(), json!(value));
    }
    if organization && let Some(properties) = ctx.input().get("customProperties") {
        body.insert("custom_properties".into(), properties.clone());
    }
    Value::Object(body)
}

/// The name an entity reference ends with (`user:default/alice` → `alice`).
fn last_name(reference: &str) -> &str {
    reference.rsplit([':', '/']).next().unwrap_or(reference)
}

/// `publish:github` on GitHub.
#[derive(Clone, Debug)]
struct PublishGithubApi {
    api: GithubApi,
}

impl Action for PublishGithubApi {
    fn id(&self) -> &str {
        "publish:github"
    }

    fn description(&self) -> &str {
        "Creates a GitHub repository and pushes the workspace to it."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: CreateInput = ctx.input_as(self.id())?;
        let target = self.api.target(ctx, &input.repo_url)?;
        let token = self.api.token(ctx, &target)?;
        let branch = input.default_branch.as_deref().unwrap_or("main");
        branch_name(branch)?;
        let source = source_directory(ctx, input.source_path.as_deref())?;
        if !input.secrets.is_empty() {
            // Repository secrets must be sealed to the repository's public
            // key (libsodium sealed boxes), which this back end does not do.
            return Err(Error::InvalidInput(
                "the input `secrets` (repository Actions secrets) is not supported by this back end; set them after the run".into(),
            ));
        }
        let (owner, repo) = (target.owner.as_str(), target.repo.as_str());
        let user = self.api.send_ok(
            &token,
            "GET",
            &format!("users/{owner}"),
            None,
            "Failed to look up the repository owner",
        )?;
        let organization = user["type"] == "Organization";
        let body = create_body(ctx, &input, &target, organization);
        let path = if organization {
            format!("orgs/{owner}/repos")
        } else {
            "user/repos".to_owned()
        };
        let kind = if organization { "Organization" } else { "User" };
        let created = self.api.send(&token, "POST", &path, Some(&body))?;
        if !created.ok() {
            return Err(Error::Failed(format!(
                "Failed to create the {kind} repository {owner}/{repo}, {}",
                created.message()
            )));
        }
        let clone_url = created.body["clone_url"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let html_url = created.body["html_url"]
            .as_str()
            .map_or_else(|| target.web_url(), str::to_owned);
        ctx.log(&format!("created the {kind} repository {owner}/{repo}"));
        if let Some(access) = input.access.as_deref() {
            let (path, what) = match access.split_once('/') {
                Some((org, team)) if org == owner => (
                    format!("orgs/{owner}/teams/{team}/repos/{owner}/{repo}"),
                    access.to_owned(),
                ),
                _ if access != owner => (
                    format!("repos/{owner}/{repo}/collaborators/{access}"),
                    access.to_owned(),
                ),
                _ => (String::new(), String::new()),
            };
            if !path.is_empty() {
                self.api.send_ok(
                    &token,
                    "PUT",
                    &path,
                    Some(&json!({"permission": "admin"})),
                    &format!("Failed to give {what} admin access"),
                )?;
            }
        }
        for collaborator in &input.collaborators {
            let permission = collaborator["access"].as_str().unwrap_or("pull");
            let (path, name) = if let Some(team) = collaborator["team"].as_str() {
                let team = last_name(team);
                (
                    format!("orgs/{owner}/teams/{team}/repos/{owner}/{repo}"),
                    team,
                )
            } else if let Some(user) = collaborator["user"].as_str() {
                let user = last_name(user);
                (format!("repos/{owner}/{repo}/collaborators/{user}"), user)
            } else {
                continue;
            };
            let response = self.api.send(
                &token,
                "PUT",
                &path,
                Some(&json!({"permission": permission})),
            )?;
            if !response.ok() {
                ctx.warn(&format!(
                    "Skipping {permission} access for {name}, {}",
                    response.message()
                ));
            }
        }
        if !input.topics.is_empty() {
            let names: Vec<String> = input.topics.iter().map(|t| t.to_lowercase()).collect();
            let response = self.api.send(
                &token,
                "PUT",
                &format!("repos/{owner}/{repo}/topics"),
                Some(&json!({"names": names})),
            )?;
            if !response.ok() {
                ctx.warn(&format!(
                    "Skipping topics {}, {}",
                    names.join(" "),
                    response.message()
                ));
            }
        }
        for (name, value) in &input.repo_variables {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            self.api.send_ok(
                &token,
                "POST",
                &format!("repos/{owner}/{repo}/actions/variables"),
                Some(&json!({"name": name, "value": value})),
                &format!("Failed to set the variable {name}"),
            )?;
        }
        if let Some(oidc) = ctx.input().get("oidcCustomization").cloned() {
            self.api.send_ok(
                &token,
                "PUT",
                &format!("repos/{owner}/{repo}/actions/oidc/customization/sub"),
                Some(&oidc),
                "Failed to customize the OIDC subject",
            )?;
        }
        if ctx.input_bool("subscribe", false) {
            self.api.send_ok(
                &token,
                "PUT",
                &format!("repos/{owner}/{repo}/subscription"),
                Some(&json!({"subscribed": true, "ignored": false})),
                "Failed to subscribe",
            )?;
        }
        ctx.check_cancelled()?;
        let remotes = self.api.hosting.push_remotes(&clone_url);
        let hash = publish(
            ctx,
            &Publish {
                remote: &clone_url,
                branch,
                source: Some(&source),
                message: input
                    .git_commit_message
                    .as_deref()
                    .unwrap_or("initial commit"),
                author: (
                    input.git_author_name.as_deref().unwrap_or("Scaffolder"),
                    input
                        .git_author_email
                        .as_deref()
                        .unwrap_or("scaffolder@backstage.io"),
                ),
                credentials: Some(("x-access-token", &token)),
            },
            &remotes,
        )?;
        if input.protect_default_branch.unwrap_or(true) {
            protect(ctx, &self.api, &token, &target, branch)?;
        }
        ctx.output("remoteUrl", Value::String(clone_url));
        ctx.output(
            "repoContentsUrl",
            Value::String(format!("{html_url}/blob/{branch}")),
        );
        ctx.output("commitHash", Value::String(hash));
        Ok(())
    }
}

/// Branch protection as the GitHub module sets it; a failure only warns.
fn protect(
    ctx: &mut ActionContext<'_>,
    api: &GithubApi,
    token: &Secret,
    target: &RepoTarget,
    branch: &str,
) -> Result<(), Error> {
    let flag = |key: &str, default: bool| ctx.input_bool(key, default);
    let list = |key: &str| ctx.input().get(key).cloned();
    let body = json!({
        "required_status_checks": {
            "strict": flag("requireBranchesToBeUpToDate", true),
            "contexts": list("requiredStatusCheckContexts").unwrap_or_else(|| json!([])),
        },
        "restrictions": list("restrictions").unwrap_or(Value::Null),
        "enforce_admins": flag("protectEnforceAdmins", true),
        "required_pull_request_reviews": {
            "required_approving_review_count": ctx.input().get("requiredApprovingReviewCount").cloned().unwrap_or_else(|| json!(1)),
            "require_code_owner_reviews": flag("requireCodeOwnerReviews", false),
            "dismiss_stale_reviews": flag("dismissStaleReviews", false),
            "require_last_push_approval": flag("requireLastPushApproval", false),
            "bypass_pull_request_allowances": list("bypassPullRequestAllowances").unwrap_or(Value::Null),
        },
        "required_conversation_resolution": flag("requiredConversationResolution", false),
        "required_linear_history": flag("requiredLinearHistory", false),
        "block_creations": false,
    });
    let path = format!(
        "repos/{}/{}/branches/{branch}/protection",
        target.owner, target.repo
    );
    let response = api.send(token, "PUT", &path, Some(&body))?;
    if !response.ok() {
        ctx.warn(&format!(
            "Skipping: default branch protection on '{}', {}",
            target.repo,
            response.message()
        ));
        return Ok(());
    }
    if flag("requiredCommitSigning", false) {
        let response = api.send(token, "POST", &format!("{path}/required_signatures"), None)?;
        if !response.ok() {
            ctx.warn(&format!(
                "Skipping: required commit signing on '{}', {}",
                target.repo,
                response.message()
            ));
        }
    }
    Ok(())
}

/// `publish:github:pull-request` on GitHub.
#[derive(Clone, Debug)]
struct PublishGithubPullRequestApi {
    api: GithubApi,
}

impl Action for PublishGithubPullRequestApi {
    fn id(&self) -> &str {
        "publish:github:pull-request"
    }

    fn description(&self) -> &str {
        "Opens a pull request on GitHub with the workspace's files."
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
        let target = self.api.target(ctx, &input.repo_url)?;
        if input.dry_run(ctx) {
            return Ok(());
        }
        let token = self.api.token(ctx, &target)?;
        if ctx.input_bool("forceFork", false) {
            ctx.warn("forceFork is not supported by this back end: the branch is pushed to the repository itself");
        }
        let repo_path = format!("repos/{}/{}", target.owner, target.repo);
        let failed =
            |e: String| Error::Failed(format!("Pull request creation failed; caused by {e}"));
        let repository = self
            .api
            .send_ok(&token, "GET", &repo_path, None, "the repository")
            .map_err(|e| failed(e.to_string()))?;
        let base = match &input.target_branch_name {
            Some(name) => name.clone(),
            None => repository["default_branch"]
                .as_str()
                .unwrap_or("main")
                .to_owned(),
        };
        branch_name(&base)?;
        let commits = self
            .api
            .send_ok(
                &token,
                "GET",
                &format!(
                    "{repo_path}/commits?sha={}&per_page=1",
                    super::rest::segment(&base)
                ),
                None,
                "the base branch",
            )
            .map_err(|e| failed(e.to_string()))?;
        let base_sha = commits[0]["sha"].as_str().unwrap_or_default().to_owned();
        let base_tree = commits[0]["commit"]["tree"]["sha"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if base_sha.is_empty() || base_tree.is_empty() {
            return Err(failed(format!("the branch {base} has no commit")));
        }
        ctx.workspace().audit()?;
        let source = source_directory(ctx, input.source_path.as_deref())?;
        let files_dir = ctx.workspace().resolve(&source)?;
        let mut tree = Vec::new();
        if files_dir.is_dir() {
            let scratch = crate::workspace::private_tempdir("platform-scaffold-pr-", None)
                .map_err(|e| Error::io("a temporary git directory", &e))?;
            let mut total = 0u64;
            for (mode, _, path) in changes::workspace_files(scratch.path(), &files_dir)? {
                ctx.check_cancelled()?;
                let full = files_dir.join(&path);
                let entry_path = super::repository_join(&target_path, &path);
                if mode == "120000" {
                    let link = std::fs::read_link(&full).map_err(|e| Error::io(&path, &e))?;
                    tree.push(json!({"path": entry_path, "mode": mode, "type": "blob", "content": link.to_string_lossy()}));
                    continue;
                }
                let bytes = crate::workspace::read_limited(
                    &full,
                    usize::try_from(MAX_BLOB_BYTES).unwrap_or(usize::MAX),
                    &path,
                )?;
                total += bytes.len() as u64;
                if total > MAX_PULL_REQUEST_BYTES {
                    return Err(Error::InvalidInput(format!(
                        "the pull request's files are larger than {MAX_PULL_REQUEST_BYTES} bytes"
                    )));
                }
                let blob = self
                    .api
                    .send_ok(
                        &token,
                        "POST",
                        &format!("{repo_path}/git/blobs"),
                        Some(&json!({
                            "content": base64::engine::general_purpose::STANDARD.encode(&bytes),
                            "encoding": "base64",
                        })),
                        "a blob",
                    )
                    .map_err(|e| failed(e.to_string()))?;
                tree.push(
                    json!({"path": entry_path, "mode": mode, "type": "blob", "sha": blob["sha"]}),
                );
            }
        }
        for path in &input.files_to_delete {
            tree.push(json!({"path": path.trim_matches('/'), "mode": "100644", "type": "blob", "sha": null}));
        }
        let tree_sha = if tree.is_empty() {
            base_tree.clone()
        } else {
            let made = self
                .api
                .send_ok(
                    &token,
                    "POST",
                    &format!("{repo_path}/git/trees"),
                    Some(&json!({"base_tree": base_tree, "tree": tree})),
                    "the tree",
                )
                .map_err(|e| failed(e.to_string()))?;
            made["sha"].as_str().unwrap_or_default().to_owned()
        };
        if tree_sha == base_tree && input.create_when_empty == Some(false) {
            ctx.log("No changes to commit, pull request was not created");
            return Ok(());
        }
        let mut commit = json!({
            "message": input.commit_message.as_deref().unwrap_or(&input.title),
            "tree": tree_sha,
            "parents": [base_sha],
        });
        if input.git_author_name.is_some() || input.git_author_email.is_some() {
            commit["author"] = json!({
                "name": input.git_author_name.as_deref().unwrap_or("Scaffolder"),
                "email": input.git_author_email.as_deref().unwrap_or("scaffolder@backstage.io"),
            });
        }
        let commit = self
            .api
            .send_ok(
                &token,
                "POST",
                &format!("{repo_path}/git/commits"),
                Some(&commit),
                "the commit",
            )
            .map_err(|e| failed(e.to_string()))?;
        let commit_sha = commit["sha"].as_str().unwrap_or_default().to_owned();
        let head = format!("{}:{}", target.owner, input.branch_name);
        let open = self
            .api
            .send_ok(
                &token,
                "GET",
                &format!(
                    "{repo_path}/pulls?state=open&head={}",
                    super::rest::segment(&head)
                ),
                None,
                "the open pull requests",
            )
            .map_err(|e| failed(e.to_string()))?;
        let existing = open.as_array().and_then(|a| a.first()).cloned();
        if let (Some(pull), false) = (&existing, input.update) {
            return Err(failed(format!(
                "Error: Pull request already exists: {}. Set update=true to enable updating",
                pull["html_url"].as_str().unwrap_or_default()
            )));
        }
        let reference = self.api.send(
            &token,
            "GET",
            &format!("{repo_path}/git/ref/heads/{}", input.branch_name),
            None,
        )?;
        if reference.ok() {
            self.api
                .send_ok(
                    &token,
                    "PATCH",
                    &format!("{repo_path}/git/refs/heads/{}", input.branch_name),
                    Some(&json!({"sha": commit_sha, "force": true})),
                    "the branch",
                )
                .map_err(|e| failed(e.to_string()))?;
        } else {
            self.api.send_ok(&token, "POST", &format!("{repo_path}/git/refs"), Some(&json!({"ref": format!("refs/heads/{}", input.branch_name), "sha": commit_sha})), "the branch").map_err(|e| failed(e.to_string()))?;
        }
        let body = json!({"title": input.title, "body": input.description, "head": input.branch_name, "base": base, "draft": input.draft});
        let pull = match &existing {
            Some(pull) => self.api.send_ok(
                &token,
                "PATCH",
                &format!("{repo_path}/pulls/{}", pull["number"]),
                Some(&body),
                "the pull request",
            ),
            None => self.api.send_ok(
                &token,
                "POST",
                &format!("{repo_path}/pulls"),
                Some(&body),
                "the pull request",
            ),
        }
        .map_err(|e| failed(e.to_string()))?;
        let number = pull["number"].clone();
        if !input.reviewers.is_empty() || !input.team_reviewers.is_empty() {
            let mut teams = input.team_reviewers.clone();
            teams.dedup();
            let response = self.api.send(
                &token,
                "POST",
                &format!("{repo_path}/pulls/{number}/requested_reviewers"),
                Some(&json!({"reviewers": input.reviewers, "team_reviewers": teams})),
            )?;
            if !response.ok() {
                ctx.warn(&format!(
                    "Failed to request reviewers, {}",
                    response.message()
                ));
            }
        }
        if !input.assignees.is_empty() {
            let response = self.api.send(
                &token,
                "POST",
                &format!(
                    "repos/{}/{}/issues/{number}/assignees",
                    target.owner, target.repo
                ),
                Some(&json!({"assignees": input.assignees})),
            )?;
            if !response.ok() {
                ctx.warn(&format!("Failed to add assignees, {}", response.message()));
            }
        }
        ctx.output(
            "targetBranchName",
            pull["base"]["ref"].as_str().map_or_else(
                || Value::String(base.clone()),
                |b| Value::String(b.to_owned()),
            ),
        );
        ctx.output("remoteUrl", pull["html_url"].clone());
        ctx.output("pullRequestNumber", number);
        Ok(())
    }
}
