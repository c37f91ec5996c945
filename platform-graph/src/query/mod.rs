//! Questions asked of the graph. Every traversal is breadth-first over an
//! explicit queue, so no query recurses, whatever the catalog's shape.

/// Old setter names kept as deprecated forwards to their `with_*` names
/// until the next minor version: `old => new(arg: Type)`, one per line.
macro_rules! deprecated_setters {
    ($ty:ty { $($old:ident => $new:ident($arg:ident: $argty:ty)),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Deprecated name of [`", stringify!($new), "`](Self::", stringify!($new), ").")]
                #[deprecated(since = "0.1.1", note = "use the `with_` name")]
                pub fn $old(self, $arg: $argty) -> Self {
                    self.$new($arg)
                }
            )*
        }
    };
}

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
pub use ownership::{Owned, OwnedBy, OwnedReport, Via};
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

    /// The node `node` was reached from (itself for a root).
    pub(crate) fn parent(&self, node: NodeIndex<u32>) -> NodeIndex<u32> {
        NodeIndex::new(self.seen[node.index()][0] as usize)
    }

    /// The root each reached node was reached from, by node index (in one
    /// pass over the breadth-first order: parents come before children).
    pub(crate) fn roots(&self) -> Vec<u32> {
        let mut roots = vec![0u32; self.seen.len()];
        for &n in &self.order {
            let i = n.index();
            let parent = self.seen[i][0] as usize;
            roots[i] = if parent == i { i as u32 } else { roots[parent] };
        }
        roots
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
/// depth and the parent it was reached from. The walk is stored as parent
/// links (linear memory, however long the chains); the path that explains
/// a hit is built only when asked for, in time proportional to its length.
#[derive(Clone, Debug)]
pub struct Reach {
    walk: Walk,
    /// The reported nodes, in breadth-first order.
    reported: Vec<NodeIndex<u32>>,
    /// Which nodes are reported, one bit per node index.
    reported_bits: Vec<u64>,
}

/// One entity of a [`Reach`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reached {
    /// The entity.
    pub entity: NodeId,
    /// Steps from the start (0 for the start itself).
    pub depth: usize,
}

/// What [`Reach::report_with`] and [`CatalogGraph::owned_report_with`] put
/// in a report.
///
/// A path longer than [`max_path_len`](Self::with_max_path_len) entries is
/// written with its first entry (where the walk started), the marker
/// [`ELIDED`], and its last entries, so that a report of `n` hits holds at
/// most `n × max_path_len` references however long the chains are (a full
/// path per hit would be quadratic: a 30 000-long chain has 450 million
/// path entries). The elided middle is still in the report: the entry
/// before the hit is its parent, a hit of its own with its own path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct ReportOptions {
    max_path_len: usize,
}

/// The marker that stands for the elided middle of a long path in reports.
pub const ELIDED: &str = "…";

impl ReportOptions {
    /// Default of [`with_max_path_len`](Self::with_max_path_len).
    pub const DEFAULT_MAX_PATH_LEN: usize = 16;

    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Longest path written out in full, in entries (default
    /// [`DEFAULT_MAX_PATH_LEN`](Self::DEFAULT_MAX_PATH_LEN); values below 3
    /// count as 3; `usize::MAX` writes every path in full, which takes
    /// quadratic memory on long chains).
    pub fn with_max_path_len(mut self, entries: usize) -> Self {
        self.max_path_len = entries.max(3);
        self
    }

    /// The longest path written out in full, in entries.
    #[must_use]
    pub fn max_path_len(&self) -> usize {
        self.max_path_len
    }
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            max_path_len: Self::DEFAULT_MAX_PATH_LEN,
        }
    }
}

