//! The compact adjacency tables queries read: neighbours by node, relation
//! and direction in compressed rows, and node kinds, rebuilt after edits.

use petgraph::Direction;
use petgraph::stable_graph::StableDiGraph;
use petgraph::visit::EdgeRef;

use platform_model::EntityKind;
use platform_model::relations::RelationType;

use super::node::{Edge, Node};

/// The stored relation types, in the order of [`Frozen`]'s rows.
const STORED: [RelationType; 7] = [
    RelationType::OwnedBy,
    RelationType::ConsumesApi,
    RelationType::ProvidesApi,
    RelationType::DependsOn,
    RelationType::ChildOf,
    RelationType::MemberOf,
    RelationType::PartOf,
];

fn row(relation: RelationType) -> usize {
    STORED.iter().position(|&r| r == relation).unwrap_or(0)
}

/// One node's neighbour-list starts for both directions in one cache line:
/// `[outgoing start per stored relation.., outgoing end, incoming start per
/// stored relation.., incoming end]`. Walks read both directions of a node,
/// so one row costs one cache miss instead of two.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct Row([u32; 16]);

/// Where the incoming half of a [`Row`] begins.
const INCOMING: usize = 8;

// A row holds seven relation starts and an end per direction.
const _: () = assert!(STORED.len() == INCOMING - 1);

/// Neighbours by node, relation and direction in compressed rows: queries
/// read slices instead of walking linked edge lists.
#[derive(Clone, Debug, Default)]
pub(super) struct Frozen {
    /// Node kinds by index, compact, for walks that branch on the kind.
    pub(super) kinds: Vec<EntityKind>,
    rows: Vec<Row>,
    out_targets: Vec<u32>,
    in_sources: Vec<u32>,
}

impl Frozen {
    pub(super) fn build(graph: &StableDiGraph<Node, Edge, u32>) -> Self {
        use petgraph::visit::IntoEdgeReferences;
        let bound = petgraph::visit::NodeIndexable::node_bound(graph);
        let edges = graph.edge_count();
        // Count per node and relation, then turn counts into starts, node
        // by node, per direction.
        let mut rows = vec![Row::default(); bound];
        for e in graph.edge_references() {
            let r = row(e.weight().relation);
            rows[e.source().index()].0[r] += 1;
            rows[e.target().index()].0[INCOMING + r] += 1;
        }
        let mut totals = [0u32; 2];
        for row in &mut rows {
            for (half, total) in totals.iter_mut().enumerate() {
                let base = half * INCOMING;
                for slot in &mut row.0[base..base + STORED.len()] {
                    let count = *slot;
                    *slot = *total;
                    *total += count;
                }
                row.0[base + STORED.len()] = *total;
            }
        }
        // Fill each list from its end, as the edges come.
        let mut cursors = rows.clone();
        let mut out_targets = vec![0u32; edges];
        let mut in_sources = vec![0u32; edges];
        for e in graph.edge_references() {
            let r = row(e.weight().relation);
            let (from, to) = (e.source().index(), e.target().index());
            let o = &mut cursors[from].0[r + 1];
            *o -= 1;
            out_targets[*o as usize] = to as u32;
            let i = &mut cursors[to].0[INCOMING + r + 1];
            *i -= 1;
            in_sources[*i as usize] = from as u32;
        }
        let mut kinds = vec![EntityKind::Other; bound];
        for index in graph.node_indices() {
            kinds[index.index()] = graph[index].kind;
        }
        Self {
            kinds,
            rows,
            out_targets,
            in_sources,
        }
    }

    pub(super) fn slice(
        &self,
        node: usize,
        relation: RelationType,
        direction: Direction,
    ) -> &[u32] {
        let Some(row_of_node) = self.rows.get(node) else {
            return &[];
        };
        let (base, values) = match direction {
            Direction::Outgoing => (0, &self.out_targets),
            Direction::Incoming => (INCOMING, &self.in_sources),
        };
        let r = base + row(relation);
        let (a, b) = (row_of_node.0[r] as usize, row_of_node.0[r + 1] as usize);
        values.get(a..b).unwrap_or(&[])
    }
}
