//! Blast radius: what is affected when entities fail.

use petgraph::Direction;
use petgraph::stable_graph::NodeIndex;
use platform_model::relations::RelationType;

use super::{Reach, Walk};
use crate::graph::{CatalogGraph, NodeId};
use platform_model::EntityKind;

impl CatalogGraph {
    /// Everything affected when `failing` fail: entities that depend on an
    /// affected entity, the APIs an affected component provides and the
    /// consumers of affected APIs, the components, systems and domains an
    /// affected entity is part of, and the groups owning affected entities
    /// (owners are reported but not followed further). The failing entities
    /// come first, at depth 0; the rest is in breadth-first order.
    ///
    /// ```
    /// # let graph = platform_graph::testing::acme_graph();
    /// let db = graph.resolve("resource:payments-postgres")?;
    /// let impact = graph.impact(&[db]);
    /// let hit: Vec<String> = impact.entities().map(|id| graph.entity_ref(id).to_string()).collect();
    /// assert!(hit.contains(&"component:default/payment-service".to_owned()));
    /// assert!(hit.contains(&"api:default/payment-api-v2".to_owned()));
    /// assert!(hit.contains(&"system:default/billing-system".to_owned()));
    /// assert!(hit.contains(&"group:default/payments-team".to_owned()));
    /// # Ok::<(), platform_graph::Error>(())
    /// ```
    #[must_use]
    pub fn impact(&self, failing: &[NodeId]) -> Reach {
        let mut walk = Walk::new(self, failing.iter().map(|id| id.0));
        let mut next: Vec<(NodeIndex<u32>, bool)> = Vec::new();
        while let Some(current) = walk.next() {
            next.clear();
            next.extend(
                self.neighbours(current, RelationType::DependsOn, Direction::Incoming)
                    .map(|n| (n, true)),
            );
            next.extend(
                self.neighbours(current, RelationType::ProvidesApi, Direction::Outgoing)
                    .map(|n| (n, true)),
            );
            if self.kind_of(current) == EntityKind::Api {
                next.extend(
                    self.neighbours(current, RelationType::ConsumesApi, Direction::Incoming)
                        .map(|n| (n, true)),
                );
            }
            next.extend(
                self.neighbours(current, RelationType::PartOf, Direction::Outgoing)
                    .map(|n| (n, true)),
            );
            next.extend(
                self.neighbours(current, RelationType::OwnedBy, Direction::Outgoing)
                    .map(|n| (n, false)),
            );
            next.sort_unstable();
            for &(n, expand) in &next {
                walk.reach(current, n, expand);
            }
        }
        Reach::new(walk, |_| true)
    }
}
