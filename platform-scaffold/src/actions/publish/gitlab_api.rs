//! `publish:gitlab` and `publish:gitlab:merge-request` against GitLab's
//! REST API (v4) and git over https, as the GitLab module does it: the
//! namespace looked up, the project found (`skipExisting`) or created, the
//! workspace pushed as `oauth2` with the token, branches and variables
//! made; a merge request as a branch, one commit of file actions
//! (`create`, `update`, `delete`) and `POST …/merge_requests`.
//!
//! The configured token (a personal or project access token) is sent as
//! `PRIVATE-TOKEN`, a step's `token` input (a user's OAuth token) as
//! `Authorization: Bearer`, as GitLab's documentation describes both.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::changes;
use super::github::repository_path;
use super::gitlab::MergeRequestInput;
use super::hosting::Hosting;
use super::rest::{Rest, segment};
use super::{RepoTarget, recorded_schemas, repository_join, source_directory};
use crate::Error;
use crate::actions::git::{GitRemotes, Publish, branch_name, publish};
use crate::actions::{Action, ActionContext, ActionRegistry};
use crate::secrets::Secret;

/// Largest file a merge request sends, and all of them together.
const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
const MAX_MERGE_REQUEST_BYTES: usize = 200 * 1024 * 1024;
/// Most pages of a repository tree listing read (100 entries each).
const MAX_TREE_PAGES: usize = 500;

/// How to reach GitLab: the instance's base URL, the host `repoUrl`s name,
/// a token for when the template gives none, and where pushes may go.
#[derive(Clone, Debug)]
pub struct GitlabApi {
    hosting: Hosting,
}

/// The token, and how it is sent.
struct Token {
    secret: Secret,
    auth: (&'static str, &'static str),
}

impl GitlabApi {
    /// GitLab at `base_url` (`https://gitlab.com`; the API is under
    /// `/api/v4`) for `repoUrl`s on `host`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the URL is not an http(s) URL.
    pub fn new(base_url: &str, host: impl Into<String>) -> Result<Self, Error> {
        let api = format!("{}/api/v4/", base_url.trim_end_matches('/'));
        let rest = Rest::new(&api, Vec::new(), ("private-token", ""))?;
        Ok(Self {
            hosting: Hosting::new(rest, host.into()),
        })
    }

    /// The token used when a step gives no `token` input (`GITLAB_TOKEN` in
    /// the CLI), sent as `PRIVATE-TOKEN`.
    #[must_use]
    pub fn with_token(mut self, token: Secret) -> Self {
        self.hosting.token = Some(token);
        self
    }

    /// Where pushes may go (default: https on the project URL's host, when
    /// that is the configured host or the API's).
    #[must_use]
    pub fn with_push_remotes(mut self, remotes: GitRemotes) -> Self {
        self.hosting.push_remotes = Some(remotes);
        self
    }

    /// Registers `publish:gitlab` and `publish:gitlab:merge-request` on this
    /// API (replacing the local git host's).
    pub fn register(&self, registry: &mut ActionRegistry) {
        registry
            .register(PublishGitlabApi { api: self.clone() })
            .register(PublishGitlabMergeRequestApi { api: self.clone() });
    }

    fn token(&self, ctx: &ActionContext<'_>, target: &RepoTarget) -> Result<Token, Error> {
        if let Some(secret) = Hosting::step_token(ctx) {
            return Ok(Token {
                secret,
                auth: ("authorization", "Bearer "),
            });
        }
        self.hosting
            .token
            .clone()
            .map(|secret| Token {
                secret,
                auth: ("private-token", ""),
            })
            .ok_or_else(|| {
                Error::InvalidInput(format!("No token available for host {}", target.host))
            })
    }

    fn target(&self, ctx: &ActionContext<'_>, repo_url: &str) -> Result<RepoTarget, Error> {
        self.hosting.target(ctx, repo_url, "gitlab", |host| {
            format!(
                "No matching integration configuration for host {host}, please check your integrations config"
            )
        })
    }

