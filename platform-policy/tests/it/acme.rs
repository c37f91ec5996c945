//! The Acme example: exactly the deliberate findings of its README.

use platform_policy::{CheckOptions, Level, Severity, TextOptions, check_path};

use crate::{acme_dir, brief};

fn report() -> platform_policy::PolicyReport {
    check_path(&acme_dir(), &CheckOptions::new()).expect("check runs")
}

#[test]
fn findings_are_the_readmes_deliberate_ones() {
    let report = report();
    assert_eq!(
        brief(&report),
        [
            "hpa.no-static-replicas components/fraud-detection-service/deploy/deployment.yaml:14",
            "k8s.image-digest components/fraud-detection-service/deploy/deployment.yaml:53",
            "pdb.required components/notification-service/deploy/deployment.yaml:8",
            "xref.prod-workload-without-pdb components/notification-service/deploy/deployment.yaml:8",
            "vap.replica-limit components/notification-service/deploy/deployment.yaml:16",
            "k8s.image-tag components/notification-service/deploy/deployment.yaml:54",
            "xref.image-tag-drift components/notification-service/deploy/deployment.yaml:54",
            "docker.base-image-digest components/payment-service/Dockerfile:22",
            "docker.numeric-user components/payment-service/Dockerfile:28",
            "catalog.metadata components/payment-service/catalog-info.yaml:4",
            "hpa.no-static-replicas components/payment-service/deploy/deployment.yaml:14",
            "k8s.image-digest components/payment-service/deploy/deployment.yaml:53",
            "docker.base-image-digest templates/new-go-service/skeleton/Dockerfile:22",
            "docker.numeric-user templates/new-go-service/skeleton/Dockerfile:28",
        ]
    );
    assert_eq!(report.summary.errors, 3);
    assert_eq!(report.summary.suppressed, 0);
    assert!(report.fails_at(Severity::Error));
    // Every artefact kind of the example was read.
    let a = &report.summary.artefacts;
    assert_eq!(
        (a.helm_values, a.dockerfiles, a.catalog_entities),
        (1, 2, 21)
    );
    // The services' 18 objects, the replica-limit policy's four (its CRD,
    // the policy, the binding and the param), and the Argo CD Application
    // whose history metrics/ reads.
    assert_eq!(a.manifests, 23);
}

#[test]
fn scorecards() {
    let cards: Vec<(String, Level)> = report()
        .scorecards
        .iter()
        .map(|c| (c.component.clone(), c.level))
        .collect();
    assert_eq!(
        cards,
        [
            (
                "component:default/fraud-detection-service".to_owned(),
                Level::Gold
            ),
            (
                "component:default/notification-service".to_owned(),
                Level::Basic
            ),
            ("component:default/payment-service".to_owned(), Level::Gold),
        ]
    );
}

#[test]
fn json_report_snapshot() {
    insta::assert_json_snapshot!("acme_json", report().to_json());
}

#[test]
fn text_report_snapshot() {
    insta::assert_snapshot!("acme_text", report().render_text(&TextOptions::default()));
}

#[test]
fn the_strict_profile_asks_for_digests_and_pull_policy() {
    let report = check_path(
        &acme_dir(),
        &CheckOptions::new().with_profile(platform_policy::Profile::Strict),
    )
    .expect("check");
    let digests = report
        .active()
        .filter(|f| f.rule() == "k8s.image-digest")
        .count();
    assert_eq!(digests, 2);
    assert!(
        report
            .active()
            .filter(|f| f.rule() == "k8s.image-digest")
            .all(|f| f.severity() == Severity::Warning)
    );
    assert!(
        report
            .active()
            .any(|f| f.rule() == "k8s.pull-policy-always")
    );
    let baseline = check_path(
        &acme_dir(),
        &CheckOptions::new().with_profile(platform_policy::Profile::Baseline),
    )
    .expect("check");
    assert_eq!(
        brief(&baseline),
        [
            // The cluster's own admission policy does not depend on the profile.
            "vap.replica-limit components/notification-service/deploy/deployment.yaml:16",
            "k8s.image-tag components/notification-service/deploy/deployment.yaml:54"
        ]
    );
}
