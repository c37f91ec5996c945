//! [`Joins`]: the documented, read-only view of the joins every rule reads,
//! built-in or custom.

use std::sync::OnceLock;

use serde_json::Value;

use crate::crossplane::Xrd;
use crate::finding::ArtefactId;
use crate::inputs::{Inputs, Manifest};
use crate::selector::LabelSelector;

use super::index::{CatalogComponent, Defaulted, Index};
use super::pods::{PodView, views};
use super::scaling::{HpaView, PdbView, hpa_views, pdb_views};

/// How few replicas a workload may run (see [`Joins::replica_floor`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplicaFloor {
    /// The number of replicas.
    pub count: i64,
    /// Whether an HPA's `minReplicas` sets it (else `spec.replicas`).
    pub by_hpa: bool,
}

/// The joins of one check, computed once and shared by every rule through
/// [`RuleContext::joins`](crate::RuleContext::joins): the workloads, which
/// PodDisruptionBudgets, HorizontalPodAutoscalers and NetworkPolicies cover
/// them, the pods of workloads and values files, the catalog Components and
/// what belongs to each, ServiceAccounts and the kinds nobody knows.
///
/// Artefacts are named by their index in [`Inputs`]: a workload, PDB or
/// HPA is an index in [`Inputs::manifests`], a values file one in
/// [`Inputs::values`], a Component one in [`components`](Self::components).
///
/// A custom rule reads them exactly as the built-ins do:
///
/// ```
/// use platform_model::Severity;
/// use platform_policy::{ArtefactKind, Finding, Rule, RuleContext, RuleMeta};
///
/// /// Autoscaled workloads have a disruption budget.
/// struct AutoscaledHasPdb(RuleMeta);
///
/// impl Rule for AutoscaledHasPdb {
///     fn meta(&self) -> &RuleMeta {
///         &self.0
///     }
///     fn check(&self, cx: &RuleContext<'_>) -> Vec<Finding> {
///         let joins = cx.joins();
///         joins
///             .workloads()
///             .filter(|(w, _)| !joins.hpas_of(*w).is_empty() && joins.pdbs_of(*w).is_empty())
///             .map(|(w, m)| cx.at_manifest(w, "/metadata/name", format!("`{}` is autoscaled without a PDB", m.name)))
///             .collect()
///     }
/// }
///
/// let rule = AutoscaledHasPdb(
///     RuleMeta::new("acme.autoscaled-pdb", "Autoscaled workloads have a PDB", Severity::Warning)
///         .with_applies_to(&[ArtefactKind::Manifest]),
/// );
/// # let _ = rule;
/// ```
#[derive(Debug)]
pub struct Joins<'a> {
    inputs: &'a Inputs,
    index: &'a Index,
    pods: Vec<PodView<'a>>,
    hpas: Vec<HpaView<'a>>,
    pdbs: Vec<PdbView<'a>>,
}

impl<'a> Joins<'a> {
    /// The view of `index` over `inputs`, with every pod resolved.
    pub(crate) fn new(inputs: &'a Inputs, index: &'a Index) -> Self {
        Self {
            inputs,
            index,
            pods: views(inputs, &index.pods),
            hpas: hpa_views(inputs, &index.hpas),
            pdbs: pdb_views(inputs, &index.pdbs),
        }
    }

