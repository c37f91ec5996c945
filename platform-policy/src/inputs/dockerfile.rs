//! Dockerfile artefacts.

use std::sync::Arc;

use crate::dockerfile::Dockerfile;

/// A Dockerfile artefact.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DockerfileArtefact {
    /// The file, relative to the checked root.
    pub file: Arc<str>,
    /// The parsed Dockerfile.
    pub dockerfile: Dockerfile,
}
