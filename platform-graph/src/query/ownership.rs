//! Who owns what: owners, everything a group owns through its sub-groups,
//! and group membership.

use std::sync::Arc;

use petgraph::Direction;
use petgraph::stable_graph::NodeIndex;
use platform_model::relations::RelationType;
use serde::Serialize;

use super::{ReportOptions, Walk, bounded_path};
use crate::error::Error;
use crate::graph::{CatalogGraph, NodeId};
use platform_model::EntityKind;

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
    pub fn with_transitive(mut self, transitive: bool) -> Self {
        self.transitive = transitive;
        self
    }

    /// Only these kinds (default: every kind).
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = EntityKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }
}

deprecated_setters!(OwnedBy {
    transitive => with_transitive(transitive: bool),
    kinds => with_kinds(kinds: impl IntoIterator<Item = EntityKind>),
});

/// Something a group owns, and the group chain it is owned through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owned {
    /// The owned entity.
    pub entity: NodeId,
    /// The groups from the queried owner down to the direct owner
    /// (just the owner for direct ownership).
    pub via: Via,
}

/// The parent links of one group-tree walk, shared by every [`Via`] of a
/// query: linear memory however deep the groups nest.
#[derive(Debug)]
struct Links {
    /// Groups in breadth-first order, the queried one first.
    groups: Vec<NodeId>,
    /// Per group: the index of its parent in `groups` (itself for the
    /// first) and its depth.
    parent: Vec<(u32, u32)>,
}

/// A group chain, from the queried group down to one group below it,
/// stored as a link into the walk's parent table: cloning is cheap and
/// the chain is spelled out only when asked for ([`to_vec`](Self::to_vec),
/// in time proportional to its length).
#[derive(Clone, Debug)]
pub struct Via {
    links: Arc<Links>,
    at: u32,
}

impl Via {
    /// The last group of the chain (the direct owner).
    #[must_use]
    pub fn owner(&self) -> NodeId {
        self.links.groups[self.at as usize]
    }

    /// The first group of the chain (the queried one).
    #[must_use]
    pub fn first(&self) -> NodeId {
        self.links.groups[0]
    }

    /// How many groups the chain holds (at least 1).
    #[must_use]
    pub fn len(&self) -> usize {
        self.links.parent[self.at as usize].1 as usize + 1
    }

    /// Always `false`: a chain holds at least its owner.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The chain from the direct owner up to the queried group.
    pub fn iter_up(&self) -> impl Iterator<Item = NodeId> + '_ {
        let links = &*self.links;
        std::iter::successors(Some(self.at), move |&i| {
            let parent = links.parent[i as usize].0;
            (parent != i).then_some(parent)
        })
        .map(move |i| links.groups[i as usize])
    }

    /// The chain, the queried group first.
    #[must_use]
    pub fn to_vec(&self) -> Vec<NodeId> {
        let mut chain: Vec<NodeId> = self.iter_up().collect();
        chain.reverse();
        chain
    }
}

impl PartialEq for Via {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter_up().eq(other.iter_up())
    }
}

impl Eq for Via {}

/// A serializable [`Owned`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OwnedReport {
    /// The owned entity.
    pub entity: String,
    /// The group chain; when longer than
    /// [`ReportOptions::max_path_len`], the first group,
    /// [`ELIDED`](super::ELIDED) and the last ones.
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

    /// `group` and every group below it, in breadth-first order, each with
    /// the chain from `group`. The chains share one parent table: linear
    /// memory and time however deep the groups nest.
    #[must_use]
    pub fn group_tree(&self, group: NodeId) -> Vec<(NodeId, Via)> {
        let mut walk = Walk::new(self, [group.0]);
        // Position of each reached group in `groups`, by node index.
        let mut position: rustc_hash::FxHashMap<NodeIndex<u32>, u32> =
            rustc_hash::FxHashMap::default();
        let mut links = Links {
            groups: vec![group],
            parent: vec![(0, 0)],
        };
        position.insert(group.0, 0);
        while let Some(current) = walk.next() {
            let at = position.get(&current).copied().unwrap_or(0);
            let depth = links.parent[at as usize].1;
            let children: Vec<NodeIndex<u32>> = self
                .neighbours(current, RelationType::ChildOf, Direction::Incoming)
                .collect();
            for child in children {
                if walk.reach(current, child, true) {
                    let index = links.groups.len() as u32;
                    position.insert(child, index);
                    links.groups.push(NodeId(child));
                    links.parent.push((at, depth + 1));
                }
            }
        }
        let links = Arc::new(links);
        (0..links.groups.len() as u32)
            .map(|at| {
                (
                    links.groups[at as usize],
                    Via {
                        links: Arc::clone(&links),
                        at,
                    },
                )
            })
            .collect()
    }

    /// Everything `owner` owns (a Group or a User), directly or, by default,
    /// through its descendant groups, optionally restricted to some kinds, in
    /// the order the group tree is walked ([`owned_report`](Self::owned_report)
    /// sorts by reference).
    ///
    /// # Errors
    ///
    /// [`Error::WrongKind`] when `owner` cannot own entities.
    ///
    /// ```
    /// # use platform_graph::{CatalogGraph, OwnedBy, EntityKind};
    /// # let graph = platform_graph::testing::acme_graph();
    /// let payments = graph.resolve("group:payments-team")?;
    /// let services = graph.owned_by(payments, &OwnedBy::default().with_kinds([EntityKind::Component]))?;
    /// assert!(services.iter().any(|o| graph.entity_ref(o.entity).name() == "payment-service"));
    /// # Ok::<(), platform_graph::Error>(())
    /// ```
    pub fn owned_by(&self, owner: NodeId, options: &OwnedBy) -> Result<Vec<Owned>, Error> {
        let kind = self.node(owner).kind;
        if !kind.can_own() {
            return Err(Error::WrongKind {
                reference: self.entity_ref(owner).to_string(),
                kind: kind.to_string(),
                expected: "only groups and users own entities".to_owned(),
            });
        }
        let owners = if options.transitive && kind == EntityKind::Group {
            self.group_tree(owner)
        } else {
            vec![(
                owner,
                Via {
                    links: Arc::new(Links {
                        groups: vec![owner],
                        parent: vec![(0, 0)],
                    }),
                    at: 0,
                },
            )]
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
                        via: via.clone(),
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

    /// [`Owned`] values with references, sorted by reference, for reports,
    /// with chains bounded by the default [`ReportOptions`].
    #[must_use]
    pub fn owned_report(&self, owned: &[Owned]) -> Vec<OwnedReport> {
        self.owned_report_with(owned, &ReportOptions::default())
    }

    /// [`Owned`] values with references, sorted by reference; each chain
    /// holds at most [`max_path_len`](ReportOptions::max_path_len) entries,
    /// so the report is linear in the number of entities.
    #[must_use]
    pub fn owned_report_with(&self, owned: &[Owned], options: &ReportOptions) -> Vec<OwnedReport> {
        let mut report: Vec<OwnedReport> = owned
            .iter()
            .map(|o| OwnedReport {
                entity: self.entity_ref(o.entity).to_string(),
                via: bounded_path(
                    self,
                    o.via.len(),
                    options.max_path_len(),
                    o.via.first(),
                    o.via.iter_up(),
                ),
            })
            .collect();
        report.sort_by(|a, b| a.entity.cmp(&b.entity));
        report
    }
}