    /// Sends and requires a 2xx answer.
    fn send_ok(
        &self,
        token: &Token,
        method: &str,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Value, Error> {
        let response = self.send(token, method, path, body)?;
        if response.ok() {
            Ok(response.body)
        } else {
            Err(Error::Failed(format!("{what}. {}", response.message())))
        }
    }

    fn send(
        &self,
        token: &Token,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<super::rest::Response, Error> {
        self.hosting
            .rest
            .send_as(token.auth, &token.secret, method, path, body)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInput {
    repo_url: String,
    #[serde(default)]
    repo_visibility: Option<String>,
    #[serde(default)]
    default_branch: Option<String>,
    #[serde(default)]
    source_path: Option<Value>,
    #[serde(default)]
    git_commit_message: Option<String>,
    #[serde(default)]
    git_author_name: Option<String>,
    #[serde(default)]
    git_author_email: Option<String>,
    #[serde(default)]
    skip_existing: bool,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    settings: Map<String, Value>,
    #[serde(default)]
    branches: Vec<Value>,
    #[serde(default)]
    project_variables: Vec<Value>,
}

/// The project URL without `.git`.
fn web_of(http_url_to_repo: &str) -> String {
    http_url_to_repo.trim_end_matches(".git").to_owned()
}

/// `publish:gitlab` on GitLab.
#[derive(Clone, Debug)]
struct PublishGitlabApi {
    api: GitlabApi,
}

impl Action for PublishGitlabApi {
    fn id(&self) -> &str {
        "publish:gitlab"
    }

    fn description(&self) -> &str {
        "Creates a GitLab project and pushes the workspace to it."
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
        let branch = input.default_branch.as_deref().unwrap_or("master");
        branch_name(branch)?;
        let owner = segment(&target.owner);
        let namespace = self
            .api
            .send(&token, "GET", &format!("namespaces/{owner}"), None)?;
        if namespace.status == 404 {
            return Err(Error::InvalidInput(format!(
                "The namespace {} is not found or the user doesn't have permissions to access it",
                target.owner
            )));
        }
        if !namespace.ok() {
            return Err(Error::Failed(format!(
                "the namespace {} could not be read. {}",
                target.owner,
                namespace.message()
            )));
        }
        let namespace_id = namespace.body["id"].clone();
        let listing = if namespace.body["kind"] == "user" {
            format!("users/{owner}/projects?search={}", segment(&target.repo))
        } else {
            format!("groups/{owner}/projects?search={}", segment(&target.repo))
        };
        let found = self.api.send_ok(
            &token,
            "GET",
            &listing,
            None,
            "the namespace's projects could not be listed",
        )?;
        let existing = found
            .as_array()
            .and_then(|projects| projects.iter().find(|p| p["path"] == target.repo.as_str()))
            .cloned();
        if let (true, Some(project)) = (input.skip_existing, &existing) {
            let web = web_of(project["http_url_to_repo"].as_str().unwrap_or_default());
            let default = project["default_branch"].as_str().unwrap_or(branch);
            ctx.log(&format!("project {web} exists; skipped"));
            ctx.output(
                "repoContentsUrl",
                Value::String(format!("{web}/-/blob/{default}")),
            );
            ctx.output("remoteUrl", Value::String(web));
            ctx.output("projectId", project["id"].clone());
            ctx.output("created", Value::Bool(false));
            return Ok(());
        }
        let mut body = Map::new();
        body.insert("namespace_id".into(), namespace_id);
        body.insert("name".into(), json!(target.repo));
        body.insert("path".into(), json!(target.repo));
        body.insert(
            "visibility".into(),
            json!(input.repo_visibility.as_deref().unwrap_or("private")),
        );
        if !input.topics.is_empty() {
            body.insert("topics".into(), json!(input.topics));
        }
        // Settings go last, so they may override, as in the module.
        for (key, value) in &input.settings {
            body.insert(snake_case(key), value.clone());
        }
        let project = self.api.send_ok(
            &token,
            "POST",
            "projects",
            Some(&Value::Object(body)),
            "the project could not be created",
        )?;
        let id = project["id"].clone();
        let clone_url = project["http_url_to_repo"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let web = web_of(&clone_url);
        let source = match &input.source_path {
            Some(Value::Bool(false)) => None,
            Some(Value::String(path)) => Some(source_directory(ctx, Some(path))?),
            _ => Some(".".to_owned()),
        };
        if let Some(source) = source {
            ctx.check_cancelled()?;
            let hash = publish(
                ctx,
                &Publish {
                    remote: &clone_url,
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
                    credentials: Some(("oauth2", &token.secret)),
                },
                &self.api.hosting.push_remotes(&clone_url),
            )?;
            ctx.output("commitHash", Value::String(hash));
        }
        for entry in &input.branches {
            let Some(name) = entry["name"].as_str() else {
                continue;
            };
            if entry["create"] == true {
                let reference = entry["ref"].as_str().unwrap_or("master");
                self.api.send_ok(
                    &token,
                    "POST",
                    &format!("projects/{id}/repository/branches"),
                    Some(&json!({"branch": name, "ref": reference})),
                    &format!("Branch creation failed for {name}"),
                )?;
            }
            if entry["protect"] == true {
                self.api.send_ok(
                    &token,
                    "POST",
                    &format!("projects/{id}/protected_branches?name={}", segment(name)),
                    Some(&json!({})),
                    &format!("Branch protection failed for {name}"),
                )?;
            }
        }
        for variable in &input.project_variables {
            let Some(key) = variable["key"].as_str() else {
                continue;
            };
            let mut body = json!({
                "key": key,
                "value": variable["value"],
                "variable_type": variable.get("variableType").cloned().unwrap_or_else(|| json!("env_var")),
                "protected": variable.get("variableProtected").cloned().unwrap_or(json!(false)),
                "masked": variable.get("masked").cloned().unwrap_or(json!(false)),
                "raw": variable.get("raw").cloned().unwrap_or(json!(false)),
                "environment_scope": variable.get("environmentScope").cloned().unwrap_or_else(|| json!("*")),
            });
            if let Some(description) = variable.get("description") {
                body["description"] = description.clone();
            }
            self.api.send_ok(
                &token,
                "POST",
                &format!("projects/{id}/variables"),
                Some(&body),
                &format!("Environment variable creation failed for {key}"),
            )?;
        }
        ctx.output("remoteUrl", Value::String(web.clone()));
        ctx.output(
            "repoContentsUrl",
            Value::String(format!("{web}/-/blob/{branch}")),
        );
        ctx.output("projectId", id);
        ctx.output("created", Value::Bool(true));
        Ok(())
    }
}

/// `someKey` → `some_key`, as the GitLab client converts request bodies.
fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `publish:gitlab:merge-request` on GitLab.
#[derive(Clone, Debug)]
struct PublishGitlabMergeRequestApi {
    api: GitlabApi,
}

impl PublishGitlabMergeRequestApi {
    /// The user id of `username`, or a warning.
    fn user_id(
        &self,
        ctx: &mut ActionContext<'_>,
        token: &Token,
        username: &str,
    ) -> Result<Option<Value>, Error> {
        let found = self.api.send(
            token,
            "GET",
            &format!("users?username={}", segment(username)),
            None,
        )?;
        let id = found.body.get(0).map(|u| u["id"].clone());
        if id.is_none() {
            ctx.warn(&format!("Failed to find gitlab user id for {username}"));
        }
        Ok(id)
    }

    /// Every blob path of the target branch (under `target_path`).
    fn remote_paths(
        &self,
        ctx: &mut ActionContext<'_>,
        token: &Token,
        project: &str,
        base: &str,
        target_path: &str,
    ) -> Result<BTreeSet<String>, Error> {
        let mut paths = BTreeSet::new();
        for page in 1..=MAX_TREE_PAGES {
            let mut query = format!(
                "projects/{project}/repository/tree?ref={}&recursive=true&per_page=100&page={page}",
                segment(base)
            );
            if !target_path.is_empty() {
                query.push_str(&format!("&path={}", segment(target_path)));
            }
            let response = self.api.send(token, "GET", &query, None)?;
            if !response.ok() {
                ctx.warn(&format!(
                    "Could not list the files of {base}, {}",
                    response.message()
                ));
                break;
            }
            let entries = response.body.as_array().cloned().unwrap_or_default();
            for entry in &entries {
                if entry["type"] == "blob"
                    && let Some(path) = entry["path"].as_str()
                {
                    paths.insert(path.to_owned());
                }
            }
            if entries.len() < 100 {
                break;
            }
        }
        Ok(paths)
    }
}

impl Action for PublishGitlabMergeRequestApi {
    fn id(&self) -> &str {
        "publish:gitlab:merge-request"
    }

    fn description(&self) -> &str {
        "Opens a merge request on GitLab with the workspace's files."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: MergeRequestInput = ctx.input_as(self.id())?;
        let target = self.api.target(ctx, &input.repo_url)?;
        branch_name(&input.branch_name)?;
        let target_path = input.target_path.clone().unwrap_or_default();
        repository_path(&target_path, "targetPath")?;
        let token = self.api.token(ctx, &target)?;
        let project_path = format!("{}/{}", target.owner, target.repo);
        let project = segment(&project_path);
        let assignee = match &input.assignee {
            Some(name) => self.user_id(ctx, &token, name)?,
            None => None,
        };
        let mut reviewer_ids = Vec::new();
        for name in &input.reviewers {
            if let Some(id) = self.user_id(ctx, &token, name)? {
                reviewer_ids.push(id);
            }
        }
        ctx.workspace().audit()?;
        let root = source_directory(
            ctx,
            input
                .source_path
                .as_deref()
                .or(input.target_path.as_deref()),
        )?;
        let files_dir = ctx.workspace().resolve(&root)?;
        let base = match &input.target_branch_name {
            Some(name) => name.clone(),
            None => {
                let details = self.api.send_ok(
                    &token,
                    "GET",
                    &format!("projects/{project}"),
                    None,
                    "the project could not be read",
                )?;
                details["default_branch"].as_str().map(str::to_owned).ok_or_else(|| {
                    Error::InvalidInput("The branch creation failed. Target branch was not provided, and could not find default branch from project settings.".into())
                })?
            }
        };
        branch_name(&base)?;
        let action = input.commit_action.as_deref().unwrap_or("auto");
        let mut actions = Vec::new();
        if action != "skip" && files_dir.is_dir() {
            let remote = if action == "auto" {
                self.remote_paths(ctx, &token, &project, &base, &target_path)?
            } else {
                BTreeSet::new()
            };
            let scratch = crate::workspace::private_tempdir("platform-scaffold-mr-", None)
                .map_err(|e| Error::io("a temporary git directory", &e))?;
            let mut total = 0usize;
            for (mode, _, path) in changes::workspace_files(scratch.path(), &files_dir)? {
                ctx.check_cancelled()?;
                let full = files_dir.join(&path);
                let bytes = if mode == "120000" {
                    std::fs::read_link(&full)
                        .map_err(|e| Error::io(&path, &e))?
                        .to_string_lossy()
                        .into_owned()
                        .into_bytes()
                } else {
                    crate::workspace::read_limited(&full, MAX_FILE_BYTES, &path)?
                };
                total += bytes.len();
                if total > MAX_MERGE_REQUEST_BYTES {
                    return Err(Error::InvalidInput(format!(
                        "the merge request's files are larger than {MAX_MERGE_REQUEST_BYTES} bytes"
                    )));
                }
                let file_path = repository_join(&target_path, &path);
                let verb = match action {
                    "auto" if remote.contains(&file_path) => "update",
                    "auto" => "create",
                    other => other,
                };
                actions.push(json!({
                    "action": verb,
                    "file_path": file_path,
                    "encoding": "base64",
                    "content": base64::engine::general_purpose::STANDARD.encode(&bytes),
                    "execute_filemode": mode != "100644",
                }));
            }
        }
        let web = target.web_url();
        let existing = self.api.send(
            &token,
            "GET",
            &format!(
                "projects/{project}/repository/branches/{}",
                segment(&input.branch_name)
            ),
            None,
        )?;
        if existing.ok() {
            if !actions.is_empty() {
                let url = existing.body["web_url"].as_str().map_or_else(
                    || format!("{web}/-/tree/{}", input.branch_name),
                    str::to_owned,
                );
                return Err(Error::InvalidInput(format!(
                    "The branch creation failed because the branch already exists at: {url}."
                )));
            }
            ctx.log(&format!(
                "Using existing branch {} without modification.",
                input.branch_name
            ));
        } else {
            self.api.send_ok(&token, "POST", &format!("projects/{project}/repository/branches"), Some(&json!({"branch": input.branch_name, "ref": base})), &format!("The branch creation failed. Please check that your repo does not already contain a branch named '{}'", input.branch_name))?;
        }
        if !actions.is_empty() {
            self.api.send_ok(
                &token,
                "POST",
                &format!("projects/{project}/repository/commits"),
                Some(&json!({
                    "branch": input.branch_name,
                    "commit_message": input.title,
                    "actions": actions,
                })),
                "Committing the changes failed",
            )?;
        }
        let mut body = json!({
            "source_branch": input.branch_name,
            "target_branch": base,
            "title": input.title,
            "remove_source_branch": input.remove_source_branch,
        });
        if let Some(description) = &input.description {
            body["description"] = json!(description);
        }
        if let Some(id) = assignee {
            body["assignee_id"] = id;
        }
        if !reviewer_ids.is_empty() {
            body["reviewer_ids"] = json!(reviewer_ids);
        }
        if let Some(labels) = &input.labels {
            body["labels"] = labels.clone();
        }
        let request = self.api.send_ok(
            &token,
            "POST",
            &format!("projects/{project}/merge_requests"),
            Some(&body),
            "The merge request creation failed",
        )?;
        ctx.output("projectid", Value::String(project_path.clone()));
        ctx.output("projectPath", Value::String(project_path));
        ctx.output("targetBranchName", Value::String(base));
        ctx.output("mergeRequestUrl", request["web_url"].clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_keys_become_snake_case() {
        assert_eq!(
            snake_case("onlyAllowMergeIfPipelineSucceeds"),
            "only_allow_merge_if_pipeline_succeeds"
        );
        assert_eq!(snake_case("visibility"), "visibility");
    }
}
