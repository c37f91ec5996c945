//! Cost attribution over the Acme organisation.

use std::path::Path;

use platform_graph::cost::{CostOptions, SplitRule, parse_costs};
use platform_graph::testing::acme_graph;

fn read(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture")
}

fn assert_reconciles(report: &platform_graph::cost::CostReport) {
    let entities: f64 = report.entities.iter().map(|e| e.total).sum();
    assert!(
        (entities + report.unallocated_total - report.total).abs() < 1e-9,
        "{report:#?}"
    );
    let top: f64 = report
        .groups
        .iter()
        .filter(|g| g.entity == "group:default/acme")
        .map(|g| g.total)
        .sum();
    assert!(
        (top + report.unowned_total - (report.total - report.unallocated_total)).abs() < 1e-9,
        "{report:#?}"
    );
}

#[test]
fn csv_costs_split_evenly_and_roll_up() {
    let graph = acme_graph();
    let items = parse_costs("costs.csv", &read("costs.csv")).expect("csv");
    let report = graph.attribute_costs(&items, &CostOptions::default());
    assert_reconciles(&report);
    assert_eq!(report.total, 587.0);
    assert_eq!(report.unallocated_total, 7.0);
    insta::assert_json_snapshot!(report);
}

#[test]
fn weighted_split_follows_own_costs() {
    let graph = acme_graph();
    let items = parse_costs(
        "inline.csv",
        "resource:payments-postgres,100\npayment-service,30\n",
    )
    .expect("csv");
    let report = graph.attribute_costs(
        &items,
        &CostOptions::default().with_split(SplitRule::Weighted),
    );
    assert_reconciles(&report);
    let payment = report
        .entities
        .iter()
        .find(|e| e.entity == "component:default/payment-service")
        .expect("payment");
    assert_eq!(payment.total, 130.0);
}

#[test]
fn opencost_allocations_by_namespace_and_label() {
    let graph = acme_graph();
    let items = parse_costs("opencost.json", &read("opencost.json")).expect("opencost");
    let report = graph.attribute_costs(&items, &CostOptions::default());
    assert_reconciles(&report);
    assert_eq!(report.unallocated.len(), 2, "{:#?}", report.unallocated);
    assert!((report.unallocated_total - 17.0).abs() < 1e-9);
    let billing = report
        .systems
        .iter()
        .find(|s| s.entity == "system:default/billing-system")
        .expect("billing");
    assert!((billing.total - 150.5).abs() < 1e-9);
}