impl Reach {
    pub(crate) fn new(walk: Walk, keep: impl Fn(NodeIndex<u32>) -> bool) -> Self {
        let reported: Vec<NodeIndex<u32>> =
            walk.order.iter().copied().filter(|&n| keep(n)).collect();
        let mut reported_bits = vec![0u64; walk.reached.len()];
        for n in &reported {
            let i = n.index();
            reported_bits[i / 64] |= 1 << (i % 64);
        }
        Self {
            walk,
            reported,
            reported_bits,
        }
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

    /// Whether `id` was reached (and is reported). Constant time.
    #[must_use]
    pub fn contains(&self, id: NodeId) -> bool {
        let i = id.0.index();
        self.reported_bits
            .get(i / 64)
            .is_some_and(|word| word & (1 << (i % 64)) != 0)
    }

    /// The depth of `id`, if it was reached.
    #[must_use]
    pub fn depth(&self, id: NodeId) -> Option<usize> {
        self.walk.seen(id.0).then(|| self.walk.depth(id.0))
    }

    /// The entity `id` was reached from (`None` for where the walk started
    /// and for entities not reached). Constant time: follow it to walk a
    /// path back without building it.
    #[must_use]
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        if !self.walk.seen(id.0) {
            return None;
        }
        let parent = self.walk.parent(id.0);
        (parent != id.0).then_some(NodeId(parent))
    }

    /// The path that explains `id`: from where the walk started to `id`,
    /// built now, in time and memory proportional to its length.
    #[must_use]
    pub fn path(&self, id: NodeId) -> Option<Vec<NodeId>> {
        self.walk.seen(id.0).then(|| self.walk.path(id.0))
    }

    /// Every entity with its depth and path, sorted by depth then
    /// reference, with paths bounded by the default [`ReportOptions`].
    #[must_use]
    pub fn report(&self, graph: &CatalogGraph) -> Vec<PathReport> {
        self.report_with(graph, &ReportOptions::default())
    }

    /// Every entity with its depth and path, sorted by depth then
    /// reference. Each path holds at most
    /// [`max_path_len`](ReportOptions::max_path_len) entries (see
    /// [`ReportOptions`]), so the report is linear in the number of hits.
    #[must_use]
    pub fn report_with(&self, graph: &CatalogGraph, options: &ReportOptions) -> Vec<PathReport> {
        let roots = self.walk.roots();
        let mut out: Vec<PathReport> = self
            .iter()
            .map(|r| PathReport {
                entity: graph.entity_ref(r.entity).to_string(),
                depth: r.depth,
                path: bounded_path(
                    graph,
                    r.depth + 1,
                    options.max_path_len,
                    NodeId(NodeIndex::new(roots[r.entity.index()] as usize)),
                    std::iter::successors(Some(r.entity), |&n| self.parent(n)),
                ),
            })
            .collect();
        out.sort_by(|a, b| a.depth.cmp(&b.depth).then_with(|| a.entity.cmp(&b.entity)));
        out
    }
}

/// The references of a path of `len` entries from `first` to its last
/// entry, with at most `max` entries: when longer, `first`, [`ELIDED`] and
/// the last `max - 2`. `backwards` yields the entries from the last one
/// towards `first`; only the entries written are taken from it.
pub(crate) fn bounded_path(
    graph: &CatalogGraph,
    len: usize,
    max: usize,
    first: NodeId,
    backwards: impl Iterator<Item = NodeId>,
) -> Vec<String> {
    let max = max.max(3);
    let (tail_len, elided) = if len <= max {
        (len, false)
    } else {
        (max - 2, true)
    };
    let mut path: Vec<String> = Vec::with_capacity(tail_len + 2);
    path.extend(
        backwards
            .take(tail_len)
            .map(|n| graph.entity_ref(n).to_string()),
    );
    if elided {
        path.push(ELIDED.to_owned());
        path.push(graph.entity_ref(first).to_string());
    }
    path.reverse();
    path
}

/// A node and how it was reached, ready to serialize.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathReport {
    /// The entity, lowercased.
    pub entity: String,
    /// Steps from the start.
    pub depth: usize,
    /// The references from the start to the entity; when longer than
    /// [`ReportOptions::max_path_len`], the first, [`ELIDED`] and the last
    /// ones.
    pub path: Vec<String>,
}
