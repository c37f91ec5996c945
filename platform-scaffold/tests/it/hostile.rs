//! The adversarial suite: templates written by an attacker. One test per
//! class of issue 8 and per example it names, each asserting the bound:
//! nothing runs on the host, nothing is written outside the workspace, no
//! secret reaches any output, memory and time stay small.

use std::path::Path;
use std::process::Command;

use platform_scaffold::actions::git::{GitRemotes, PublishGit};
use platform_scaffold::actions::http::{BackstageRequest, HttpConfig};
use platform_scaffold::actions::{Action, ActionContext, ActionRegistry};
use platform_scaffold::{Error, RunFailure, RunReport, Scaffolder, Secrets, Target, Template};
use platform_test_support::{Limits, bounded};
use serde_json::{Value, json};

use crate::{Echo, template_in};

const TOKEN: &str = "hunter2-xyzzy!";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(args)
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn bare_repository(path: &Path) {
    std::fs::create_dir_all(path).expect("dir");
    git(path, &["init", "--quiet", "--bare"]);
}

/// The built-ins, `test:echo`, `publish:git` allowed to push under `root`,
/// a local GitHub host under `root/host`.
fn registry(root: &Path) -> ActionRegistry {
    let mut registry = ActionRegistry::with_builtins();
    registry
        .register(Echo)
        .register(PublishGit::new(GitRemotes::new().with_local_root(root)));
    let (create, push) =
        platform_scaffold::actions::git::LocalGitHost::new(root.join("host")).actions();
    registry.register(create).register(push);
    registry
}

fn run(
    dir: &Path,
    template: &Template,
    secrets: &Secrets,
    target: Target<'_>,
) -> Result<RunReport, RunFailure> {
    Scaffolder::new(registry(dir)).run(template, &json!({}), secrets, target)
}

/// The failure message of a run that must fail.
fn failure(result: Result<RunReport, RunFailure>) -> String {
    match result.map_err(Error::from) {
        Ok(report) => panic!("the run succeeded: {:?}", report.steps),
        Err(Error::StepFailed { message, .. }) => message,
        Err(other) => other.to_string(),
    }
}

/// Everything a run shows: log, warnings, step outputs and the output.
fn everything(report: &RunReport) -> String {
    serde_json::to_string(report).expect("the report serialises")
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::write(path, text).expect("write");
}

// Class 1: code runs on the host through git.

/// A skeleton's `.git/config` with `core.fsmonitor` is refused right after
/// the fetch, before git ever runs: nothing is executed, nothing pushed.
#[test]
fn a_skeleton_git_config_with_fsmonitor_runs_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let marker = dir.path().join("pwned");
    write(&dir.path().join("skeleton/README.md"), "hi\n");
    write(
        &dir.path().join("skeleton/.git/config"),
        &format!(
            "[core]\n\tfsmonitor = \"touch {}\"\n\thooksPath = hooks\n",
            marker.display()
        ),
    );
    let remote = dir.path().join("remote.git");
    bare_repository(&remote);
    for publish in [
        format!(
            "    - {{action: publish:git, input: {{remoteUrl: '{}'}}}}\n",
            remote.display()
        ),
        "    - {action: github:repo:create, input: {repoUrl: 'github.com?owner=acme&repo=svc'}}\n    - {action: github:repo:push, input: {repoUrl: 'github.com?owner=acme&repo=svc'}}\n".to_owned(),
    ] {
        let template = template_in(
            dir.path(),
            &format!("  steps:\n    - {{action: fetch:plain, input: {{url: ./skeleton}}}}\n{publish}"),
        );
        let message = failure(run(dir.path(), &template, &Secrets::new(), Target::Memory));
        assert!(message.contains("`.git` is git metadata"), "{message}");
        assert!(!marker.exists(), "the fsmonitor command ran");
    }
    assert_eq!(git(&remote, &["for-each-ref"]), "", "nothing was pushed");
}

