//! Exemptions need a reason and are reported as suppressed, never dropped.

use platform_policy::{CheckOptions, SuppressionKind, ids};

use crate::check_fixture;

#[test]
fn annotations_and_comments_suppress_with_reasons() {
    let report = check_fixture("exemptions", &CheckOptions::new());
    let suppressed: Vec<(String, String, SuppressionKind, String)> = report
        .findings
        .iter()
        .filter_map(|f| {
            let s = f.suppression.as_ref()?;
            Some((
                f.rule().to_string(),
                f.file().unwrap_or("").to_owned(),
                s.kind,
                s.reason.clone(),
            ))
        })
        .collect();
    insta::assert_debug_snapshot!("suppressed", suppressed);
    // An annotation without a reason is not applied and is itself reported.
    assert!(report.active().any(|f| f.rule() == "k8s.replicas-min"));
    let problems: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule() == ids::POLICY_EXEMPTION)
        .map(|f| {
            format!(
                "{}:{} {}",
                f.file().unwrap_or(""),
                f.diagnostic.span.as_ref().map_or(0, |s| s.line),
                f.message()
            )
        })
        .collect();
    insta::assert_debug_snapshot!("exemption_problems", problems);
    assert_eq!(report.summary.suppressed, suppressed.len());
    // Suppressed findings never reach the threshold but stay in every report.
    let json = report.to_json();
    let listed = json["findings"]
        .as_array()
        .map_or(0, |f| f.iter().filter(|x| x["suppressed"] == true).count());
    assert_eq!(listed, suppressed.len());
}
