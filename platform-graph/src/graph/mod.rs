//! The graph itself: one node per entity, placeholder nodes for dangling
//! targets, and one typed edge per relation pair.
//!
//! The code is split by idea: `node` holds the node and edge types, `store`
//! the [`CatalogGraph`] type and its reads, `frozen` the compact adjacency
//! tables queries walk, `adjacency` the walks over them, `build` the
//! construction from entities, `edit` adding and removing entities, and
//! `resolve` the resolution of user input to a node.

mod adjacency;
mod build;
mod edit;
mod frozen;
mod node;
mod resolve;
mod store;

pub use node::{DanglingRef, Node, NodeId};
pub use store::CatalogGraph;
