//! Backstage catalog model (work in progress).
pub mod diagnostic;
pub mod entity;
pub mod entity_ref;
mod error;
pub mod loader;
pub mod relations;
pub mod span;
pub mod validate;
pub mod yaml;

pub use diagnostic::{Diagnostic, Severity};
pub use entity::{Entity, EntityMeta, EntitySpec};
pub use entity_ref::{EntityRef, RefError};
pub use error::Error;
pub use loader::{Catalog, LoadOptions, Loader};
pub use span::Span;