    /// The artefacts the joins are over.
    #[must_use]
    pub fn inputs(&self) -> &'a Inputs {
        self.inputs
    }

    /// Indices of the workloads (Deployments, StatefulSets, DaemonSets,
    /// ReplicaSets, ReplicationControllers, Jobs, CronJobs, Pods).
    #[must_use]
    pub fn workload_indices(&self) -> &'a [usize] {
        &self.index.workloads
    }

    /// The workloads with their indices.
    pub fn workloads(&self) -> impl Iterator<Item = (usize, &'a Manifest)> + use<'a> {
        let manifests = self.inputs.manifests();
        self.index
            .workloads
            .iter()
            .filter_map(move |&i| manifests.get(i).map(|m| (i, m)))
    }

    /// The pods of every workload and, when `with_values`, of every values
    /// file, so that one rule body covers both.
    pub fn pods(&self, with_values: bool) -> impl Iterator<Item = &PodView<'a>> + '_ {
        self.pods
            .iter()
            .filter(move |p| !p.image_only && (with_values || !p.is_values()))
    }

    /// The pods whose images are judged: [`pods(true)`](Self::pods) and
    /// the top of values files whose components are in sections (the
    /// top's `image` is the chart's main image there).
    pub fn image_pods(&self) -> impl Iterator<Item = &PodView<'a>> + '_ {
        self.pods.iter()
    }

    /// How few replicas workload `workload` may run: the lowest
    /// `minReplicas` of the HPAs that scale it, else its `replicas`
    /// (default 1). `None` for kinds that are not replicated.
    #[must_use]
    pub fn replica_floor(&self, workload: usize) -> Option<ReplicaFloor> {
        let manifests = self.inputs.manifests();
        let m = manifests.get(workload)?;
        if !m.workload_kind()?.is_replicated() {
            return None;
        }
        let hpas = self.hpas_of(workload);
        if !hpas.is_empty() {
            let count = hpas
                .iter()
                .filter_map(|h| manifests.get(*h))
                .filter_map(Manifest::autoscaler_min_replicas)
                .min()?;
            return Some(ReplicaFloor {
                count,
                by_hpa: true,
            });
        }
        Some(ReplicaFloor {
            count: m.replicas().unwrap_or(1),
            by_hpa: false,
        })
    }

    /// How few replicas values file `values` runs: `autoscaling.minReplicas`
    /// when `autoscaling.enabled: true`, else `replicaCount` (default 1).
    #[must_use]
    pub fn values_replica_floor(&self, values: usize) -> Option<ReplicaFloor> {
        let v = self.inputs.values().get(values)?;
        let by_hpa = v.get("/autoscaling/enabled").and_then(Value::as_bool) == Some(true);
        let pointer = if by_hpa {
            "/autoscaling/minReplicas"
        } else {
            "/replicaCount"
        };
        Some(ReplicaFloor {
            count: v.get(pointer).and_then(Value::as_i64).unwrap_or(1),
            by_hpa,
        })
    }

    /// Every autoscaler: HorizontalPodAutoscaler manifests, then values
    /// files with `autoscaling.enabled: true`.
    #[must_use]
    pub fn hpas(&self) -> &[HpaView<'a>] {
        &self.hpas
    }

    /// Every disruption budget: PodDisruptionBudget manifests, then values
    /// files with `podDisruptionBudget.enabled: true`.
    #[must_use]
    pub fn pdbs(&self) -> &[PdbView<'a>] {
        &self.pdbs
    }

    /// Whether values file `values` turns its PodDisruptionBudget on.
    #[must_use]
    pub fn values_pdb_enabled(&self, values: usize) -> bool {
        self.inputs.values().get(values).is_some_and(|v| {
            v.get("/podDisruptionBudget/enabled")
                .and_then(Value::as_bool)
                == Some(true)
        })
    }

    /// Indices of the PodDisruptionBudget manifests.
    #[must_use]
    pub fn pdb_indices(&self) -> &'a [usize] {
        &self.index.pdbs
    }

    /// The selector of PDB `pdb`, or why it cannot be read.
    #[must_use]
    pub fn pdb_selector(&self, pdb: usize) -> Option<Result<&'a LabelSelector, &'a str>> {
        self.index
            .pdb_selector
            .get(&pdb)
            .map(|s| s.as_ref().map_err(String::as_str))
    }

    /// The PDBs whose selector matches the pods of `workload`.
    #[must_use]
    pub fn pdbs_of(&self, workload: usize) -> &'a [usize] {
        self.index
            .workload_pdbs
            .get(&workload)
            .map_or(&[], Vec::as_slice)
    }

    /// The workloads whose pods PDB `pdb` selects (in its namespace).
    #[must_use]
    pub fn workloads_of_pdb(&self, pdb: usize) -> &'a [usize] {
        self.index
            .pdb_workloads
            .get(&pdb)
            .map_or(&[], Vec::as_slice)
    }

    /// Indices of the HorizontalPodAutoscaler manifests.
    #[must_use]
    pub fn hpa_indices(&self) -> &'a [usize] {
        &self.index.hpas
    }

    /// The workload HPA `hpa` scales, when its `scaleTargetRef` names one of
    /// the input.
    #[must_use]
    pub fn hpa_target(&self, hpa: usize) -> Option<usize> {
        self.index.hpa_target.get(&hpa).copied()
    }

    /// The autoscalers that scale `workload`: HorizontalPodAutoscalers and
    /// KEDA ScaledObjects.
    #[must_use]
    pub fn hpas_of(&self, workload: usize) -> &'a [usize] {
        self.index
            .workload_hpas
            .get(&workload)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether a NetworkPolicy of the input selects the pods of `workload`.
    #[must_use]
    pub fn is_netpol_covered(&self, workload: usize) -> bool {
        self.index.netpol_covered.contains(&workload)
    }

    /// The directions `(ingress, egress)` that the NetworkPolicies
    /// selecting `workload` restrict (`policyTypes`, or Kubernetes' default:
    /// Ingress, and Egress when egress rules are written).
    #[must_use]
    pub fn netpol_directions(&self, workload: usize) -> (bool, bool) {
        self.index
            .netpol_directions
            .get(&workload)
            .copied()
            .unwrap_or_default()
    }

    /// Whether the input defines any ServiceAccount.
    #[must_use]
    pub fn has_service_accounts(&self) -> bool {
        !self.index.service_accounts.is_empty()
    }

    /// Whether the input defines ServiceAccount `name` in `namespace`.
    #[must_use]
    pub fn has_service_account(&self, namespace: &str, name: &str) -> bool {
        self.index.has_service_account(namespace, name)
    }

    /// Whether a ServiceAccount `name` of `namespace` in the input sets
    /// `automountServiceAccountToken: false`.
    #[must_use]
    pub fn automount_off(&self, namespace: &str, name: &str) -> bool {
        self.index.automount_off(namespace, name)
    }

    /// The catalog Components of the input.
    #[must_use]
    pub fn components(&self) -> &'a [CatalogComponent] {
        &self.index.components
    }

    /// The production Components (`spec.lifecycle: production`), with
    /// their index in [`components`](Self::components).
    pub fn production_components(&self) -> impl Iterator<Item = (usize, &'a CatalogComponent)> {
        self.components()
            .iter()
            .enumerate()
            .filter(|(_, info)| info.is_production())
    }

    /// The Component (index in [`components`](Self::components)) an
    /// artefact belongs to: by the `backstage.io/kubernetes-id` label or
    /// the Component's label selector, then through the workload a PDB or
    /// HPA targets, then by location below the Component's catalog file.
    #[must_use]
    pub fn component_of(&self, id: ArtefactId) -> Option<usize> {
        self.index.component_for(id)
    }

    /// The Component manifest `manifest` is joined to by label or selector
    /// only (not by location).
    #[must_use]
    pub fn labelled_component(&self, manifest: usize) -> Option<usize> {
        self.index.labelled_component.get(&manifest).copied()
    }

    /// The workloads joined to Component `component` by label or selector,
    /// in workload order.
    #[must_use]
    pub fn component_workloads(&self, component: usize) -> &'a [usize] {
        self.index
            .component_workloads
            .get(component)
            .map_or(&[], Vec::as_slice)
    }

    /// The values files attributed to Component `component`, in input order.
    #[must_use]
    pub fn component_values(&self, component: usize) -> &'a [usize] {
        self.index
            .component_values
            .get(component)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether any manifest is joined to Component `component` by label or
    /// selector.
    #[must_use]
    pub fn component_is_labelled(&self, component: usize) -> bool {
        self.index
            .component_labelled
            .get(component)
            .copied()
            .unwrap_or(false)
    }

    /// Manifests of a kind that no rule, CustomResourceDefinition or
    /// CompositeResourceDefinition of the input knows.
    #[must_use]
    pub fn unknown_kinds(&self) -> &'a [usize] {
        &self.index.unknown_kinds
    }

    /// Instances of Crossplane composite and claim kinds, as `(instance
    /// manifest, CompositeResourceDefinition manifest)`, in manifest order.
    pub fn crossplane_instances(&self) -> impl Iterator<Item = (usize, usize)> + use<'a> {
        let xrds = &self.index.xrds;
        self.index
            .xr_instances
            .iter()
            .filter_map(move |&(i, x)| Some((i, xrds.get(x)?.manifest)))
    }

    /// The CompositeResourceDefinitions of the input.
    pub(crate) fn xrds(&self) -> &'a [Xrd] {
        &self.index.xrds
    }

    /// Instances of Crossplane kinds, as `(manifest, index in xrds)`.
    pub(crate) fn xr_instances(&self) -> &'a [(usize, usize)] {
        &self.index.xr_instances
    }

    /// Every instance's `spec` with its schema's defaults, once per check.
    pub(crate) fn xr_defaulted(&self) -> &'a OnceLock<Vec<Option<Defaulted>>> {
        &self.index.xr_defaulted
    }
}
