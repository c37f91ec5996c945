//! Rules of our own written in CEL: the two built-in rules rewritten in
//! `examples/rules/golden-path.yaml` give the built-ins' findings; rules
//! over every artefact kind are configured, exempted and reported like
//! built-in ones; broken rule files are located findings.

use std::path::PathBuf;

use platform_policy::{CheckOptions, PolicyConfig, PolicyReport, RuleConfig, check_path};

use crate::fixture;

fn golden_path_rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/rules/golden-path.yaml")
}

/// `(severity, file:line:column, path, message)` of the findings of `rule`.
fn of(report: &PolicyReport, rule: &str) -> Vec<String> {
    let mut out: Vec<String> = report
        .active()
        .filter(|f| f.rule() == rule)
        .map(|f| {
            let at = f.diagnostic.span.as_ref().map_or_else(String::new, |s| {
                format!("{}:{}:{}", s.file, s.line, s.column)
            });
            format!(
                "{:?} {at} {} {}",
                f.severity(),
                f.path().unwrap_or(""),
                f.message()
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn rewritten_built_in_rules_give_identical_findings() {
    let builtin = check_path(&fixture("custom-rules"), &CheckOptions::new()).expect("check runs");
    let custom = check_path(
        &fixture("custom-rules"),
        &CheckOptions::new().with_rule_files([golden_path_rules()]),
    )
    .expect("check runs");
    for (ours, theirs) in [
        ("k8s.job-ttl", "example.job-ttl"),
        ("docker.expose-ssh", "example.expose-ssh"),
    ] {
        let expected = of(&builtin, ours);
        assert!(
            !expected.is_empty(),
            "{ours} finds something in the fixture"
        );
        assert_eq!(of(&custom, theirs), expected, "{theirs} vs {ours}");
    }
    assert_eq!(of(&builtin, "docker.expose-ssh").len(), 2);
    assert_eq!(of(&builtin, "k8s.job-ttl").len(), 2);
}

#[test]
fn rules_of_our_own_reach_every_artefact_kind_and_are_configured_like_built_ins() {
    let rules = fixture("custom-rules/rules.yaml");
    let report = check_path(
        &fixture("custom-rules"),
        &CheckOptions::new().with_rule_files([rules.clone()]),
    )
    .expect("check runs");
    let mut lines = Vec::new();
    for id in [
        "acme.min-replicas",
        "acme.container-names",
        "acme.final-user",
        "acme.owner",
        "acme.production-has-pdb",
    ] {
        let found = of(&report, id);
        assert!(!found.is_empty(), "{id}");
        lines.extend(found.into_iter().map(|l| format!("{id} {l}")));
    }
    assert!(
        of(&report, "acme.values-replicas").is_empty(),
        "no values file in the fixture"
    );
    insta::assert_snapshot!("custom_rule_findings", lines.join("\n"));
    // The rule's metadata is reported as a built-in's is.
    let summary = report
        .rules
        .iter()
        .find(|r| r.meta.id == "acme.min-replicas")
        .expect("rule listed");
    assert!(summary.enabled);
    let sarif = report.to_sarif().to_string();
    assert!(sarif.contains("acme.min-replicas"));
    // Options and severity come from the configuration.
    let config = PolicyConfig::new().with_rule(
        "acme.min-replicas",
        RuleConfig::default().with_option("min", serde_json::json!(1)),
    );
    let relaxed = check_path(
        &fixture("custom-rules"),
        &CheckOptions::new()
            .with_rule_files([rules.clone()])
            .with_config(config),
    )
    .expect("check runs");
    assert!(
        of(&relaxed, "acme.min-replicas").is_empty(),
        "{:?}",
        of(&relaxed, "acme.min-replicas")
    );
    let off =
        PolicyConfig::new().with_rule("acme.owner", RuleConfig::default().with_enabled(false));
    let without = check_path(
        &fixture("custom-rules"),
        &CheckOptions::new()
            .with_rule_files([rules])
            .with_config(off),
    )
    .expect("check runs");
    assert!(of(&without, "acme.owner").is_empty());
}

#[test]
fn broken_rule_files_are_located_findings() {
    let report = check_path(
        &fixture("custom-rules"),
        &CheckOptions::new().with_rule_files([fixture("custom-rules/broken-rules.yaml")]),
    )
    .expect("check runs");
    let problems: Vec<String> = report
        .active()
        .filter(|f| f.rule() == "config.invalid")
        .map(|f| {
            format!(
                "{} {}",
                f.diagnostic.span.as_ref().map_or(0, |s| s.line),
                f.message()
            )
        })
        .collect();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("5 rule `acme.broken`: the expression does not compile")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p
                .starts_with("9 rule `acme.unknown-variable`: undeclared reference to `object`")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("`domain.kebab-name`")),
        "{problems:#?}"
    );
}

#[test]
fn rules_of_our_own_are_exempted_as_built_ins_are() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: solo\n  annotations:\n    platform-policy.io/ignore.acme.min-replicas: \"a singleton by design\"\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: solo}}\n  template:\n    metadata: {labels: {app: solo}}\n    spec:\n      containers: [{name: solo, image: registry.example.com/solo:1.0.0}]\n";
    let report = platform_policy::check_sources(
        [("solo.yaml", deployment)],
        &CheckOptions::new().with_rule_files([fixture("custom-rules/rules.yaml")]),
    )
    .expect("check runs");
    let suppressed: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule() == "acme.min-replicas")
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert!(suppressed[0].is_suppressed());
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rule() == "policy.exemption")
    );
}
