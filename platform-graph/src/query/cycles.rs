//! Cycles (strongly connected components) and a bring-up order that reports
//! them instead of failing. Tarjan's algorithm runs on an explicit stack
//! over a compact adjacency table, so a million-long chain is fine.

use std::collections::BTreeSet;

use petgraph::stable_graph::NodeIndex;
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use platform_model::relations::RelationType;
use serde::Serialize;

use crate::graph::{CatalogGraph, NodeId};
use platform_model::EntityKind;

/// Which relation a cycle runs through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CycleKind {
    /// `dependsOn`.
    DependsOn,
    /// `subcomponentOf` (components that are part of each other).
    SubcomponentOf,
    /// Group `parent`/`children` chains.
    GroupParent,
    /// `subdomainOf`.
    SubdomainOf,
}

impl CycleKind {
    /// All four.
    pub const ALL: [Self; 4] = [
        Self::DependsOn,
        Self::SubcomponentOf,
        Self::GroupParent,
        Self::SubdomainOf,
    ];

    fn includes(
        self,
        graph: &CatalogGraph,
        from: NodeIndex<u32>,
        relation: RelationType,
        to: NodeIndex<u32>,
    ) -> bool {
        let kinds = |k: EntityKind| graph.graph[from].kind == k && graph.graph[to].kind == k;
        match self {
            Self::DependsOn => relation == RelationType::DependsOn,
            Self::SubcomponentOf => {
                relation == RelationType::PartOf && kinds(EntityKind::Component)
            }
            Self::GroupParent => relation == RelationType::ChildOf,
            Self::SubdomainOf => relation == RelationType::PartOf && kinds(EntityKind::Domain),
        }
    }

    /// The name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DependsOn => "dependsOn",
            Self::SubcomponentOf => "subcomponentOf",
            Self::GroupParent => "parent",
            Self::SubdomainOf => "subdomainOf",
        }
    }
}

/// A set of entities that reach each other through one relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The relation.
    pub kind: CycleKind,
    /// The entities, sorted by reference.
    pub members: Vec<NodeId>,
}

/// An order to bring entities up in: dependencies before dependents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BringUpOrder {
    /// Steps in order. A step holds one entity, or the members of a cycle,
    /// which can only come up together.
    pub steps: Vec<Vec<NodeId>>,
    /// The `dependsOn` cycles found.
    pub cycles: Vec<Cycle>,
}

/// Adjacency of a subset of edges in compressed rows.
struct Adjacency {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
    fn new(graph: &CatalogGraph, kind: CycleKind) -> Self {
        let bound = graph.bound();
        let edges: Vec<(u32, u32)> = (&graph.graph)
            .edge_references()
            .filter(|e| kind.includes(graph, e.source(), e.weight().relation, e.target()))
            .map(|e| (e.source().index() as u32, e.target().index() as u32))
            .collect();
        let mut offsets = vec![0u32; bound + 1];
        for &(from, _) in &edges {
            offsets[from as usize + 1] += 1;
        }
        for i in 0..bound {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; edges.len()];
        for (from, to) in edges {
            let slot = &mut fill[from as usize];
            targets[*slot as usize] = to;
            *slot += 1;
        }
        Self { offsets, targets }
    }

    fn successors(&self, node: usize) -> &[u32] {
        &self.targets[self.offsets[node] as usize..self.offsets[node + 1] as usize]
    }
}

const UNSET: u32 = u32::MAX;

/// The state of Tarjan's walk, iterative so that deep chains cannot
/// overflow the stack.
struct Tarjan {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    stack: Vec<u32>,
    frames: Vec<(u32, u32)>,
    counter: u32,
}

impl Tarjan {
    /// Numbers `node` and starts walking its successors.
    fn enter(&mut self, node: usize) {
        self.index[node] = self.counter;
        self.low[node] = self.counter;
        self.counter += 1;
        self.stack.push(node as u32);
        self.on_stack[node] = true;
        self.frames.push((node as u32, 0));
    }
}

