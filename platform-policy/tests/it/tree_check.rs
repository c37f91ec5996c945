//! The whole check of a tree (`check_tree`): catalog validation, graph
//! problems and policy in one report, each problem reported once.

use std::collections::HashMap;

use platform_policy::{CheckOptions, Severity, check_tree};

use crate::{acme_dir, fixture};

/// `(file, line)` → the rules reported there.
fn rules_by_line(report: &platform_policy::TreeReport) -> HashMap<(String, u32), Vec<String>> {
    let mut at: HashMap<(String, u32), Vec<String>> = HashMap::new();
    for f in &report.report.findings {
        if let Some(span) = &f.diagnostic.span {
            at.entry((span.file.to_string(), span.line))
                .or_default()
                .push(f.rule().to_string());
        }
    }
    at
}

#[test]
fn each_problem_of_two_components_is_reported_once() {
    let report = check_tree(&fixture("two-components"), &CheckOptions::new()).expect("check");
    let rules: Vec<&str> = report.report.findings.iter().map(|f| f.rule()).collect();
    // The missing owner: Backstage's verdict, not the policy's re-derivation.
    assert!(rules.contains(&"entity.kind-schema"), "{rules:?}");
    assert!(!rules.contains(&"catalog.owner-required"), "{rules:?}");
    // The owner group that does not exist: the graph's error, not the
    // policy's warning.
    assert!(rules.contains(&"graph.missing-owner"), "{rules:?}");
    assert!(!rules.contains(&"catalog.owner-is-group"), "{rules:?}");
    for ((file, line), here) in rules_by_line(&report) {
        let mut unique = here.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), here.len(), "{file}:{line} repeats: {here:?}");
    }
    // The summary counts what is listed.
    let s = &report.report.summary;
    assert_eq!(s.findings, report.report.findings.len());
    let errors = report
        .report
        .active()
        .filter(|f| f.severity() == Severity::Error)
        .count();
    assert_eq!(s.errors, errors);
    assert!(report.fails_at(Severity::Error));
    assert_eq!(
        report.to_json()["summary"]["entities"],
        2,
        "the valid Component and the Group"
    );
}

#[test]
fn the_policy_alone_still_reports_what_the_tree_check_supersedes() {
    // Embedders who run only the policy keep its catalog rules.
    let policy = platform_policy::check_path(&fixture("two-components"), &CheckOptions::new())
        .expect("check");
    let rules: Vec<&str> = policy.findings.iter().map(|f| f.rule()).collect();
    assert!(rules.contains(&"catalog.owner-required"), "{rules:?}");
    assert!(rules.contains(&"catalog.owner-is-group"), "{rules:?}");
}

#[test]
fn acme_is_checked_with_catalog_graph_and_policy_findings() {
    let report = check_tree(&acme_dir(), &CheckOptions::new()).expect("check");
    let json = report.to_json();
    assert!(
        json["summary"]["entities"].as_u64().is_some_and(|n| n > 10),
        "{}",
        json["summary"]
    );
    assert_eq!(
        json["summary"]["findings"].as_u64(),
        Some(report.report.findings.len() as u64)
    );
    assert!(report.policy.findings.len() <= report.report.findings.len());
}

#[test]
fn one_manifest_or_dockerfile_is_not_read_as_a_catalog_file() {
    for file in ["custom-rules/jobs.yaml", "custom-rules/Dockerfile"] {
        let report = check_tree(&fixture(file), &CheckOptions::new()).expect("check runs");
        let catalog: Vec<String> = report
            .catalog_findings
            .iter()
            .map(|d| d.code.to_string())
            .collect();
        assert!(catalog.is_empty(), "{file}: {catalog:?}");
        assert!(
            report
                .report
                .findings
                .iter()
                .all(|f| !f.rule().starts_with("entity.")),
            "{file}"
        );
    }
    // A catalog file given alone is still validated.
    let report = check_tree(
        &fixture("custom-rules/catalog-info.yaml"),
        &CheckOptions::new(),
    )
    .expect("check runs");
    assert_eq!(report.entities, 1);
}
