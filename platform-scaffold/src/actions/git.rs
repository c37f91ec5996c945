//! Publishing the workspace with git: `publish:git` (to remotes on an
//! allow-list: local bare repositories under configured directories, or
//! configured hosts) and a local stand-in for GitHub ([`LocalGitHost`]:
//! `github:repo:create` and `github:repo:push` against bare repositories in
//! a directory), for offline runs and tests.
//!
//! Everything in the workspace came from a template, so git must take no
//! configuration from it: the workspace is refused when it holds any `.git`
//! entry (see [`Workspace::audit`](crate::Workspace::audit)), and git runs
//! with a fresh repository directory outside the workspace (`GIT_DIR`,
//! `GIT_WORK_TREE`), the user's and system's configuration ignored, hooks,
//! fsmonitor and filters off, no prompts, and only the transports the
//! remote needs, so a template can neither reconfigure git nor reach
//! `ext::` commands. Inputs never become git options.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Action, ActionContext, object_schema};
use crate::Error;

/// Where git runs: the work tree (a workspace directory) and the
/// repository directory kept outside it.
pub(crate) struct GitDirs<'a> {
    pub(crate) work_tree: &'a Path,
    pub(crate) git_dir: &'a Path,
}

/// Runs `git` hardened, with `dirs` (or, for `init --bare` of a remote,
/// in `cwd` alone).
pub(crate) fn git(
    cwd: &Path,
    dirs: Option<&GitDirs<'_>>,
    args: &[&str],
    author: Option<(&str, &str)>,
) -> Result<String, Error> {
    git_with(cwd, dirs, args, author, &[], None)
}

/// [`git`] with more environment (`GIT_INDEX_FILE`) and bytes on stdin.
pub(crate) fn git_with(
    cwd: &Path,
    dirs: Option<&GitDirs<'_>>,
    args: &[&str],
    author: Option<(&str, &str)>,
    env: &[(&str, &std::ffi::OsStr)],
    stdin: Option<&[u8]>,
) -> Result<String, Error> {
    let mut command = Command::new("git");
    command
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env(
            "GIT_CONFIG_GLOBAL",
            if cfg!(windows) { "NUL" } else { "/dev/null" },
        )
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ALLOW_PROTOCOL", "file:ssh:https")
        .env("GIT_CEILING_DIRECTORIES", cwd)
        .env("HOME", cwd)
        .args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.untrackedCache=false",
            "-c",
            "core.symlinks=true",
            "-c",
            "protocol.ext.allow=never",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgSign=false",
        ]);
    if let Some(dirs) = dirs {
        command
            .env("GIT_DIR", dirs.git_dir)
            .env("GIT_WORK_TREE", dirs.work_tree);
    }
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    if let Some((name, email)) = author {
        command
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email);
    }
    let started = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::Failed("git is not installed (or not on PATH)".into())
        }
        kind => Error::Failed(format!("git could not be started: {kind}")),
    };
    let output = match stdin {
        None => command.output().map_err(started)?,
        Some(bytes) => {
            use std::io::Write;
            let mut child = command
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(started)?;
            // Written in full before reading: the inputs given here are
            // index lines, which git reads before it writes anything.
            if let Some(mut input) = child.stdin.take() {
                input
                    .write_all(bytes)
                    .map_err(|e| Error::Failed(format!("git stdin: {}", e.kind())))?;
            }
            child.wait_with_output().map_err(started)?
        }
    };
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Host paths stay out of messages.
        let mut message = stderr.replace(cwd.to_string_lossy().as_ref(), "<workspace>");
        if let Some(dirs) = dirs {
            message = message
                .replace(dirs.work_tree.to_string_lossy().as_ref(), "<workspace>")
                .replace(dirs.git_dir.to_string_lossy().as_ref(), "<git-dir>");
        }
        Err(Error::Failed(format!(
            "git {} failed: {}",
            args.first().copied().unwrap_or_default(),
            message.trim()
        )))
    }
}

