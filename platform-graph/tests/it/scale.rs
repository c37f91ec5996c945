//! Shapes that break recursive code: long chains, big cycles, random graphs.

use platform_graph::{CatalogGraph, Traversal};
use platform_model::Entity;
use proptest::prelude::*;
use serde_json::json;

fn component(name: &str, depends_on: &[String]) -> Entity {
    Entity::from_value(json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
        "metadata": {"name": name},
        "spec": {"type": "service", "lifecycle": "production", "owner": "team", "dependsOn": depends_on}
    }))
    .expect("entity")
}

#[test]
fn a_million_long_chain_does_not_overflow() {
    let n = 1_000_000;
    let entities = (0..n).map(|i| {
        let deps = if i + 1 < n {
            vec![format!("component:c{}", i + 1)]
        } else {
            Vec::new()
        };
        component(&format!("c{i}"), &deps)
    });
    let graph = CatalogGraph::from_entities(entities);
    let last = graph.resolve("component:c999999").expect("last");
    let first = graph.resolve("component:c0").expect("first");
    let impact = graph.impact(&[last]);
    assert_eq!(
        impact
            .iter()
            .filter(|i| graph.node(i.entity).kind == platform_graph::EntityKind::Component)
            .count(),
        n
    );
    assert_eq!(
        graph.dependencies(first, &Traversal::default()).len(),
        n - 1
    );
    assert!(graph.cycles().is_empty());
    let order = graph.bring_up_order();
    assert_eq!(graph.entity_ref(order.steps[0][0]).name(), "c999999");
}

#[test]
fn a_million_long_cycle_is_one_cycle() {
    let n = 1_000_000;
    let graph = CatalogGraph::from_entities(
        (0..n).map(|i| component(&format!("c{i}"), &[format!("component:c{}", (i + 1) % n)])),
    );
    let cycles = graph.cycles();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].members.len(), n);
    assert_eq!(graph.bring_up_order().steps.len(), 1);
}

/// Cycles by brute force: `a` and `b` are in one cycle when each reaches
/// the other.
fn naive_cycle_members(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut reach = vec![vec![false; n]; n];
    for &(a, b) in edges {
        reach[a][b] = true;
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if reach[i][k] && reach[k][j] {
                    reach[i][j] = true;
                }
            }
        }
    }
    let mut seen = vec![false; n];
    let mut out = Vec::new();
    for i in 0..n {
        if seen[i] || !reach[i][i] {
            continue;
        }
        let members: Vec<usize> = (0..n).filter(|&j| reach[i][j] && reach[j][i]).collect();
        for &m in &members {
            seen[m] = true;
        }
        out.push(members);
    }
    out
}

proptest! {
    #[test]
    fn cycles_match_a_brute_force_search(edges in proptest::collection::vec((0usize..8, 0usize..8), 0..20)) {
        let n = 8;
        let graph = CatalogGraph::from_entities((0..n).map(|i| {
            let deps: Vec<String> = edges.iter().filter(|(a, _)| *a == i).map(|(_, b)| format!("component:c{b}")).collect();
            component(&format!("c{i}"), &deps)
        }));
        let mut ours: Vec<Vec<usize>> = graph
            .cycles()
            .iter()
            .map(|c| {
                let mut m: Vec<usize> = c.members.iter().map(|&id| graph.entity_ref(id).name()[1..].parse().expect("index")).collect();
                m.sort_unstable();
                m
            })
            .collect();
        ours.sort();
        let mut expected = naive_cycle_members(n, &edges);
        expected.sort();
        prop_assert_eq!(ours, expected);
        // The bring-up order respects every edge outside a cycle.
        let order = graph.bring_up_order();
        let step_of = |name: &str| order.steps.iter().position(|s| s.iter().any(|&id| graph.entity_ref(id).name() == name));
        for &(a, b) in &edges {
            if let (Some(sa), Some(sb)) = (step_of(&format!("c{a}")), step_of(&format!("c{b}"))) {
                prop_assert!(sb <= sa, "c{} depends on c{} but comes first", a, b);
            }
        }
    }
}
