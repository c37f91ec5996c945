//! Where a view is read from: a Kubernetes manifest or a Helm values file.

use serde_json::Value;

use crate::finding::{ArtefactId, ArtefactKind};
use crate::inputs::Inputs;

/// The artefact a pod, autoscaler or disruption budget view is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// Index in [`Inputs::manifests`].
    Manifest(usize),
    /// Index in [`Inputs::values`].
    Values(usize),
}

impl Origin {
    /// Whether it is a Helm values file.
    #[must_use]
    pub fn is_values(self) -> bool {
        matches!(self, Self::Values(_))
    }

    /// The manifest index, for a manifest.
    #[must_use]
    pub fn manifest(self) -> Option<usize> {
        match self {
            Self::Manifest(i) => Some(i),
            Self::Values(_) => None,
        }
    }

    /// The artefact's id.
    #[must_use]
    pub fn artefact_id(self) -> ArtefactId {
        match self {
            Self::Manifest(i) => ArtefactId::new(ArtefactKind::Manifest, i),
            Self::Values(i) => ArtefactId::new(ArtefactKind::HelmValues, i),
        }
    }

    /// The artefact's document in `inputs`.
    #[must_use]
    pub fn root(self, inputs: &Inputs) -> Option<&Value> {
        match self {
            Self::Manifest(i) => Some(&inputs.manifests().get(i)?.value),
            Self::Values(i) => Some(&inputs.values().get(i)?.value),
        }
    }
}
