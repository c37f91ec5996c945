//! The `platform` command line: exit codes and the JSON contracts the README
//! documents.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn platform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platform"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("run platform")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

const MISTAKES: &str = "platform-model/tests/fixtures/render/mistakes.yaml";

#[test]
fn the_acme_example_is_valid() {
    let out = platform(&["validate", "examples/acme", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = json(&out);
    assert_eq!(report["summary"]["valid"], 21);
    assert_eq!(report["summary"]["invalid"], 0);
    assert!(
        report["relations"]
            .as_array()
            .is_some_and(|r| r.len() == 84)
    );
    let payment = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["entity"] == "component:default/payment-service")
        .expect("payment-service");
    assert_eq!(
        payment["file"],
        "components/payment-service/catalog-info.yaml"
    );
    assert_eq!(payment["document"], 0);
    assert_eq!(payment["valid"], true);
}

#[test]
fn following_the_root_location_finds_the_same_entities() {
    let out = platform(&[
        "validate",
        "examples/acme/catalog-info.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["summary"]["valid"], 21);
}

#[test]
fn invalid_files_exit_1_and_every_error_is_located() {
    let out = platform(&["validate", MISTAKES, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let documents = report["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 4);
    for doc in documents {
        for key in [
            "file", "document", "line", "column", "entity", "valid", "errors",
        ] {
            assert!(doc.get(key).is_some(), "{key} missing in {doc}");
        }
        assert_eq!(doc["file"], "mistakes.yaml");
        for error in doc["errors"].as_array().expect("errors") {
            for key in ["code", "message", "path", "line", "column"] {
                assert!(error.get(key).is_some(), "{key} missing in {error}");
            }
            assert!(error["line"].as_u64().is_some_and(|l| l > 0));
        }
    }
    assert_eq!(documents[2]["entity"], Value::Null);
    assert_eq!(documents[1]["entity"], "component:default/lowercase-kind");
    assert_eq!(documents[0]["errors"].as_array().map(Vec::len), Some(1));
    let full = json(&platform(&[
        "validate",
        MISTAKES,
        "--format",
        "json",
        "--all-errors",
    ]));
    assert!(
        full["documents"][0]["errors"]
            .as_array()
            .map_or(0, Vec::len)
            > 1
    );
}

#[test]
fn text_output_has_snippets_and_a_summary() {
    let out = platform(&["validate", MISTAKES]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--> mistakes.yaml:5:9"), "{text}");
    assert!(text.contains("  name: Payment Service"), "{text}");
    assert!(text.contains("failed: 4 documents in 1 files"), "{text}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(
        platform(&["validate", "does/not/exist"]).status.code(),
        Some(2)
    );
    assert_eq!(
        platform(&["validate", "--format", "yaml", "examples/acme"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(platform(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn generated_organisations_validate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("org");
    let out = platform(&[
        "generate",
        "--entities",
        "300",
        "--out",
        out_dir.to_str().expect("utf8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&platform(&[
        "validate",
        out_dir.join("catalog-info.yaml").to_str().expect("utf8"),
        "--format",
        "json",
    ]));
    assert_eq!(report["summary"]["valid"], 301);
    // The output directory must be empty.
    assert_eq!(
        platform(&[
            "generate",
            "--entities",
            "10",
            "--out",
            out_dir.to_str().expect("utf8")
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn check_prints_findings_scorecards_and_a_summary() {
    let out = platform(&["check", MISTAKES, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let findings = report["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    for f in findings {
        for key in [
            "rule",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "suppressed",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    assert!(report["scorecards"].is_array());
    assert!(report["summary"]["errors"].as_u64().is_some_and(|e| e > 0));
}

#[test]
fn schemas_are_printed() {
    let out = platform(&["schema", "--kind", "Component"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["properties"]["kind"]["const"], "Component");
    assert_eq!(
        platform(&["schema", "--kind", "Nope"]).status.code(),
        Some(2)
    );
}

#[test]
fn graph_impact_and_owned_by_print_the_documented_json() {
    let out = platform(&[
        "graph",
        "examples/acme",
        "--impact",
        "resource:payments-postgres",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    let impact = report["impact"].as_array().expect("impact");
    assert_eq!(impact[0]["entity"], "resource:default/payments-postgres");
    assert_eq!(impact[0]["depth"], 0);
    let payment = impact
        .iter()
        .find(|i| i["entity"] == "component:default/payment-service")
        .expect("payment");
    assert_eq!(
        payment["path"],
        serde_json::json!([
            "resource:default/payments-postgres",
            "component:default/payment-service"
        ])
    );
    let owned = json(&platform(&[
        "graph",
        "examples/acme",
        "--owned-by",
        "group:engineering",
        "--format",
        "json",
    ]));
    let owned = owned["owned"].as_array().expect("owned");
    let service = owned
        .iter()
        .find(|o| o["entity"] == "component:default/payment-service")
        .expect("service");
    assert_eq!(
        service["via"],
        serde_json::json!(["group:default/engineering", "group:default/payments-team"])
    );
}

#[test]
fn graph_unknown_references_exit_2_with_suggestions() {
    let out = platform(&[
        "graph",
        "examples/acme",
        "--impact",
        "resource:payments-postgre",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("did you mean `resource:default/payments-postgres`"),
        "{stderr}"
    );
}

#[test]
fn graph_exports_and_problems() {
    let dot = platform(&["graph", "examples/acme", "--format", "dot"]);
    assert!(String::from_utf8_lossy(&dot.stdout).starts_with("digraph catalog {"));
    let mermaid = platform(&["graph", "examples/acme", "--format", "mermaid"]);
    assert!(String::from_utf8_lossy(&mermaid.stdout).starts_with("flowchart LR"));
    let problems = platform(&[
        "graph",
        "platform-graph/tests/fixtures/problems.yaml",
        "--problems",
        "--cycles",
        "--format",
        "json",
    ]);
    assert_eq!(problems.status.code(), Some(1));
    let report = json(&problems);
    assert!(report["problems"].as_array().is_some_and(|p| p.len() >= 7));
    assert_eq!(report["cycles"].as_array().map(Vec::len), Some(3));
    let costs = json(&platform(&[
        "graph",
        "examples/acme",
        "--costs",
        "platform-graph/tests/fixtures/costs.csv",
        "--format",
        "json",
    ]));
    assert_eq!(costs["costs"]["total"], 587.0);
}

#[test]
fn check_on_acme_reports_the_deliberate_policy_findings_in_every_format() {
    let out = platform(&["check", "examples/acme", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(
        rules,
        vec!["xref.prod-workload-without-pdb", "k8s.image-tag"]
    );
    for f in report["findings"].as_array().expect("findings") {
        for key in [
            "rule",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "suppressed",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    let cards: Vec<(&str, &str)> = report["scorecards"]
        .as_array()
        .expect("scorecards")
        .iter()
        .map(|c| {
            (
                c["component"].as_str().unwrap_or_default(),
                c["level"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        cards.contains(&("component:default/notification-service", "basic")),
        "{cards:?}"
    );
    let lenient = platform(&[
        "check",
        "examples/acme",
        "--min-severity",
        "error",
        "--profile",
        "baseline",
    ]);
    assert_eq!(lenient.status.code(), Some(1));
    let sarif = json(&platform(&["check", MISTAKES, "--format", "sarif"]));
    let all = json(&platform(&["check", MISTAKES, "--format", "json"]));
    let results = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .len();
    assert_eq!(
        results,
        all["findings"].as_array().expect("findings").len(),
        "SARIF keeps catalog and graph findings"
    );
}

#[test]
fn template_lint_reports_located_findings() {
    let clean = platform(&[
        "template",
        "lint",
        "examples/acme/templates/new-go-service/template.yaml",
    ]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    let seed = platform(&[
        "template",
        "lint",
        "platform-scaffold/tests/fixtures/lint/seed-template.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(seed.status.code(), Some(1));
    let report = json(&seed);
    assert_eq!(report["valid"], false);
    let first = &report["findings"][0];
    assert!(first["line"].as_u64().is_some_and(|l| l > 1), "{first}");
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "scaffold.unknown-input")
    );
}

#[test]
fn scaffold_dry_run_lists_files_and_a_real_run_writes_only_on_success() {
    let template = "examples/acme/templates/new-go-service/template.yaml";
    let values = "examples/acme/templates/new-go-service/example-values.yaml";
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("svc");
    let out_text = out.to_string_lossy().into_owned();
    let dry = platform(&[
        "scaffold",
        template,
        "--values",
        values,
        "--out",
        &out_text,
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let report = json(&dry);
    let paths: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        paths.contains(&"catalog-info.yaml") && paths.contains(&"chart/values.yaml"),
        "{paths:?}"
    );
    assert!(!out.exists(), "a dry run writes nothing");
    // Nothing listens on port 9: the ArgoCD step fails, so nothing is written.
    let failed = platform(&[
        "scaffold",
        template,
        "--values",
        values,
        "--out",
        &out_text,
        "--backstage-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("create-argocd-app"));
    assert!(!out.exists());
    // Invalid values are reported with the parameter and the page.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "name: Not Valid\nowner: x\ndescription: y\n").expect("write");
    let invalid = platform(&[
        "scaffold",
        template,
        "--values",
        &bad.to_string_lossy(),
        "--out",
        &out_text,
    ]);
    assert_eq!(invalid.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&invalid.stderr);
    assert!(
        stderr.contains("`name` on page 1 \"Service Details\""),
        "{stderr}"
    );
}
