//! The step engine: `if`, `each`, failures with `always()`/`failure()`,
//! outputs, events, cancellation and the staging directory.

use std::sync::{Arc, Mutex};

use platform_scaffold::{
    CancelToken, Error, Event, RunFailure, RunOptions, Secrets, StepStatus, Target,
};
use serde_json::{Value, json};

use crate::{scaffolder, template_in};

fn statuses(report: &platform_scaffold::RunReport) -> Vec<(String, StepStatus)> {
    report
        .steps
        .iter()
        .map(|s| (s.id.clone(), s.status))
        .collect()
}

#[test]
fn a_failure_skips_later_steps_unless_they_ask_and_the_first_error_wins() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:
    - {id: a, action: test:echo}
    - {id: b, action: test:fail}
    - {id: c, action: test:echo}
    - {id: d, action: test:echo, if: '${{ always() }}'}
    - {id: e, action: test:echo, if: '${{ failure() }}'}
    - {id: f, action: test:fail, if: '${{ always() }}'}
  output:
    text: [{title: never, content: rendered}]
",
    );
    let Err(RunFailure {
        error:
            Error::StepFailed {
                step,
                action,
                message,
            },
        report: Some(report),
        ..
    }) = scaffolder().run(&template, &json!({}), &Secrets::new(), Target::Memory)
    else {
        panic!("the run succeeded");
    };
    assert_eq!(
        (step.as_str(), action.as_str(), message.as_str()),
        ("b", "test:fail", "boom")
    );
    let expected = [
        ("a", StepStatus::Completed),
        ("b", StepStatus::Failed),
        ("c", StepStatus::Skipped),
        ("d", StepStatus::Completed),
        ("e", StepStatus::Completed),
        ("f", StepStatus::Failed),
    ];
    assert_eq!(
        statuses(&report),
        expected.map(|(id, s)| (id.to_owned(), s)).to_vec()
    );
    assert_eq!(report.output, Value::Null, "no output after a failure");
    // A skipped step has no output entry, as in Backstage's payload.
    let json = serde_json::to_value(&report.steps).expect("json");
    assert!(json[2].get("output").is_none(), "{}", json[2]);
    assert!(json[0]["output"].is_object(), "{}", json[0]);
}

#[test]
fn if_follows_backstage_truthiness() {
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        ("false", false),
        ("true", true),
        ("'false'", true),
        ("'0'", true),
        ("''", false),
        ("'${{ parameters.f }}'", false),
        ("'${{ parameters.fs }}'", true),
        ("'${{ parameters.zero }}'", false),
        ("'${{ parameters.empty }}'", false),
        ("'${{ parameters.missing }}'", false),
        ("'${{ parameters.obj }}'", true),
        ("'${{ parameters.f | nosuchfilter }}'", true),
        (
            "'{% if parameters.f %}true{% else %}false{% endif %}'",
            false,
        ),
    ];
    let steps: String = cases
        .iter()
        .enumerate()
        .map(|(i, (cond, _))| format!("    - {{id: s{i}, action: test:echo, if: {cond}}}\n"))
        .collect();
    let template = template_in(
        dir.path(),
        &format!(
            "  parameters:\n    properties:\n      f: {{type: boolean}}\n      fs: {{type: string}}\n      zero: {{type: number}}\n      empty: {{type: array}}\n      obj: {{type: object}}\n      missing: {{type: string}}\n  steps:\n{steps}"
        ),
    );
    let values = json!({"f": false, "fs": "false", "zero": 0, "empty": [], "obj": {}});
    let report = scaffolder()
        .run(&template, &values, &Secrets::new(), Target::Memory)
        .expect("run");
    for (i, (cond, runs)) in cases.iter().enumerate() {
        let status = report.steps[i].status;
        assert_eq!(
            status == StepStatus::Completed,
            *runs,
            "if: {cond} gave {status:?}"
        );
    }
}

