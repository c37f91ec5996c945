//! The GitHub API back end of `publish:github` and
//! `publish:github:pull-request` against a loopback server that answers as
//! GitHub's REST API does and checks every request as GitHub's
//! documentation specifies it (method, path, headers, JSON body).

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use platform_scaffold::actions::ActionRegistry;
use platform_scaffold::actions::git::GitRemotes;
use platform_scaffold::actions::publish::{GITHUB_API_VERSION, GithubApi};
use platform_scaffold::{Error, RunReport, Scaffolder, Secret, Secrets, Target};
use serde_json::{Value, json};

use crate::loopback::{Seen, serve};
use crate::template_in;

/// Every request carries the headers GitHub's REST documentation asks for.
fn check_headers(seen: &[Seen]) {
    for request in seen {
        let what = format!("{} {}", request.method, request.path);
        assert_eq!(
            request.header("authorization"),
            Some("Bearer tok-123"),
            "{what}"
        );
        assert_eq!(
            request.header("accept"),
            Some("application/vnd.github+json"),
            "{what}"
        );
        assert_eq!(
            request.header("x-github-api-version"),
            Some(GITHUB_API_VERSION),
            "{what}"
        );
        assert!(
            request.header("user-agent").is_some_and(|a| !a.is_empty()),
            "{what}"
        );
        if request.body != Value::Null {
            assert_eq!(
                request.header("content-type"),
                Some("application/json"),
                "{what}"
            );
        }
    }
}

fn scaffolder(api: GithubApi) -> Scaffolder {
    let mut registry = ActionRegistry::with_builtins();
    api.register(&mut registry);
    Scaffolder::new(registry)
}

fn run(api: GithubApi, dir: &Path, spec: &str) -> Result<RunReport, Error> {
    let template = template_in(dir, spec);
    scaffolder(api)
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .map_err(Error::from)
}

fn all_text(report: &RunReport) -> String {
    format!(
        "{:?}{:?}{}",
        report.log,
        report.warnings,
        serde_json::to_string(&report.steps.iter().map(|s| &s.output).collect::<Vec<_>>())
            .expect("json")
    )
}

#[test]
fn publish_github_creates_configures_pushes_and_protects() {
    let dir = tempfile::tempdir().expect("dir");
    let bare = dir.path().join("svc.git");
    let made = Command::new("git")
        .args(["init", "--quiet", "--bare"])
        .arg(&bare)
        .status()
        .expect("git");
    assert!(made.success());
    let clone_url = url::Url::from_file_path(&bare).expect("url").to_string();
    let (base, seen, server) = serve(vec![
        (
            "GET",
            "/users/acme".into(),
            200,
            json!({"login": "acme", "type": "Organization"}),
        ),
        (
            "POST",
            "/orgs/acme/repos".into(),
            201,
            json!({"clone_url": clone_url, "html_url": "https://github.com/acme/svc"}),
        ),
        (
            "PUT",
            "/repos/acme/svc/collaborators/alice".into(),
            201,
            json!({}),
        ),
        (
            "PUT",
            "/orgs/acme/teams/devs/repos/acme/svc".into(),
            204,
            Value::Null,
        ),
        (
            "PUT",
            "/repos/acme/svc/topics".into(),
            200,
            json!({"names": ["go"]}),
        ),
        (
            "PUT",
            "/repos/acme/svc/branches/main/protection".into(),
            200,
            json!({}),
        ),
    ]);
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(dir.path().join("skeleton/main.go"), "package main\n").expect("write");
    let api = GithubApi::new(&base, "github.com")
        .expect("api")
        .with_token(Secret::new("tok-123"))
        .with_push_remotes(GitRemotes::new().with_local_root(dir.path()));
    let report = run(
        api,
        dir.path(),
        "  steps:
    - {action: fetch:plain, input: {url: ./skeleton}}
    - id: publish
      action: publish:github
      input:
        repoUrl: github.com?owner=acme&repo=svc
        description: The service
        repoVisibility: internal
        topics: [Go]
        collaborators: [{user: 'user:default/alice', access: push}, {team: devs, access: pull}]
        requireCodeOwnerReviews: true
",
    )
    .expect("run");
    server.join().expect("server");
    let seen = seen.lock().expect("lock").clone();
    check_headers(&seen);
    let create = &seen[1].body;
    assert_eq!(
        (
            &create["name"],
            &create["private"],
            &create["visibility"],
            &create["description"]
        ),
        (
            &json!("svc"),
            &json!(false),
            &json!("internal"),
            &json!("The service")
        )
    );
    assert_eq!(create["allow_merge_commit"], true);
    assert_eq!(seen[2].body, json!({"permission": "push"}));
    assert_eq!(seen[4].body, json!({"names": ["go"]}));
    let protection = &seen[5].body;
    assert_eq!(
        protection["required_pull_request_reviews"]["require_code_owner_reviews"],
        true
    );
    assert_eq!(
        protection["required_pull_request_reviews"]["required_approving_review_count"],
        1
    );
    assert_eq!(protection["enforce_admins"], true);
    let output = &report.steps[1].output;
    assert_eq!(output["remoteUrl"], clone_url.as_str());
    assert_eq!(
        output["repoContentsUrl"],
        "https://github.com/acme/svc/blob/main"
    );
    let head = Command::new("git")
        .arg("--git-dir")
        .arg(&bare)
        .args(["rev-parse", "refs/heads/main"])
        .output()
        .expect("git");
    assert_eq!(
        output["commitHash"].as_str(),
        Some(String::from_utf8_lossy(&head.stdout).trim())
    );
    assert!(!all_text(&report).contains("tok-123"), "the token leaks");
}