/// A `dotgit` folder renamed into place (filter driver and attributes) is
/// refused after the rename.
#[test]
fn a_renamed_dotgit_folder_with_a_filter_driver_runs_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let marker = dir.path().join("pwned");
    write(
        &dir.path().join("skeleton/.gitattributes"),
        "* filter=evil\n",
    );
    write(&dir.path().join("skeleton/app.txt"), "x\n");
    write(
        &dir.path().join("skeleton/dotgit/config"),
        &format!(
            "[filter \"evil\"]\n\tclean = \"touch {}\"\n\tsmudge = cat\n",
            marker.display()
        ),
    );
    let remote = dir.path().join("remote.git");
    bare_repository(&remote);
    let template = template_in(
        dir.path(),
        &format!(
            "  steps:\n    - {{action: fetch:plain, input: {{url: ./skeleton}}}}\n    - {{action: fs:rename, input: {{files: [{{from: dotgit, to: .git}}]}}}}\n    - {{action: publish:git, input: {{remoteUrl: '{}'}}}}\n",
            remote.display()
        ),
    );
    let Err(Error::StepFailed { step, message, .. }) =
        run(dir.path(), &template, &Secrets::new(), Target::Memory).map_err(Error::from)
    else {
        panic!("the run must fail");
    };
    assert_eq!(step, "step-2", "refused at the rename: {message}");
    assert!(message.contains("git metadata"), "{message}");
    assert!(!marker.exists(), "the filter ran");
}

/// Without a `.git` of its own, a `.gitattributes` naming a filter does
/// nothing: git's repository directory is a fresh one outside the
/// workspace, which defines no filter.
#[test]
fn gitattributes_alone_cannot_name_a_filter_that_exists() {
    let dir = tempfile::tempdir().expect("dir");
    write(
        &dir.path().join("skeleton/.gitattributes"),
        "* filter=lfs diff=evil\n",
    );
    write(&dir.path().join("skeleton/app.txt"), "x\n");
    let remote = dir.path().join("remote.git");
    bare_repository(&remote);
    let template = template_in(
        dir.path(),
        &format!(
            "  steps:\n    - {{action: fetch:plain, input: {{url: ./skeleton}}}}\n    - {{action: publish:git, input: {{remoteUrl: '{}'}}}}\n",
            remote.display()
        ),
    );
    run(dir.path(), &template, &Secrets::new(), Target::Memory).expect("published");
    assert_eq!(git(&remote, &["show", "main:app.txt"]), "x");
    // The workspace's own `.git` was never created: git kept its directory outside.
    let listing = git(&remote, &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(listing, ".gitattributes\napp.txt");
}

/// A `.git` file with `gitdir:` pointing at another repository is refused:
/// the commit cannot land there.
#[test]
fn a_gitdir_file_cannot_point_the_commit_elsewhere() {
    let dir = tempfile::tempdir().expect("dir");
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).expect("dir");
    git(&other, &["init", "--quiet"]);
    write(
        &dir.path().join("skeleton/.git"),
        &format!("gitdir: {}\n", other.join(".git").display()),
    );
    write(&dir.path().join("skeleton/app.txt"), "x\n");
    let remote = dir.path().join("remote.git");
    bare_repository(&remote);
    let template = template_in(
        dir.path(),
        &format!(
            "  steps:\n    - {{action: fetch:plain, input: {{url: ./skeleton}}}}\n    - {{action: publish:git, input: {{remoteUrl: '{}'}}}}\n",
            remote.display()
        ),
    );
    let message = failure(run(dir.path(), &template, &Secrets::new(), Target::Memory));
    assert!(message.contains("git metadata"), "{message}");
    assert_eq!(git(&other, &["rev-list", "--all"]), "", "no commit landed");
}

/// `publish:git` pushes only to remotes on the allow-list.
#[test]
fn publish_git_pushes_only_to_allowed_remotes() {
    let allowed = tempfile::tempdir().expect("allowed");
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    let remote = elsewhere.path().join("victim.git");
    bare_repository(&remote);
    // A link under the allowed root that leads out does not widen it.
    #[cfg(unix)]
    std::os::unix::fs::symlink(&remote, allowed.path().join("link.git")).expect("link");
    let dir = tempfile::tempdir().expect("dir");
    write(&dir.path().join("skeleton/app.txt"), "x\n");
    for remote_url in [
        remote.display().to_string(),
        format!("file://{}", remote.display()),
        allowed.path().join("link.git").display().to_string(),
        "../victim.git".to_owned(),
        "https://evil.example/acme/svc.git".to_owned(),
        "ssh://git@evil.example/acme/svc.git".to_owned(),
        "git@evil.example:acme/svc.git".to_owned(),
        "ext::sh -c touch% /tmp/pwned".to_owned(),
    ] {
        let template = template_in(
            dir.path(),
            &format!(
                "  steps:\n    - {{action: fetch:plain, input: {{url: ./skeleton}}}}\n    - {{action: publish:git, input: {{remoteUrl: '{remote_url}'}}}}\n"
            ),
        );
        let mut registry = ActionRegistry::with_builtins();
        registry.register(PublishGit::new(
            GitRemotes::new()
                .with_local_root(allowed.path())
                .with_host("github.com"),
        ));
        let message = failure(Scaffolder::new(registry).run(
            &template,
            &json!({}),
            &Secrets::new(),
            Target::Memory,
        ));
        assert!(
            message.contains("is not allowed"),
            "{remote_url}: {message}"
        );
    }
    assert_eq!(git(&remote, &["for-each-ref"]), "", "nothing was pushed");
    // The built-in registry allows nothing.
    let template = template_in(
        dir.path(),
        &format!(
            "  steps:\n    - {{action: publish:git, input: {{remoteUrl: '{}'}}}}\n",
            remote.display()
        ),
    );
    let message = failure(Scaffolder::new(ActionRegistry::with_builtins()).run(
        &template,
        &json!({}),
        &Secrets::new(),
        Target::Memory,
    ));
    assert!(message.contains("is not allowed"), "{message}");
}

