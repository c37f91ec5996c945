//! Fixtures for examples and tests (not part of the stable API).

use platform_model::loader::{LoadOptions, Loader};

use crate::graph::CatalogGraph;

/// The Acme example organisation (`examples/acme` of the workspace) in one
/// YAML stream.
pub const ACME_YAML: &str = include_str!("acme.yaml");

/// The graph of the Acme example organisation.
///
/// # Panics
///
/// Never: the embedded catalog is valid (a test checks it).
#[must_use]
pub fn acme_graph() -> CatalogGraph {
    let loader = Loader::new(LoadOptions::default()).expect("default options are valid");
    CatalogGraph::from_catalog(&loader.load_str("acme.yaml", ACME_YAML))
}
