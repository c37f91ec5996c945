//! [`Inputs`]: the artefacts of one check and the text of their files.

use std::collections::HashMap;
use std::sync::Arc;

use super::catalog::CatalogDoc;
use super::classify::{FileOutcome, classify};
use super::discover::hint_for;
use super::dockerfile::DockerfileArtefact;
use super::k8s::Manifest;
use super::kustomize::{Kustomization, apply_images, patch_manifests};
use super::values::HelmValues;
use crate::dockerfile::DockerfileLimits;
use crate::finding::{ArtefactId, ArtefactKind, Finding};

/// Everything a check runs over: the artefacts, the text of every file read
/// (for snippets, comments and fingerprints), and the problems met while
/// reading.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    manifests: Vec<Manifest>,
    values: Vec<HelmValues>,
    dockerfiles: Vec<DockerfileArtefact>,
    entities: Vec<CatalogDoc>,
    sources: HashMap<Arc<str>, Arc<str>>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) files: usize,
    pub(crate) skipped_files: usize,
    pub(crate) template_files: usize,
    /// Kustomize files (`Kustomization`, `Component`) recognised.
    kustomizations: Vec<Kustomization>,
    /// Objects dropped because a kustomization names their file as a patch.
    pub(crate) patch_objects: usize,
    dockerfile_limits: DockerfileLimits,
}

impl Inputs {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// With these Dockerfile parser limits for the sources added after
    /// (default [`DockerfileLimits::default`]).
    #[must_use]
    pub fn with_dockerfile_limits(mut self, limits: DockerfileLimits) -> Self {
        self.dockerfile_limits = limits;
        self
    }

    /// Adds a file held in memory, classified by its name and content
    /// (`path` is the name shown in reports, `/`-separated).
    pub fn add_source(&mut self, path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) {
        let path = path.into();
        let hint = hint_for(&path);
        let outcome = classify(path, text.into(), hint, &self.dockerfile_limits);
        self.absorb(outcome);
    }

    pub(crate) fn absorb(&mut self, mut outcome: FileOutcome) {
        self.files += 1;
        self.kustomizations
            .extend(std::mem::take(&mut outcome.kustomizations));
        if outcome.template {
            self.template_files += 1;
            self.skipped_files += 1;
            return;
        }
        if outcome.is_empty() {
            self.skipped_files += 1;
            return;
        }
        if let (Some(path), Some(text)) = (outcome.path, outcome.text) {
            self.sources.insert(path, text);
        }
        self.manifests.extend(outcome.manifests);
        self.values.extend(outcome.values);
        self.dockerfiles.extend(outcome.dockerfiles);
        self.entities.extend(outcome.entities);
        self.findings.extend(outcome.findings);
    }

    /// Kustomize files (`Kustomization`, `Component`).
    #[must_use]
    pub fn kustomizations(&self) -> &[Kustomization] {
        &self.kustomizations
    }

    /// Applies what the kustomizations say about the other files, once
    /// every file is read: objects of files they name as patches are partial
    /// objects and are dropped; images of the objects they build get the
    /// tags their `images` entries set.
    pub(crate) fn apply_kustomizations(&mut self) {
        if self.kustomizations.is_empty() {
            return;
        }
        let patches = patch_manifests(&self.kustomizations, &self.manifests);
        if !patches.is_empty() {
            self.patch_objects += patches.len();
            let mut index = 0;
            self.manifests.retain(|_| {
                let keep = !patches.contains(&index);
                index += 1;
                keep
            });
        }
        apply_images(&self.kustomizations, &mut self.manifests);
    }

    /// Kubernetes objects (Crossplane definitions and claims included).
    #[must_use]
    pub fn manifests(&self) -> &[Manifest] {
        &self.manifests
    }

    /// Helm values files.
    #[must_use]
    pub fn values(&self) -> &[HelmValues] {
        &self.values
    }

    /// Dockerfiles.
    #[must_use]
    pub fn dockerfiles(&self) -> &[DockerfileArtefact] {
        &self.dockerfiles
    }

    /// Catalog entity documents.
    #[must_use]
    pub fn entities(&self) -> &[CatalogDoc] {
        &self.entities
    }

    /// The text of a file that holds artefacts.
    #[must_use]
    pub fn source(&self, file: &str) -> Option<&str> {
        self.sources.get(file).map(|s| &**s)
    }

    pub(crate) fn source_arc(&self, file: &str) -> Option<Arc<str>> {
        self.sources.get(file).cloned()
    }

    /// Number of files read.
    #[must_use]
    pub fn file_count(&self) -> usize {
        self.files
    }

    /// A short description of an artefact.
    #[must_use]
    pub fn describe(&self, id: ArtefactId) -> Option<String> {
        Some(match id.kind {
            ArtefactKind::Manifest => self.manifests.get(id.index)?.describe(),
            ArtefactKind::HelmValues => {
                format!("Helm values {}", self.values.get(id.index)?.location.file)
            }
            ArtefactKind::Dockerfile => {
                format!("Dockerfile {}", self.dockerfiles.get(id.index)?.file)
            }
            ArtefactKind::CatalogEntity => self.entities.get(id.index)?.reference(),
            ArtefactKind::Config | ArtefactKind::File => return None,
        })
    }

    /// The file an artefact is written in.
    #[must_use]
    pub fn file_of(&self, id: ArtefactId) -> Option<&Arc<str>> {
        Some(match id.kind {
            ArtefactKind::Manifest => &self.manifests.get(id.index)?.location.file,
            ArtefactKind::HelmValues => &self.values.get(id.index)?.location.file,
            ArtefactKind::Dockerfile => &self.dockerfiles.get(id.index)?.file,
            ArtefactKind::CatalogEntity => &self.entities.get(id.index)?.location.file,
            ArtefactKind::Config | ArtefactKind::File => return None,
        })
    }
}
