//! `fetch:cookiecutter` with a stand-in program that records what it was
//! given (the arguments and the merged `cookiecutter.json`) and renders one
//! file, and with a real `cookiecutter` when `PLATFORM_TEST_COOKIECUTTER`
//! names one.

use std::path::{Path, PathBuf};

use platform_scaffold::actions::{ActionRegistry, FetchCookiecutter};
use platform_scaffold::{Error, RunReport, Scaffolder, Secrets, Target};
use serde_json::{Value, json};

use crate::template_in;

const STAND_IN: &str = r#"#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
out = args[args.index("-o") + 1]
template = args[-1]
config = json.load(open(os.path.join(template, "cookiecutter.json")))
project = os.path.join(out, "contents")
os.makedirs(os.path.join(project, "docs"))
open(os.path.join(project, "README.md"), "w").write("name=%s\n" % config["name"])
json.dump({"args": args, "config": config, "home": os.environ.get("HOME"),
           "token": os.environ.get("GITHUB_TOKEN")}, open(os.path.join(project, "docs", "seen.json"), "w"))
"#;

fn stand_in(dir: &Path) -> PathBuf {
    let program = dir.join("cookiecutter-stand-in");
    std::fs::write(&program, STAND_IN).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    program
}

fn run(program: &Path, dir: &Path, spec: &str) -> Result<RunReport, Error> {
    let mut registry = ActionRegistry::with_builtins();
    registry.register(FetchCookiecutter::new(program));
    let template = template_in(dir, spec);
    Scaffolder::new(registry)
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .map_err(Error::from)
}

fn file<'r>(report: &'r RunReport, path: &str) -> &'r str {
    let entry = report
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| {
            panic!(
                "{path} in {:?}",
                report.files.iter().map(|f| &f.path).collect::<Vec<_>>()
            )
        });
    std::str::from_utf8(&entry.content).expect("text")
}

#[cfg(unix)]
#[test]
fn values_are_merged_over_the_skeletons_config_and_the_result_lands_in_target_path() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(
        dir.path().join("skeleton/cookiecutter.json"),
        r#"{"name": "default", "kept": "yes"}"#,
    )
    .expect("write");
    let program = stand_in(dir.path());
    let report = run(
        &program,
        dir.path(),
        "  steps:\n    - {action: fetch:cookiecutter, input: {url: ./skeleton, targetPath: svc, values: {name: payments}, copyWithoutRender: ['*.png']}}\n",
    )
    .expect("run");
    assert_eq!(file(&report, "svc/README.md"), "name=payments\n");
    let seen: Value = serde_json::from_str(file(&report, "svc/docs/seen.json")).expect("json");
    assert_eq!(
        seen["config"],
        json!({"name": "payments", "kept": "yes", "_copy_without_render": ["*.png"]})
    );
    let args: Vec<&str> = seen["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(&args[..4], ["--no-input", "--accept-hooks", "no", "-o"]);
    assert_eq!(seen["token"], Value::Null, "the environment is emptied");
    assert!(seen["home"].as_str().is_some_and(|h| h.ends_with("/home")));
}

#[cfg(unix)]
#[test]
fn template_code_as_an_extension_is_refused_and_a_missing_program_said() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("skeleton");
    std::fs::write(
        dir.path().join("skeleton/cookiecutter.json"),
        r#"{"name": "x", "_extensions": ["local_extensions.Evil"]}"#,
    )
    .expect("write");
    let program = stand_in(dir.path());
    let error = run(
        &program,
        dir.path(),
        "  steps:\n    - {action: fetch:cookiecutter, input: {url: ./skeleton, values: {}}}\n",
    )
    .expect_err("refused");
    assert!(error.to_string().contains("is not allowed"), "{error}");
    let error = run(
        &dir.path().join("no-such-cookiecutter"),
        dir.path(),
        "  steps:\n    - {action: fetch:cookiecutter, input: {url: ./skeleton, values: {}, extensions: [jinja2_time.TimeExtension]}}\n",
    )
    .expect_err("missing");
    assert!(
        error.to_string().contains("cookiecutter is not installed"),
        "{error}"
    );
}

/// With a real cookiecutter (`PLATFORM_TEST_COOKIECUTTER=/path/to/cookiecutter`):
/// the project directory's files are rendered with the merged values.
#[test]
fn a_real_cookiecutter_renders_the_skeleton() {
    let Some(program) = std::env::var_os("PLATFORM_TEST_COOKIECUTTER") else {
        eprintln!("PLATFORM_TEST_COOKIECUTTER is not set: the stand-in tests cover the action");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton/src")).expect("skeleton");
    std::fs::write(
        dir.path().join("skeleton/cookiecutter.json"),
        r#"{"name": "x"}"#,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("skeleton/src/{{ cookiecutter.name }}.txt"),
        "hello {{ cookiecutter.name }}\n",
    )
    .expect("write");
    let report = run(
        Path::new(&program),
        dir.path(),
        "  steps:\n    - {action: fetch:cookiecutter, input: {url: ./skeleton, values: {name: svc}}}\n",
    )
    .expect("run");
    assert_eq!(file(&report, "src/svc.txt"), "hello svc\n");
}
