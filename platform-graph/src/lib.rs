//! The Backstage catalog as a graph: ownership, dependencies, impact,
//! cycles, problems and cost attribution.
//!
//! This crate is being built (see the workspace's issue tracker); for now it
//! only re-exports the model types it will work on.
//!
//! ```
//! use platform_graph::EntityRef;
//! let owner: EntityRef = "group:default/payments-team".parse()?;
//! assert_eq!(owner.kind(), "group");
//! # Ok::<(), platform_graph::RefError>(())
//! ```

pub use platform_model::{Entity, EntityRef, RefError};
