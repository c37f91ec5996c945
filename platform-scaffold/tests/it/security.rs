//! One test per advisory of spec §5 (and the hardening around it): every
//! file operation stays in the workspace, skeletons cannot link out, and
//! secrets stay out of logs, transformed or not.

use std::path::Path;

use platform_scaffold::{Error, RunOptions, Secrets, Target};
use serde_json::json;

use crate::{scaffolder, template_in};

fn run_error(dir: &Path, spec: &str) -> String {
    let template = template_in(dir, spec);
    match scaffolder()
        .run(
            &template,
            &json!({}),
            &Secrets::new(),
            Target::Directory(&dir.join("out")),
        )
        .map_err(Error::from)
    {
        Ok(_) => panic!("the run succeeded"),
        Err(Error::StepFailed { message, .. }) => {
            assert!(!dir.join("out").exists(), "nothing is written on failure");
            message
        }
        Err(other) => other.to_string(),
    }
}

/// CVE-2026-24046: a skeleton symlink to a directory outside (which let
/// `debug:log` read and `fs:delete` delete there) is refused at fetch.
#[cfg(unix)]
#[test]
fn cve_2026_24046_skeleton_symlinks_out_are_refused() {
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("secret.txt"), "host secret").expect("write");
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("dir");
    std::os::unix::fs::symlink(
        "../../../../../../../../..",
        dir.path().join("skeleton/root"),
    )
    .expect("link");
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: fetch:plain, input: {url: ./skeleton}}\n    - {action: debug:log, input: {listWorkspace: with-contents}}\n    - {action: fs:delete, input: {files: ['root/**']}}\n",
    );
    assert!(
        message.contains("`root` is a symlink that points outside the skeleton"),
        "{message}"
    );
    assert!(
        !message.contains(&*dir.path().to_string_lossy()),
        "host paths leak: {message}"
    );
    assert!(outside.path().join("secret.txt").exists());
}

/// CVE-2026-24046, the delete side: globs and paths may not climb out.
#[test]
fn cve_2026_24046_deletes_and_renames_stay_inside() {
    let dir = tempfile::tempdir().expect("dir");
    for spec in [
        "  steps:\n    - {action: fs:delete, input: {files: ['../*']}}\n",
        "  steps:\n    - {action: fs:delete, input: {files: ['a/../../x']}}\n",
        "  steps:\n    - {action: fs:rename, input: {files: [{from: x, to: ../y}]}}\n",
        "  steps:\n    - {action: fs:readdir, input: {paths: ['..']}}\n",
    ] {
        let message = run_error(dir.path(), spec);
        assert!(
            message.contains("outside the workspace"),
            "{spec}: {message}"
        );
    }
}

/// CVE-2026-24047: symlink chains and dangling links that end outside.
#[cfg(unix)]
#[test]
fn cve_2026_24047_chains_and_dangling_links_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let skeleton = dir.path().join("skeleton");
    std::fs::create_dir_all(&skeleton).expect("dir");
    std::os::unix::fs::symlink("second", skeleton.join("first")).expect("link");
    std::os::unix::fs::symlink("../../escape-target", skeleton.join("second")).expect("link");
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./skeleton}}\n",
    );
    assert!(message.contains("points outside the skeleton"), "{message}");
    std::fs::remove_file(skeleton.join("second")).expect("rm");
    std::os::unix::fs::symlink("/nonexistent/dangling", skeleton.join("second")).expect("link");
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./skeleton}}\n",
    );
    assert!(message.contains("symlink"), "{message}");
}

