//! The GitLab API back end of `publish:gitlab` and
//! `publish:gitlab:merge-request` against a loopback server that answers as
//! GitLab's REST API (v4) does and checks every request as GitLab's
//! documentation specifies it.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use platform_scaffold::actions::ActionRegistry;
use platform_scaffold::actions::git::GitRemotes;
use platform_scaffold::actions::publish::GitlabApi;
use platform_scaffold::{Error, RunReport, Scaffolder, Secret, Secrets, Target};
use serde_json::{Value, json};

use crate::loopback::{Seen, serve};
use crate::template_in;

fn run(api: GitlabApi, dir: &Path, spec: &str) -> Result<RunReport, Error> {
    let mut registry = ActionRegistry::with_builtins();
    api.register(&mut registry);
    let template = template_in(dir, spec);
    Scaffolder::new(registry)
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .map_err(Error::from)
}

fn check_auth(seen: &[Seen], header: &str, value: &str) {
    for request in seen {
        let what = format!("{} {}", request.method, request.path);
        assert!(request.path.starts_with("/api/v4/"), "{what}");
        assert_eq!(request.header(header), Some(value), "{what}");
        assert!(request.header("user-agent").is_some(), "{what}");
        if request.body != Value::Null {
            assert_eq!(
                request.header("content-type"),
                Some("application/json"),
                "{what}"
            );
        }
    }
}

#[test]
fn publish_gitlab_creates_pushes_and_makes_branches_and_variables() {
    let dir = tempfile::tempdir().expect("dir");
    let bare = dir.path().join("svc.git");
    assert!(
        Command::new("git")
            .args(["init", "--quiet", "--bare"])
            .arg(&bare)
            .status()
            .expect("git")
            .success()
    );
    let clone_url = url::Url::from_file_path(&bare).expect("url").to_string();
    let (base, seen, server) = serve(vec![
        (
            "GET",
            "/api/v4/namespaces/platform%2Ftools".into(),
            200,
            json!({"id": 42, "kind": "group"}),
        ),
        (
            "GET",
            "/api/v4/groups/platform%2Ftools/projects?search=svc".into(),
            200,
            json!([{"path": "svc-old", "id": 1}]),
        ),
        (
            "POST",
            "/api/v4/projects".into(),
            201,
            json!({"id": 77, "http_url_to_repo": clone_url}),
        ),
        (
            "POST",
            "/api/v4/projects/77/repository/branches".into(),
            201,
            json!({"name": "develop"}),
        ),
        (
            "POST",
            "/api/v4/projects/77/protected_branches?name=develop".into(),
            201,
            json!({}),
        ),
        (
            "POST",
            "/api/v4/projects/77/variables".into(),
            201,
            json!({"key": "REGION"}),
        ),
    ]);
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(dir.path().join("skeleton/README.md"), "# svc\n").expect("write");
    let api = GitlabApi::new(&base, "gitlab.com")
        .expect("api")
        .with_token(Secret::new("glpat-1"))
        .with_push_remotes(GitRemotes::new().with_local_root(dir.path()));
    let report = run(
        api,
        dir.path(),
        "  steps:
    - {action: fetch:plain, input: {url: ./skeleton}}
    - id: publish
      action: publish:gitlab
      input:
        repoUrl: gitlab.com?owner=platform/tools&repo=svc
        repoVisibility: internal
        topics: [go]
        settings: {only_allow_merge_if_pipeline_succeeds: true}
        branches: [{name: develop, create: true, protect: true, ref: master}]
        projectVariables: [{key: REGION, value: eu}]
",
    )
    .expect("run");
    server.join().expect("server");
    let seen = seen.lock().expect("lock").clone();
    check_auth(&seen, "private-token", "glpat-1");
    assert_eq!(
        seen[2].body,
        json!({"namespace_id": 42, "name": "svc", "path": "svc", "visibility": "internal",
               "topics": ["go"], "only_allow_merge_if_pipeline_succeeds": true})
    );
    assert_eq!(seen[3].body, json!({"branch": "develop", "ref": "master"}));
    assert_eq!(seen[5].body["variable_type"], "env_var");
    assert_eq!(seen[5].body["environment_scope"], "*");
    let output = &report.steps[1].output;
    assert_eq!(output["projectId"], 77);
    assert_eq!(output["created"], true);
    assert_eq!(output["remoteUrl"], clone_url.trim_end_matches(".git"));
    let head = Command::new("git")
        .arg("--git-dir")
        .arg(&bare)
        .args(["rev-parse", "refs/heads/master"])
        .output()
        .expect("git");
    assert_eq!(
        output["commitHash"].as_str(),
        Some(String::from_utf8_lossy(&head.stdout).trim())
    );
}