/// Where `publish:git` may push: local repositories under the given
/// directories (`--git-remotes DIR` in the CLI) and remote repositories on
/// the given hosts (`--git-host HOST`). Nothing is allowed by default: a
/// template names its `remoteUrl`, and a template is not trusted.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct GitRemotes {
    local_roots: Vec<PathBuf>,
    hosts: Vec<String>,
}

impl GitRemotes {
    /// Nothing allowed.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Also allows local repositories (absolute paths or `file://` URLs)
    /// under `dir`.
    #[must_use]
    pub fn with_local_root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.local_roots.push(dir.into());
        self
    }

    /// Also allows `https://` and `ssh://` remotes (and scp-like
    /// `user@host:path`) on `host` (compared without case).
    #[must_use]
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.hosts.push(host.into().to_ascii_lowercase());
        self
    }

    /// Checks `remote` against the allow-list; returns the transport git
    /// may use for it.
    fn check(&self, remote: &str) -> Result<&'static str, Error> {
        let refused = |why: &str| {
            Error::NotAllowed(format!(
                "remote `{remote}` is not allowed: {why} (allow local repositories with --git-remotes DIR, hosts with --git-host HOST)"
            ))
        };
        if let Some((scheme, _)) = remote.split_once("://") {
            let url = url::Url::parse(remote).map_err(|_| refused("it is not a valid URL"))?;
            return match scheme.to_ascii_lowercase().as_str() {
                "file" => {
                    let path = url
                        .to_file_path()
                        .map_err(|()| refused("it is not a local path"))?;
                    self.check_local(&path, &refused).map(|()| "file")
                }
                scheme @ ("https" | "ssh") => {
                    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
                    if self.hosts.contains(&host) {
                        Ok(if scheme == "https" { "https" } else { "ssh" })
                    } else {
                        Err(refused("its host is not on the allow-list"))
                    }
                }
                _ => Err(refused(
                    "only file://, https:// and ssh:// remotes are supported",
                )),
            };
        }
        let path = Path::new(remote);
        if path.is_absolute() {
            return self.check_local(path, &refused).map(|()| "file");
        }
        // scp-like `user@host:path` (git reads a colon before any slash so).
        if let Some((user_host, _)) = remote.split_once(':')
            && !user_host.contains('/')
        {
            let host = user_host
                .rsplit_once('@')
                .map_or(user_host, |(_, h)| h)
                .to_ascii_lowercase();
            return if self.hosts.contains(&host) {
                Ok("ssh")
            } else {
                Err(refused("its host is not on the allow-list"))
            };
        }
        Err(refused(
            "a relative path would be read against the workspace",
        ))
    }

    fn check_local(&self, path: &Path, refused: &dyn Fn(&str) -> Error) -> Result<(), Error> {
        let canonical = path
            .canonicalize()
            .map_err(|_| refused("no repository exists there"))?;
        let inside = self.local_roots.iter().any(|root| {
            root.canonicalize()
                .is_ok_and(|root| canonical.starts_with(root))
        });
        if inside {
            Ok(())
        } else {
            Err(refused("it is not under an allowed directory"))
        }
    }
}

/// Refuses values git could read as options or as odd refs.
pub(crate) fn plain_argument(value: &str, what: &str) -> Result<(), Error> {
    if value.is_empty() || value.starts_with('-') || value.contains(['\n', '\r', '\0']) {
        return Err(Error::InvalidInput(format!(
            "{what} `{value}` is not allowed"
        )));
    }
    Ok(())
}

pub(crate) fn branch_name(branch: &str) -> Result<(), Error> {
    plain_argument(branch, "branch name")?;
    let bad = branch.contains("..")
        || branch.contains(['~', '^', ':', '?', '*', '[', '\\', ' '])
        || branch.ends_with('/')
        || branch.ends_with(".lock")
        || branch.starts_with('/');
    if bad {
        return Err(Error::InvalidInput(format!(
            "`{branch}` is not a valid branch name"
        )));
    }
    Ok(())
}

