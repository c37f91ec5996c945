//! The publish actions a stock Backstage app installs, against the local
//! git host: a template in the shape teams publish runs end to end, pull
//! and merge requests become branches with recorded requests, and lint
//! knows the stock backend's actions.

use std::path::Path;
use std::process::Command;

use platform_scaffold::actions::git::LocalGitHost;
use platform_scaffold::actions::{ActionRegistry, ActionSchemas};
use platform_scaffold::{Error, RunReport, Scaffolder, Secrets, Target, Template};
use serde_json::{Value, json};

use crate::{fixtures, template_in};

fn git(bare: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(bare)
        .args(args)
        .output()
        .expect("git");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn scaffolder(host: &Path) -> Scaffolder {
    let mut registry = ActionRegistry::with_builtins();
    LocalGitHost::new(host).register_all(&mut registry);
    Scaffolder::new(registry)
}

fn run(host: &Path, template: &Template, values: &Value) -> Result<RunReport, Error> {
    scaffolder(host)
        .run(template, values, &Secrets::new(), Target::Memory)
        .map_err(Error::from)
}

fn output<'r>(report: &'r RunReport, step: &str) -> &'r Value {
    &report
        .steps
        .iter()
        .find(|s| s.id == step)
        .expect("step")
        .output
}

fn published_values() -> Value {
    json!({
        "name": "payments-api",
        "description": "Takes payments",
        "owner": "group:default/payments",
        "repoUrl": "github.com?owner=acme-corp&repo=payments-api"
    })
}

/// The issue's done-when: `publish:github` with
/// `copyWithoutTemplating: [.github/workflows/]`, offline, end to end.
#[test]
fn a_published_template_runs_offline_end_to_end() {
    let host = tempfile::tempdir().expect("host");
    let template =
        Template::load(&fixtures().join("published/github-service/template.yaml")).expect("load");
    assert_eq!(
        platform_scaffold::lint_against(&template, &ActionSchemas::stock()),
        Vec::new(),
        "a published template lints clean against a stock backend"
    );
    let report = run(host.path(), &template, &published_values()).expect("run");
    let published = output(&report, "publish");
    assert_eq!(
        published["remoteUrl"],
        "https://github.com/acme-corp/payments-api.git"
    );
    assert_eq!(
        published["repoContentsUrl"],
        "https://github.com/acme-corp/payments-api/blob/main"
    );
    let bare = host.path().join("acme-corp/payments-api.git");
    assert_eq!(
        published["commitHash"].as_str(),
        Some(git(&bare, &["rev-parse", "refs/heads/main"]).as_str())
    );
    assert_eq!(git(&bare, &["symbolic-ref", "HEAD"]), "refs/heads/main");
    let workflow = git(&bare, &["show", "main:.github/workflows/ci.yaml"]);
    assert!(
        workflow.contains("${{ secrets.NPM_TOKEN }}")
            && workflow.contains("${{ steps.x.outputs.y }}"),
        "the workflows are copied verbatim:\n{workflow}"
    );
    let info = git(&bare, &["show", "main:catalog-info.yaml"]);
    assert!(
        info.contains("github.com/project-slug: acme-corp/payments-api"),
        "{info}"
    );
    assert_eq!(
        git(&bare, &["log", "--format=%an <%ae> %s", "main"]),
        "Scaffolder <scaffolder@backstage.io> initial commit"
    );
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(host.path().join("acme-corp/payments-api.settings.json"))
            .expect("settings"),
    )
    .expect("json");
    assert_eq!(settings["topics"], json!(["nodejs", "service"]));
    assert_eq!(
        report.output["links"][0]["url"],
        "https://github.com/acme-corp/payments-api.git"
    );
    // A second run finds the repository taken, and leaves it as it was.
    let again = run(host.path(), &template, &published_values()).expect_err("exists");
    assert!(again.to_string().contains("already exists"), "{again}");
}

fn pull_request_template(dir: &Path, extra: &str) -> Template {
    std::fs::create_dir_all(dir.join("skeleton")).expect("skeleton");
    std::fs::write(
        dir.join("skeleton/renovate.json"),
        "{\"extends\": [\"config:base\"]}\n",
    )
    .expect("write");
    template_in(
        dir,
        &format!(
            "  steps:
    - {{id: fetch, action: fetch:template, input: {{url: ./skeleton, targetPath: change}}}}
    - id: pr
      action: publish:github:pull-request
      input:
        repoUrl: github.com?owner=acme-corp&repo=payments-api
        branchName: add-renovate
        title: Add Renovate
        description: Keeps dependencies fresh
        sourcePath: change
        targetPath: config
        filesToDelete: [README.md]
{extra}"
        ),
    )
}