#[test]
fn each_iterates_arrays_and_objects_and_appends_outputs() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  parameters:
    properties:
      names: {type: array}
      map: {type: object}
  steps:
    - id: list
      action: test:echo
      each: ${{ parameters.names }}
      if: ${{ each.value != 'skip' }}
      input: {key: '${{ each.key }}', value: '${{ each.value }}'}
    - id: map
      action: test:echo
      each: ${{ parameters.map }}
      input: {key: '${{ each.key }}', value: '${{ each.value }}'}
    - id: literal
      action: test:echo
      each: [x]
      input: {value: '${{ each.value }}'}
    - id: empty
      action: test:echo
      each: []
  output:
    keys: ${{ steps.list.output.echo | map(attribute='key') | join(',') }}
    mapped: ${{ steps['map'].output.echo }}
    empty: ${{ steps.empty.output }}
",
    );
    let values = json!({"names": ["a", "skip", "c"], "map": {"z": 1, "y": 2}});
    let report = scaffolder()
        .run(&template, &values, &Secrets::new(), Target::Memory)
        .expect("run");
    assert_eq!(report.output["keys"], "0,2");
    assert_eq!(
        report.output["mapped"],
        json!([{"key": "z", "value": 1}, {"key": "y", "value": 2}])
    );
    assert_eq!(report.output["empty"], json!({}));
    assert_eq!(report.steps[2].output, json!({"echo": [{"value": "x"}]}));
}

#[test]
fn each_errors_use_backstage_wording_and_nothing_runs_before_all_iterations_validate() {
    let dir = tempfile::tempdir().expect("dir");
    for (each, expected) in [
        ("${{ parameters.missing }}", "cannot be resolved to a value"),
        ("${{ parameters.n }}", "must resolve to an array or object"),
    ] {
        let template = template_in(
            dir.path(),
            &format!(
                "  parameters:\n    properties:\n      n: {{type: number}}\n  steps:\n    - {{id: s, action: test:echo, each: '{each}'}}\n"
            ),
        );
        let Err(Error::StepFailed { message, .. }) = scaffolder()
            .run(&template, &json!({"n": 3}), &Secrets::new(), Target::Memory)
            .map_err(Error::from)
        else {
            panic!("each {each} ran");
        };
        assert!(
            message.starts_with("Invalid value on action test:echo.each parameter"),
            "{message}"
        );
        assert!(message.contains(expected), "{message}");
    }
    // The second iteration's input is invalid: the first must not run.
    let template = template_in(
        dir.path(),
        "  steps:\n    - id: del\n      action: fs:delete\n      each: [['a'], 'not-a-list']\n      input: {files: '${{ each.value }}'}\n",
    );
    let Err(RunFailure {
        error: Error::StepFailed { message, .. },
        report: Some(report),
        ..
    }) = scaffolder().run(&template, &json!({}), &Secrets::new(), Target::Memory)
    else {
        panic!("ran");
    };
    assert!(
        message.contains("Invalid input passed to action fs:delete"),
        "{message}"
    );
    assert!(
        !report
            .log
            .iter()
            .any(|l| l.body.message.starts_with("deleted")),
        "an iteration ran before validation finished"
    );
}

#[test]
fn outputs_render_after_success_with_if_filtering_and_default_ids() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:
    - action: test:echo
      input: {url: https://example.com/repo}
    - {id: my-step, action: test:echo, input: {n: 1}}
  output:
    links:
      - {title: Repo, url: '${{ steps[\"step-1\"].output.echo.url }}'}
      - {title: Hidden, url: x, if: '${{ false }}'}
      - {title: Literal false string stays, url: y, if: 'false'}
      - {if: '${{ true }}', title: Ordered, url: z, icon: github}
    text:
      - {title: Dash, content: '${{ steps.my-step.output.echo.n }}'}
      - {title: Bracket, content: '${{ steps[\"my-step\"].output.echo.n }}'}
",
    );
    let report = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    assert_eq!(report.steps[0].id, "step-1");
    assert_eq!(report.steps[0].name, "test:echo");
    let links = report.output["links"].as_array().expect("links");
    let titles: Vec<&str> = links.iter().filter_map(|l| l["title"].as_str()).collect();
    assert_eq!(
        titles,
        vec!["Repo", "Literal false string stays", "Ordered"]
    );
    // Taking `if` out keeps the other keys in their order.
    let keys: Vec<&String> = links[2].as_object().expect("link").keys().collect();
    assert_eq!(keys, ["title", "url", "icon"]);
    assert_eq!(links[0]["url"], "https://example.com/repo");
    assert!(links.iter().all(|l| l.get("if").is_none()));
    // `steps.my-step` is a subtraction: NaN, which JSON makes null.
    assert_eq!(
        report.output["text"][0],
        json!({"title": "Dash", "content": null})
    );
    assert_eq!(report.output["text"][1]["content"], 1);
}

