//! Bad input: every problem is a located finding, never a panic or an `Err`.

use platform_policy::dockerfile::Dockerfile;
use platform_policy::{CheckOptions, Error, Inputs, check_path, ids};
use proptest::prelude::*;

use crate::{check_fixture, fixture};

#[test]
fn broken_files_are_located_findings() {
    let report = check_fixture("bad", &CheckOptions::new());
    let located: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule().starts_with("input.") || f.rule() == ids::DOCKER_SYNTAX)
        .map(|f| {
            let s = f
                .diagnostic
                .span
                .as_ref()
                .expect("every input finding is located");
            format!(
                "{} {}:{}:{} {}",
                f.rule(),
                s.file,
                s.line,
                s.column,
                f.message()
            )
        })
        .collect();
    insta::assert_debug_snapshot!("bad_input_findings", located);
}

#[test]
fn non_utf8_files_are_unreadable_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("values.yaml"), b"replicaCount: 2\n\xff\xfe").expect("write");
    std::fs::write(dir.path().join("blob"), b"\x00\x01\x02").expect("write");
    let report = check_path(dir.path(), &CheckOptions::new()).expect("check");
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(f.rule(), ids::INPUT_UNREADABLE);
    assert_eq!(
        f.diagnostic.span.as_ref().map(|s| (s.line, s.column)),
        Some((2, 1))
    );
}

#[test]
fn a_config_naming_unknown_rules_is_located() {
    let options = CheckOptions::new().with_config_file(fixture("bad/policy.yaml"));
    let report = check_fixture("workloads", &options);
    let config: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule().starts_with("config."))
        .map(|f| {
            format!(
                "{} line {}: {}",
                f.rule(),
                f.diagnostic.span.as_ref().map_or(0, |s| s.line),
                f.message()
            )
        })
        .collect();
    insta::assert_debug_snapshot!("bad_config_findings", config);
    // The rest of the configuration still applies: the check ran.
    assert!(report.active().any(|f| f.rule() == "k8s.privileged"));
}

#[test]
fn missing_paths_are_errors() {
    let err = check_path(&fixture("does-not-exist"), &CheckOptions::new()).expect_err("missing");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let err =
        platform_policy::Checker::new(&CheckOptions::new().with_config_file(fixture("nope.yaml")))
            .expect_err("missing config");
    assert!(matches!(err, Error::NotFound { .. }));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_dockerfile_parser_never_panics(text in "(FROM|RUN|ARG|COPY|USER|#|<<|\\\\|\\$\\{|\\}|\\[|\"| |\n|[a-zA-Z0-9:=-]){0,200}") {
        let df = Dockerfile::parse("Dockerfile".into(), &text);
        for ins in &df.instructions {
            prop_assert!(ins.span.end <= text.len());
            prop_assert!(ins.line <= ins.end_line);
        }
    }

    #[test]
    fn the_dockerfile_parser_never_panics_on_any_text(text in "\\PC{0,300}") {
        let _ = Dockerfile::parse("Dockerfile".into(), &text);
    }

    #[test]
    fn classification_and_rules_never_panic(text in "(apiVersion: apps/v1\n|kind: Deployment\n|kind: List\n|items:\n|metadata:\n|  name: x\n|spec:\n|  - |  |replicaCount: |image:|\\{|\\}|\\[|\\]|---\n|[a-z0-9: ]){0,120}") {
        let mut inputs = Inputs::new();
        inputs.add_source("m.yaml", text.as_str());
        inputs.add_source("values.yaml", text.as_str());
        let checker = platform_policy::Checker::new(&CheckOptions::new()).expect("checker");
        let report = checker.check_inputs(inputs);
        let _ = report.to_sarif();
    }

    #[test]
    fn selector_strings_never_panic(text in "\\PC{0,80}") {
        let _ = platform_policy::selector::LabelSelector::parse(&text);
    }
}