#[test]
fn pull_requests_are_branches_with_a_recorded_request() {
    let host = tempfile::tempdir().expect("host");
    let template =
        Template::load(&fixtures().join("published/github-service/template.yaml")).expect("load");
    run(host.path(), &template, &published_values()).expect("repository");
    let bare = host.path().join("acme-corp/payments-api.git");
    let dir = tempfile::tempdir().expect("dir");
    let pr = pull_request_template(dir.path(), "");
    let report = run(host.path(), &pr, &json!({})).expect("pull request");
    assert_eq!(
        output(&report, "pr"),
        &json!({
            "targetBranchName": "main",
            "remoteUrl": "https://github.com/acme-corp/payments-api/pull/1",
            "pullRequestNumber": 1
        })
    );
    let files = git(&bare, &["ls-tree", "-r", "--name-only", "add-renovate"]);
    assert_eq!(
        files.lines().collect::<Vec<_>>(),
        [
            ".github/workflows/ci.yaml",
            "catalog-info.yaml",
            "config/renovate.json"
        ],
        "laid over main under targetPath, README.md deleted"
    );
    assert_eq!(
        git(&bare, &["rev-parse", "add-renovate^"]),
        git(&bare, &["rev-parse", "main"])
    );
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%s", "add-renovate"]),
        "Add Renovate"
    );
    let record: Value = serde_json::from_str(
        &std::fs::read_to_string(host.path().join("acme-corp/payments-api.requests/1.json"))
            .expect("record"),
    )
    .expect("json");
    assert_eq!(
        (
            &record["head"],
            &record["base"],
            &record["title"],
            &record["state"]
        ),
        (
            &json!("add-renovate"),
            &json!("main"),
            &json!("Add Renovate"),
            &json!("open")
        )
    );
    // The same branch again: refused, unless `update`.
    let again = run(host.path(), &pr, &json!({})).expect_err("exists");
    assert!(
        again.to_string().contains("Pull request already exists: https://github.com/acme-corp/payments-api/pull/1. Set update=true"),
        "{again}"
    );
    let update = pull_request_template(dir.path(), "        update: true\n");
    let report = run(host.path(), &update, &json!({})).expect("update");
    assert_eq!(output(&report, "pr")["pullRequestNumber"], 1);
    // A dry run reports what Backstage's does, and touches nothing.
    let dry = scaffolder(host.path())
        .dry_run(&update, &json!({}), &Secrets::new())
        .map_err(Error::from)
        .expect("dry run");
    let step = dry.steps.iter().find(|s| s.id == "pr").expect("pr");
    assert_eq!(step.output["pullRequestNumber"], 43);
    assert!(
        !host
            .path()
            .join("acme-corp/payments-api.requests/2.json")
            .exists()
    );
}

#[test]
fn an_empty_pull_request_is_not_opened_when_asked_not_to() {
    let host = tempfile::tempdir().expect("host");
    let template =
        Template::load(&fixtures().join("published/github-service/template.yaml")).expect("load");
    run(host.path(), &template, &published_values()).expect("repository");
    let dir = tempfile::tempdir().expect("dir");
    let empty = template_in(
        dir.path(),
        "  steps:
    - id: pr
      action: publish:github:pull-request
      input: {repoUrl: 'github.com?owner=acme-corp&repo=payments-api', branchName: nothing, title: t, description: d, createWhenEmpty: false, sourcePath: missing}
",
    );
    let report = run(host.path(), &empty, &json!({})).expect("run");
    assert_eq!(output(&report, "pr"), &json!({}));
    assert!(
        report
            .log
            .iter()
            .any(|l| l.body.message == "No changes to commit, pull request was not created")
    );
    let bad = template_in(
        dir.path(),
        "  steps:
    - action: publish:github:pull-request
      input: {repoUrl: 'github.com?owner=acme-corp&repo=payments-api', branchName: b, title: t, description: d, targetPath: ../up}
",
    );
    let error = run(host.path(), &bad, &json!({})).expect_err("refused");
    assert!(
        error.to_string().contains("Invalid targetPath '../up': must be a relative path within the target repository, without '..' segments"),
        "{error}"
    );
}

