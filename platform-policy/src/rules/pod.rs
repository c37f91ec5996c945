//! How rules read pods: the views of [`crate::pods`] from a rule's
//! context, and findings at a pod's owner.

use crate::finding::Finding;
use crate::rule::RuleContext;

pub(crate) use crate::pods::{
    ContainerList, ContainerView, ImageRef, Owner, PodView, ScLevel, image_of,
};

impl PodView<'_> {
    /// A finding at `pointer` of the owner.
    pub(crate) fn finding(
        &self,
        cx: &RuleContext<'_>,
        pointer: &str,
        message: impl Into<String>,
    ) -> Finding {
        match self.owner {
            Owner::Manifest(i) => cx.at_manifest(i, pointer, message),
            Owner::Values(i) => cx.at_values(i, pointer, message),
        }
    }
}

/// The pods of every workload and, when `with_values`, of every values file.
pub(crate) fn pods<'a>(
    cx: &RuleContext<'a>,
    with_values: bool,
) -> impl Iterator<Item = &'a PodView<'a>> + use<'a> {
    cx.pods
        .iter()
        .filter(move |p| with_values || matches!(p.owner, Owner::Manifest(_)))
}
