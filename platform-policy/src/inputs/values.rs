//! Helm values files.

use serde_json::Value;

use super::location::YamlLocation;
use super::pointer::pointer;

/// A Helm values file (the `helm create` / golden-path shape: `replicaCount`,
/// `image`, `resources`, `autoscaling`, `podDisruptionBudget`,
/// `serviceAccount`, `podSecurityContext`, `securityContext`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HelmValues {
    /// Where it is written.
    pub location: YamlLocation,
    /// The values.
    pub value: Value,
}

impl HelmValues {
    /// The value at a JSON pointer.
    #[must_use]
    pub fn get(&self, at: &str) -> Option<&Value> {
        pointer(&self.value, at)
    }
}
