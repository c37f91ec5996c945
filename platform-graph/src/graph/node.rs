//! Nodes and edges: node handles, nodes (entities and placeholders), the
//! stored edge of a relation pair and its direction, and dangling
//! references.

use petgraph::stable_graph::NodeIndex;

use platform_model::relations::RelationType;
use platform_model::{EntityRef, Span};
use serde::Serialize;

use platform_model::EntityKind;

/// A node's handle. Stable while the graph lives: removing other entities
/// does not change it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) NodeIndex<u32>);

impl NodeId {
    /// The index, for use as a key in your own tables.
    #[must_use]
    pub fn index(self) -> usize {
        self.0.index()
    }
}

/// An entity in the graph, or a placeholder for a reference to an entity
/// that does not exist.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Node {
    /// The reference.
    pub entity_ref: EntityRef,
    /// The kind, from the reference.
    pub kind: EntityKind,
    /// Where the entity is defined (its `metadata.name`), when it was
    /// loaded from a file.
    pub location: Option<Span>,
    /// The entity's slot in the graph's entity table; `None` for a
    /// placeholder (a dangling target).
    pub(super) slot: Option<u32>,
}

impl Node {
    /// Whether this node stands for a missing entity.
    #[must_use]
    pub fn is_placeholder(&self) -> bool {
        self.slot.is_none()
    }
}

/// An edge: a relation stored in one direction (the one its forward type
/// names), queried both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Edge {
    pub(crate) relation: RelationType,
    /// Bit 1: declared by the edge's source; bit 2: declared by its target.
    pub(super) declared: u8,
}

/// A reference to an entity that does not exist.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DanglingRef {
    /// The entity that wrote the reference.
    pub source: EntityRef,
    /// The relation it declares (`ownedBy`, `dependsOn`, …).
    pub relation: RelationType,
    /// The missing target.
    pub target: EntityRef,
    /// The spec field and index it was written in (`/spec/owner`).
    pub pointer: String,
    /// Where the reference is written, when known.
    pub span: Option<Span>,
}

/// A reference to a missing entity: (source, placeholder, relation, pointer, span).
pub(super) type DanglingEdge = (
    NodeIndex<u32>,
    NodeIndex<u32>,
    RelationType,
    String,
    Option<Span>,
);

/// The stored direction of each relation pair.
pub(crate) fn canonical(relation: RelationType) -> (RelationType, bool) {
    use RelationType as R;
    match relation {
        R::OwnedBy
        | R::ConsumesApi
        | R::ProvidesApi
        | R::DependsOn
        | R::ChildOf
        | R::MemberOf
        | R::PartOf => (relation, false),
        other => (other.reverse(), true),
    }
}