#[test]
fn gitlab_projects_and_merge_requests() {
    let host = tempfile::tempdir().expect("host");
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(dir.path().join("skeleton/README.md"), "# svc\n").expect("write");
    let publish = template_in(
        dir.path(),
        "  steps:
    - {action: fetch:plain, input: {url: ./skeleton, targetPath: base}}
    - {action: fetch:plain, input: {url: ./skeleton, targetPath: change}}
    - {id: publish, action: publish:gitlab, input: {repoUrl: 'gitlab.com?owner=platform/tools&repo=svc', repoVisibility: internal, skipExisting: true, sourcePath: base}}
    - id: mr
      action: publish:gitlab:merge-request
      input: {repoUrl: 'gitlab.com?owner=platform/tools&repo=svc', branchName: docs, title: Add docs, sourcePath: change, targetPath: docs}
",
    );
    let report = run(host.path(), &publish, &json!({})).expect("run");
    let bare = host.path().join("platform/tools/svc.git");
    let published = output(&report, "publish");
    assert_eq!(
        published["remoteUrl"],
        "https://gitlab.com/platform/tools/svc"
    );
    assert_eq!(
        published["repoContentsUrl"],
        "https://gitlab.com/platform/tools/svc/-/blob/master"
    );
    assert_eq!(
        (&published["projectId"], &published["created"]),
        (&json!(1), &json!(true))
    );
    assert_eq!(
        published["commitHash"].as_str(),
        Some(git(&bare, &["rev-parse", "refs/heads/master"]).as_str())
    );
    assert_eq!(
        output(&report, "mr"),
        &json!({
            "projectid": "platform/tools/svc",
            "projectPath": "platform/tools/svc",
            "targetBranchName": "master",
            "mergeRequestUrl": "https://gitlab.com/platform/tools/svc/-/merge_requests/1"
        })
    );
    assert_eq!(
        git(&bare, &["ls-tree", "-r", "--name-only", "docs"]),
        "README.md\ndocs/README.md"
    );
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%s", "docs"]),
        "Add docs"
    );
    // `skipExisting`: the project is there, so it is reported, not made.
    let skip = template_in(
        dir.path(),
        "  steps:
    - {id: publish, action: publish:gitlab, input: {repoUrl: 'gitlab.com?owner=platform/tools&repo=svc', skipExisting: true}}
",
    );
    let report = run(host.path(), &skip, &json!({})).expect("skip");
    assert_eq!(output(&report, "publish")["created"], false);
    assert_eq!(output(&report, "publish")["projectId"], 1);
    // The branch exists now: a second merge request from it is refused.
    let error = run(host.path(), &publish, &json!({})).expect_err("branch exists");
    assert!(
        error
            .to_string()
            .contains("The branch creation failed because the branch already exists"),
        "{error}"
    );
}

#[test]
fn hosts_must_match_the_action() {
    let host = tempfile::tempdir().expect("host");
    let dir = tempfile::tempdir().expect("dir");
    let wrong = template_in(
        dir.path(),
        "  steps:\n    - {action: publish:github, input: {repoUrl: 'gitlab.com?owner=o&repo=r'}}\n",
    );
    let error = run(host.path(), &wrong, &json!({})).expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("No integration for host gitlab.com"),
        "{error}"
    );
    let escape = template_in(
        dir.path(),
        "  steps:\n    - {action: publish:github, input: {repoUrl: 'github.com?owner=..&repo=r'}}\n",
    );
    assert!(run(host.path(), &escape, &json!({})).is_err());
    assert!(!host.path().join("r.git").exists());
}

