//! Shortest paths and neighbourhoods.

use petgraph::Direction;
use petgraph::stable_graph::NodeIndex;
use petgraph::visit::EdgeRef;
use platform_model::relations::RelationType;

use super::Walk;
use crate::graph::{CatalogGraph, NodeId};

/// One step of a path: the entity reached and the relation followed to it,
/// seen from the previous entity (`ownedBy`, `hasPart`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The relation from the previous entity (`None` for the start).
    pub relation: Option<RelationType>,
    /// The entity.
    pub entity: NodeId,
}

/// A part of the graph: some nodes and the stored edges among them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subgraph {
    /// The nodes, the centre first.
    pub nodes: Vec<NodeId>,
    /// Stored (forward) edges between them.
    pub edges: Vec<(NodeId, RelationType, NodeId)>,
}

impl CatalogGraph {
    /// The shortest chain of relations, in either direction, from `from` to
    /// `to`, or `None` when they are not connected.
    ///
    /// ```
    /// # let graph = platform_graph::testing::acme_graph();
    /// let alice = graph.resolve("user:alice")?;
    /// let db = graph.resolve("resource:payments-postgres")?;
    /// let path = graph.shortest_path(alice, db).unwrap();
    /// assert_eq!(path.first().unwrap().entity, alice);
    /// assert_eq!(path.last().unwrap().entity, db);
    /// # Ok::<(), platform_graph::Error>(())
    /// ```
    #[must_use]
    pub fn shortest_path(&self, from: NodeId, to: NodeId) -> Option<Vec<Step>> {
        let mut walk = Walk::new(self, [from.0]);
        let mut via: rustc_hash::FxHashMap<NodeIndex<u32>, RelationType> =
            rustc_hash::FxHashMap::default();
        'search: while let Some(current) = walk.next() {
            for (next, relation) in self.undirected(current) {
                if walk.reach(current, next, true) {
                    via.insert(next, relation);
                    if next == to.0 {
                        break 'search;
                    }
                }
            }
        }
        if from != to && !via.contains_key(&to.0) {
            return None;
        }
        Some(
            walk.path(to.0)
                .into_iter()
                .map(|n| Step {
                    relation: via.get(&n.0).copied().filter(|_| n != from),
                    entity: n,
                })
                .collect(),
        )
    }

    /// Every entity within `depth` relations of `center` (either
    /// direction), and the edges among them.
    #[must_use]
    pub fn neighbourhood(&self, center: NodeId, depth: usize) -> Subgraph {
        let mut walk = Walk::new(self, [center.0]);
        while let Some(current) = walk.next() {
            let expand = walk.depth(current) + 1 < depth;
            if walk.depth(current) >= depth {
                continue;
            }
            let next: Vec<_> = self.undirected(current).map(|(n, _)| n).collect();
            for n in next {
                walk.reach(current, n, expand);
            }
        }
        // The edges among the nodes reached: each reached node's outgoing
        // edges whose target was reached too (time in the degrees of the
        // nodes inside, not in the size of the graph).
        let mut edges: Vec<(NodeId, RelationType, NodeId)> = walk
            .order
            .iter()
            .flat_map(|&n| self.graph.edges_directed(n, Direction::Outgoing))
            .filter(|e| walk.seen(e.target()))
            .map(|e| (NodeId(e.source()), e.weight().relation, NodeId(e.target())))
            .collect();
        edges.sort_by(|a, b| {
            self.entity_ref(a.0)
                .cmp(self.entity_ref(b.0))
                .then_with(|| a.1.cmp(&b.1))
                .then_with(|| self.entity_ref(a.2).cmp(self.entity_ref(b.2)))
        });
        Subgraph {
            nodes: walk.order.into_iter().map(NodeId).collect(),
            edges,
        }
    }

    /// Neighbours in both directions with the relation as seen from `node`.
    fn undirected(
        &self,
        node: NodeIndex<u32>,
    ) -> impl Iterator<Item = (NodeIndex<u32>, RelationType)> + '_ {
        let out = self
            .graph
            .edges_directed(node, Direction::Outgoing)
            .map(|e| (e.target(), e.weight().relation));
        let incoming = self
            .graph
            .edges_directed(node, Direction::Incoming)
            .map(|e| (e.source(), e.weight().relation.reverse()));
        out.chain(incoming)
    }
}
