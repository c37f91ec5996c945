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
pub use dependencies::Traversal;
pub use ownership::{Owned, OwnedBy, OwnedReport};
pub use paths::{Step, Subgraph};
pub use problems::{GraphProblem, ProblemKind};

use crate::graph::{CatalogGraph, NodeId};

/// Breadth-first search state: which nodes were reached (a bitset small
/// enough to stay in cache, as every edge of a walk tests it), and for
/// those the parent they were reached from and their depth.
#[derive(Clone, Debug)]
pub(crate) struct Walk {
    reached: Vec<u64>,
    /// Per node: `[parent, depth]`, meaningful only where `reached` is set
    /// (zeroed memory costs nothing until a walk touches it).
    seen: Vec<[u32; 2]>,
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
            reached: vec![0; bound.div_ceil(64)],
            seen: vec![[0, 0]; bound],
            queue: VecDeque::new(),
            order: Vec::new(),
        };
        for root in roots {
            let i = root.index();
            if !walk.mark(i) {
                walk.seen[i] = [root.index() as u32, 0];
                walk.queue.push_back(root);
                walk.order.push(root);
            }
        }
        walk
    }

    /// Marks node `i` reached; returns whether it already was.
    fn mark(&mut self, i: usize) -> bool {
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        let before = self.reached[word] & bit != 0;
        self.reached[word] |= bit;
        before
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
        if self.mark(i) {
            return false;
        }
        let depth = self.seen[from.index()][1] + 1;
        self.seen[i] = [from.index() as u32, depth];
        self.order.push(node);
        if expand {
            self.queue.push_back(node);
        }
        true
    }

    pub(crate) fn seen(&self, node: NodeIndex<u32>) -> bool {
        let i = node.index();
        self.reached
            .get(i / 64)
            .is_some_and(|word| word & (1 << (i % 64)) != 0)
    }

    pub(crate) fn depth(&self, node: NodeIndex<u32>) -> usize {
        self.seen[node.index()][1] as usize
    }

    /// The path from a root to `node`, root first.
    pub(crate) fn path(&self, node: NodeIndex<u32>) -> Vec<NodeId> {
        let mut path = vec![NodeId(node)];
        let mut current = node.index();
        while self.seen[current][0] != current as u32 {
            current = self.seen[current][0] as usize;
            path.push(NodeId(NodeIndex::new(current)));
        }
        path.reverse();
        path
    }
}

/// What a walk reached: entities in breadth-first order, each with its
/// depth, and the path that explains it, built only when asked for (paths
/// through long chains would otherwise take quadratic memory).
#[derive(Clone, Debug)]
pub struct Reach {
    walk: Walk,
    /// Indices into `walk.order` that are reported.
    reported: Vec<NodeIndex<u32>>,
}

/// One entity of a [`Reach`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reached {
    /// The entity.
    pub entity: NodeId,
    /// Steps from the start (0 for the start itself).
    pub depth: usize,
}

impl Reach {
    pub(crate) fn new(walk: Walk, keep: impl Fn(NodeIndex<u32>) -> bool) -> Self {
        let reported = walk.order.iter().copied().filter(|&n| keep(n)).collect();
        Self { walk, reported }
    }

    /// How many entities were reached.
    #[must_use]
    pub fn len(&self) -> usize {
        self.reported.len()
    }

    /// Whether nothing was reached.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.reported.is_empty()
    }

    /// The entities with their depths, in breadth-first order.
    pub fn iter(&self) -> impl Iterator<Item = Reached> + '_ {
        self.reported.iter().map(|&n| Reached {
            entity: NodeId(n),
            depth: self.walk.depth(n),
        })
    }

    /// The entities, in breadth-first order.
    pub fn entities(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.reported.iter().map(|&n| NodeId(n))
    }

    /// Whether `id` was reached.
    #[must_use]
    pub fn contains(&self, id: NodeId) -> bool {
        self.walk.seen(id.0) && self.reported.contains(&id.0)
    }

    /// The depth of `id`, if it was reached.
    #[must_use]
    pub fn depth(&self, id: NodeId) -> Option<usize> {
        self.walk.seen(id.0).then(|| self.walk.depth(id.0))
    }

    /// The path that explains `id`: from where the walk started to `id`.
    #[must_use]
    pub fn path(&self, id: NodeId) -> Option<Vec<NodeId>> {
        self.walk.seen(id.0).then(|| self.walk.path(id.0))
    }

    /// Every entity with its depth and path, sorted by depth then reference.
    #[must_use]
    pub fn report(&self, graph: &CatalogGraph) -> Vec<PathReport> {
        let mut out: Vec<PathReport> = self
            .iter()
            .map(|r| PathReport {
                entity: graph.entity_ref(r.entity).to_string(),
                depth: r.depth,
                path: path_refs(graph, &self.walk.path(r.entity.0)),
            })
            .collect();
        out.sort_by(|a, b| a.depth.cmp(&b.depth).then_with(|| a.entity.cmp(&b.entity)));
        out
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