// Class 2: writes outside the workspace.

/// A relative link that stays inside the skeleton where it lies points out
/// once `fs:rename` moves it up: the workspace is audited after the step,
/// and nothing reaches the output.
#[cfg(unix)]
#[test]
fn links_are_checked_again_after_a_rename() {
    let dir = tempfile::tempdir().expect("dir");
    write(&dir.path().join("skeleton/target.txt"), "inside\n");
    std::fs::create_dir_all(dir.path().join("skeleton/a/b/c")).expect("dir");
    std::os::unix::fs::symlink(
        "../../../target.txt",
        dir.path().join("skeleton/a/b/c/link"),
    )
    .expect("link");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: fetch:plain, input: {url: ./skeleton}}\n    - {action: fs:rename, input: {files: [{from: a/b/c/link, to: link}]}}\n    - {action: debug:log, input: {listWorkspace: with-contents}}\n",
    );
    let out = dir.path().join("out");
    let Err(Error::StepFailed { step, message, .. }) = run(
        dir.path(),
        &template,
        &Secrets::new(),
        Target::Directory(&out),
    )
    .map_err(Error::from) else {
        panic!("the run must fail");
    };
    assert_eq!(step, "step-2", "{message}");
    assert!(
        message.contains("`link` is a symlink that points outside the workspace"),
        "{message}"
    );
    assert!(!out.exists(), "nothing was written");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".platform-scaffold-")
        })
        .collect();
    assert!(leftovers.is_empty(), "the staging directory was removed");
}

/// An action of the user's own that leaves a FIFO or a link out behind is
/// caught by the same audit.
#[cfg(unix)]
#[test]
fn plugged_in_actions_are_audited_too() {
    struct LinkOut;
    impl Action for LinkOut {
        fn id(&self) -> &str {
            "test:link-out"
        }
        fn input_schema(&self) -> Value {
            json!({"type": "object"})
        }
        fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
            std::os::unix::fs::symlink("/etc", ctx.workspace().root().join("etc"))
                .map_err(|e| Error::Failed(e.to_string()))
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(dir.path(), "  steps:\n    - {action: test:link-out}\n");
    let mut registry = ActionRegistry::with_builtins();
    registry.register(LinkOut);
    let message = failure(Scaffolder::new(registry).run(
        &template,
        &json!({}),
        &Secrets::new(),
        Target::Memory,
    ));
    assert!(
        message.contains("`etc` is a symlink that points outside"),
        "{message}"
    );
}

// Class 3: secrets printed.

/// Output links built from a step output that holds a secret are masked,
/// and so are the step outputs in the report.
#[test]
fn output_links_from_secret_step_outputs_are_masked() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {id: e, action: test:echo, input: {url: 'https://x.test/?t=${{ secrets.token }}'}}\n  output:\n    links:\n      - {title: Repo, url: '${{ steps.e.output.echo.url }}'}\n    text:\n      - {title: T, content: '${{ steps.e.output.echo.url | upper }}'}\n",
    );
    let secrets = Secrets::new().with("token", TOKEN);
    let report = run(dir.path(), &template, &secrets, Target::Memory).expect("run");
    let all = everything(&report);
    assert!(!all.contains(TOKEN), "{all}");
    assert!(!all.contains(&TOKEN.to_uppercase()), "{all}");
    // The whole value differs when rendered without the secret: all masked.
    assert_eq!(report.output["links"][0]["url"], "***");
}

