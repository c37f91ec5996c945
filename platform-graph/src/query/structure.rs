//! Systems and domains and what they hold, rolled up.

use petgraph::Direction;
use platform_model::relations::RelationType;

use super::{Reach, Walk};
use crate::graph::{CatalogGraph, NodeId};

impl CatalogGraph {
    /// Everything that is part of `whole` (a System, Domain or Component),
    /// directly or through its parts: a domain's subdomains and systems,
    /// their components, APIs and resources, and subcomponents.
    ///
    /// ```
    /// # let graph = platform_graph::testing::acme_graph();
    /// let payments = graph.resolve("domain:payments")?;
    /// let inside: Vec<String> = graph.parts(payments).entities()
    ///     .map(|id| graph.entity_ref(id).to_string()).collect();
    /// assert!(inside.contains(&"system:default/billing-system".to_owned()));
    /// assert!(inside.contains(&"component:default/payment-service".to_owned()));
    /// # Ok::<(), platform_graph::Error>(())
    /// ```
    #[must_use]
    pub fn parts(&self, whole: NodeId) -> Reach {
        let mut walk = Walk::new(self, [whole.0]);
        while let Some(current) = walk.next() {
            let mut parts: Vec<_> = self
                .neighbours(current, RelationType::PartOf, Direction::Incoming)
                .collect();
            parts.sort_unstable();
            for part in parts {
                walk.reach(current, part, true);
            }
        }
        Reach::new(walk, |n| n != whole.0)
    }

    /// The system, domain or parent component `part` belongs to.
    #[must_use]
    pub fn whole_of(&self, part: NodeId) -> Vec<NodeId> {
        self.neighbours(part.0, RelationType::PartOf, Direction::Outgoing)
            .map(NodeId)
            .collect()
    }
}
