//! The graph itself: one node per entity, placeholder nodes for dangling
//! targets, and one typed edge per relation pair.

use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use std::sync::OnceLock;

use platform_model::loader::LoadedDocument;
use platform_model::relations::{RefInput, RelationOrigin, RelationType, for_each_reference};
use platform_model::{Catalog, Entity, EntityRef, Span};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::Error;
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
    slot: Option<u32>,
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
    declared: u8,
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
type DanglingEdge = (
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

/// The catalog as a directed graph.
///
/// ```
/// use platform_graph::CatalogGraph;
/// use platform_model::Entity;
///
/// let entities = [
///     serde_json::json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
///         "metadata": {"name": "team-a"}, "spec": {"type": "team", "children": []}}),
///     serde_json::json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
///         "metadata": {"name": "web"}, "spec": {"type": "website", "lifecycle": "production",
///         "owner": "team-a", "dependsOn": ["resource:db"]}}),
/// ];
/// let graph = CatalogGraph::from_entities(entities.into_iter().map(|v| Entity::from_value(v).unwrap()));
/// let web = graph.resolve("component:web")?;
/// assert_eq!(graph.node(graph.owner(web).unwrap()).entity_ref.to_string(), "group:default/team-a");
/// assert_eq!(graph.dangling().len(), 1); // resource:default/db does not exist
/// # Ok::<(), platform_graph::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct CatalogGraph {
    pub(crate) graph: StableDiGraph<Node, Edge, u32>,
    index: FxHashMap<EntityRef, NodeIndex<u32>>,
    /// The entities, by the slot their node names (`None`: a freed slot).
    entities: Vec<Option<Entity>>,
    /// Where each dangling reference was written, keyed by (source, target).
    dangling_spans: Vec<DanglingEdge>,
    /// Compact adjacency for queries, rebuilt after edits.
    frozen: OnceLock<Frozen>,
}

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
struct Frozen {
    /// Node kinds by index, compact, for walks that branch on the kind.
    kinds: Vec<EntityKind>,
    rows: Vec<Row>,
    out_targets: Vec<u32>,
    in_sources: Vec<u32>,
}

