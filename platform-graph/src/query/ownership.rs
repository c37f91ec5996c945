//! Who owns what: owners, everything a group owns through its sub-groups,
//! and group membership.

use std::sync::Arc;

use petgraph::Direction;
use petgraph::stable_graph::NodeIndex;
use platform_model::relations::RelationType;
use serde::Serialize;

use super::Walk;
use crate::error::GraphError;
use crate::graph::{CatalogGraph, NodeId};
use crate::kind::EntityKind;

/// Options of [`CatalogGraph::owned_by`].
#[derive(Clone, Debug)]
#[must_use]
pub struct OwnedBy {
    transitive: bool,
    kinds: Vec<EntityKind>,
}

impl Default for OwnedBy {
    fn default() -> Self {
        Self {
            transitive: true,
            kinds: Vec::new(),
        }
    }
}

impl OwnedBy {
    /// Include what descendant groups own (default `true`).
    pub fn transitive(mut self, transitive: bool) -> Self {
        self.transitive = transitive;
        self
    }

    /// Only these kinds (default: every kind).
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = EntityKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }
}

/// Something a group owns, and the group chain it is owned through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owned {
    /// The owned entity.
    pub entity: NodeId,
    /// The groups from the queried owner down to the direct owner
    /// (just the owner for direct ownership).
    pub via: Arc<[NodeId]>,
}

/// A serializable [`Owned`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OwnedReport {
    /// The owned entity.
    pub entity: String,
    /// The group chain.
    pub via: Vec<String>,
}

impl CatalogGraph {
    /// The owner of an entity (its `spec.owner`), if it has one.
    #[must_use]
    pub fn owner(&self, id: NodeId) -> Option<NodeId> {
        self.neighbours(id.0, RelationType::OwnedBy, Direction::Outgoing)
            .next()
            .map(NodeId)
    }

    /// `group` and every group below it, each with the chain from `group`.
    #[must_use]
    pub fn group_tree(&self, group: NodeId) -> Vec<(NodeId, Arc<[NodeId]>)> {
        let mut walk = Walk::new(self, [group.0]);
        let mut chains: Vec<(NodeId, Arc<[NodeId]>)> = Vec::new();
        let mut chain_of: rustc_hash::FxHashMap<NodeIndex<u32>, Arc<[NodeId]>> =
            rustc_hash::FxHashMap::default();
        chain_of.insert(group.0, Arc::from([group]));
        chains.push((group, Arc::from([group])));
        while let Some(current) = walk.next() {
            let parent_chain = chain_of
                .get(&current)
                .cloned()
                .unwrap_or_else(|| Arc::from([NodeId(current)]));
            let children: Vec<NodeIndex<u32>> = self
                .neighbours(current, RelationType::ChildOf, Direction::Incoming)
                .collect();
            for child in children {
                if walk.reach(current, child, true) {
                    let mut chain: Vec<NodeId> = parent_chain.to_vec();
                    chain.push(NodeId(child));
                    let chain: Arc<[NodeId]> = Arc::from(chain);
                    chain_of.insert(child, Arc::clone(&chain));
                    chains.push((NodeId(child), chain));
                }
            }
        }
        chains
    }

    /// Everything `owner` owns (a Group or a User), directly or, by default,
    /// through its descendant groups, optionally restricted to some kinds, in
    /// the order the group tree is walked ([`owned_report`](Self::owned_report)
    /// sorts by reference).
    ///
    /// # Errors
    ///
    /// [`GraphError::WrongKind`] when `owner` cannot own entities.
    ///
    /// ```
    /// # use platform_graph::{CatalogGraph, OwnedBy, EntityKind};
    /// # let graph = platform_graph::testing::acme_graph();
    /// let payments = graph.resolve("group:payments-team")?;
    /// let services = graph.owned_by(payments, &OwnedBy::default().kinds([EntityKind::Component]))?;
    /// assert!(services.iter().any(|o| graph.entity_ref(o.entity).name() == "payment-service"));
    /// # Ok::<(), platform_graph::GraphError>(())
    /// ```
    pub fn owned_by(&self, owner: NodeId, options: &OwnedBy) -> Result<Vec<Owned>, GraphError> {
        let kind = self.node(owner).kind;
        if !kind.can_own() {
            return Err(GraphError::WrongKind {
                reference: self.entity_ref(owner).to_string(),
                kind: kind.to_string(),
                expected: "only groups and users own entities".to_owned(),
            });
        }
        let owners = if options.transitive && kind == EntityKind::Group {
            self.group_tree(owner)
        } else {
            vec![(owner, Arc::from([owner]))]
        };
        // Sized up front: a top-level group can own most of the catalog.
        let total: usize = owners
            .iter()
            .map(|(group, _)| {
                self.neighbours(group.0, RelationType::OwnedBy, Direction::Incoming)
                    .size_hint()
                    .0
            })
            .sum();
        let mut owned = Vec::with_capacity(total);
        for (group, via) in owners {
            for entity in self.neighbours(group.0, RelationType::OwnedBy, Direction::Incoming) {
                if options.kinds.is_empty() || options.kinds.contains(&self.kind_of(entity)) {
                    owned.push(Owned {
                        entity: NodeId(entity),
                        via: Arc::clone(&via),
                    });
                }
            }
        }
        Ok(owned)
    }

    /// The users of a group: its direct members, or with `transitive` also
    /// the members of its descendant groups. Sorted by reference.
    #[must_use]
    pub fn members(&self, group: NodeId, transitive: bool) -> Vec<NodeId> {
        let groups: Vec<NodeId> = if transitive {
            self.group_tree(group).into_iter().map(|(g, _)| g).collect()
        } else {
            vec![group]
        };
        let mut members: Vec<NodeId> = groups
            .iter()
            .flat_map(|g| self.neighbours(g.0, RelationType::MemberOf, Direction::Incoming))
            .map(NodeId)
            .collect();
        members.sort_unstable_by(|a, b| self.entity_ref(*a).cmp(self.entity_ref(*b)));
        members.dedup();
        members
    }

    /// [`Owned`] values with references, sorted by reference, for reports.
    #[must_use]
    pub fn owned_report(&self, owned: &[Owned]) -> Vec<OwnedReport> {
        let mut report: Vec<OwnedReport> = owned
            .iter()
            .map(|o| OwnedReport {
                entity: self.entity_ref(o.entity).to_string(),
                via: o
                    .via
                    .iter()
                    .map(|&g| self.entity_ref(g).to_string())
                    .collect(),
            })
            .collect();
        report.sort_by(|a, b| a.entity.cmp(&b.entity));
        report
    }
}
