//! The joins between artefacts, computed once per check, below the rules:
//! which PodDisruptionBudgets, HorizontalPodAutoscalers and
//! NetworkPolicies cover which workloads, which catalog Component each
//! artefact belongs to, and one view over every pod (a workload's pod
//! template or a Helm values file's). Built-in and custom rules read them
//! alike through [`Joins`] ([`RuleContext::joins`](crate::RuleContext::joins)).

mod image;
mod index;
mod origin;
mod pods;
mod scaling;
mod values_pods;
mod view;

pub use image::ImageRef;
pub use index::{CatalogComponent, KUBERNETES_ID, KUBERNETES_SELECTOR};
pub(crate) use index::{Defaulted, Index};
pub use origin::Origin;
pub use pods::{ContainerList, ContainerView, PodData, PodView, ScLevel};
pub use scaling::{HpaView, PdbView};
pub use view::{Joins, ReplicaFloor};
