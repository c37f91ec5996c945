//! Questions asked of the graph. Every traversal is breadth-first over an
//! explicit queue, so no query recurses, whatever the catalog's shape.

mod cycles;
mod dependencies;
mod impact;
mod ownership;
mod paths;
mod problems;
mod structure;

use std::collections::VecDeque;

use petgraph::stable_graph::NodeIndex;
use serde::Serialize;

pub use cycles::{BringUpOrder, Cycle, CycleKind};
pub use dependencies::{Reached, Traversal};
pub use impact::Impacted;
pub use ownership::{Owned, OwnedBy, OwnedReport};
pub use paths::{Step, Subgraph};
pub use problems::{GraphProblem, ProblemKind};
pub use structure::Member;

use crate::graph::{CatalogGraph, NodeId};

const UNSEEN: u32 = u32::MAX;

/// Breadth-first search state: parent pointers and depths in dense tables.
pub(crate) struct Walk {
    parent: Vec<u32>,
    depth: Vec<u32>,
    queue: VecDeque<NodeIndex<u32>>,
    /// Nodes in the order they were reached.
    pub(crate) order: Vec<NodeIndex<u32>>,
}

impl Walk {
    pub(crate) fn new(
        graph: &CatalogGraph,
        roots: impl IntoIterator<Item = NodeIndex<u32>>,
    ) -> Self {
        let bound = graph.bound();
        let mut walk = Self {
            parent: vec![UNSEEN; bound],
            depth: vec![0; bound],
            queue: VecDeque::new(),
            order: Vec::new(),
        };
        for root in roots {
            let i = root.index();
            if walk.parent[i] == UNSEEN {
                walk.parent[i] = root.index() as u32;
                walk.queue.push_back(root);
                walk.order.push(root);
            }
        }
        walk
    }

    /// The next node to expand.
    pub(crate) fn next(&mut self) -> Option<NodeIndex<u32>> {
        self.queue.pop_front()
    }

    /// Reaches `node` from `from`; returns whether it is new. `expand`
    /// controls whether the node is queued for further expansion.
    pub(crate) fn reach(
        &mut self,
        from: NodeIndex<u32>,
        node: NodeIndex<u32>,
        expand: bool,
    ) -> bool {
        let i = node.index();
        if self.parent[i] != UNSEEN {
            return false;
        }
        self.parent[i] = from.index() as u32;
        self.depth[i] = self.depth[from.index()] + 1;
        self.order.push(node);
        if expand {
            self.queue.push_back(node);
        }
        true
    }

    pub(crate) fn depth(&self, node: NodeIndex<u32>) -> usize {
        self.depth[node.index()] as usize
    }

    /// The path from a root to `node`, root first.
    pub(crate) fn path(&self, node: NodeIndex<u32>) -> Vec<NodeId> {
        let mut path = vec![NodeId(node)];
        let mut current = node.index();
        while self.parent[current] != current as u32 {
            current = self.parent[current] as usize;
            path.push(NodeId(NodeIndex::new(current)));
        }
        path.reverse();
        path
    }
}

/// Lowercased references of a path, for reports.
pub(crate) fn path_refs(graph: &CatalogGraph, path: &[NodeId]) -> Vec<String> {
    path.iter()
        .map(|&id| graph.entity_ref(id).to_string())
        .collect()
}

/// A node and how it was reached, ready to serialize.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathReport {
    /// The entity, lowercased.
    pub entity: String,
    /// Steps from the start.
    pub depth: usize,
    /// The references from the start to the entity.
    pub path: Vec<String>,
}