/// Extraction-style escapes: rendered names, targetPath and url.
#[test]
fn rendered_paths_target_paths_and_urls_cannot_escape() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton/${{ values.name }}")).expect("dir");
    std::fs::write(dir.path().join("skeleton/${{ values.name }}/f.txt"), "x").expect("write");
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./skeleton, values: {name: ../../escape}}}\n",
    );
    assert!(
        message.contains("Relative path is not allowed to refer to a directory outside its parent"),
        "{message}"
    );
    assert!(!dir.path().join("escape").exists());
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./skeleton, targetPath: ../out2}}\n",
    );
    assert!(message.contains("outside its parent"), "{message}");
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ../}}\n",
    );
    assert!(
        message.contains("outside the template's directory"),
        "{message}"
    );
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: 'file:///etc'}}\n",
    );
    assert!(message.contains("absolute URL"), "{message}");
    // Nested names are fine.
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./skeleton, values: {name: a/b/c}}}\n",
    );
    let report = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("nested");
    assert_eq!(report.files[0].path, "a/b/c/f.txt");
}

/// A missing skeleton names the url, not the server path.
#[test]
fn missing_skeletons_do_not_reveal_host_paths() {
    let dir = tempfile::tempdir().expect("dir");
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: fetch:template, input: {url: ./nowhere}}\n",
    );
    assert!(message.contains("./nowhere"), "{message}");
    assert!(
        !message.contains(&*dir.path().to_string_lossy()),
        "{message}"
    );
}

/// GHSA-3x3q-ghcp-whf7 and CVE-2026-29184: secrets in logged values, and
/// secrets transformed by filters, are redacted.
#[test]
fn secrets_and_values_derived_from_them_are_redacted() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:
    - action: fetch:template
      input: {url: ./skeleton, values: {token: '${{ secrets.token }}'}}
    - action: debug:log
      input: {message: 'plain=${{ secrets.token }} upper=${{ secrets.token | upper }} rev=${{ secrets.token | reverse }} url=${{ secrets.token | urlencode }}'}
    - action: test:echo
      each: ['${{ secrets.token | replace(\"-\", \"_\") }}']
      input: {value: '${{ each.value }}'}
",
    );
    let token = "tok-12345/abc def";
    let secrets = Secrets::new().with("token", token);
    let forms = [
        token.to_owned(),
        token.to_uppercase(),
        token.chars().rev().collect(),
        "tok-12345%2Fabc%20def".to_owned(),
        token.replace('-', "_"),
    ];
    for dry_run in [false, true] {
        let log = if dry_run {
            scaffolder()
                .dry_run(&template, &json!({}), &secrets)
                .expect("dry run")
                .log
        } else {
            scaffolder()
                .run(&template, &json!({}), &secrets, Target::Memory)
                .expect("run")
                .log
        };
        let text: Vec<&str> = log.iter().map(|l| l.body.message.as_str()).collect();
        let all = text.join("\n");
        for form in &forms {
            assert!(
                !all.contains(form.as_str()),
                "`{form}` leaked (dry run {dry_run}):\n{all}"
            );
        }
        // The message differs when rendered without secrets, so all of it is masked.
        assert!(text.contains(&"***"), "{all}");
    }
    assert_eq!(format!("{secrets:?}"), "{\"token\"}");
}

/// CVE-2026-32237: a dry run does not see the server's environment secrets.
#[test]
fn dry_runs_blank_environment_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {id: e, action: test:echo, input: {v: '${{ environment.secrets.db }}'}}\n",
    );
    let options = RunOptions::default().with_environment(
        serde_json::Map::new(),
        Secrets::new().with("db", "server-password"),
    );
    let scaffolder = scaffolder().with_options(options);
    let real = scaffolder
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    // The report is read by people: step outputs are masked like the log.
    assert_eq!(real.steps[0].output["echo"]["v"], "***");
    assert!(
        !real
            .log
            .iter()
            .any(|l| l.body.message.contains("server-password")),
        "redacted in logs"
    );
    let dry = scaffolder
        .dry_run(&template, &json!({}), &Secrets::new())
        .expect("dry run");
    assert_eq!(dry.steps[0].output["echo"], json!({}));
}

/// Secrets are not visible outside inputs and `each` (a plain `if`, the output).
#[test]
fn secrets_are_only_visible_to_inputs() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {id: s, action: test:echo, if: '${{ secrets.token }}'}\n  output:\n    leaked: '${{ secrets.token }}'\n",
    );
    let report = scaffolder()
        .run(
            &template,
            &json!({}),
            &Secrets::new().with("token", "abc123"),
            Target::Memory,
        )
        .expect("run");
    assert_eq!(
        report.steps[0].status,
        platform_scaffold::StepStatus::Skipped
    );
    assert_eq!(report.output, json!({}));
}

