//! One view over "an autoscaler" and one over "a disruption budget": a
//! HorizontalPodAutoscaler or PodDisruptionBudget manifest, or the
//! `autoscaling` / `podDisruptionBudget` block of a Helm values file that
//! turns one on, so that one rule body covers both (as
//! [`PodView`](super::PodView) does for pods).

use serde_json::Value;

use super::origin::Origin;
use crate::inputs::{Inputs, get};

/// Where the view's fields are: `spec` of a manifest, or the values block.
#[derive(Clone, Copy, Debug)]
struct Block<'a> {
    origin: Origin,
    /// The node holding the fields (`None` when a manifest has no `spec`).
    node: Option<&'a Value>,
    /// Pointer of that node (`/spec`, `/autoscaling`, `/podDisruptionBudget`).
    base: &'static str,
}

impl<'a> Block<'a> {
    fn field(&self, name: &str) -> Option<&'a Value> {
        get(self.node?, name)
    }

    fn pointer(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }
}

/// The `enabled: true` block `key` of every values file, in input order.
fn enabled_blocks<'a>(inputs: &'a Inputs, key: &'static str) -> impl Iterator<Item = Block<'a>> {
    inputs
        .values()
        .iter()
        .enumerate()
        .filter_map(move |(i, v)| {
            let node = get(&v.value, key)?;
            (get(node, "enabled").and_then(Value::as_bool) == Some(true)).then_some(Block {
                origin: Origin::Values(i),
                node: Some(node),
                base: match key {
                    "autoscaling" => "/autoscaling",
                    _ => "/podDisruptionBudget",
                },
            })
        })
}

/// The manifests `indices`, with their `spec`.
fn spec_blocks<'a>(inputs: &'a Inputs, indices: &[usize]) -> Vec<Block<'a>> {
    indices
        .iter()
        .filter_map(|&i| {
            Some(Block {
                origin: Origin::Manifest(i),
                node: inputs.manifests().get(i)?.get("/spec"),
                base: "/spec",
            })
        })
        .collect()
}

/// An autoscaler: a HorizontalPodAutoscaler manifest, or the `autoscaling`
/// block of a values file with `autoscaling.enabled: true`.
#[derive(Clone, Copy, Debug)]
pub struct HpaView<'a> {
    block: Block<'a>,
}

impl<'a> HpaView<'a> {
    /// The artefact it is read from.
    #[must_use]
    pub fn origin(&self) -> Origin {
        self.block.origin
    }

    /// `minReplicas` as written.
    #[must_use]
    pub fn min_replicas_written(&self) -> Option<&'a Value> {
        self.block.field("minReplicas")
    }

    /// `minReplicas`, 1 (the Kubernetes default) unless an integer is written.
    #[must_use]
    pub fn min_replicas(&self) -> i64 {
        self.min_replicas_written()
            .and_then(Value::as_i64)
            .unwrap_or(1)
    }

    /// `maxReplicas`, when an integer is written.
    #[must_use]
    pub fn max_replicas(&self) -> Option<i64> {
        self.block.field("maxReplicas").and_then(Value::as_i64)
    }

    /// Pointer of field `name` (`/spec/maxReplicas`, `/autoscaling/maxReplicas`).
    #[must_use]
    pub fn pointer(&self, name: &str) -> String {
        self.block.pointer(name)
    }

    /// How messages name field `name`: `minReplicas` in a manifest,
    /// `autoscaling.minReplicas` in values.
    #[must_use]
    pub fn display(&self, name: &str) -> String {
        match self.block.origin {
            Origin::Manifest(_) => name.to_owned(),
            Origin::Values(_) => format!("autoscaling.{name}"),
        }
    }
}

/// A disruption budget: a PodDisruptionBudget manifest, or the
/// `podDisruptionBudget` block of a values file with
/// `podDisruptionBudget.enabled: true`.
#[derive(Clone, Copy, Debug)]
pub struct PdbView<'a> {
    block: Block<'a>,
}

impl<'a> PdbView<'a> {
    /// The artefact it is read from.
    #[must_use]
    pub fn origin(&self) -> Origin {
        self.block.origin
    }

    /// Field `name` as written. In values a `null` counts as not written
    /// (charts default such keys to `null`); in a manifest it is written.
    fn policy(&self, name: &str) -> Option<&'a Value> {
        let value = self.block.field(name)?;
        match self.block.origin {
            Origin::Values(_) if value.is_null() => None,
            _ => Some(value),
        }
    }

    /// `minAvailable`, when written.
    #[must_use]
    pub fn min_available(&self) -> Option<&'a Value> {
        self.policy("minAvailable")
    }

    /// `maxUnavailable`, when written.
    #[must_use]
    pub fn max_unavailable(&self) -> Option<&'a Value> {
        self.policy("maxUnavailable")
    }

    /// Pointer of the block (`/spec`, `/podDisruptionBudget`).
    #[must_use]
    pub fn base(&self) -> &'static str {
        self.block.base
    }

    /// Pointer of field `name` (`/spec/minAvailable`,
    /// `/podDisruptionBudget/minAvailable`).
    #[must_use]
    pub fn pointer(&self, name: &str) -> String {
        self.block.pointer(name)
    }
}

/// The autoscalers of the input: manifests `hpas`, then values files.
pub(super) fn hpa_views<'a>(inputs: &'a Inputs, hpas: &[usize]) -> Vec<HpaView<'a>> {
    let mut blocks = spec_blocks(inputs, hpas);
    blocks.extend(enabled_blocks(inputs, "autoscaling"));
    blocks.into_iter().map(|block| HpaView { block }).collect()
}

/// The disruption budgets of the input: manifests `pdbs`, then values files.
pub(super) fn pdb_views<'a>(inputs: &'a Inputs, pdbs: &[usize]) -> Vec<PdbView<'a>> {
    let mut blocks = spec_blocks(inputs, pdbs);
    blocks.extend(enabled_blocks(inputs, "podDisruptionBudget"));
    blocks.into_iter().map(|block| PdbView { block }).collect()
}
