//! Queries on the Acme example organisation.

use platform_graph::testing::acme_graph;
use platform_graph::{EntityKind, Error, OwnedBy, RelationType, Traversal};

#[test]
fn impact_of_the_payments_database() {
    let graph = acme_graph();
    let db = graph.resolve("resource:payments-postgres").expect("db");
    let report = graph.impact(&[db]).report(&graph);
    insta::assert_json_snapshot!(report);
}

#[test]
fn everything_engineering_owns() {
    let graph = acme_graph();
    let engineering = graph.resolve("group:engineering").expect("group");
    let owned = graph
        .owned_by(engineering, &OwnedBy::default())
        .expect("owned");
    insta::assert_json_snapshot!(graph.owned_report(&owned));
    let direct = graph
        .owned_by(engineering, &OwnedBy::default().with_transitive(false))
        .expect("owned");
    assert!(direct.is_empty());
    let components = graph
        .owned_by(
            engineering,
            &OwnedBy::default().with_kinds([EntityKind::Component]),
        )
        .expect("owned");
    assert_eq!(components.len(), 3);
    let web = graph
        .resolve("component:payment-service")
        .expect("component");
    assert!(matches!(
        graph.owned_by(web, &OwnedBy::default()),
        Err(Error::WrongKind { .. })
    ));
}

#[test]
fn members_direct_and_transitive() {
    let graph = acme_graph();
    let acme = graph.resolve("group:acme").expect("org");
    assert!(graph.members(acme, false).is_empty());
    let all: Vec<String> = graph
        .members(acme, true)
        .iter()
        .map(|&m| graph.entity_ref(m).to_string())
        .collect();
    assert_eq!(
        all,
        [
            "user:default/alice",
            "user:default/bob",
            "user:default/carol",
            "user:default/dave"
        ]
    );
}

#[test]
fn dependencies_and_dependents_through_apis() {
    let graph = acme_graph();
    let payment = graph
        .resolve("payment-service")
        .expect("bare names resolve");
    let names = |reached: platform_graph::Reach| -> Vec<String> {
        let mut names: Vec<String> = reached
            .entities()
            .map(|id| graph.entity_ref(id).to_string())
            .collect();
        names.sort();
        names
    };
    let direct = names(
        graph.dependencies(
            payment,
            &Traversal::default()
                .with_transitive(false)
                .with_through_apis(false),
        ),
    );
    assert_eq!(
        direct,
        [
            "resource:default/payments-postgres",
            "resource:default/payments-redis"
        ]
    );
    let providers = names(graph.dependencies(
        payment,
        &Traversal::default().with_kinds([EntityKind::Component]),
    ));
    assert_eq!(
        providers,
        [
            "component:default/fraud-detection-service",
            "component:default/notification-service"
        ]
    );
    let fraud = graph
        .resolve("component:fraud-detection-service")
        .expect("fraud");
    let dependents = names(graph.dependents(fraud, &Traversal::default()));
    assert!(
        dependents.contains(&"component:default/payment-service".to_owned()),
        "{dependents:?}"
    );
}

#[test]
fn systems_and_domains_roll_up() {
    let graph = acme_graph();
    let billing = graph.resolve("system:billing-system").expect("system");
    let mut parts: Vec<String> = graph
        .parts(billing)
        .entities()
        .map(|id| graph.entity_ref(id).to_string())
        .collect();
    parts.sort();
    assert_eq!(
        parts,
        [
            "api:default/fraud-detection-api",
            "api:default/payment-api-v2",
            "component:default/fraud-detection-service",
            "component:default/payment-service",
            "resource:default/payments-postgres",
            "resource:default/payments-redis",
        ]
    );
    let domain = graph.resolve("domain:payments").expect("domain");
    assert_eq!(graph.parts(domain).len(), parts.len() + 1);
}

#[test]
fn every_relation_type_is_answered_both_ways() {
    let graph = acme_graph();
    let team = graph.resolve("group:payments-team").expect("team");
    let alice = graph.resolve("user:alice").expect("alice");
    assert!(
        graph
            .related(team, RelationType::HasMember)
            .any(|m| m == alice)
    );
    assert!(
        graph
            .related(alice, RelationType::MemberOf)
            .any(|g| g == team)
    );
    let engineering = graph.resolve("group:engineering").expect("engineering");
    assert!(
        graph
            .related(engineering, RelationType::ParentOf)
            .any(|c| c == team)
    );
    assert!(
        graph
            .related(team, RelationType::ChildOf)
            .any(|p| p == engineering)
    );
}

#[test]
fn paths_and_neighbourhoods() {
    let graph = acme_graph();
    let alice = graph.resolve("user:alice").expect("alice");
    let db = graph.resolve("resource:payments-postgres").expect("db");
    let path = graph.shortest_path(alice, db).expect("connected");
    let text: Vec<String> = path
        .iter()
        .map(|s| {
            format!(
                "{}{}",
                s.relation.map(|r| format!("-{r}-> ")).unwrap_or_default(),
                graph.entity_ref(s.entity)
            )
        })
        .collect();
    insta::assert_snapshot!(text.join(" "));
    let around = graph.neighbourhood(db, 1);
    assert_eq!(around.nodes[0], db);
    assert!(
        around
            .edges
            .iter()
            .all(|(a, _, b)| around.nodes.contains(a) && around.nodes.contains(b))
    );
    assert!(around.edges.iter().any(|(a, _, _)| *a != db));
    assert!(around.nodes.len() >= 4);
}

#[test]
fn unknown_references_suggest_the_nearest() {
    let graph = acme_graph();
    let err = graph
        .resolve("resource:payments-postgress")
        .expect_err("typo");
    assert_eq!(
        err.to_string(),
        "no entity `resource:payments-postgress` in the catalog; did you mean `resource:default/payments-postgres`?"
    );
    let Error::UnknownEntity { suggestions, .. } =
        graph.resolve("payment-servce").expect_err("typo")
    else {
        panic!("unknown")
    };
    assert_eq!(suggestions[0], "component:default/payment-service");
}

#[test]
fn exports() {
    let graph = acme_graph();
    insta::assert_snapshot!("acme.dot", graph.to_dot());
    insta::assert_snapshot!("acme.mmd", graph.to_mermaid());
    let json = graph.to_json();
    assert_eq!(
        json["nodes"].as_array().map(Vec::len),
        Some(graph.node_count())
    );
    assert_eq!(
        json["edges"].as_array().map(Vec::len),
        Some(graph.edge_count())
    );
}
