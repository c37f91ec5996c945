//! Hostile shapes, each with the bound it must stay under: long chains
//! whose reports would be quadratic if every hit carried its full path.

use platform_graph::cost::{CostItem, CostKey, CostOptions};
use platform_graph::{CatalogGraph, ELIDED, OwnedBy, ReportOptions};
use platform_model::Entity;
use platform_test_support::{Limits, bounded};
use serde_json::json;

/// How long the chains are: 30 000 aborted the old impact report.
const N: usize = 30_000;

fn component(name: &str, owner: &str, depends_on: &[String]) -> Entity {
    Entity::from_value(json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
        "metadata": {"name": name},
        "spec": {"type": "service", "lifecycle": "production", "owner": owner, "dependsOn": depends_on}
    }))
    .expect("entity")
}

/// `c0 -> c1 -> … -> c{n-1}` through `dependsOn`: the impact of the last
/// one reaches every other one, at depths 0 to n - 1.
pub(crate) fn chain(n: usize) -> CatalogGraph {
    CatalogGraph::from_entities((0..n).map(|i| {
        let deps = if i + 1 < n {
            vec![format!("component:c{}", i + 1)]
        } else {
            Vec::new()
        };
        component(&format!("c{i}"), "group:team", &deps)
    }))
}

#[test]
fn impact_of_a_long_chain_is_linear() {
    let measured = bounded(
        "adversarial::impact_of_a_long_chain_is_linear",
        Limits::mib(256).seconds(20),
        || {
            let graph = chain(N);
            let root = graph
                .resolve(&format!("component:c{}", N - 1))
                .expect("root");
            let impact = graph.impact(&[root]);
            // Every component plus the (placeholder) owning group.
            assert_eq!(impact.len(), N + 1);
            for hit in impact.iter() {
                assert!(impact.contains(hit.entity));
            }
            let report = impact.report(&graph);
            assert_eq!(report.len(), N + 1);
            let max = ReportOptions::DEFAULT_MAX_PATH_LEN;
            assert!(report.iter().all(|r| r.path.len() <= max));
            let deepest = report.last().expect("a hit");
            assert_eq!(deepest.entity, "component:default/c0");
            assert_eq!(deepest.depth, N - 1);
            assert_eq!(deepest.path.len(), max);
            assert_eq!(deepest.path[0], format!("component:default/c{}", N - 1));
            assert_eq!(deepest.path[1], ELIDED);
            assert_eq!(deepest.path[max - 1], "component:default/c0");
            assert_eq!(deepest.path[max - 2], "component:default/c1");
            // A short path is written out in full.
            let near = report
                .iter()
                .find(|r| r.depth == 2 && r.entity.starts_with("component:"))
                .expect("depth 2");
            assert_eq!(
                near.path,
                [
                    format!("component:default/c{}", N - 1),
                    format!("component:default/c{}", N - 2),
                    format!("component:default/c{}", N - 3),
                ]
            );
            // The full path, on demand, for one hit.
            let c0 = graph.resolve("component:c0").expect("c0");
            let path = impact.path(c0).expect("reached");
            assert_eq!(path.len(), N);
            assert_eq!(impact.parent(c0), graph.resolve("component:c1").ok());
            // Raising the limit is the caller's choice.
            let wide = impact.report_with(&graph, &ReportOptions::new().with_max_path_len(40));
            assert!(wide.iter().all(|r| r.path.len() <= 40));
        },
    );
    if let Some(m) = measured {
        eprintln!("measured: {m:?}");
    }
}

/// Groups `g0 <- g1 <- … <- g{n-1}` (each the child of the one before),
/// each owning one component.
fn group_chain(n: usize) -> CatalogGraph {
    let groups = (0..n).map(|i| {
        let mut spec = json!({"type": "team", "children": []});
        if i > 0 {
            spec["parent"] = json!(format!("g{}", i - 1));
        }
        Entity::from_value(json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "Group",
            "metadata": {"name": format!("g{i}")}, "spec": spec
        }))
        .expect("group")
    });
    let components = (0..n).map(|i| component(&format!("c{i}"), &format!("group:g{i}"), &[]));
    CatalogGraph::from_entities(groups.chain(components).collect::<Vec<_>>())
}

#[test]
fn ownership_and_costs_of_a_deep_group_chain_are_linear() {
    let measured = bounded(
        "adversarial::ownership_and_costs_of_a_deep_group_chain_are_linear",
        Limits::mib(256).seconds(20),
        || {
            let graph = group_chain(N);
            let top = graph.resolve("group:g0").expect("top");
            let owned = graph.owned_by(top, &OwnedBy::default()).expect("owned");
            assert_eq!(owned.len(), N);
            let deepest = owned
                .iter()
                .find(|o| graph.entity_ref(o.entity).name() == format!("c{}", N - 1))
                .expect("deepest");
            assert_eq!(deepest.via.len(), N);
            assert_eq!(deepest.via.to_vec().len(), N);
            assert_eq!(
                graph.entity_ref(deepest.via.owner()).name(),
                format!("g{}", N - 1)
            );
            let report = graph.owned_report(&owned);
            let max = ReportOptions::DEFAULT_MAX_PATH_LEN;
            assert!(report.iter().all(|r| r.via.len() <= max));
            let c_last = report
                .iter()
                .find(|r| r.entity == format!("component:default/c{}", N - 1))
                .expect("reported");
            assert_eq!(c_last.via[0], "group:default/g0");
            assert_eq!(c_last.via[1], ELIDED);
            assert_eq!(c_last.via[max - 1], format!("group:default/g{}", N - 1));
            assert_eq!(graph.members(top, true).len(), 0);
            // Every component costs 1: each group's total is what it and
            // the groups below it own.
            let items: Vec<CostItem> = (0..N)
                .map(|i| CostItem {
                    key: CostKey::Entity(format!("component:c{i}")),
                    amount: 1.0,
                    source: format!("c.csv:{i}"),
                })
                .collect();
            let costs = graph.attribute_costs(&items, &CostOptions::default());
            assert_eq!(costs.total, N as f64);
            assert_eq!(costs.groups.len(), N);
            let g0 = costs
                .groups
                .iter()
                .find(|g| g.entity == "group:default/g0")
                .expect("g0");
            assert_eq!((g0.own, g0.total), (1.0, N as f64));
            let g_last = costs
                .groups
                .iter()
                .find(|g| g.entity == format!("group:default/g{}", N - 1))
                .expect("last");
            assert_eq!((g_last.own, g_last.total), (1.0, 1.0));
        },
    );
    if let Some(m) = measured {
        eprintln!("measured: {m:?}");
    }
}