/// Templates cannot reach the environment, files or the network.
#[test]
fn templates_have_no_access_to_the_host() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - id: s\n      action: test:echo\n      input: {a: '${{ process.env.HOME }}', b: \"${{ range(10000000000) | length }}\", c: '{% include \"/etc/passwd\" %}'}\n",
    );
    let report = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    let echo = &report.steps[0].output["echo"];
    assert!(echo.get("a").is_none());
    assert!(!echo.to_string().contains("root:"), "{echo}");
}

/// Git options cannot be smuggled through inputs.
#[test]
fn git_inputs_cannot_become_options() {
    let dir = tempfile::tempdir().expect("dir");
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: publish:git, input: {remoteUrl: '--upload-pack=touch /tmp/pwned'}}\n",
    );
    assert!(message.contains("not allowed"), "{message}");
    let message = run_error(
        dir.path(),
        "  steps:\n    - {action: publish:git, input: {remoteUrl: /tmp/x.git, defaultBranch: '--force'}}\n",
    );
    assert!(message.contains("not allowed"), "{message}");
}

/// `failure()` is true after a failed step whether or not secrets are
/// blanked, so with a secret set a message using it is not mistaken for a
/// value derived from the secret (Backstage prints it).
#[test]
fn status_functions_are_not_taken_for_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:
    - {id: boom, action: test:fail}
    - id: report
      if: '${{ always() }}'
      action: debug:log
      input: {message: 'failed=${{ failure() }}'}
",
    );
    let secrets = Secrets::new().with("token", "hunter2-very-secret");
    let Err(failure) = scaffolder().run(&template, &json!({}), &secrets, Target::Memory) else {
        panic!("the run succeeded");
    };
    let report = failure.report.expect("report");
    let text: Vec<&str> = report.log.iter().map(|l| l.body.message.as_str()).collect();
    assert!(text.iter().any(|m| m.contains("failed=true")), "{text:#?}");
    assert!(!text.iter().any(|m| m.contains("***")), "{text:#?}");
}

/// A template in a repository may fetch a skeleton elsewhere in that
/// repository with `../`, but never above its root nor into its `.git`.
#[test]
fn fetch_urls_climb_only_to_the_repository_root() {
    let repo = tempfile::tempdir().expect("repo");
    std::fs::create_dir_all(repo.path().join(".git")).expect("git dir");
    std::fs::write(repo.path().join(".git/config"), "[remote]\n").expect("config");
    std::fs::create_dir_all(repo.path().join("skeletons/shared")).expect("skeleton");
    std::fs::write(
        repo.path().join("skeletons/shared/hello.txt"),
        "hello ${{ values.name }}\n",
    )
    .expect("write");
    let dir = repo.path().join("templates/svc");
    std::fs::create_dir_all(&dir).expect("template dir");
    let template = template_in(
        &dir,
        "  steps:\n    - {action: fetch:template, input: {url: ../../skeletons/shared, values: {name: x}}}\n",
    );
    scaffolder()
        .run(
            &template,
            &json!({}),
            &Secrets::new(),
            Target::Directory(&dir.join("out")),
        )
        .expect("a skeleton in the same repository");
    assert_eq!(
        std::fs::read_to_string(dir.join("out/hello.txt")).expect("fetched"),
        "hello x\n"
    );
    for (url, says) in [
        ("../../..", "outside the template's repository"),
        ("../../../elsewhere", "outside the template's repository"),
        ("../../.git", "git metadata"),
        ("../../skeletons/../.git/config", "git metadata"),
    ] {
        std::fs::remove_dir_all(dir.join("out")).ok();
        let message = run_error(
            &dir,
            &format!("  steps:\n    - {{action: fetch:plain, input: {{url: '{url}'}}}}\n"),
        );
        assert!(message.contains(says), "{url}: {message}");
    }
}
