//! ValidatingAdmissionPolicies evaluated offline: from `--policies`
//! directories and from the checked tree, with params, selectors, match
//! conditions, variables, messages, failure policies and audit annotations.

use platform_policy::{CheckOptions, PolicyReport, check_path, check_sources};

use crate::fixture;

/// `rule severity file:line message` of every admission finding.
fn admission_lines(report: &PolicyReport) -> Vec<String> {
    report
        .active()
        .filter(|f| f.rule().starts_with("vap.") || f.rule() == "admission.policy")
        .map(|f| {
            let at = f.diagnostic.span.as_ref().map_or_else(String::new, |s| {
                let file = s.file.rsplit("admission/").next().unwrap_or(&s.file);
                format!("{file}:{}", s.line)
            });
            format!("{} {:?} {at} {}", f.rule(), f.severity(), f.message())
        })
        .collect()
}

fn check_with_policies() -> PolicyReport {
    let options = CheckOptions::new().with_policies([fixture("admission/policies")]);
    check_path(&fixture("admission/tree"), &options).expect("check runs")
}

#[test]
fn policies_given_apart_are_evaluated_as_the_api_server_evaluates_them() {
    let report = check_with_policies();
    let lines = admission_lines(&report);
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    // Params per namespace, messageExpression, fieldPath.
    assert!(
        has(
            "vap.replica-limit Error shop.yaml:11 ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-shop' denied request: replicas must be no greater than 3"
        ),
        "{lines:#?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("vap.replica-limit") && l.contains("lab.yaml"))
    );
    // Warn, with matchConditions and excludeResourceRules.
    assert!(has(
        "vap.team-label Warning lab.yaml:2 Validation failed for ValidatingAdmissionPolicy 'team-label' with binding 'team-label': every object needs a team label"
    ));
    assert!(!lines.iter().any(|l| l.contains("vap.team-label")
        && (l.contains("kube-dns-probe") || l.contains(" shop.yaml"))));
    // Variables, the default message, quantities, audit annotations.
    assert!(has(
        "denied request: images from untrusted registries: docker.io/acme/api:1.4.2"
    ));
    assert!(has(
        "denied request: failed expression: variables.containers.all("
    ));
    assert!(has("audit annotation `trusted-registry/image-count`: 1"));
    // Failure policies.
    assert!(has(
        "vap.strategy-fail Error shop.yaml:2 ValidatingAdmissionPolicy 'strategy-fail' with binding 'strategy-fail' denied request: expression 'object.spec.strategy.type == 'RollingUpdate'' resulted in error"
    ));
    assert!(has("vap.strategy-ignore Error lab.yaml:2"));
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("vap.strategy-ignore") && l.contains(" shop.yaml"))
    );
    // Policies that cannot run are located on the policy file.
    assert!(has(
        "admission.policy Error policies/broken.yaml:14 ValidatingAdmissionPolicy `does-not-compile`: the expression does not compile"
    ));
    assert!(has(
        "admission.policy Error policies/broken.yaml:28 ValidatingAdmissionPolicy `asks-the-authorizer`: `authorizer` is the authorizer library"
    ));
    assert!(has(
        "admission.policy Warning policies/broken.yaml:35 binding `orphan` names ValidatingAdmissionPolicy `not-anywhere`"
    ));
    insta::assert_snapshot!("admission_findings", lines.join("\n"));
}

#[test]
fn policies_in_the_tree_are_found_without_being_given() {
    let policy =
        std::fs::read_to_string(fixture("admission/policies/replica-limit.yaml")).expect("fixture");
    let params =
        std::fs::read_to_string(fixture("admission/tree/namespaces.yaml")).expect("fixture");
    let shop = std::fs::read_to_string(fixture("admission/tree/shop.yaml")).expect("fixture");
    let report = check_sources(
        [
            ("policy.yaml", policy.as_str()),
            ("ns.yaml", params.as_str()),
            ("shop.yaml", shop.as_str()),
        ],
        &CheckOptions::new(),
    )
    .expect("check runs");
    let lines = admission_lines(&report);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("vap.replica-limit Error shop.yaml:11"))
            .count(),
        1,
        "{lines:#?}"
    );
}

#[test]
fn a_missing_param_denies_or_allows_as_the_binding_says() {
    let policy =
        std::fs::read_to_string(fixture("admission/policies/replica-limit.yaml")).expect("fixture");
    let shop = std::fs::read_to_string(fixture("admission/tree/shop.yaml")).expect("fixture");
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: shop}\n";
    let check = |policy: &str| {
        let report = check_sources(
            [
                ("policy.yaml", policy),
                ("ns.yaml", ns),
                ("shop.yaml", shop.as_str()),
            ],
            &CheckOptions::new(),
        )
        .expect("check runs");
        admission_lines(&report)
    };
    let denied = check(&policy);
    assert_eq!(
        denied
            .iter()
            .filter(|l| l
                .contains("no params found for policy binding with `Deny` parameterNotFoundAction"))
            .count(),
        2,
        "{denied:#?}"
    );
    let allowed = check(&policy.replace(
        "parameterNotFoundAction: Deny",
        "parameterNotFoundAction: Allow",
    ));
    assert!(
        allowed.iter().all(|l| !l.starts_with("vap.")),
        "{allowed:#?}"
    );
}