/// What a publish needs.
pub(crate) struct Publish<'a> {
    pub(crate) remote: &'a str,
    pub(crate) branch: &'a str,
    pub(crate) source: Option<&'a str>,
    pub(crate) message: &'a str,
    pub(crate) author: (&'a str, &'a str),
    /// User and token for an https push, sent as an `Authorization`
    /// header through git's environment (never on its command line).
    pub(crate) credentials: Option<(&'a str, &'a crate::secrets::Secret)>,
}

/// Commits the (sub)directory from a fresh repository directory outside
/// the workspace and pushes it; returns the commit hash.
pub(crate) fn publish(
    ctx: &mut ActionContext<'_>,
    publish: &Publish<'_>,
    remotes: &GitRemotes,
) -> Result<String, Error> {
    plain_argument(publish.remote, "remote URL")?;
    branch_name(publish.branch)?;
    let transport = remotes.check(publish.remote)?;
    // Git metadata anywhere in the workspace is refused before git runs.
    ctx.workspace().audit()?;
    let dir = ctx.workspace().resolve(publish.source.unwrap_or("."))?;
    if !dir.is_dir() {
        return Err(Error::InvalidInput(format!(
            "sourcePath `{}` is not a directory of the workspace",
            publish.source.unwrap_or(".")
        )));
    }
    let git_dir = crate::workspace::private_tempdir("platform-scaffold-git-", None)
        .map_err(|e| Error::io("a temporary git directory", &e))?;
    let dirs = GitDirs {
        work_tree: &dir,
        git_dir: git_dir.path(),
    };
    let run = |args: &[&str], author: Option<(&str, &str)>| {
        git(git_dir.path(), Some(&dirs), args, author)
    };
    run(&["init", "--quiet"], None)?;
    run(
        &[
            "symbolic-ref",
            "HEAD",
            &format!("refs/heads/{}", publish.branch),
        ],
        None,
    )?;
    run(&["add", "--all"], None)?;
    run(
        &[
            "commit",
            "--quiet",
            "--allow-empty",
            "--no-verify",
            "-m",
            publish.message,
        ],
        Some(publish.author),
    )?;
    let hash = run(&["rev-parse", "HEAD"], None)?;
    ctx.check_cancelled()?;
    let header = publish.credentials.map(|(user, token)| {
        use base64::Engine as _;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", token.expose()));
        std::ffi::OsString::from(format!("Authorization: Basic {basic}"))
    });
    let mut env: Vec<(&str, &std::ffi::OsStr)> = Vec::new();
    if let Some(header) = &header {
        env.push(("GIT_CONFIG_COUNT", std::ffi::OsStr::new("1")));
        env.push(("GIT_CONFIG_KEY_0", std::ffi::OsStr::new("http.extraHeader")));
        env.push(("GIT_CONFIG_VALUE_0", header.as_os_str()));
    }
    git_with(
        git_dir.path(),
        Some(&dirs),
        &[
            "-c",
            "protocol.allow=never",
            "-c",
            &format!("protocol.{transport}.allow=always"),
            "push",
            "--quiet",
            "--",
            publish.remote,
            &format!("HEAD:refs/heads/{}", publish.branch),
        ],
        None,
        &env,
        None,
    )?;
    ctx.log(&format!(
        "pushed {} to {} ({})",
        publish.branch,
        publish.remote,
        &hash[..hash.len().min(12)]
    ));
    Ok(hash)
}