#[test]
fn events_stream_in_order_and_cancellation_stops_the_run() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {id: one, action: test:echo}\n    - {id: two, action: test:echo, if: false}\n    - {id: wait, action: debug:wait, input: {seconds: 30}}\n",
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let cancel = CancelToken::new();
    let (sink, token) = (Arc::clone(&seen), cancel.clone());
    let options = RunOptions::default()
        .with_cancel_token(cancel.clone())
        .with_on_event(move |event| {
            if let Event::StepStarted { step_id, .. } = event
                && step_id == "wait"
            {
                token.cancel();
            }
            sink.lock().expect("lock").push(event.clone());
        });
    let started = std::time::Instant::now();
    let result = scaffolder().with_options(options).run(
        &template,
        &json!({}),
        &Secrets::new(),
        Target::Memory,
    );
    assert!(
        matches!(
            result,
            Err(RunFailure {
                error: Error::Cancelled,
                ..
            })
        ),
        "{result:?}"
    );
    assert!(
        started.elapsed().as_secs() < 10,
        "debug:wait noticed the cancellation"
    );
    let events = seen.lock().expect("lock");
    let kinds: Vec<String> = events
        .iter()
        .filter(|e| !matches!(e, Event::Log { .. }))
        .map(|e| match e {
            Event::StepStarted { step_id, .. } => format!("start {step_id}"),
            Event::StepSkipped { step_id, .. } => format!("skip {step_id}"),
            Event::StepFinished {
                step_id, status, ..
            } => format!("finish {step_id} {status:?}"),
            _ => String::new(),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "start one",
            "finish one Completed",
            "skip two",
            "start wait"
        ]
    );
}

#[test]
fn a_failed_run_leaves_no_output_and_a_non_empty_output_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("dir");
    std::fs::write(dir.path().join("skeleton/a.txt"), "a").expect("write");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {action: fetch:plain, input: {url: ./skeleton}}\n    - {action: test:fail}\n",
    );
    let out = dir.path().join("out");
    assert!(
        scaffolder()
            .run(
                &template,
                &json!({}),
                &Secrets::new(),
                Target::Directory(&out)
            )
            .is_err()
    );
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only the template and the skeleton remain: {leftovers:?}"
    );
    std::fs::create_dir_all(&out).expect("dir");
    std::fs::write(out.join("keep.txt"), "mine").expect("write");
    let error = scaffolder()
        .run(
            &template,
            &json!({}),
            &Secrets::new(),
            Target::Directory(&out),
        )
        .expect_err("refused");
    assert!(matches!(error.error, Error::Target(_)), "{error}");
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).expect("kept"),
        "mine"
    );
}

#[test]
fn strict_mode_locates_undefined_values_in_the_template_file() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - id: s\n      action: test:echo\n      input:\n        name: ${{ parameters.nmae }}\n",
    );
    let lenient = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("lenient run");
    assert_eq!(
        lenient.steps[0].output,
        json!({"echo": {}}),
        "undefined drops the key"
    );
    assert!(
        lenient
            .warnings
            .iter()
            .any(|w| w.message.contains("undefined")),
        "{:?}",
        lenient.warnings
    );
    let strict = scaffolder().with_options(RunOptions::default().with_strict(true));
    let Err(Error::StepFailed { message, .. }) = strict
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .map_err(Error::from)
    else {
        panic!("strict run succeeded");
    };
    assert!(message.contains("template.yaml:11:"), "{message}");
    assert!(message.contains("input.name"), "{message}");
}

#[test]
fn invalid_values_stop_the_run_before_any_step() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  parameters:\n    - title: Details\n      required: [name]\n      properties:\n        name: {type: string}\n  steps:\n    - action: test:fail\n",
    );
    let Err(Error::InvalidParameters { errors }) = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .map_err(Error::from)
    else {
        panic!("ran");
    };
    assert_eq!(errors[0].parameter, "name");
}

