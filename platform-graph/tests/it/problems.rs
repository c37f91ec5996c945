//! Problems of a catalog with one of each, located.

use std::path::Path;

use platform_graph::{CatalogGraph, CycleKind, ProblemKind};
use platform_model::loader::{LoadOptions, Loader};

/// The graph of `tests/fixtures/problems.yaml` (one problem of each kind).
pub(crate) fn graph() -> CatalogGraph {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/problems.yaml");
    let catalog = Loader::new(LoadOptions::default())
        .expect("loader")
        .load(&path)
        .expect("load");
    assert!(catalog.is_valid(), "{:?}", catalog.diagnostics().next());
    CatalogGraph::from_catalog(&catalog)
}

#[test]
fn every_problem_is_found_and_located() {
    let graph = graph();
    let problems: Vec<String> = graph
        .problems()
        .iter()
        .map(|p| {
            let d = p.to_diagnostic();
            format!(
                "{} {}: {}",
                d.code,
                d.span.map(|s| s.to_string()).unwrap_or_default(),
                d.message
            )
        })
        .collect();
    insta::assert_snapshot!(problems.join("\n"));
}

#[test]
fn cycles_of_each_kind() {
    let graph = graph();
    let cycles: Vec<(CycleKind, Vec<String>)> = graph
        .cycles()
        .into_iter()
        .map(|c| {
            (
                c.kind,
                c.members
                    .iter()
                    .map(|&m| graph.entity_ref(m).to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        cycles,
        [
            (
                CycleKind::DependsOn,
                vec![
                    "component:default/cart".into(),
                    "component:default/checkout".into(),
                    "component:default/payments".into()
                ]
            ),
            (
                CycleKind::GroupParent,
                vec!["group:default/loop-a".into(), "group:default/loop-b".into()]
            ),
            (
                CycleKind::SubdomainOf,
                vec!["domain:default/d1".into(), "domain:default/d2".into()]
            ),
        ]
    );
    let order = graph.bring_up_order();
    assert_eq!(order.cycles.len(), 1);
    let cycle_step = order
        .steps
        .iter()
        .position(|s| s.len() == 3)
        .expect("cycle step");
    let db_step = order
        .steps
        .iter()
        .position(|s| graph.entity_ref(s[0]).name() == "cart-db")
        .expect("db");
    assert!(db_step < cycle_step);
}

#[test]
fn dangling_references_keep_their_spans() {
    let graph = graph();
    let dangling = graph.dangling();
    let db = dangling
        .iter()
        .find(|d| d.target.name() == "cart-db")
        .expect("cart-db");
    assert_eq!(db.pointer, "/spec/dependsOn/0");
    let span = db.span.as_ref().expect("span");
    assert_eq!((span.line, span.column), (33, 7));
    let kinds: Vec<ProblemKind> = graph.problems().iter().map(|p| p.kind).collect();
    for kind in [
        ProblemKind::DanglingRef,
        ProblemKind::MissingOwner,
        ProblemKind::OwnerKind,
        ProblemKind::EmptyGroup,
        ProblemKind::UnusedApi,
        ProblemKind::ApiWithoutProvider,
        ProblemKind::Cycle,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing");
    }
}

#[test]
fn entities_come_and_go_incrementally() {
    let mut graph = graph();
    let before = graph.node_count();
    let db = platform_model::Entity::from_value(serde_json::json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "Resource",
        "metadata": {"name": "cart-db"}, "spec": {"type": "database", "owner": "team-a"}
    }))
    .expect("entity");
    graph.add_entity(db, None);
    assert_eq!(
        graph.node_count(),
        before,
        "the placeholder became the entity"
    );
    assert!(
        graph
            .dangling()
            .iter()
            .all(|d| d.target.name() != "cart-db")
    );
    let cart: platform_model::EntityRef = "component:default/cart".parse().expect("ref");
    assert!(graph.remove_entity(&cart));
    // payments still depends on cart: it stays as a placeholder.
    let node = graph.find(&cart).expect("placeholder");
    assert!(graph.node(node).is_placeholder());
    // team-b was only referenced by cart: gone.
    assert!(
        graph
            .find(&"group:default/team-b".parse().expect("ref"))
            .is_none()
    );
    assert!(!graph.remove_entity(&cart));
}
