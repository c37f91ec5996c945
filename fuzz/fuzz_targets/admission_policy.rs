//! ValidatingAdmissionPolicies evaluated over an object: the policy's
//! expression and the object both come from the input.
//!
//! Input: the CEL expression, a NUL byte, then the YAML of the objects the
//! policy is checked against (without NUL: the whole input is the
//! expression, over a fixed Deployment). The expression is used as a
//! variable, a validation, a message expression and a match condition.
//!
//! Promises checked: no panic; every evaluation finishes (libFuzzer's
//! timeout); findings located in the file lie inside it.

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use platform_fuzz::assert_span_in_sources;
use platform_policy::{CheckOptions, Checker, Inputs};

thread_local! {
    static CHECKER: Checker = Checker::new(&CheckOptions::new()).expect("the default checker builds");
}

const OBJECT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers: [{name: web, image: 'registry.example.com/web:1.0', resources: {limits: {memory: 1Gi}}}]\n";

fuzz_target!(|data: &[u8]| {
    let text = platform_fuzz::text(data);
    let (expression, objects) = text.split_once('\0').unwrap_or((text.as_str(), OBJECT));
    let quoted = serde_json::Value::from(expression).to_string();
    let file = format!(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: fuzz}}\nspec:\n  matchConstraints:\n    resourceRules: [{{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*']}}]\n  matchConditions: [{{name: m, expression: {quoted}}}]\n  variables: [{{name: v, expression: {quoted}}}]\n  validations:\n    - expression: {quoted}\n      messageExpression: {quoted}\n  auditAnnotations: [{{key: k, valueExpression: {quoted}}}]\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {{name: fuzz}}\nspec: {{policyName: fuzz, validationActions: [Deny, Audit]}}\n---\n{objects}"
    );
    let mut inputs = Inputs::new();
    inputs.add_source("policy.yaml", file.as_str());
    let report = CHECKER.with(|c| c.check_inputs(inputs));
    let sources = HashMap::from([("policy.yaml".to_owned(), file)]);
    for f in &report.findings {
        assert!(
            !f.message().contains("admission policies were not evaluated"),
            "the evaluation failed: {f:?}"
        );
        if let Some(span) = f.span() {
            assert_span_in_sources(span, &sources, f);
        }
    }
});