#[test]
fn hostile_expressions_are_refused_before_they_run() {
    let policy = |expression: &str| {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: hostile}}\nspec:\n  matchConstraints:\n    resourceRules: [{{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*']}}]\n  validations:\n    - expression: {}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {{name: hostile}}\nspec: {{policyName: hostile, validationActions: [Deny]}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: x}}\ndata: {{a: b}}\n",
            serde_json::Value::from(expression)
        )
    };
    let started = std::time::Instant::now();
    for expression in [
        "lists.range(1000000).all(x, lists.range(1000000).all(y, x != y))".to_owned(),
        "object.data.a.replace('', 'xxxxxxxxxxxxxxxx').replace('', 'xxxxxxxxxxxxxxxx').replace('', 'xxxxxxxxxxxxxxxx').replace('', 'xxxxxxxxxxxxxxxx').replace('', 'xxxxxxxxxxxxxxxx').replace('', 'xxxxxxxxxxxxxxxx').size() > 0".to_owned(),
        format!("{}true{}", "[".repeat(200), "]".repeat(200)),
        format!("{}1 > 0", "1 + ".repeat(3000)),
        "'a'.matches('(a*)*b')".to_owned(),
    ] {
        let text = policy(&expression);
        let report = check_sources([("hostile.yaml", text.as_str())], &CheckOptions::new()).expect("check runs");
        let lines = admission_lines(&report);
        assert!(
            lines.iter().any(|l| l.starts_with("vap.hostile Error") || l.starts_with("admission.policy Error")),
            "{expression:.60}: {lines:#?}"
        );
    }
    assert!(started.elapsed().as_secs() < 60);
}

/// One case of `tests/fixtures/admission/cases/`: headers `# expect:
/// allow|deny|warn|audit` and, unless allowed, `# message:`.
#[test]
fn documented_policy_shapes_give_the_api_servers_verdicts() {
    let dir = fixture("admission/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("cases exist")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 19);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("case is readable");
        let header = |key: &str| {
            text.lines()
                .take_while(|l| l.starts_with('#'))
                .find_map(|l| l.strip_prefix(&format!("# {key}: ")).map(str::to_owned))
        };
        let expect = header("expect").expect("# expect:");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let report = check_sources([(name.as_str(), text.as_str())], &CheckOptions::new())
            .expect("check runs");
        let found: Vec<(String, String)> = report
            .active()
            .filter(|f| f.rule().starts_with("vap.") || f.rule() == "admission.policy")
            .map(|f| (format!("{:?}", f.severity()), f.message().to_owned()))
            .collect();
        match expect.as_str() {
            "allow" => assert!(found.is_empty(), "{name}: {found:#?}"),
            verdict => {
                let severity = match verdict {
                    "deny" => "Error",
                    "warn" => "Warning",
                    "audit" => "Info",
                    other => panic!("{name}: unknown verdict {other}"),
                };
                let message = header("message").expect("# message:");
                assert_eq!(found, vec![(severity.to_owned(), message)], "{name}");
            }
        }
    }
}

mod arbitrary {
    use proptest::prelude::*;

    use platform_policy::{CheckOptions, check_sources};

    /// Expressions from CEL's tokens, most of them not well formed.
    fn expression() -> impl Strategy<Value = String> {
        let token = prop::sample::select(vec![
            "object",
            "params",
            "variables",
            "request",
            ".",
            "spec",
            "data",
            "a",
            "[",
            "]",
            "(",
            ")",
            "{",
            "}",
            ",",
            ":",
            "?",
            "+",
            "-",
            "*",
            "/",
            "%",
            "==",
            "!=",
            "<",
            ">=",
            "&&",
            "||",
            "!",
            "in",
            "1",
            "0",
            "-1",
            "9223372036854775807",
            "2.5",
            "'x'",
            "\"\"",
            "b'y'",
            "true",
            "null",
            "size",
            "all",
            "exists",
            "map",
            "filter",
            "has",
            "x",
            "lists.range",
            "1000000",
            "replace",
            "''",
            "quantity",
            "'1Gi'",
            "ip",
            "cidr",
            "url",
            "matches",
            "'(a+)+$'",
            "string",
            "int",
            "dyn",
            "optional.of",
            "orValue",
            "?.",
            "has(",
        ]);
        prop::collection::vec(token, 1..40).prop_map(|t| t.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]
        #[test]
        fn arbitrary_expressions_never_panic_and_finish(expr in expression()) {
            let policy = format!(
                "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: any}}\nspec:\n  matchConstraints:\n    resourceRules: [{{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*']}}]\n  variables:\n    - name: v\n      expression: {e}\n  validations:\n    - expression: {e}\n      messageExpression: {e}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {{name: any}}\nspec: {{policyName: any, validationActions: [Deny]}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: x}}\ndata: {{a: '{long}'}}\n",
                e = serde_json::Value::from(expr.as_str()),
                long = "ab".repeat(500),
            );
            let started = std::time::Instant::now();
            let report = check_sources([("any.yaml", policy.as_str())], &CheckOptions::new()).expect("check runs");
            prop_assert!(started.elapsed().as_secs() < 20, "{expr}");
            prop_assert!(
                !report.active().any(|f| f.message().contains("not evaluated: the evaluation")),
                "{expr}"
            );
        }
    }
}