#[test]
fn lint_knows_the_stock_backend_and_a_backends_own_list() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: publish:githbu, input: {repoUrl: 'github.com?owner=o&repo=r'}}\n    - {action: publish:github, input: {repoUrl: x, visibility: private}}\n",
    );
    let findings = platform_scaffold::lint_against(&template, &ActionSchemas::stock());
    let codes: Vec<&str> = findings.iter().map(|d| d.code.as_ref()).collect();
    assert_eq!(codes, ["scaffold.unknown-action", "scaffold.unknown-input"]);
    assert!(
        findings[0]
            .notes
            .iter()
            .any(|n| n == "did you mean `publish:github`?"),
        "{:?}",
        findings[0].notes
    );
    let own = ActionSchemas::from_backstage_list(
        r#"[{"id": "publish:githbu", "schema": {"input": {"type": "object"}}}, {"id": "publish:github"}]"#,
    )
    .expect("list");
    assert!(platform_scaffold::lint_against(&template, &own).is_empty());
}

fn with_bitbucket(host: &Path) -> Scaffolder {
    let mut integrations = platform_scaffold::render::Integration::defaults();
    integrations.push(platform_scaffold::render::Integration::new(
        "bitbucket.acme.test",
        "bitbucketServer",
    ));
    scaffolder(host).with_options(
        platform_scaffold::RunOptions::default().with_render_options(
            platform_scaffold::render::RenderOptions::default().with_integrations(integrations),
        ),
    )
}

#[test]
fn bitbucket_server_repositories_and_pull_requests() {
    let host = tempfile::tempdir().expect("host");
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(dir.path().join("skeleton/README.md"), "# svc\n").expect("write");
    let publish = template_in(
        dir.path(),
        "  steps:
    - {action: fetch:plain, input: {url: ./skeleton}}
    - {id: publish, action: publish:bitbucketServer, input: {repoUrl: 'bitbucket.acme.test?project=PLAT&repo=svc'}}
    - {id: pr, action: 'publish:bitbucketServer:pull-request', input: {repoUrl: 'bitbucket.acme.test?project=PLAT&repo=svc', title: Docs, description: Adds docs, sourceBranch: docs}}
",
    );
    let report = with_bitbucket(host.path())
        .run(&publish, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    let bare = host.path().join("PLAT/svc.git");
    let published = output(&report, "publish");
    assert_eq!(
        published["remoteUrl"],
        "https://bitbucket.acme.test/scm/plat/svc.git"
    );
    assert_eq!(
        published["repoContentsUrl"],
        "https://bitbucket.acme.test/projects/PLAT/repos/svc/browse"
    );
    assert_eq!(
        published["commitHash"].as_str(),
        Some(git(&bare, &["rev-parse", "refs/heads/master"]).as_str())
    );
    assert_eq!(
        output(&report, "pr"),
        &json!({"pullRequestUrl": "https://bitbucket.acme.test/projects/PLAT/repos/svc/pull-requests/1"})
    );
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%s", "docs"]),
        "Adds docs"
    );
    assert_eq!(
        git(&bare, &["rev-parse", "docs^"]),
        git(&bare, &["rev-parse", "master"])
    );
    // Without the integration the host is refused, as in Backstage.
    let error = run(host.path(), &publish, &json!({})).expect_err("no integration");
    assert!(
        error
            .to_string()
            .contains("No matching integration configuration for host bitbucket.acme.test"),
        "{error}"
    );
}

#[test]
fn azure_repositories() {
    let host = tempfile::tempdir().expect("host");
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(dir.path().join("skeleton/README.md"), "# svc\n").expect("write");
    let publish = template_in(
        dir.path(),
        "  steps:
    - {action: fetch:plain, input: {url: ./skeleton}}
    - {id: publish, action: publish:azure, input: {repoUrl: 'dev.azure.com?organization=acme&project=plat&repo=svc'}}
",
    );
    let report = run(host.path(), &publish, &json!({})).expect("run");
    let published = output(&report, "publish");
    assert_eq!(
        published["remoteUrl"],
        "https://acme@dev.azure.com/acme/plat/_git/svc"
    );
    assert_eq!(
        published["repoContentsUrl"],
        "https://dev.azure.com/acme/plat/_git/svc"
    );
    let id = published["repositoryId"].as_str().expect("id");
    assert_eq!(
        id.split('-').map(str::len).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(host.path().join("acme/plat/svc.git").is_dir());
    let missing = template_in(
        dir.path(),
        "  steps:\n    - {action: publish:azure, input: {repoUrl: 'dev.azure.com?project=plat&repo=svc'}}\n",
    );
    let error = run(host.path(), &missing, &json!({})).expect_err("no organization");
    assert!(
        error.to_string().contains("missing organization"),
        "{error}"
    );
}
