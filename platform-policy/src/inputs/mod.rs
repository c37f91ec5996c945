//! The artefacts a check runs over, recognised by content: Kubernetes
//! manifests, Helm values, Dockerfiles and catalog entities.
//!
//! [`Inputs`] is filled from a directory tree by the checker, or from
//! memory with [`Inputs::add_source`]; every file is classified by what it
//! holds, not only by its name.

mod catalog;
mod classify;
mod discover;
mod dockerfile;
pub(crate) mod k8s;
mod kustomize;
mod location;
mod pointer;
mod set;
mod values;

pub use catalog::CatalogDoc;
pub(crate) use classify::{FileOutcome, classify};
pub(crate) use discover::{FileHint, discover, discover_candidate, hint_for};
pub use dockerfile::DockerfileArtefact;
pub use k8s::{Manifest, WorkloadKind};
pub use kustomize::Kustomization;
pub use location::YamlLocation;
pub(crate) use pointer::{field, get, pointer, walk};
pub use set::Inputs;
pub use values::HelmValues;