fn author_properties() -> Map<String, Value> {
    let props = json!({
        "defaultBranch": {"type": "string", "description": "Branch to push (default main)"},
        "sourcePath": {"type": "string", "description": "Subdirectory of the workspace to publish"},
        "gitCommitMessage": {"type": "string"},
        "gitAuthorName": {"type": "string"},
        "gitAuthorEmail": {"type": "string"},
    });
    props.as_object().cloned().unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishInput {
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

impl PublishInput {
    fn publish<'a>(&'a self, remote: &'a str) -> Publish<'a> {
        Publish {
            remote,
            branch: self.default_branch.as_deref().unwrap_or("main"),
            source: self.source_path.as_deref(),
            message: self
                .git_commit_message
                .as_deref()
                .unwrap_or("initial commit"),
            author: (
                self.git_author_name.as_deref().unwrap_or("Scaffolder"),
                self.git_author_email
                    .as_deref()
                    .unwrap_or("scaffolder@backstage.io"),
            ),
            credentials: None,
        }
    }
}

/// `publish:git`: initialises a repository in the workspace (or
/// `sourcePath`), commits with the given author and message, and pushes to
/// `remoteUrl`, which must be on the action's [`GitRemotes`] allow-list
/// (empty by default: every push refused).
#[derive(Clone, Debug, Default)]
pub struct PublishGit {
    remotes: GitRemotes,
}

impl PublishGit {
    /// `publish:git` pushing only to `remotes`.
    #[must_use]
    pub fn new(remotes: GitRemotes) -> Self {
        Self { remotes }
    }
}

impl Action for PublishGit {
    fn id(&self) -> &str {
        "publish:git"
    }

    fn description(&self) -> &str {
        "Commits the workspace and pushes it to a git URL (a local bare repository included)."
    }

    fn input_schema(&self) -> Value {
        let mut props = author_properties();
        props.insert(
            "remoteUrl".into(),
            json!({"type": "string", "description": "Where to push: a git URL or a path"}),
        );
        object_schema(Value::Object(props), &["remoteUrl"])
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {"remoteUrl": {"type": "string"}, "commitHash": {"type": "string"}}})
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let remote = ctx.input_str("remoteUrl").unwrap_or_default().to_owned();
        let input: PublishInput = ctx.input_as(self.id())?;
        let hash = publish(ctx, &input.publish(&remote), &self.remotes)?;
        ctx.output("remoteUrl", Value::String(remote));
        ctx.output("commitHash", Value::String(hash));
        Ok(())
    }
}

/// A stand-in for GitHub: `github:repo:create` makes a bare repository
/// `<root>/<owner>/<repo>.git` and `github:repo:push` pushes the workspace
/// to it. The inputs are GitHub's (settings that only GitHub can apply are
/// accepted and logged).
#[derive(Clone, Debug)]
pub struct LocalGitHost {
    root: PathBuf,
}

impl LocalGitHost {
    /// A host keeping its repositories under `root` (created when missing).
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The two actions, for [`ActionRegistry::register`](super::ActionRegistry::register).
    #[must_use]
    pub fn actions(&self) -> (GithubRepoCreate, GithubRepoPush) {
        (
            GithubRepoCreate { host: self.clone() },
            GithubRepoPush { host: self.clone() },
        )
    }

    /// Registers every action the host backs: `github:repo:create`,
    /// `github:repo:push`, and the publish actions `publish:github`,
    /// `publish:github:pull-request`, `publish:gitlab`,
    /// `publish:gitlab:merge-request`, `publish:bitbucketServer`,
    /// `publish:bitbucketServer:pull-request` and `publish:azure` (see
    /// [`super::publish`]).
    pub fn register_all(&self, registry: &mut super::ActionRegistry) {
        use super::publish::{
            PublishAzure, PublishBitbucketServer, PublishBitbucketServerPullRequest, PublishGithub,
            PublishGithubPullRequest, PublishGitlab, PublishGitlabMergeRequest,
        };
        let (create, push) = self.actions();
        registry
            .register(create)
            .register(push)
            .register(PublishGithub::new(self.clone()))
            .register(PublishGithubPullRequest::new(self.clone()))
            .register(PublishGitlab::new(self.clone()))
            .register(PublishGitlabMergeRequest::new(self.clone()))
            .register(PublishBitbucketServer::new(self.clone()))
            .register(PublishBitbucketServerPullRequest::new(self.clone()))
            .register(PublishAzure::new(self.clone()));
    }