impl Frozen {
    fn build(graph: &StableDiGraph<Node, Edge, u32>) -> Self {
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

    fn slice(&self, node: usize, relation: RelationType, direction: Direction) -> &[u32] {
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

impl CatalogGraph {
    /// An empty graph.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the graph of the valid entities of a loaded catalog, with the
    /// spans of their references.
    #[must_use]
    pub fn from_catalog(catalog: &Catalog) -> Self {
        let valid: Vec<&LoadedDocument> = catalog
            .documents()
            .iter()
            .filter(|d| d.is_valid() && d.entity.is_some())
            .collect();
        let entities = valid.iter().filter_map(|d| d.entity.clone()).collect();
        let locations = valid.iter().map(|d| Some(d.name_span.clone())).collect();
        Self::build(entities, locations, &valid)
    }

    /// Builds the graph of entities from any source (references that do not
    /// parse are left out). A `Vec<Entity>` is taken over without copying.
    pub fn from_entities(entities: impl IntoIterator<Item = Entity>) -> Self {
        let entities: Vec<Entity> = entities.into_iter().collect();
        let locations = vec![None; entities.len()];
        Self::build(entities, locations, &[])
    }

    fn build(
        entities: Vec<Entity>,
        locations: Vec<Option<Span>>,
        documents: &[&LoadedDocument],
    ) -> Self {
        let mut graph = Self::new();
        let count = entities.len();
        graph.graph.reserve_nodes(count + count / 8);
        graph.graph.reserve_edges(count * 4);
        graph.index.reserve(count + count / 8);
        graph.entities = entities.into_iter().map(Some).collect();
        let nodes: Vec<NodeIndex<u32>> = (0..count)
            .zip(locations)
            .map(|(slot, location)| graph.insert_slot(slot, location))
            .collect();
        let mut key = String::new();
        let mut entities = std::mem::take(&mut graph.entities);
        for (slot, node) in nodes.into_iter().enumerate() {
            if let Some(entity) = entities[slot].take() {
                graph.insert_references(node, &entity, &mut key, documents.get(slot).copied());
                entities[slot] = Some(entity);
            }
        }
        graph.entities = entities;
        graph.freeze();
        graph
    }

    /// Builds the query tables now rather than at the first query.
    pub fn freeze(&self) {
        let _ = self.frozen();
    }

    fn frozen(&self) -> &Frozen {
        self.frozen.get_or_init(|| Frozen::build(&self.graph))
    }

    /// Adds the edges an entity's references declare.
    fn insert_references(
        &mut self,
        node: NodeIndex<u32>,
        entity: &Entity,
        key: &mut String,
        doc: Option<&LoadedDocument>,
    ) {
        let namespace = entity.namespace();
        for_each_reference(entity, |field, index, value| {
            let target = match value {
                RefInput::Text(text) => {
                    if EntityRef::key_into(text, field.default_kind, namespace, key).is_err() {
                        return;
                    }
                    match self.index.get(key.as_str()) {
                        Some(&target) => target,
                        None => match EntityRef::parse_with(text, field.default_kind, namespace) {
                            Ok(reference) => self.node_for(&reference),
                            Err(_) => return,
                        },
                    }
                }
                RefInput::Json(_) => match value.parse(field.default_kind, namespace) {
                    Ok(reference) => self.node_for(&reference),
                    Err(_) => return,
                },
            };
            let origin = RelationOrigin {
                field: field.field,
                index,
                forward: field.forward,
            };
            let span = doc.and_then(|d| d.origin_span(&origin));
            self.insert_edge(node, field.forward, target, &origin, span);
        });
    }

    /// Adds (or replaces) one entity and its relations.
    pub fn add_entity(&mut self, entity: Entity, location: Option<Span>) -> NodeId {
        let reference = entity.entity_ref();
        if self.index.contains_key(&reference) {
            self.remove_entity(&reference);
        }
        let slot = self
            .entities
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.entities.len());
        if slot == self.entities.len() {
            self.entities.push(None);
        }
        let node = self.insert_slot_entity(slot, entity, location);
        if let Some(entity) = self.entities[slot].take() {
            self.insert_references(node, &entity, &mut String::new(), None);
            self.entities[slot] = Some(entity);
        }
        self.frozen = OnceLock::new();
        NodeId(node)
    }

    /// Removes an entity and the relations it declared. When other entities
    /// still refer to it, it stays as a placeholder. Returns whether it was
    /// there.
    pub fn remove_entity(&mut self, reference: &EntityRef) -> bool {
        let Some(&node) = self.index.get(reference) else {
            return false;
        };
        let Some(slot) = self.graph[node].slot else {
            return false;
        };
        let edges: Vec<(EdgeIndex<u32>, bool)> = self
            .graph
            .edges_directed(node, Direction::Outgoing)
            .map(|e| (e.id(), true))
            .chain(
                self.graph
                    .edges_directed(node, Direction::Incoming)
                    .map(|e| (e.id(), false)),
            )
            .collect();
        for (edge, outgoing) in edges {
            if let Some(weight) = self.graph.edge_weight_mut(edge) {
                weight.declared &= if outgoing { !1 } else { !2 };
                if weight.declared == 0 {
                    self.graph.remove_edge(edge);
                }
            }
        }
        self.dangling_spans.retain(|(source, ..)| *source != node);
        let has_edges = self.graph.neighbors_undirected(node).next().is_some();
        if let Some(entity) = self.entities.get_mut(slot as usize) {
            *entity = None;
        }
        if has_edges {
            self.graph[node].slot = None;
            self.graph[node].location = None;
        } else {
            self.graph.remove_node(node);
            self.index.remove(reference);
        }
        self.drop_orphaned_placeholders();
        self.frozen = OnceLock::new();
        true
    }

    fn drop_orphaned_placeholders(&mut self) {
        let orphans: Vec<NodeIndex<u32>> = self
            .graph
            .node_indices()
            .filter(|&n| {
                self.graph[n].slot.is_none() && self.graph.neighbors_undirected(n).next().is_none()
            })
            .collect();
        for n in orphans {
            if let Some(node) = self.graph.remove_node(n) {
                self.index.remove(&node.entity_ref);
            }
        }
    }

    /// Puts `entity` in `slot` and gives it a node.
    fn insert_slot_entity(
        &mut self,
        slot: usize,
        entity: Entity,
        location: Option<Span>,
    ) -> NodeIndex<u32> {
        self.entities[slot] = Some(entity);
        self.insert_slot(slot, location)
    }

    /// Gives the entity in `slot` a node (or fills its placeholder).
    fn insert_slot(&mut self, slot: usize, location: Option<Span>) -> NodeIndex<u32> {
        let Some(reference) = self.entities[slot].as_ref().map(Entity::entity_ref) else {
            return NodeIndex::end();
        };
        let slot = u32::try_from(slot).ok();
        if let Some(&existing) = self.index.get(&reference) {
            let node = &mut self.graph[existing];
            if node.slot.is_none() {
                node.slot = slot;
                node.location = location;
                self.dangling_spans
                    .retain(|(_, target, ..)| *target != existing);
            }
            return existing;
        }
        let index = self.graph.add_node(Node {
            kind: EntityKind::from_name(reference.kind()),
            entity_ref: reference.clone(),
            location,
            slot,
        });
        self.index.insert(reference, index);
        index
    }

    fn node_for(&mut self, reference: &EntityRef) -> NodeIndex<u32> {
        if let Some(&index) = self.index.get(reference) {
            return index;
        }
        let index = self.graph.add_node(Node {
            entity_ref: reference.clone(),
            kind: EntityKind::from_name(reference.kind()),
            location: None,
            slot: None,
        });
        self.index.insert(reference.clone(), index);
        index
    }

    /// Adds a forward relation as its stored edge.
    fn insert_edge(
        &mut self,
        from: NodeIndex<u32>,
        relation: RelationType,
        to: NodeIndex<u32>,
        origin: &RelationOrigin,
        span: Option<Span>,
    ) {
        if self.graph[to].slot.is_none() {
            self.dangling_spans
                .push((from, to, relation, origin.pointer(), span));
        }
        let (stored, flipped) = canonical(relation);
        let (a, b, bit) = if flipped {
            (to, from, 2)
        } else {
            (from, to, 1)
        };
        let existing = self
            .graph
            .edges_directed(a, Direction::Outgoing)
            .find(|e| e.target() == b && e.weight().relation == stored)
            .map(|e| e.id());
        match existing {
            Some(edge) => {
                if let Some(weight) = self.graph.edge_weight_mut(edge) {
                    weight.declared |= bit;
                }
            }
            None => {
                self.graph.add_edge(
                    a,
                    b,
                    Edge {
                        relation: stored,
                        declared: bit,
                    },
                );
            }
        }
    }

    /// Number of nodes (entities and placeholders).
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of stored edges (one per relation pair).
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The node behind an id.
    ///
    /// # Panics
    ///
    /// When the id belongs to another graph or to a removed node.
    #[must_use]
    pub fn node(&self, id: NodeId) -> &Node {
        &self.graph[id.0]
    }

    /// The entity behind a node (`None` for a placeholder).
    #[must_use]
    pub fn entity(&self, id: NodeId) -> Option<&Entity> {
        let slot = self.graph.node_weight(id.0)?.slot?;
        self.entities.get(slot as usize)?.as_ref()
    }

    /// The reference of a node.
    #[must_use]
    pub fn entity_ref(&self, id: NodeId) -> &EntityRef {
        &self.graph[id.0].entity_ref
    }

    /// Every node, in insertion order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.graph
            .node_indices()
            .map(|n| (NodeId(n), &self.graph[n]))
    }

    /// Every stored edge as `(source, relation, target)`, in the forward
    /// direction (`ownedBy`, `dependsOn`, `partOf`, …).
    pub fn edges(&self) -> impl Iterator<Item = (NodeId, RelationType, NodeId)> + '_ {
        self.graph
            .edge_references()
            .map(|e| (NodeId(e.source()), e.weight().relation, NodeId(e.target())))
    }

