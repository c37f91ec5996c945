//! Reports: the JSON contract, SARIF for GitHub code scanning, text.

use std::collections::HashSet;

use platform_policy::{CheckOptions, TextOptions};
use serde_json::Value;

use crate::{acme_dir, check_fixture};

fn nonempty(v: &Value, what: &str) {
    assert!(
        v.as_str().is_some_and(|s| !s.is_empty()),
        "{what} must be a non-empty string: {v}"
    );
}

/// The properties GitHub code scanning requires (policy-rules.md §6).
fn assert_github_accepts(sarif: &Value) {
    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    nonempty(&run["tool"]["driver"]["name"], "driver name");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(
        ids.len(),
        ids.iter().collect::<HashSet<_>>().len(),
        "rule ids are unique"
    );
    for r in rules {
        nonempty(&r["id"], "rule id");
        nonempty(&r["shortDescription"]["text"], "shortDescription");
        nonempty(&r["fullDescription"]["text"], "fullDescription");
        nonempty(&r["help"]["text"], "help.text");
        assert!(
            r["fullDescription"]["text"]
                .as_str()
                .is_some_and(|t| t.chars().count() <= 1024)
        );
        assert!(
            ["note", "warning", "error"]
                .contains(&r["defaultConfiguration"]["level"].as_str().unwrap_or(""))
        );
        assert!(
            r["properties"]["tags"]
                .as_array()
                .is_some_and(|t| t.len() <= 20)
        );
        if let Some(s) = r["properties"]["security-severity"].as_str() {
            let n: f64 = s.parse().expect("number");
            assert!((0.1..=10.0).contains(&n));
        }
    }
    for res in run["results"].as_array().expect("results") {
        let id = res["ruleId"].as_str().expect("ruleId");
        let index = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[index], id);
        nonempty(&res["message"]["text"], "message");
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            !uri.starts_with('/') && !uri.contains('\\'),
            "relative URI: {uri}"
        );
        assert!(loc["region"]["startLine"].as_u64().is_some_and(|l| l >= 1));
        nonempty(
            &res["partialFingerprints"]["primaryLocationLineHash"],
            "fingerprint",
        );
    }
}

#[test]
fn sarif_of_the_acme_example() {
    let report = platform_policy::check_path(&acme_dir(), &CheckOptions::new()).expect("check");
    let sarif = report.to_sarif();
    assert_github_accepts(&sarif);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), report.findings.len());
    // Real line numbers, not line 1 for everything.
    let tag = results
        .iter()
        .find(|r| r["ruleId"] == "k8s.image-tag")
        .expect("image-tag");
    let region = &tag["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(54), Some(11))
    );
    assert_eq!(region["endLine"].as_u64(), Some(54));
    assert_eq!(
        sarif["runs"][0]["properties"]["scorecards"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["id"] == "k8s.privileged"))
        .expect("rule");
    insta::assert_json_snapshot!("sarif_rule_k8s_privileged", rule);
}

#[test]
fn sarif_suppressions_carry_the_reason() {
    let report = check_fixture("exemptions", &CheckOptions::new());
    let sarif = report.to_sarif();
    assert_github_accepts(&sarif);
    let suppressed: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), report.summary.suppressed);
    for r in suppressed {
        assert_eq!(r["suppressions"][0]["kind"], "inSource");
        nonempty(&r["suppressions"][0]["justification"], "justification");
    }
}

#[test]
fn sarif_puts_configuration_problems_in_notifications() {
    let config = platform_policy::PolicyConfig::new()
        .with_rule("k8s.nope", platform_policy::RuleConfig::default());
    let report = check_fixture("workloads", &CheckOptions::new().with_config(config));
    let sarif = report.to_sarif();
    assert_github_accepts(&sarif);
    let notes = sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["associatedRule"]["id"], "config.unknown-rule");
}

#[test]
fn json_contract() {
    let report = platform_policy::check_path(&acme_dir(), &CheckOptions::new()).expect("check");
    let json = report.to_json();
    for f in json["findings"].as_array().expect("findings") {
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
        assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap_or("")));
    }
    assert!(json["scorecards"].is_array());
    for key in [
        "files",
        "errors",
        "warnings",
        "infos",
        "suppressed",
        "findings",
        "artefacts",
        "profile",
    ] {
        assert!(json["summary"].get(key).is_some(), "summary.{key}");
    }
}

#[test]
fn text_min_severity_filters() {
    let report = platform_policy::check_path(&acme_dir(), &CheckOptions::new()).expect("check");
    let text = report
        .render_text(&TextOptions::default().with_min_severity(platform_policy::Severity::Error));
    assert!(text.contains("error[k8s.image-tag]"));
    assert!(!text.contains("note[k8s.image-digest]"));
    assert!(text.contains(
        "54 |           image: registry.acme.internal/platform/notification-service:latest"
    ));
}