    /// The directory the host keeps its repositories in.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bare repository for `repoUrl` (`github.com?owner=o&repo=r`, or
    /// `github.com/o/r`).
    fn repository(&self, repo_url: &str) -> Result<(PathBuf, String, String, String), Error> {
        let (host, owner, repo) = parse_repo_url(repo_url)?;
        for part in [&owner, &repo] {
            let ok = !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !part.starts_with('.');
            if !ok {
                return Err(Error::InvalidInput(format!(
                    "`{part}` is not a valid repository owner or name"
                )));
            }
        }
        Ok((
            self.root.join(&owner).join(format!("{repo}.git")),
            host,
            owner,
            repo,
        ))
    }
}

fn parse_repo_url(text: &str) -> Result<(String, String, String), Error> {
    let url = url::Url::parse(&format!("https://{}", text.trim_start_matches("https://")))
        .map_err(|_| {
            Error::InvalidInput(format!("Invalid repo URL passed to publisher, got {text}"))
        })?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim_matches('/').to_owned())
    };
    if let (Some(owner), Some(repo)) = (query("owner"), query("repo")) {
        return Ok((host, owner, repo));
    }
    let parts: Vec<&str> = url.path().trim_matches('/').split('/').collect();
    match parts.as_slice() {
        [owner, repo] => Ok((
            host,
            (*owner).to_owned(),
            repo.trim_end_matches(".git").to_owned(),
        )),
        _ => Err(Error::InvalidInput(format!(
            "Invalid repo URL passed to publisher: {text}, missing owner or repo"
        ))),
    }
}

pub(crate) fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path)
        .map_or_else(|()| path.to_string_lossy().into_owned(), |u| u.to_string())
}

/// GitHub's repository settings, accepted by the local host.
fn github_settings() -> Map<String, Value> {
    let mut props = Map::new();
    for key in [
        "description",
        "homepage",
        "access",
        "repoVisibility",
        "squashMergeCommitTitle",
        "squashMergeCommitMessage",
        "token",
    ] {
        props.insert(key.into(), json!({"type": "string"}));
    }
    for key in [
        "deleteBranchOnMerge",
        "allowMergeCommit",
        "allowSquashMerge",
        "allowRebaseMerge",
        "allowAutoMerge",
        "allowUpdateBranch",
        "hasProjects",
        "hasWiki",
        "hasIssues",
        "autoInit",
        "subscribe",
    ] {
        props.insert(key.into(), json!({"type": "boolean"}));
    }
    for key in ["collaborators", "topics"] {
        props.insert(key.into(), json!({"type": "array"}));
    }
    for key in [
        "repoVariables",
        "secrets",
        "oidcCustomization",
        "customProperties",
        "workflowAccess",
    ] {
        props.insert(key.into(), json!({}));
    }
    props.insert(
        "repoUrl".into(),
        json!({"type": "string", "description": "github.com?owner=<owner>&repo=<repo>"}),
    );
    props
}

fn protection_settings() -> Map<String, Value> {
    let mut props = author_properties();
    for key in [
        "protectDefaultBranch",
        "protectEnforceAdmins",
        "requireCodeOwnerReviews",
        "dismissStaleReviews",
        "requireBranchesToBeUpToDate",
        "requiredConversationResolution",
        "requireLastPushApproval",
        "requiredCommitSigning",
        "requiredLinearHistory",
    ] {
        props.insert(key.into(), json!({"type": "boolean"}));
    }
    props.insert(
        "requiredApprovingReviewCount".into(),
        json!({"type": "number"}),
    );
    for key in [
        "bypassPullRequestAllowances",
        "restrictions",
        "requiredStatusCheckContexts",
    ] {
        props.insert(key.into(), json!({}));
    }
    props.insert("repoUrl".into(), json!({"type": "string"}));
    props.insert("token".into(), json!({"type": "string"}));
    props
}