/// Dry-run file contents, paths and `catalog:write` are masked.
#[test]
fn dry_run_files_and_catalog_write_are_masked() {
    let dir = tempfile::tempdir().expect("dir");
    write(
        &dir.path().join("skeleton/config.env"),
        "TOKEN=${{ values.token }}\n",
    );
    write(&dir.path().join("skeleton/${{ values.token }}.txt"), "x\n");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./skeleton, values: {token: '${{ secrets.token }}'}}}\n    - action: catalog:write\n      input:\n        entity: {apiVersion: backstage.io/v1alpha1, kind: Component, metadata: {name: svc, annotations: {token: '${{ secrets.token }}'}}, spec: {type: service, owner: team, lifecycle: production}}\n",
    );
    let secrets = Secrets::new().with("token", TOKEN);
    let preview = Scaffolder::new(registry(dir.path()))
        .dry_run(&template, &json!({}), &secrets)
        .expect("dry run");
    let all = serde_json::to_string(&preview).expect("json");
    assert!(!all.contains(TOKEN), "{all}");
    assert!(
        preview.files.iter().any(|f| f.path == "***.txt"),
        "{:?}",
        preview.files
    );
    for entry in &preview.entries {
        let text = String::from_utf8_lossy(&entry.content);
        assert!(!text.contains(TOKEN), "{}: {text}", entry.path);
    }
}

/// A secret split into single characters by `each` is masked character by
/// character where the characters stand alone.
#[test]
fn a_secret_split_into_characters_is_masked() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: debug:log, each: '${{ secrets.token | list }}', input: {message: '${{ each.value }}'}}\n",
    );
    let secret = "Zq-Wx";
    let secrets = Secrets::new().with("token", secret);
    let report = run(dir.path(), &template, &secrets, Target::Memory).expect("run");
    for line in &report.log {
        let message = &line.body.message;
        for c in secret.chars() {
            assert!(
                !message.contains(&format!("\"{c}\"")) && message != &c.to_string(),
                "`{c}` leaked: {message}"
            );
        }
    }
}

/// URL-encoded in the HTTP action's log line (and error).
#[test]
fn url_encoded_secrets_in_http_logs_are_masked() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: 'http:backstage:request', input: {method: GET, path: '/api/x/${{ secrets.token }}'}}\n",
    );
    let mut registry = registry(dir.path());
    registry.register(BackstageRequest::new(
        HttpConfig::new("http://127.0.0.1:9").expect("config"),
    ));
    let secrets = Secrets::new().with("token", "open sesame");
    let result = Scaffolder::new(registry).run(&template, &json!({}), &secrets, Target::Memory);
    let Err(RunFailure {
        error: Error::StepFailed { message, .. },
        report: Some(report),
        ..
    }) = result
    else {
        panic!("nothing listens on port 9");
    };
    let all = format!("{message}\n{}", everything(&report));
    for form in ["open sesame", "open%20sesame", "open+sesame"] {
        assert!(!all.contains(form), "`{form}` leaked: {all}");
    }
}

/// Error messages that quote a part of a rendered input.
#[test]
fn errors_quoting_part_of_a_derived_value_are_masked() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: 'github:repo:create', input: {repoUrl: 'github.com?owner=${{ secrets.token | upper }}&repo=svc'}}\n",
    );
    let secrets = Secrets::new().with("token", TOKEN);
    let Err(RunFailure {
        error: Error::StepFailed { message, .. },
        report: Some(report),
        ..
    }) = run(dir.path(), &template, &secrets, Target::Memory)
    else {
        panic!("the owner is invalid");
    };
    let all = format!("{message}\n{}", everything(&report));
    assert!(!all.contains("HUNTER2-XYZZY!"), "{all}");
    assert!(message.contains("***"), "{message}");
}

/// A file name made from a secret, read back by `fs:readdir` into the
/// output.
#[test]
fn file_names_made_of_secrets_are_masked_in_the_output() {
    let dir = tempfile::tempdir().expect("dir");
    write(&dir.path().join("skeleton/${{ values.t }}.key"), "k\n");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./skeleton, values: {t: '${{ secrets.token }}'}}}\n    - {id: ls, action: 'fs:readdir', input: {paths: ['.']}}\n  output:\n    files: '${{ steps.ls.output.files }}'\n",
    );
    let secrets = Secrets::new().with("token", TOKEN);
    let report = run(dir.path(), &template, &secrets, Target::Memory).expect("run");
    let all = everything(&report);
    assert!(!all.contains(TOKEN), "{all}");
}

/// The staging directory is private to the user.
#[cfg(unix)]
#[test]
fn the_staging_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    struct Mode;
    impl Action for Mode {
        fn id(&self) -> &str {
            "test:mode"
        }
        fn input_schema(&self) -> Value {
            json!({"type": "object"})
        }
        fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
            let mode = std::fs::metadata(ctx.workspace().root())
                .map_err(|e| Error::Failed(e.to_string()))?
                .permissions()
                .mode();
            ctx.output("mode", json!(mode & 0o777));
            Ok(())
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(dir.path(), "  steps:\n    - {action: test:mode}\n");
    let mut registry = ActionRegistry::with_builtins();
    registry.register(Mode);
    let report = Scaffolder::new(registry)
        .run(
            &template,
            &json!({}),
            &Secrets::new(),
            Target::Directory(&dir.path().join("out")),
        )
        .expect("run");
    assert_eq!(report.steps[0].output["mode"], json!(0o700));
}

