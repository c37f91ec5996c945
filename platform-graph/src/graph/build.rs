//! Building the graph: from a loaded catalog or from entities, one node per
//! entity, a placeholder per dangling target, and one stored edge per
//! relation pair.

use petgraph::Direction;
use petgraph::stable_graph::NodeIndex;
use petgraph::visit::EdgeRef;

use platform_model::loader::LoadedDocument;
use platform_model::relations::{RefInput, RelationOrigin, RelationType, for_each_reference};
use platform_model::{Catalog, Entity, EntityKind, EntityRef, Span};

use super::node::{Edge, Node, canonical};
use super::store::CatalogGraph;

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

    /// Adds the edges an entity's references declare.
    pub(super) fn insert_references(
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

    /// Gives the entity in `slot` a node (or fills its placeholder).
    pub(super) fn insert_slot(&mut self, slot: usize, location: Option<Span>) -> NodeIndex<u32> {
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
}