/// Strongly connected components, each with the component id of every node
/// (`u32::MAX` for nodes without edges in `adjacency`).
fn tarjan(adjacency: &Adjacency, bound: usize) -> (Vec<Vec<u32>>, Vec<u32>) {
    let mut t = Tarjan {
        index: vec![UNSET; bound],
        low: vec![0u32; bound],
        on_stack: vec![false; bound],
        stack: Vec::new(),
        frames: Vec::new(),
        counter: 0,
    };
    let mut component = vec![UNSET; bound];
    let mut components: Vec<Vec<u32>> = Vec::new();
    for start in 0..bound {
        if t.index[start] != UNSET || adjacency.successors(start).is_empty() {
            continue;
        }
        t.enter(start);
        while let Some(&mut (v, ref mut position)) = t.frames.last_mut() {
            let successors = adjacency.successors(v as usize);
            if let Some(&w) = successors.get(*position as usize) {
                *position += 1;
                let w = w as usize;
                if t.index[w] == UNSET {
                    t.enter(w);
                } else if t.on_stack[w] {
                    t.low[v as usize] = t.low[v as usize].min(t.index[w]);
                }
                continue;
            }
            t.frames.pop();
            if let Some(&(parent, _)) = t.frames.last() {
                t.low[parent as usize] = t.low[parent as usize].min(t.low[v as usize]);
            }
            if t.low[v as usize] == t.index[v as usize] {
                let id = components.len() as u32;
                let mut members = Vec::new();
                while let Some(w) = t.stack.pop() {
                    t.on_stack[w as usize] = false;
                    component[w as usize] = id;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(members);
            }
        }
    }
    (components, component)
}

impl CatalogGraph {
    /// Every cycle through `dependsOn`, `subcomponentOf`, group parents and
    /// `subdomainOf` (a self-reference counts). Sorted by kind, then by the
    /// first member.
    ///
    /// ```
    /// # let graph = platform_graph::testing::acme_graph();
    /// assert!(graph.cycles().is_empty());
    /// ```
    #[must_use]
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut cycles = Vec::new();
        for kind in CycleKind::ALL {
            let adjacency = Adjacency::new(self, kind);
            let (components, _) = tarjan(&adjacency, self.bound());
            for members in components {
                let is_cycle = members.len() > 1
                    || adjacency
                        .successors(members[0] as usize)
                        .contains(&members[0]);
                if is_cycle {
                    cycles.push(self.cycle(kind, &members));
                }
            }
        }
        cycles.sort_by(|a, b| {
            a.kind.cmp(&b.kind).then_with(|| {
                self.entity_ref(a.members[0])
                    .cmp(self.entity_ref(b.members[0]))
            })
        });
        cycles
    }

    fn cycle(&self, kind: CycleKind, members: &[u32]) -> Cycle {
        let mut members: Vec<NodeId> = members
            .iter()
            .map(|&m| NodeId(NodeIndex::new(m as usize)))
            .collect();
        members.sort_unstable_by(|a, b| self.entity_ref(*a).cmp(self.entity_ref(*b)));
        Cycle { kind, members }
    }

    /// An order to bring up every entity that takes part in `dependsOn`:
    /// each step's dependencies come in earlier steps. Entities in a cycle
    /// share one step, and the cycle is reported, instead of failing. Ties
    /// are broken by reference, so the order is stable.
    ///
    /// ```
    /// # let graph = platform_graph::testing::acme_graph();
    /// let order = graph.bring_up_order();
    /// let position = |name: &str| order.steps.iter()
    ///     .position(|s| s.iter().any(|&n| graph.entity_ref(n).name() == name)).unwrap();
    /// assert!(position("payments-postgres") < position("payment-service"));
    /// ```
    #[must_use]
    pub fn bring_up_order(&self) -> BringUpOrder {
        let bound = self.bound();
        let adjacency = Adjacency::new(self, CycleKind::DependsOn);
        let (components, component) = tarjan(&adjacency, bound);
        // Dependencies of each component (edges between components only).
        let mut waiting = vec![0usize; components.len()];
        let mut dependents: Vec<Vec<u32>> = vec![Vec::new(); components.len()];
        for (v, &cv) in component.iter().enumerate() {
            if cv == u32::MAX {
                continue;
            }
            for &w in adjacency.successors(v) {
                let cw = component[w as usize];
                if cw != cv {
                    waiting[cv as usize] += 1;
                    dependents[cw as usize].push(cv);
                }
            }
        }
        let key = |c: u32| -> String {
            components[c as usize]
                .iter()
                .map(|&m| self.graph[NodeIndex::new(m as usize)].entity_ref.as_key())
                .min()
                .unwrap_or_default()
                .to_owned()
        };
        let mut ready: BTreeSet<(String, u32)> = (0..components.len() as u32)
            .filter(|&c| waiting[c as usize] == 0)
            .map(|c| (key(c), c))
            .collect();
        let mut order = BringUpOrder::default();
        while let Some((_, c)) = ready.pop_first() {
            let members = &components[c as usize];
            let cycle = self.cycle(CycleKind::DependsOn, members);
            let is_cycle = members.len() > 1
                || adjacency
                    .successors(members[0] as usize)
                    .contains(&members[0]);
            if is_cycle {
                order.cycles.push(cycle.clone());
            }
            order.steps.push(cycle.members);
            for &d in &dependents[c as usize] {
                waiting[d as usize] -= 1;
                if waiting[d as usize] == 0 {
                    ready.insert((key(d), d));
                }
            }
        }
        order
    }
}