// Class 4: memory and stack.

fn render_one(expression: &str) -> Result<RunReport, RunFailure> {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        &format!("  steps:\n    - {{id: e, action: test:echo, input: {{v: \"{expression}\"}}}}\n"),
    );
    let mut registry = ActionRegistry::with_builtins();
    registry.register(Echo);
    Scaffolder::new(registry)
        .with_options(platform_scaffold::RunOptions::default().with_strict(true))
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
}

/// Filters and methods refuse to build values past the output limit
/// before allocating them.
#[test]
fn huge_intermediate_values_are_refused_before_allocation() {
    bounded(
        "hostile::huge_intermediate_values_are_refused_before_allocation",
        Limits::mib(200).seconds(60),
        || {
            for expression in [
                "${{ 'x' | center(9223372036854775807) }}",
                "${{ 'x' | center(2000000000) }}",
                "${{ ('x' * 1000000).repeat(10000) }}",
                "${{ ('\\\\n' * 1000000) | nl2br | nl2br | nl2br | nl2br }}",
                "${{ ('<' * 10000000) | forceescape }}",
                "${{ ['a', 'b'].join('x' * 100000000) }}",
                "${{ 'x' | truncate(0, true, 'y' * 100000000) }}",
                "{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}${{ ns.s | length }}",
                "{% macro grow(n, s) %}{% if n %}${{ grow(n - 1, s ~ s) }}{% else %}${{ s | length }}{% endif %}{% endmacro %}${{ grow(60, 'xxxxxxxx') }}",
                "${{ range(100000) | join('x' * 100000) }}",
                "${{ 'x' | indent(2000000000) }}",
                "${{ '%2000000000s' | format('x') }}",
            ] {
                let result = render_one(expression);
                assert!(result.is_err(), "{expression} rendered");
            }
        },
    );
}

/// 50 000 chained filters (or operators) are refused, not a stack overflow.
#[test]
fn long_operator_chains_are_refused_without_overflowing_the_stack() {
    bounded(
        "hostile::long_operator_chains_are_refused_without_overflowing_the_stack",
        Limits::mib(200).seconds(60),
        || {
            for expression in [
                format!("${{{{ 'x'{} }}}}", "| lower".repeat(50_000)),
                format!("${{{{ 1{} }}}}", " + 1".repeat(50_000)),
                format!("${{{{ values{} }}}}", ".a".repeat(50_000)),
                format!("${{{{ 'x' {} }}}}", "~ 'x' ".repeat(50_000)),
            ] {
                let message = failure(render_one(&expression));
                assert!(message.contains("operators"), "{message}");
            }
            // Chains as long as templates write are fine.
            let report = render_one(&format!("${{{{ 'X'{} }}}}", "| lower".repeat(100)))
                .expect("100 filters render");
            assert_eq!(report.steps[0].output["echo"]["v"], "x");
        },
    );
}

// Class 6: silent or raw.

/// A skeleton file whose name renders to an absolute path is skipped as in
/// Backstage, with a warning; an empty conditional name stays silent.
#[test]
fn names_rendering_to_absolute_paths_are_reported() {
    let dir = tempfile::tempdir().expect("dir");
    write(&dir.path().join("skeleton/${{ values.p }}/x.txt"), "x\n");
    write(
        &dir.path()
            .join("skeleton/{% if values.no %}c{% endif %}/y.txt"),
        "y\n",
    );
    write(&dir.path().join("skeleton/kept.txt"), "k\n");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./skeleton, values: {p: /etc/cron.d}}}\n",
    );
    let report = run(dir.path(), &template, &Secrets::new(), Target::Memory).expect("run");
    let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["kept.txt"]);
    // One warning for the directory, one for the file in it; none for the
    // conditional directory.
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(
        report.warnings[1]
            .message
            .contains("renders to `/etc/cron.d/x.txt`"),
        "{:?}",
        report.warnings
    );
    // An action's warning has no place in a template text: no span, and
    // line and column 0 in JSON.
    assert_eq!(report.warnings[1].span, None);
    let json = serde_json::to_value(&report.warnings[1]).expect("json");
    assert_eq!(
        (json["line"].as_u64(), json["column"].as_u64()),
        (Some(0), Some(0))
    );
}