    /// The node of an exact reference (case-insensitive).
    #[must_use]
    pub fn find(&self, reference: &EntityRef) -> Option<NodeId> {
        self.index.get(reference).map(|&n| NodeId(n))
    }

    /// Resolves user input: a full reference (`component:default/web`), a
    /// reference without namespace (`component:web`), or a bare name when
    /// only one entity has it.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownEntity`] with the nearest references, or
    /// [`Error::Ambiguous`] for a bare name several entities share.
    pub fn resolve(&self, text: &str) -> Result<NodeId, Error> {
        if let Ok(reference) = EntityRef::parse(text) {
            if let Some(id) = self.find(&reference) {
                return Ok(id);
            }
        } else if !text.contains(':') {
            let (namespace, name) = text.split_once('/').unwrap_or(("default", text));
            let matches: Vec<NodeId> = self
                .nodes()
                .filter(|(_, n)| {
                    !n.is_placeholder()
                        && n.entity_ref.name().eq_ignore_ascii_case(name)
                        && n.entity_ref.namespace().eq_ignore_ascii_case(namespace)
                })
                .map(|(id, _)| id)
                .collect();
            match matches.as_slice() {
                [one] => return Ok(*one),
                [] => {}
                many => {
                    return Err(Error::Ambiguous {
                        reference: text.to_owned(),
                        candidates: many
                            .iter()
                            .map(|&id| self.entity_ref(id).to_string())
                            .collect(),
                    });
                }
            }
        }
        Err(Error::UnknownEntity {
            reference: text.to_owned(),
            suggestions: self.suggestions(text, 3),
        })
    }

