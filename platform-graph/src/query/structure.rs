//! Systems and domains and what they hold, rolled up.

use petgraph::Direction;
use platform_model::relations::RelationType;

use super::Walk;
use crate::graph::{CatalogGraph, NodeId};

/// Something inside a system or domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member.
    pub entity: NodeId,
    /// 1 for direct parts; more for parts of parts (a subdomain's systems,
    /// a component's subcomponents).
    pub depth: usize,
    /// From the system or domain to the member.
    pub path: Vec<NodeId>,
}

impl CatalogGraph {
    /// Everything that is part of `whole` (a System, Domain or Component),
    /// directly or through its parts: a domain's subdomains and systems,
    /// their components, APIs and resources, and subcomponents.
    ///
    /// ```
    /// # let graph = platform_graph::testing::acme_graph();
    /// let payments = graph.resolve("domain:payments")?;
    /// let inside: Vec<String> = graph.parts(payments).iter()
    ///     .map(|m| graph.entity_ref(m.entity).to_string()).collect();
    /// assert!(inside.contains(&"system:default/billing-system".to_owned()));
    /// assert!(inside.contains(&"component:default/payment-service".to_owned()));
    /// # Ok::<(), platform_graph::GraphError>(())
    /// ```
    #[must_use]
    pub fn parts(&self, whole: NodeId) -> Vec<Member> {
        let mut walk = Walk::new(self, [whole.0]);
        while let Some(current) = walk.next() {
            let parts: Vec<_> = self
                .neighbours(current, RelationType::PartOf, Direction::Incoming)
                .collect();
            for part in parts {
                walk.reach(current, part, true);
            }
        }
        walk.order
            .iter()
            .skip(1)
            .map(|&n| Member {
                entity: NodeId(n),
                depth: walk.depth(n),
                path: walk.path(n),
            })
            .collect()
    }

    /// The system, domain or parent component `part` belongs to.
    #[must_use]
    pub fn whole_of(&self, part: NodeId) -> Vec<NodeId> {
        self.neighbours(part.0, RelationType::PartOf, Direction::Outgoing)
            .map(NodeId)
            .collect()
    }
}
