//! DORA's four keys over the Acme organisation: hand-computed fixtures,
//! every input format, bad input, lead times from a git repository built
//! here, and counts that reconcile for any events.

use std::path::Path;
use std::process::Command;

use platform_graph::codes;
use platform_graph::dora::{
    Band, Deployment, DeploymentStatus, DoraEntry, DoraOptions, DoraReport, EventKey,
    GitRepository, Incident, Thresholds, commits_from_source, parse_bound, read_deployments,
    read_incidents,
};
use platform_graph::testing::acme_graph;
use platform_model::Span;
use proptest::prelude::*;

fn read(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/dora")
            .join(name),
    )
    .expect("fixture")
}

fn options(since: &str, until: &str) -> DoraOptions {
    DoraOptions::new(
        parse_bound(since).expect("since"),
        parse_bound(until).expect("until"),
    )
}

fn entry<'r>(entries: &'r [DoraEntry], name: &str) -> &'r DoraEntry {
    entries
        .iter()
        .find(|e| e.entity == name)
        .unwrap_or_else(|| panic!("no entry {name} in {entries:#?}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// Every deployment read is counted once, the entities' counts add up to
/// the attributed ones, and the root group plus the unowned take them all.
fn assert_reconciles(report: &DoraReport) {
    let c = &report.counts;
    assert_eq!(
        c.deployments_read,
        c.deployments_outside_window
            + c.deployments_other_environment
            + c.deployments_unattributed
            + c.deployments_attributed,
        "{c:#?}"
    );
    assert_eq!(
        c.incidents_read,
        c.incidents_outside_window + c.incidents_unattributed + c.incidents_attributed
    );
    let entities: u64 = report.entities.iter().map(|e| e.deployments).sum();
    assert_eq!(entities, c.deployments_attributed);
    let incidents: u64 = report.entities.iter().map(|e| e.incidents).sum();
    assert_eq!(incidents, c.incidents_attributed);
    let root = report
        .groups
        .iter()
        .find(|g| g.entity == "group:default/acme")
        .map_or(0, |g| g.deployments);
    let users: u64 = report
        .groups
        .iter()
        .filter(|g| g.entity.starts_with("user:"))
        .map(|g| g.deployments)
        .sum();
    assert_eq!(
        root + users + c.deployments_unowned,
        c.deployments_attributed
    );
    let unattributed = report.unattributed.len() as u64;
    assert_eq!(
        unattributed,
        c.deployments_unattributed + c.incidents_unattributed
    );
}

#[test]
fn hand_computed_keys_and_roll_ups() {
    let graph = acme_graph();
    let deployments = read_deployments("hand.csv", &read("hand.csv"));
    let incidents = read_incidents("hand-incidents.csv", &read("hand-incidents.csv"));
    assert_eq!((deployments.rejected, incidents.rejected), (0, 0));
    let report = graph
        .dora(
            &deployments.items,
            &incidents.items,
            &options("2026-11-01", "2026-11-11"),
        )
        .expect("dora");
    assert_reconciles(&report);

    let payments = entry(&report.entities, "component:default/payment-service");
    // p1..p5 in the window; p2 failed, p4 was rolled back by p5.
    assert_eq!(payments.deployments, 5);
    assert_eq!(payments.successful_deployments, 4);
    assert_eq!(payments.failed_changes, 2);
    assert!(close(payments.change_failure_rate, 0.4));
    assert!((payments.deployment_frequency_per_day - 0.4).abs() < 1e-9);
    assert!((payments.deployment_frequency_per_week - 2.8).abs() < 1e-9);
    // Lead times 1, 2, 0.5 and 24 hours.
    assert!(close(payments.lead_time_hours.median, 1.5));
    assert!(close(payments.lead_time_hours.p90, 24.0));
    // p2 recovered by p3 after 2 h, p4 by its rollback p5 after 0.5 h.
    assert!(close(payments.recovery_hours.median, 1.25));
    assert_eq!((payments.recovered, payments.unrecovered), (2, 0));
    assert_eq!(payments.bands.deployment_frequency, Band::High);
    assert_eq!(payments.bands.lead_time, Some(Band::High));
    assert_eq!(payments.bands.change_failure_rate, Some(Band::Low));
    assert_eq!(payments.bands.recovery_time, Some(Band::High));

    let fraud = entry(
        &report.entities,
        "component:default/fraud-detection-service",
    );
    // f2 caused incident i1 (resolved in 30 minutes).
    assert_eq!(
        (fraud.deployments, fraud.failed_changes, fraud.incidents),
        (2, 1, 1)
    );
    assert!(close(fraud.change_failure_rate, 0.5));
    assert!(close(fraud.lead_time_hours.median, 0.5));
    assert!(close(fraud.recovery_hours.median, 0.5));
    assert_eq!(fraud.bands.lead_time, Some(Band::Elite));
    assert_eq!(fraud.bands.recovery_time, Some(Band::Elite));

    // The system's rate comes from its members' events (3 of 7), not from
    // the mean of their rates (0.45).
    let billing = entry(&report.systems, "system:default/billing-system");
    assert_eq!((billing.deployments, billing.failed_changes), (7, 3));
    assert!(close(billing.change_failure_rate, 3.0 / 7.0));
    assert!(close(billing.lead_time_hours.median, 1.0));
    assert!(close(billing.lead_time_hours.p90, 24.0));
    assert!(close(billing.recovery_hours.median, 0.5));
    assert_eq!(billing.bands.recovery_time, Some(Band::Elite));
    let platform = entry(&report.systems, "system:default/platform");
    assert_eq!(platform.deployments, 1);
    assert_eq!(platform.lead_time_hours.median, None);
    assert_eq!(platform.bands.lead_time, None);

    let domain = entry(&report.domains, "domain:default/payments");
    assert_eq!(domain.deployments, 7);
    let team = entry(&report.groups, "group:default/payments-team");
    assert_eq!(team.deployments, 7);
    let engineering = entry(&report.groups, "group:default/engineering");
    assert_eq!((engineering.deployments, engineering.incidents), (8, 1));
    assert!(close(engineering.change_failure_rate, 3.0 / 8.0));

    let c = &report.counts;
    assert_eq!(c.deployments_read, 11);
    assert_eq!(c.deployments_outside_window, 1);
    assert_eq!(c.deployments_other_environment, 1);
    assert_eq!(c.deployments_unattributed, 1);
    assert_eq!(c.deployments_attributed, 8);
    assert_eq!((c.incidents_attributed, c.incidents_unattributed), (1, 1));
    let ghost = &report.unattributed[0];
    assert_eq!(ghost.key, EventKey::Entity("ghost-service".into()));
    assert_eq!(ghost.source, "hand.csv:13:1");
    assert!(
        ghost.reason.contains("no entity `ghost-service`"),
        "{}",
        ghost.reason
    );
}

#[test]
fn the_report_as_json_is_the_contract() {
    let graph = acme_graph();
    let deployments = read_deployments("hand.csv", &read("hand.csv"));
    let incidents = read_incidents("hand-incidents.csv", &read("hand-incidents.csv"));
    let report = graph
        .dora(
            &deployments.items,
            &incidents.items,
            &options("2026-11-01", "2026-11-11"),
        )
        .expect("dora");
    insta::assert_json_snapshot!("dora_hand_computed", report);
}

/// A deployment exactly at each band limit gets the band the limit names.
#[test]
fn band_boundaries() {
    let graph = acme_graph();
    let since = parse_bound("2026-11-01").expect("since");
    let at = |hours: i64| {
        since
            .checked_add(jiff::SignedDuration::from_hours(hours))
            .expect("time")
    };
    let source = Span::file_start("test".into());
    // Once a week over 7 days: exactly the high limit of frequency.
    let weekly = vec![
        Deployment::new(
            at(30),
            EventKey::Entity("payment-service".into()),
            "production",
            DeploymentStatus::Success,
            source.clone(),
        )
        .with_commits(vec![platform_graph::dora::Commit {
            sha: None,
            time: at(30 - 168),
        }]),
    ];
    let report = graph
        .dora(&weekly, &[], &options("2026-11-01", "2026-11-08"))
        .expect("dora");
    let e = &report.entities[0];
    assert!((e.deployment_frequency_per_day - 1.0 / 7.0).abs() < 1e-12);
    assert_eq!(e.bands.deployment_frequency, Band::High);
    // A lead time of exactly one week is still high; exactly an hour is not elite.
    assert_eq!(e.bands.lead_time, Some(Band::High));
    let hourly = vec![
        Deployment::new(
            at(2),
            EventKey::Entity("payment-service".into()),
            "production",
            DeploymentStatus::Success,
            source.clone(),
        )
        .with_commits(vec![platform_graph::dora::Commit {
            sha: None,
            time: at(1),
        }]),
    ];
    let report = graph
        .dora(&hourly, &[], &options("2026-11-01", "2026-11-02"))
        .expect("dora");
    let e = &report.entities[0];
    // Once in one day is not "multiple per day".
    assert_eq!(e.bands.deployment_frequency, Band::High);
    assert_eq!(e.bands.lead_time, Some(Band::High));
    // 1 failure in 20 deployments is exactly 5 %: high, not elite.
    let mut twenty: Vec<Deployment> = (0..20)
        .map(|i| {
            Deployment::new(
                at(i),
                EventKey::Entity("payment-service".into()),
                "",
                if i == 10 {
                    DeploymentStatus::Failure
                } else {
                    DeploymentStatus::Success
                },
                source.clone(),
            )
        })
        .collect();
    let report = graph
        .dora(&twenty, &[], &options("2026-11-01", "2026-11-02"))
        .expect("dora");
    let e = &report.entities[0];
    assert!(close(e.change_failure_rate, 0.05));
    assert_eq!(e.bands.change_failure_rate, Some(Band::High));
    // Recovery of exactly one hour: high; overridden elite limit `<= 1`: elite.
    assert!(close(e.recovery_hours.median, 1.0));
    assert_eq!(e.bands.recovery_time, Some(Band::High));
    assert_eq!(e.bands.deployment_frequency, Band::Elite);
    let strict =
        Thresholds::from_yaml("t.yaml", "recovery_time:\n  elite: \"<= 1\"\n").expect("yaml");
    twenty.truncate(12);
    let report = graph
        .dora(
            &twenty,
            &[],
            &options("2026-11-01", "2026-11-02").with_thresholds(strict),
        )
        .expect("dora");
    assert_eq!(report.entities[0].bands.recovery_time, Some(Band::Elite));
}

#[test]
fn argo_cd_history_and_rollbacks() {
    let graph = acme_graph();
    let read = read_deployments("argocd-application.yaml", &read("argocd-application.yaml"));
    assert_eq!(read.rejected, 0, "{:#?}", read.diagnostics);
    assert_eq!(read.items.len(), 4);
    assert_eq!(
        read.items[2].rollback_of.as_deref(),
        Some("notification-service#2")
    );
    assert_eq!(read.items[0].source.line, 19);
    let report = graph
        .dora(&read.items, &[], &options("2026-11-01", "2026-11-11"))
        .expect("dora");
    let e = entry(&report.entities, "component:default/notification-service");
    assert_eq!((e.deployments, e.failed_changes), (4, 1));
    assert!(close(e.recovery_hours.median, 20.0 / 60.0));
}

#[test]
fn github_deployments_with_statuses() {
    let graph = acme_graph();
    let read = read_deployments("github-deployments.json", &read("github-deployments.json"));
    // 103 has no final status yet: left out and counted, as a warning.
    assert_eq!(read.rejected, 1);
    assert_eq!(read.diagnostics[0].code, codes::DORA_PENDING);
    assert_eq!(read.items.len(), 2);
    assert_eq!(
        read.items[0].entity,
        EventKey::GithubRepository("acme-corp/notification-service".into())
    );
    assert_eq!(read.items[1].status, DeploymentStatus::Failure);
    let report = graph
        .dora(&read.items, &[], &options("2026-11-01", "2026-11-11"))
        .expect("dora");
    let e = entry(&report.entities, "component:default/notification-service");
    assert_eq!((e.deployments, e.failed_changes, e.unrecovered), (2, 1, 1));
}

#[test]
fn bad_rows_are_located_left_out_and_counted() {
    let deployments = read_deployments("bad.csv", &read("bad.csv"));
    assert_eq!(deployments.items.len(), 1);
    assert_eq!(deployments.rejected, 5);
    let found: Vec<(String, u32, u32)> = deployments
        .diagnostics
        .iter()
        .map(|d| {
            let span = d.span.as_ref().expect("located");
            (d.code.to_string(), span.line, span.column)
        })
        .collect();
    insta::assert_debug_snapshot!("dora_bad_rows", found);
    let incidents = read_incidents("bad-incidents.json", &read("bad-incidents.json"));
    assert_eq!(incidents.items.len(), 1);
    assert_eq!(incidents.rejected, 2);
    let order = &incidents.diagnostics[0];
    assert_eq!(order.code, codes::DORA_ORDER);
    assert_eq!(order.path.as_ref().map(|p| p.as_str()), Some("/0/resolved"));
    assert_eq!(order.span.as_ref().map(|s| s.line), Some(2));
    let time = &incidents.diagnostics[1];
    assert_eq!(time.code, codes::DORA_TIMESTAMP);
    assert_eq!(time.span.as_ref().map(|s| s.line), Some(4));
}

#[test]
fn hostile_files_never_panic() {
    for text in [
        "",
        "\u{feff}",
        "[",
        "{\"deployments\": 3}",
        "- 1\n- [2]\n",
        "kind: Application\napiVersion: argoproj.io/v1alpha1\nstatus: {history: [1, {deployedAt: x}]}\n",
        "kind: Application\napiVersion: argoproj.io/v1alpha1\nmetadata: {name: a}\nstatus: {history: [1, {deployedAt: x}]}\n",
        "time,entity,status\n\"unterminated,\n",
        "time,entity,status\n2026-11-02T10:00:00Z,a,success,extra\n",
        "[{\"sha\": \"ab\", \"ref\": \"x\", \"statuses\": [{\"state\": \"weird\"}]}]",
        "[{\"time\": [1], \"entity\": {}, \"status\": true}]",
    ] {
        let _ = read_deployments("x", text);
        let _ = read_incidents("x", text);
        let _ = platform_graph::nps::survey_nps("x", text);
    }
}

fn git(dir: &Path, args: &[&str], date: &str) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn lead_times_from_a_git_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"], "2026-11-01T00:00:00Z");
    let commit = |message: &str, date: &str| {
        git(
            repo,
            &["commit", "-q", "--allow-empty", "-m", message],
            date,
        );
        git(repo, &["rev-parse", "HEAD"], date)
    };
    let c1 = commit("one", "2026-11-02T08:00:00Z");
    let c2 = commit("two", "2026-11-02T09:00:00Z");
    let c3 = commit("three", "2026-11-03T06:00:00Z");
    let c4 = commit("four", "2026-11-03T09:00:00Z");
    let text = format!(
        "time,entity,status,commit\n\
         2026-11-02T10:00:00Z,payment-service,success,{c2}\n\
         2026-11-03T10:00:00Z,payment-service,success,{c4}\n\
         2026-11-03T11:00:00Z,payment-service,success,{}\n",
        "f".repeat(40)
    );
    let mut read = read_deployments("deployments.csv", &text);
    let (problems, removed) = commits_from_source(&mut read.items, &mut GitRepository::new(repo));
    assert_eq!(removed, 1);
    assert_eq!(problems[0].code, codes::DORA_UNKNOWN_COMMIT);
    assert_eq!(problems[0].span.as_ref().map(|s| s.line), Some(4));
    // The first deployment ships its own commit (no previous deployment);
    // the second the two commits since.
    let shas: Vec<Vec<String>> = read
        .items
        .iter()
        .map(|d| d.commits.iter().filter_map(|c| c.sha.clone()).collect())
        .collect();
    assert_eq!(shas, vec![vec![c2.clone()], vec![c4.clone(), c3.clone()]]);
    assert_ne!(c1, c2);
    let graph = acme_graph();
    let report = graph
        .dora(&read.items, &[], &options("2026-11-01", "2026-11-11"))
        .expect("dora");
    // Lead times 1 h (c2), 1 h (c4), 4 h (c3).
    let e = &report.entities[0];
    assert!(close(e.lead_time_hours.median, 1.0));
    assert!(close(e.lead_time_hours.p90, 4.0));
}

fn event_key() -> impl Strategy<Value = EventKey> {
    prop_oneof![
        Just(EventKey::Entity("payment-service".into())),
        Just(EventKey::Entity(
            "component:default/notification-service".into()
        )),
        Just(EventKey::KubernetesId("fraud-detection-service".into())),
        Just(EventKey::GithubRepository(
            "acme-corp/notification-service".into()
        )),
        Just(EventKey::Entity("resource:payments-postgres".into())),
        Just(EventKey::Entity("user:alice".into())),
        "[a-z]{1,8}".prop_map(EventKey::Entity),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the events, every one is counted once and the levels add up.
    #[test]
    fn counts_always_reconcile(
        deployments in prop::collection::vec(
            (event_key(), 0i64..400, any::<bool>(), 0u8..3, prop::option::of(0usize..40)),
            0..40,
        ),
        incidents in prop::collection::vec((event_key(), 0i64..400, prop::option::of(0i64..50)), 0..10),
    ) {
        let graph = acme_graph();
        let since = parse_bound("2026-11-01").expect("since");
        let at = |h: i64| since.checked_add(jiff::SignedDuration::from_hours(h - 48)).expect("time");
        let source = Span::file_start("p".into());
        let list: Vec<Deployment> = deployments
            .iter()
            .enumerate()
            .map(|(i, (key, hours, ok, env, rollback))| {
                let mut d = Deployment::new(
                    at(*hours),
                    key.clone(),
                    ["production", "staging", ""][usize::from(*env)],
                    if *ok { DeploymentStatus::Success } else { DeploymentStatus::Failure },
                    source.clone(),
                )
                .with_id(format!("d{i}"));
                if let Some(r) = rollback {
                    d = d.with_rollback_of(format!("d{r}"));
                }
                d
            })
            .collect();
        let incident_list: Vec<Incident> = incidents
            .iter()
            .map(|(key, hours, resolved)| {
                let mut i = Incident::new(key.clone(), at(*hours), source.clone());
                if let Some(r) = resolved {
                    i = i.with_resolved(at(hours + r)).with_caused_by("d0");
                }
                i
            })
            .collect();
        let report = graph.dora(&list, &incident_list, &options("2026-11-01", "2026-11-11")).expect("dora");
        assert_reconciles(&report);
        for e in report.entities.iter().chain(&report.systems).chain(&report.groups) {
            prop_assert!(e.failed_changes <= e.deployments);
            prop_assert!(e.successful_deployments <= e.deployments);
            if let Some(rate) = e.change_failure_rate {
                prop_assert!((0.0..=1.0).contains(&rate));
            }
        }
    }
}

#[test]
fn an_id_used_in_two_files_is_a_duplicate() {
    let mut all = read_deployments(
        "a.csv",
        "id,time,entity,status\nx,2026-11-02T10:00:00Z,web,success\n",
    );
    all.extend(read_deployments("b.csv", "id,time,entity,status\nx,2026-11-03T10:00:00Z,web,success\ny,2026-11-03T10:00:00Z,web,success\n"));
    assert_eq!((all.items.len(), all.rejected), (2, 1));
    let d = &all.diagnostics[0];
    assert_eq!(d.code, codes::DORA_DUPLICATE_ID);
    assert_eq!(d.span.as_ref().map(|s| s.file.as_ref()), Some("b.csv"));
    assert!(d.notes[0].contains("a.csv:2"), "{:?}", d.notes);
}

fn csv_field() -> impl Strategy<Value = String> {
    // Commas, quotes and non-ASCII text, which CSV must quote.
    "[a-zé ,\"]{0,12}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Rows written as CSV (quoted as a spreadsheet writes them) read back
    /// with the same fields, each row located on its own line.
    #[test]
    fn csv_rows_round_trip(rows in prop::collection::vec((csv_field(), 0i64..10_000, any::<bool>(), csv_field()), 1..20)) {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let since = parse_bound("2026-11-01").expect("since");
        let mut text = String::from("entity,time,status,version\n");
        let mut expected = Vec::new();
        for (i, (entity, minutes, ok, version)) in rows.iter().enumerate() {
            let entity = format!("e{i}{}", entity.trim());
            let time = since.checked_add(jiff::SignedDuration::from_mins(*minutes)).expect("time");
            text.push_str(&format!(
                "{},{time},{},{}\n",
                quote(&entity),
                if *ok { "success" } else { "failure" },
                quote(version)
            ));
            expected.push((entity, time, *ok, version.trim().to_owned()));
        }
        let read = read_deployments("rows.csv", &text);
        prop_assert_eq!(read.rejected, 0, "{:?}", read.diagnostics);
        prop_assert_eq!(read.items.len(), expected.len());
        for (i, (d, (entity, time, ok, version))) in read.items.iter().zip(&expected).enumerate() {
            prop_assert_eq!(d.entity.text(), entity.as_str());
            prop_assert_eq!(d.time, *time);
            prop_assert_eq!(d.status == DeploymentStatus::Success, *ok);
            prop_assert_eq!(d.version.clone().unwrap_or_default(), version.clone());
            prop_assert_eq!(d.source.line as usize, i + 2);
        }
    }
}