    /// The `limit` existing references nearest to `text` (by edit distance
    /// on the full reference and on the name).
    #[must_use]
    pub fn suggestions(&self, text: &str, limit: usize) -> Vec<String> {
        let wanted = text.to_lowercase();
        let wanted_name = wanted
            .rsplit(['/', ':'])
            .next()
            .unwrap_or(&wanted)
            .to_owned();
        let mut scored: Vec<(usize, &str)> = self
            .index
            .keys()
            .filter(|r| {
                self.index
                    .get(*r)
                    .is_some_and(|&n| !self.graph[n].is_placeholder())
            })
            .filter_map(|r| {
                let key = r.as_key();
                let name = key.rsplit('/').next().unwrap_or(key);
                if name.len().abs_diff(wanted_name.len()) > 4
                    && key.len().abs_diff(wanted.len()) > 4
                {
                    return None;
                }
                let distance = edit_distance(&wanted, key).min(edit_distance(&wanted_name, name));
                (distance <= 4.max(wanted_name.len() / 3)).then_some((distance, key))
            })
            .collect();
        scored.sort();
        scored
            .into_iter()
            .take(limit)
            .map(|(_, k)| k.to_owned())
            .collect()
    }

    /// References to entities that do not exist, with where they are written.
    #[must_use]
    pub fn dangling(&self) -> Vec<DanglingRef> {
        self.dangling_spans
            .iter()
            .filter(|(_, target, ..)| {
                self.graph.contains_node(*target) && self.graph[*target].is_placeholder()
            })
            .map(|(source, target, relation, pointer, span)| DanglingRef {
                source: self.graph[*source].entity_ref.clone(),
                relation: *relation,
                target: self.graph[*target].entity_ref.clone(),
                pointer: pointer.clone(),
                span: span.clone(),
            })
            .collect()
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

/// Levenshtein distance on characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("payments-postgres", "payments-postgre"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