#[test]
fn dry_runs_skip_actions_without_support_with_example_outputs() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - id: pub\n      action: publish:git\n      input: {remoteUrl: /nonexistent/repo.git}\n    - {id: echo, action: test:echo, input: {hash: '${{ steps.pub.output.commitHash }}'}}\n",
    );
    let report = scaffolder()
        .dry_run(&template, &json!({}), &Secrets::new())
        .expect("dry run");
    assert_eq!(
        report.steps[0].output,
        json!({"remoteUrl": "<example>", "commitHash": "<example>"})
    );
    assert_eq!(
        report.steps[1].output,
        json!({"echo": {"hash": "<example>"}})
    );
    assert!(
        report
            .log
            .iter()
            .any(|l| l.body.message == "Skipping because publish:git does not support dry-run")
    );
}

#[test]
fn context_names_are_backstages() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - id: ctx\n      action: test:echo\n      input: {user: '${{ user.ref }}', task: '${{ context.task.id }}', env: '${{ environment.parameters.region }}', home: '${{ process.env.HOME }}'}\n",
    );
    let mut parameters = serde_json::Map::new();
    parameters.insert("region".into(), Value::from("eu"));
    let options = RunOptions::default()
        .with_user("user:default/jane", None)
        .with_task_id("t-1")
        .with_environment(parameters, Secrets::new());
    let report = scaffolder()
        .with_options(options)
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    assert_eq!(
        report.steps[0].output["echo"],
        json!({"user": "user:default/jane", "task": "t-1", "env": "eu"})
    );
}

/// `debug:log` logs its whole input as indented JSON before the message,
/// as Backstage's does.
#[test]
fn debug_log_echoes_its_input_first() {
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        "  steps:\n    - {id: say, action: debug:log, input: {message: hi, listWorkspace: false}}\n",
    );
    let report = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("run");
    let lines: Vec<&str> = report
        .log
        .iter()
        .filter(|l| l.body.step_id.as_deref() == Some("say"))
        .map(|l| l.body.message.as_str())
        .collect();
    let echo = lines
        .iter()
        .position(|m| *m == "{\n  \"message\": \"hi\",\n  \"listWorkspace\": false\n}");
    let message = lines.iter().position(|m| *m == "hi");
    assert!(
        matches!((echo, message), (Some(e), Some(m)) if e < m),
        "{lines:#?}"
    );
}

#[test]
fn undefined_values_in_skeleton_files_warn_with_the_file_and_position() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("skeleton")).expect("dir");
    std::fs::write(
        dir.path().join("skeleton/a.txt"),
        // An undefined `if` is the conditional idiom: no warning for it.
        "line one{% if values.flag %}!{% endif %}\nhi ${{ values.absent }} and ${{ values.name }} ${{ values.other }}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("skeleton/b.txt"), "${{ values.name }}\n").expect("write");
    let template = template_in(
        dir.path(),
        "  steps:\n    - id: f\n      action: fetch:template\n      input:\n        url: ./skeleton\n        values: {name: svc}\n",
    );
    let report = scaffolder()
        .run(&template, &json!({}), &Secrets::new(), Target::Memory)
        .expect("lenient run");
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let warning = &report.warnings[0];
    assert_eq!(warning.step.as_deref(), Some("f"));
    assert_eq!(warning.template, "./skeleton/a.txt");
    assert!(
        warning.message.contains("`values.absent` is undefined"),
        "{}",
        warning.message
    );
    let span = warning.span.as_ref().expect("located");
    assert_eq!(
        (&*span.file, span.line, span.column),
        ("./skeleton/a.txt", 2, 8)
    );
}

/// The template output of the runner oracle's table (recorded from
/// Backstage's runner): values, `links`/`text` filtered by `if`, and every
/// object's key order.
#[test]
fn template_output_matches_backstages_runner() {
    let oracle: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::fixtures().join("oracle/type-preservation.json"))
            .expect("oracle"),
    )
    .expect("json");
    let dir = tempfile::tempdir().expect("dir");
    let template = template_in(
        dir.path(),
        &format!("  steps: []\n  output: {}\n", oracle["output"]["template"]),
    );
    let report = scaffolder()
        .run(
            &template,
            &oracle["context"]["parameters"],
            &Secrets::new(),
            Target::Memory,
        )
        .expect("run");
    // Compared as text: JSON maps compare equal whatever their order.
    assert_eq!(
        serde_json::to_string(&report.output).expect("json"),
        serde_json::to_string(&oracle["output"]["backstage"]).expect("json")
    );
}
