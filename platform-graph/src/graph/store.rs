//! The [`CatalogGraph`] type: its petgraph graph, reference index, entity
//! table, dangling references and query tables, and the reads of nodes,
//! entities, edges and dangling references.

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use std::sync::OnceLock;

use platform_model::relations::RelationType;
use platform_model::{Entity, EntityRef};
use rustc_hash::FxHashMap;

use super::frozen::Frozen;
use super::node::{DanglingEdge, DanglingRef, Edge, Node, NodeId};

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
    pub(super) index: FxHashMap<EntityRef, NodeIndex<u32>>,
    /// The entities, by the slot their node names (`None`: a freed slot).
    pub(super) entities: Vec<Option<Entity>>,
    /// Where each dangling reference was written, keyed by (source, target).
    pub(super) dangling_spans: Vec<DanglingEdge>,
    /// Compact adjacency for queries, rebuilt after edits.
    pub(super) frozen: OnceLock<Frozen>,
}

impl CatalogGraph {
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
}