#[test]
fn an_existing_project_is_skipped_and_a_missing_namespace_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let (base, seen, server) = serve(vec![
        (
            "GET",
            "/api/v4/namespaces/jane".into(),
            200,
            json!({"id": 5, "kind": "user"}),
        ),
        (
            "GET",
            "/api/v4/users/jane/projects?search=svc".into(),
            200,
            json!([{"path": "svc", "id": 9, "http_url_to_repo": "https://gitlab.com/jane/svc.git", "default_branch": "main"}]),
        ),
        (
            "GET",
            "/api/v4/namespaces/nobody".into(),
            404,
            json!({"message": "404 Namespace Not Found"}),
        ),
    ]);
    let api = GitlabApi::new(&base, "gitlab.com").expect("api");
    let report = run(
        api.clone(),
        dir.path(),
        "  steps:\n    - {action: publish:gitlab, input: {repoUrl: 'gitlab.com?owner=jane&repo=svc', skipExisting: true, token: oauth-2}}\n",
    )
    .expect("skip");
    assert_eq!(
        report.steps[0].output,
        json!({"repoContentsUrl": "https://gitlab.com/jane/svc/-/blob/main", "remoteUrl": "https://gitlab.com/jane/svc", "projectId": 9, "created": false})
    );
    let error = run(
        api,
        dir.path(),
        "  steps:\n    - {action: publish:gitlab, input: {repoUrl: 'gitlab.com?owner=nobody&repo=svc', token: oauth-2}}\n",
    )
    .expect_err("no namespace");
    server.join().expect("server");
    assert!(
        error.to_string().contains(
            "The namespace nobody is not found or the user doesn't have permissions to access it"
        ),
        "{error}"
    );
    // A step's own token is a user's OAuth token: a bearer token.
    check_auth(
        &seen.lock().expect("lock"),
        "authorization",
        "Bearer oauth-2",
    );
}

#[test]
fn a_merge_request_is_a_branch_a_commit_of_file_actions_and_a_request() {
    let dir = tempfile::tempdir().expect("dir");
    let (base, seen, server) = serve(vec![
        ("GET", "/api/v4/users?username=bob".into(), 200, json!([{"id": 12, "username": "bob"}])),
        ("GET", "/api/v4/projects/platform%2Fsvc".into(), 200, json!({"default_branch": "main"})),
        ("GET", "/api/v4/projects/platform%2Fsvc/repository/tree?ref=main&recursive=true&per_page=100&page=1&path=docs".into(), 200, json!([{"path": "docs/index.md", "type": "blob"}, {"path": "docs", "type": "tree"}])),
        ("GET", "/api/v4/projects/platform%2Fsvc/repository/branches/add-docs".into(), 404, json!({"message": "404 Branch Not Found"})),
        ("POST", "/api/v4/projects/platform%2Fsvc/repository/branches".into(), 201, json!({"name": "add-docs"})),
        ("POST", "/api/v4/projects/platform%2Fsvc/repository/commits".into(), 201, json!({"id": "c0ffee"})),
        ("POST", "/api/v4/projects/platform%2Fsvc/merge_requests".into(), 201, json!({"iid": 3, "web_url": "https://gitlab.com/platform/svc/-/merge_requests/3"})),
    ]);
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(dir.path().join("skeleton/index.md"), "# Docs\n").expect("write");
    std::fs::write(dir.path().join("skeleton/new.md"), "new\n").expect("write");
    let api = GitlabApi::new(&base, "gitlab.com")
        .expect("api")
        .with_token(Secret::new("glpat-1"));
    let report = run(
        api,
        dir.path(),
        "  steps:
    - {action: fetch:plain, input: {url: ./skeleton, targetPath: docs}}
    - id: mr
      action: publish:gitlab:merge-request
      input:
        repoUrl: gitlab.com?owner=platform&repo=svc
        branchName: add-docs
        title: Add docs
        description: The docs
        targetPath: docs
        reviewers: [bob]
        removeSourceBranch: true
",
    )
    .expect("run");
    server.join().expect("server");
    let seen = seen.lock().expect("lock").clone();
    check_auth(&seen, "private-token", "glpat-1");
    assert_eq!(seen[4].body, json!({"branch": "add-docs", "ref": "main"}));
    let commit = &seen[5].body;
    assert_eq!(commit["branch"], "add-docs");
    assert_eq!(commit["commit_message"], "Add docs");
    let actions: Vec<(&str, &str)> = commit["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["action"].as_str().expect("action"),
                a["file_path"].as_str().expect("path"),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [("update", "docs/index.md"), ("create", "docs/new.md")]
    );
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(commit["actions"][1]["content"].as_str().expect("content"))
            .expect("base64"),
        b"new\n"
    );
    assert_eq!(
        seen[6].body,
        json!({"source_branch": "add-docs", "target_branch": "main", "title": "Add docs",
               "remove_source_branch": true, "description": "The docs", "reviewer_ids": [12]})
    );
    assert_eq!(
        report.steps[1].output,
        json!({"projectid": "platform/svc", "projectPath": "platform/svc", "targetBranchName": "main",
               "mergeRequestUrl": "https://gitlab.com/platform/svc/-/merge_requests/3"})
    );
}
