//! A rule file of CEL rules (`CheckOptions::with_rule_files`) read and run
//! over a small tree of every artefact kind.
//!
//! Input: the rule file's text.
//!
//! Promises checked: no panic; the checker builds or refuses with an I/O
//! error only; problems in the file are findings.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platform_policy::{CheckOptions, Checker, Inputs};

const TREE: [(&str, &str); 4] = [
    ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1, template: {spec: {containers: [{name: web, image: web}]}}}\n"),
    ("chart/values.yaml", "replicaCount: 1\nimage: {repository: web, tag: latest}\n"),
    ("Dockerfile", "FROM alpine:3.20\nEXPOSE 22\nUSER 10001\n"),
    ("catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: web}\nspec: {type: service, lifecycle: production, owner: team}\n"),
];

fuzz_target!(|data: &[u8]| {
    let text = platform_fuzz::text(data);
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("rules.yaml");
    if std::fs::write(&path, &text).is_err() {
        return;
    }
    let Ok(checker) = Checker::new(&CheckOptions::new().with_rule_files([path])) else {
        return;
    };
    let mut inputs = Inputs::new();
    for (name, content) in TREE {
        inputs.add_source(name, content);
    }
    let report = checker.check_inputs(inputs);
    for f in &report.findings {
        assert!(!f.rule().is_empty(), "finding without a rule: {f:?}");
    }
});
