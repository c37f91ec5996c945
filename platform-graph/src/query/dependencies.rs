//! Dependencies and dependents, direct or transitive, over `dependsOn` and
//! through APIs: a component that consumes an API depends on the
//! components that provide it.

use petgraph::Direction;
use petgraph::stable_graph::NodeIndex;
use platform_model::relations::RelationType;

use super::{Reach, Walk};
use crate::graph::{CatalogGraph, NodeId};
use platform_model::EntityKind;

/// How to walk dependencies.
#[derive(Clone, Debug)]
#[must_use]
pub struct Traversal {
    transitive: bool,
    through_apis: bool,
    depends_on: bool,
    kinds: Vec<EntityKind>,
}

impl Default for Traversal {
    fn default() -> Self {
        Self {
            transitive: true,
            through_apis: true,
            depends_on: true,
            kinds: Vec::new(),
        }
    }
}

impl Traversal {
    /// Follow dependencies of dependencies (default `true`).
    pub fn with_transitive(mut self, transitive: bool) -> Self {
        self.transitive = transitive;
        self
    }

    /// Follow consumed APIs to their providers (default `true`).
    pub fn with_through_apis(mut self, through: bool) -> Self {
        self.through_apis = through;
        self
    }

    /// Follow `dependsOn` (default `true`); turn it off to see only API
    /// dependencies.
    pub fn with_depends_on(mut self, follow: bool) -> Self {
        self.depends_on = follow;
        self
    }

    /// Report only these kinds (the walk still passes through others).
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = EntityKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }
}

deprecated_setters!(Traversal {
    transitive => with_transitive(transitive: bool),
    through_apis => with_through_apis(through: bool),
    depends_on => with_depends_on(follow: bool),
    kinds => with_kinds(kinds: impl IntoIterator<Item = EntityKind>),
});

impl CatalogGraph {
    /// What `id` needs to run: its `dependsOn` targets, the APIs it consumes
    /// and (through them) the components providing those APIs.
    ///
    /// ```
    /// # use platform_graph::Traversal;
    /// # let graph = platform_graph::testing::acme_graph();
    /// let payment = graph.resolve("component:payment-service")?;
    /// let needs: Vec<String> = graph.dependencies(payment, &Traversal::default())
    ///     .entities().map(|id| graph.entity_ref(id).to_string()).collect();
    /// assert!(needs.contains(&"resource:default/payments-postgres".to_owned()));
    /// assert!(needs.contains(&"component:default/fraud-detection-service".to_owned()));
    /// # Ok::<(), platform_graph::Error>(())
    /// ```
    #[must_use]
    pub fn dependencies(&self, id: NodeId, options: &Traversal) -> Reach {
        self.walk_dependencies(id, options, Direction::Outgoing)
    }

    /// What needs `id`: entities that depend on it, consumers of the APIs it
    /// provides or is, and so on transitively.
    #[must_use]
    pub fn dependents(&self, id: NodeId, options: &Traversal) -> Reach {
        self.walk_dependencies(id, options, Direction::Incoming)
    }

    fn walk_dependencies(&self, id: NodeId, options: &Traversal, direction: Direction) -> Reach {
        let mut walk = Walk::new(self, [id.0]);
        let mut next: Vec<NodeIndex<u32>> = Vec::new();
        while let Some(current) = walk.next() {
            next.clear();
            if options.depends_on {
                next.extend(self.neighbours(current, RelationType::DependsOn, direction));
            }
            if options.through_apis {
                self.api_steps(current, direction, &mut next);
            }
            next.sort_unstable();
            for &n in &next {
                walk.reach(current, n, options.transitive);
            }
        }
        Reach::new(walk, |n| {
            n != id.0 && (options.kinds.is_empty() || options.kinds.contains(&self.kind_of(n)))
        })
    }

    /// One step through APIs: outgoing, a consumer reaches the API and the
    /// API its providers; incoming, a provider reaches its API and an API
    /// its consumers.
    fn api_steps(&self, node: NodeIndex<u32>, direction: Direction, out: &mut Vec<NodeIndex<u32>>) {
        match direction {
            Direction::Outgoing => {
                out.extend(self.neighbours(node, RelationType::ConsumesApi, Direction::Outgoing));
                if self.kind_of(node) == EntityKind::Api {
                    out.extend(self.neighbours(
                        node,
                        RelationType::ProvidesApi,
                        Direction::Incoming,
                    ));
                }
            }
            Direction::Incoming => {
                out.extend(self.neighbours(node, RelationType::ProvidesApi, Direction::Outgoing));
                if self.kind_of(node) == EntityKind::Api {
                    out.extend(self.neighbours(
                        node,
                        RelationType::ConsumesApi,
                        Direction::Incoming,
                    ));
                }
            }
        }
    }
}
