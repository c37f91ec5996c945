//! Walks over the frozen tables: neighbours by relation and direction, the
//! related entities of a node, node kinds and the node-index bound.

use petgraph::Direction;
use petgraph::stable_graph::NodeIndex;

use platform_model::EntityKind;
use platform_model::relations::RelationType;

use super::frozen::Frozen;
use super::node::{NodeId, canonical};
use super::store::CatalogGraph;

impl CatalogGraph {
    /// Builds the query tables now rather than at the first query.
    pub fn freeze(&self) {
        let _ = self.frozen();
    }

    fn frozen(&self) -> &Frozen {
        self.frozen.get_or_init(|| Frozen::build(&self.graph))
    }

    /// Neighbours over stored edges of one relation type: `Outgoing` follows
    /// the stored (forward) direction, `Incoming` the reverse.
    pub(crate) fn neighbours(
        &self,
        node: NodeIndex<u32>,
        relation: RelationType,
        direction: Direction,
    ) -> impl Iterator<Item = NodeIndex<u32>> + '_ {
        self.frozen()
            .slice(node.index(), relation, direction)
            .iter()
            .map(|&n| NodeIndex::new(n as usize))
    }

    /// The entities related to `id` by `relation` (any of the 14 types;
    /// reverse types are answered from the stored direction).
    pub fn related(&self, id: NodeId, relation: RelationType) -> impl Iterator<Item = NodeId> + '_ {
        let (stored, flipped) = canonical(relation);
        let direction = if flipped {
            Direction::Incoming
        } else {
            Direction::Outgoing
        };
        self.neighbours(id.0, stored, direction).map(NodeId)
    }

    /// The kind of a node, from the compact table.
    pub(crate) fn kind_of(&self, node: NodeIndex<u32>) -> EntityKind {
        self.frozen()
            .kinds
            .get(node.index())
            .copied()
            .unwrap_or(EntityKind::Other)
    }

    /// An upper bound of node indices, for dense per-node tables.
    pub(crate) fn bound(&self) -> usize {
        petgraph::visit::NodeIndexable::node_bound(&self.graph)
    }
}