#[test]
fn a_user_repository_has_no_visibility_and_failures_are_located() {
    let dir = tempfile::tempdir().expect("dir");
    let (base, seen, server) = serve(vec![
        (
            "GET",
            "/users/jane".into(),
            200,
            json!({"login": "jane", "type": "User"}),
        ),
        (
            "POST",
            "/user/repos".into(),
            422,
            json!({"message": "Repository creation failed."}),
        ),
    ]);
    let api = GithubApi::new(&base, "github.com").expect("api");
    let error = run(
        api,
        dir.path(),
        "  steps:\n    - {action: publish:github, input: {repoUrl: 'github.com?owner=jane&repo=svc', token: tok-123}}\n",
    )
    .expect_err("refused");
    server.join().expect("server");
    assert!(
        error
            .to_string()
            .contains("Failed to create the User repository jane/svc, Repository creation failed."),
        "{error}"
    );
    let seen = seen.lock().expect("lock").clone();
    check_headers(&seen);
    assert!(
        seen[1].body.get("visibility").is_none(),
        "{:?}",
        seen[1].body
    );
    // Without a token anywhere, nothing is sent.
    let api = GithubApi::new("http://127.0.0.1:9", "github.com").expect("api");
    let error = run(
        api,
        dir.path(),
        "  steps:\n    - {action: publish:github, input: {repoUrl: 'github.com?owner=jane&repo=svc'}}\n",
    )
    .expect_err("no token");
    assert!(
        error
            .to_string()
            .contains("No token available for host: github.com"),
        "{error}"
    );
}

#[test]
fn a_pull_request_is_blobs_a_tree_a_commit_a_ref_and_a_pull() {
    let dir = tempfile::tempdir().expect("dir");
    let base_sha = "b".repeat(40);
    let base_tree = "t".repeat(40);
    let (base, seen, server) = serve(vec![
        (
            "GET",
            "/repos/acme/svc".into(),
            200,
            json!({"default_branch": "main", "permissions": {"push": true}}),
        ),
        (
            "GET",
            "/repos/acme/svc/commits?sha=main&per_page=1".into(),
            200,
            json!([{"sha": base_sha, "commit": {"tree": {"sha": base_tree}}}]),
        ),
        (
            "POST",
            "/repos/acme/svc/git/blobs".into(),
            201,
            json!({"sha": "1".repeat(40)}),
        ),
        (
            "POST",
            "/repos/acme/svc/git/trees".into(),
            201,
            json!({"sha": "2".repeat(40)}),
        ),
        (
            "POST",
            "/repos/acme/svc/git/commits".into(),
            201,
            json!({"sha": "3".repeat(40)}),
        ),
        (
            "GET",
            "/repos/acme/svc/pulls?state=open&head=acme%3Aadd-renovate".into(),
            200,
            json!([]),
        ),
        (
            "GET",
            "/repos/acme/svc/git/ref/heads/add-renovate".into(),
            404,
            json!({"message": "Not Found"}),
        ),
        (
            "POST",
            "/repos/acme/svc/git/refs".into(),
            201,
            json!({"ref": "refs/heads/add-renovate"}),
        ),
        (
            "POST",
            "/repos/acme/svc/pulls".into(),
            201,
            json!({"number": 7, "html_url": "https://github.com/acme/svc/pull/7", "base": {"ref": "main"}}),
        ),
        (
            "POST",
            "/repos/acme/svc/pulls/7/requested_reviewers".into(),
            201,
            json!({}),
        ),
    ]);
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(dir.path().join("skeleton/renovate.json"), "{}\n").expect("write");
    let api = GithubApi::new(&base, "github.com")
        .expect("api")
        .with_token(Secret::new("tok-123"));
    let report = run(
        api,
        dir.path(),
        "  steps:
    - {action: fetch:plain, input: {url: ./skeleton, targetPath: change}}
    - id: pr
      action: publish:github:pull-request
      input:
        repoUrl: github.com?owner=acme&repo=svc
        branchName: add-renovate
        title: Add Renovate
        description: Keeps dependencies fresh
        sourcePath: change
        targetPath: config
        filesToDelete: [old.json]
        reviewers: [bob]
",
    )
    .expect("run");
    server.join().expect("server");
    let seen = seen.lock().expect("lock").clone();
    check_headers(&seen);
    let blob = &seen[2].body;
    assert_eq!(blob["encoding"], "base64");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(blob["content"].as_str().expect("content"))
            .expect("base64"),
        b"{}\n"
    );
    assert_eq!(
        seen[3].body,
        json!({"base_tree": base_tree, "tree": [
            {"path": "config/renovate.json", "mode": "100644", "type": "blob", "sha": "1".repeat(40)},
            {"path": "old.json", "mode": "100644", "type": "blob", "sha": null}]})
    );
    assert_eq!(
        seen[4].body,
        json!({"message": "Add Renovate", "tree": "2".repeat(40), "parents": [base_sha]})
    );
    assert_eq!(
        seen[7].body,
        json!({"ref": "refs/heads/add-renovate", "sha": "3".repeat(40)})
    );
    assert_eq!(
        seen[8].body,
        json!({"title": "Add Renovate", "body": "Keeps dependencies fresh", "head": "add-renovate", "base": "main", "draft": false})
    );
    assert_eq!(
        seen[9].body,
        json!({"reviewers": ["bob"], "team_reviewers": []})
    );
    assert_eq!(
        report.steps[1].output,
        json!({"targetBranchName": "main", "remoteUrl": "https://github.com/acme/svc/pull/7", "pullRequestNumber": 7})
    );
    assert!(!all_text(&report).contains("tok-123"), "the token leaks");
}