/// `github:repo:create` against a [`LocalGitHost`].
#[derive(Clone, Debug)]
pub struct GithubRepoCreate {
    host: LocalGitHost,
}

impl Action for GithubRepoCreate {
    fn id(&self) -> &str {
        "github:repo:create"
    }

    fn description(&self) -> &str {
        "Creates a repository (here: a bare repository on the local git host)."
    }

    fn input_schema(&self) -> Value {
        object_schema(Value::Object(github_settings()), &["repoUrl"])
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {"remoteUrl": {"type": "string"}}})
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let repo_url = ctx.input_str("repoUrl").unwrap_or_default().to_owned();
        let (path, ..) = self.host.repository(&repo_url)?;
        if path.exists() {
            return Err(Error::Failed(format!(
                "the repository {repo_url} already exists"
            )));
        }
        std::fs::create_dir_all(&path).map_err(|e| Error::io(&repo_url, &e))?;
        git(&path, None, &["init", "--quiet", "--bare"], None)?;
        ctx.log(&format!(
            "created repository {repo_url} on the local git host"
        ));
        ctx.output("remoteUrl", Value::String(file_url(&path)));
        Ok(())
    }
}

/// `github:repo:push` against a [`LocalGitHost`].
#[derive(Clone, Debug)]
pub struct GithubRepoPush {
    host: LocalGitHost,
}

impl Action for GithubRepoPush {
    fn id(&self) -> &str {
        "github:repo:push"
    }

    fn description(&self) -> &str {
        "Commits the workspace and pushes it to a repository of the local git host."
    }

    fn input_schema(&self) -> Value {
        object_schema(Value::Object(protection_settings()), &["repoUrl"])
    }

    fn output_schema(&self) -> Value {
        json!({"type": "object", "properties": {
            "remoteUrl": {"type": "string"}, "repoContentsUrl": {"type": "string"}, "commitHash": {"type": "string"}}})
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let repo_url = ctx.input_str("repoUrl").unwrap_or_default().to_owned();
        let (path, host, owner, repo) = self.host.repository(&repo_url)?;
        if !path.exists() {
            return Err(Error::Failed(format!(
                "the repository {repo_url} does not exist; create it first (github:repo:create)"
            )));
        }
        let input: PublishInput = ctx.input_as(self.id())?;
        let remote = path.to_string_lossy().into_owned();
        let publish_input = input.publish(&remote);
        let branch = publish_input.branch.to_owned();
        let remotes = GitRemotes::new().with_local_root(&self.host.root);
        let hash = publish(ctx, &publish_input, &remotes)?;
        ctx.output("remoteUrl", Value::String(file_url(&path)));
        ctx.output(
            "repoContentsUrl",
            Value::String(format!("https://{host}/{owner}/{repo}/blob/{branch}")),
        );
        ctx.output("commitHash", Value::String(hash));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_urls_in_both_forms() {
        assert_eq!(
            parse_repo_url("github.com?owner=acme&repo=svc").expect("query form"),
            ("github.com".into(), "acme".into(), "svc".into())
        );
        assert_eq!(
            parse_repo_url("github.com/acme/svc").expect("path form").2,
            "svc"
        );
        assert!(parse_repo_url("github.com/acme").is_err());
        let host = LocalGitHost::new("/tmp/x");
        assert!(host.repository("github.com?owner=..&repo=svc").is_err());
        assert!(host.repository("github.com?owner=a/b&repo=svc").is_err());
    }

    #[test]
    fn option_like_values_are_refused() {
        assert!(branch_name("--upload-pack=x").is_err());
        assert!(branch_name("a..b").is_err());
        assert!(branch_name("release/1.0").is_ok());
        assert!(plain_argument("--receive-pack=evil", "remote URL").is_err());
    }
}
