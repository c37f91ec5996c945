//! Editing the graph: adding or replacing an entity, and removing one (it
//! stays as a placeholder while others refer to it).

use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use std::sync::OnceLock;

use platform_model::{Entity, EntityRef, Span};

use super::node::NodeId;
use super::store::CatalogGraph;

impl CatalogGraph {
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
}
