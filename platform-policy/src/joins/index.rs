//! The joins, computed once per check: which PDBs, HPAs and
//! NetworkPolicies cover which workloads, which Component each artefact
//! belongs to, the Crossplane definitions, the kinds nobody knows, and
//! where the pods are. Rules read them through [`Joins`](super::Joins).

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::crossplane::{XRD_GROUP, Xrd};
use crate::finding::{ArtefactId, ArtefactKind};
use crate::inputs::Inputs;
use crate::inputs::k8s::KNOWN_KINDS;
use crate::selector::LabelSelector;

use super::pods::{PodData, build_pods};

/// The Backstage label/annotation joining workloads and Components.
pub const KUBERNETES_ID: &str = "backstage.io/kubernetes-id";
/// The Component annotation selecting its workloads by labels.
pub const KUBERNETES_SELECTOR: &str = "backstage.io/kubernetes-label-selector";

/// A catalog Component of the input, with what joins it to artefacts.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CatalogComponent {
    /// Index in [`Inputs::entities`].
    pub entity: usize,
    /// `component:ns/name`.
    pub reference: String,
    /// Directory of its catalog file (`""` for the root).
    pub dir: String,
    /// `spec.lifecycle`.
    pub lifecycle: Option<String>,
    /// The `backstage.io/kubernetes-id` annotation.
    pub kubernetes_id: Option<String>,
    /// The parsed `backstage.io/kubernetes-label-selector` annotation.
    pub selector: Option<LabelSelector>,
    /// `metadata.name`.
    pub name: String,
}

impl CatalogComponent {
    /// Whether its `spec.lifecycle` is `production`.
    #[must_use]
    pub fn is_production(&self) -> bool {
        self.lifecycle.as_deref() == Some("production")
    }
}

/// The joins, as computed; read through [`Joins`](super::Joins).
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(super) workloads: Vec<usize>,
    pub(super) pdbs: Vec<usize>,
    pub(super) hpas: Vec<usize>,
    /// KEDA ScaledObjects (they scale their target as an HPA does; the
    /// `hpa.*` rules, written for HPA fields, do not read them).
    pub(super) scaled_objects: Vec<usize>,
    pub(super) netpols: Vec<usize>,
    /// ServiceAccounts: namespace → name → whether one of that name sets
    /// `automountServiceAccountToken: false` (nested so that lookups
    /// borrow instead of building a `(String, String)` key).
    pub(super) service_accounts: HashMap<String, HashMap<String, bool>>,
    /// PDB manifest → its selector, or why it cannot be read.
    pub(super) pdb_selector: HashMap<usize, Result<LabelSelector, String>>,
    pub(super) workload_pdbs: HashMap<usize, Vec<usize>>,
    pub(super) pdb_workloads: HashMap<usize, Vec<usize>>,
    pub(super) hpa_target: HashMap<usize, usize>,
    pub(super) workload_hpas: HashMap<usize, Vec<usize>>,
    pub(super) netpol_covered: HashSet<usize>,
    /// Workload → the directions (ingress, egress) the NetworkPolicies
    /// selecting it restrict.
    pub(super) netpol_directions: HashMap<usize, (bool, bool)>,
    pub(super) components: Vec<CatalogComponent>,
    /// Component of each manifest by label or selector only.
    pub(super) labelled_component: HashMap<usize, usize>,
    /// Component of every artefact (labels first, then targets, then location).
    pub(super) attribution: HashMap<ArtefactId, usize>,
    /// Per Component: its workloads joined by label or selector, in
    /// `workloads` order (so joins need not scan every workload per
    /// Component).
    pub(super) component_workloads: Vec<Vec<usize>>,
    /// Per Component: the values files attributed to it, in input order.
    pub(super) component_values: Vec<Vec<usize>>,
    /// Per Component: whether any manifest is joined to it by label or
    /// selector.
    pub(super) component_labelled: Vec<bool>,
    pub(super) xrds: Vec<Xrd>,
    /// `(group, kind)` → `(xrd index, is the claim kind)`.
    pub(super) xr_kinds: HashMap<(String, String), (usize, bool)>,
    pub(super) unknown_kinds: Vec<usize>,
    /// Instances of Crossplane kinds: `(manifest, xrd index)`, in manifest
    /// order (computed once instead of once per `crossplane.*` rule).
    pub(super) xr_instances: Vec<(usize, usize)>,
    /// The `spec` of every entry of `xr_instances` with its schema's
    /// defaults applied (and the limit hit doing so), computed once for
    /// every `crossplane.*` rule.
    pub(super) xr_defaulted: std::sync::OnceLock<Vec<Option<Defaulted>>>,
    /// Where the pods of workloads and values files are.
    pub(super) pods: Vec<PodData>,
}

/// The `spec` of a claim or composite with its schema's defaults applied,
/// and the limit hit doing so.
pub(crate) type Defaulted = (Value, Option<crate::crossplane::Problem>);

/// Pod labels indexed by `key` → `value` → workloads.
type LabelIndex<'a> = HashMap<&'a str, HashMap<&'a str, Vec<usize>>>;

/// A superset of what `selector` can match, in index order: the shortest
/// of the lists of its `matchLabels` pairs and of its `In` requirements
/// (the union of the lists of their values). `None` when neither narrows.
fn label_candidates(labels: &LabelIndex<'_>, selector: &LabelSelector) -> Option<Vec<usize>> {
    fn consider(best: &mut Option<Vec<usize>>, list: Vec<usize>) {
        if best.as_ref().is_none_or(|b| list.len() < b.len()) {
            *best = Some(list);
        }
    }
    let mut best: Option<Vec<usize>> = None;
    for (k, v) in &selector.match_labels {
        consider(
            &mut best,
            labels
                .get(k.as_str())
                .and_then(|by_value| by_value.get(v.as_str()))
                .cloned()
                .unwrap_or_default(),
        );
    }
    for r in &selector.expressions {
        if r.operator != crate::selector::Operator::In {
            continue;
        }
        let by_value = labels.get(r.key.as_str());
        let mut values: Vec<&str> = r.values.iter().map(String::as_str).collect();
        values.sort_unstable();
        values.dedup();
        let total: usize = values
            .iter()
            .filter_map(|v| by_value.and_then(|b| b.get(v)))
            .map(Vec::len)
            .sum();
        if best.as_ref().is_some_and(|b| b.len() <= total) {
            continue;
        }
        let mut list: Vec<usize> = values
            .iter()
            .filter_map(|v| by_value.and_then(|b| b.get(v)))
            .flatten()
            .copied()
            .collect();
        list.sort_unstable();
        list.dedup();
        consider(&mut best, list);
    }
    best
}

/// The directions a NetworkPolicy restricts, `(ingress, egress)`: its
/// `policyTypes`, or as Kubernetes defaults them, Ingress always and
/// Egress when it has `egress` rules.
fn policy_directions(m: &crate::inputs::Manifest) -> (bool, bool) {
    match m.get("/spec/policyTypes").and_then(Value::as_array) {
        Some(types) => (
            types.iter().any(|t| t.as_str() == Some("Ingress")),
            types.iter().any(|t| t.as_str() == Some("Egress")),
        ),
        None => (true, m.get("/spec/egress").is_some()),
    }
}

impl Index {
    pub(crate) fn build(inputs: &Inputs) -> Self {
        let mut index = Self::default();
        let manifests = inputs.manifests();
        let mut crd_kinds: HashSet<(&str, &str)> = HashSet::new();
        for (i, m) in manifests.iter().enumerate() {
            if m.workload_kind().is_some() {
                index.workloads.push(i);
            } else if m.is("policy", "PodDisruptionBudget") {
                index.pdbs.push(i);
            } else if m.is("autoscaling", "HorizontalPodAutoscaler") {
                index.hpas.push(i);
            } else if m.is("keda.sh", "ScaledObject") {
                index.scaled_objects.push(i);
            } else if m.is("networking.k8s.io", "NetworkPolicy") {
                index.netpols.push(i);
            } else if m.is("", "ServiceAccount") {
                let off = m
                    .get("/automountServiceAccountToken")
                    .and_then(Value::as_bool)
                    == Some(false);
                *index
                    .service_accounts
                    .entry(m.namespace_or_default().to_owned())
                    .or_default()
                    .entry(m.name.clone())
                    .or_default() |= off;
            } else if m.is("apiextensions.k8s.io", "CustomResourceDefinition") {
                if let (Some(g), Some(k)) = (
                    m.get("/spec/group").and_then(Value::as_str),
                    m.get("/spec/names/kind").and_then(Value::as_str),
                ) {
                    crd_kinds.insert((g, k));
                }
            } else if let Some(xrd) = Xrd::parse(i, m) {
                let n = index.xrds.len();
                index
                    .xr_kinds
                    .insert((xrd.group.clone(), xrd.kind.clone()), (n, false));
                if let Some(claim) = &xrd.claim_kind {
                    index
                        .xr_kinds
                        .insert((xrd.group.clone(), claim.clone()), (n, true));
                }
                index.xrds.push(xrd);
            }
        }
        for (i, m) in manifests.iter().enumerate() {
            let group = m.group();
            let known = KNOWN_KINDS.contains(&m.kind.as_str())
                || crd_kinds.contains(&(group, m.kind.as_str()))
                || index
                    .xr_kinds
                    .contains_key(&(group.to_owned(), m.kind.clone()));
            if !known && m.group() != XRD_GROUP {
                index.unknown_kinds.push(i);
            }
        }
        if !index.xr_kinds.is_empty() {
            for (i, m) in manifests.iter().enumerate() {
                if let Some(&(x, _)) = index.xr_kinds.get(&(m.group().to_owned(), m.kind.clone())) {
                    index.xr_instances.push((i, x));
                }
            }
        }
        let labels = index.label_index(inputs);
        index.match_pdbs(inputs, &labels);
        index.match_hpas(inputs);
        index.match_netpols(inputs, &labels);
        index.components(inputs);
        index.attribute(inputs);
        index.component_joins(inputs);
        index.pods = build_pods(inputs, &index.workloads);
        index
    }

    fn label_index<'a>(&self, inputs: &'a Inputs) -> LabelIndex<'a> {
        let mut map: LabelIndex<'a> = HashMap::new();
        for &w in &self.workloads {
            if let Some(labels) = inputs.manifests()[w].pod_labels() {
                for (k, v) in labels {
                    if let Some(v) = v.as_str() {
                        map.entry(k.as_str())
                            .or_default()
                            .entry(v)
                            .or_default()
                            .push(w);
                    }
                }
            }
        }
        map
    }

    /// Workloads of `namespace` whose pod labels satisfy `selector`. Only
    /// candidates are tested: the shortest of the workload lists of its
    /// `matchLabels` pairs and `In` requirements, or the workloads of the
    /// namespace, so that a selector costs what it can match, not every
    /// workload of the input.
    fn select(
        &self,
        inputs: &Inputs,
        labels: &LabelIndex<'_>,
        by_namespace: &HashMap<&str, Vec<usize>>,
        namespace: &str,
        selector: &LabelSelector,
    ) -> Vec<usize> {
        let candidates = label_candidates(labels, selector).unwrap_or_else(|| {
            by_namespace
                .get(namespace)
                .map_or_else(Vec::new, Clone::clone)
        });
        let empty = Map::new();
        candidates
            .into_iter()
            .filter(|&w| {
                let m = &inputs.manifests()[w];
                m.namespace_or_default() == namespace
                    && selector.matches(m.pod_labels().unwrap_or(&empty))
            })
            .collect()
    }

    /// Workloads per namespace, in workload order.
    fn workloads_by_namespace<'a>(&self, inputs: &'a Inputs) -> HashMap<&'a str, Vec<usize>> {
        let mut map: HashMap<&str, Vec<usize>> = HashMap::new();
        for &w in &self.workloads {
            map.entry(inputs.manifests()[w].namespace_or_default())
                .or_default()
                .push(w);
        }
        map
    }

    fn match_pdbs(&mut self, inputs: &Inputs, labels: &LabelIndex<'_>) {
        let by_namespace = self.workloads_by_namespace(inputs);
        // Identical selectors in one namespace select the same workloads.
        let mut selected: HashMap<(&str, LabelSelector), Vec<usize>> = HashMap::new();
        for &p in &self.pdbs.clone() {
            let m = &inputs.manifests()[p];
            let selector = match m.get("/spec/selector") {
                None | Some(Value::Null) => Err(
                    "the PodDisruptionBudget has no `spec.selector`, so it selects no pod"
                        .to_owned(),
                ),
                Some(v) => LabelSelector::from_value(v),
            };
            if let Ok(sel) = &selector {
                let namespace = m.namespace_or_default();
                let matched = selected
                    .entry((namespace, sel.clone()))
                    .or_insert_with(|| self.select(inputs, labels, &by_namespace, namespace, sel))
                    .clone();
                for &w in &matched {
                    self.workload_pdbs.entry(w).or_default().push(p);
                }
                self.pdb_workloads.insert(p, matched);
            }
            self.pdb_selector.insert(p, selector);
        }
    }

    fn match_hpas(&mut self, inputs: &Inputs) {
        let mut by_name: HashMap<(&str, &str, &str), usize> = HashMap::new();
        for &w in &self.workloads {
            let m = &inputs.manifests()[w];
            by_name.insert(
                (m.namespace_or_default(), m.kind.as_str(), m.name.as_str()),
                w,
            );
        }
        for &h in self.hpas.iter().chain(&self.scaled_objects) {
            let m = &inputs.manifests()[h];
            // A ScaledObject's target kind defaults to Deployment.
            let default_kind = m.is("keda.sh", "ScaledObject").then_some("Deployment");
            let kind = m
                .get("/spec/scaleTargetRef/kind")
                .and_then(Value::as_str)
                .or(default_kind);
            let name = m.get("/spec/scaleTargetRef/name").and_then(Value::as_str);
            if let (Some(kind), Some(name)) = (kind, name)
                && let Some(&w) = by_name.get(&(m.namespace_or_default(), kind, name))
            {
                self.hpa_target.insert(h, w);
                self.workload_hpas.entry(w).or_default().push(h);
            }
        }
    }

    fn match_netpols(&mut self, inputs: &Inputs, labels: &LabelIndex<'_>) {
        let by_namespace = self.workloads_by_namespace(inputs);
        // Identical selectors in one namespace cover the same workloads.
        let mut seen: HashSet<(&str, LabelSelector, (bool, bool))> = HashSet::new();
        for &n in &self.netpols {
            let m = &inputs.manifests()[n];
            let selector = m
                .get("/spec/podSelector")
                .map_or_else(|| Ok(LabelSelector::default()), LabelSelector::from_value);
            if let Ok(sel) = selector {
                let namespace = m.namespace_or_default();
                let directions = policy_directions(m);
                let key = (namespace, sel, directions);
                if seen.contains(&key) {
                    continue;
                }
                for w in self.select(inputs, labels, &by_namespace, namespace, &key.1) {
                    self.netpol_covered.insert(w);
                    let d = self.netpol_directions.entry(w).or_default();
                    d.0 |= directions.0;
                    d.1 |= directions.1;
                }
                seen.insert(key);
            }
        }
    }

    fn components(&mut self, inputs: &Inputs) {
        for (i, e) in inputs.entities().iter().enumerate() {
            if e.kind() != "Component" {
                continue;
            }
            let file = &e.location.file;
            let dir = file.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
            self.components.push(CatalogComponent {
                entity: i,
                reference: e.reference(),
                dir,
                lifecycle: e.spec_str("lifecycle").map(str::to_owned),
                kubernetes_id: e.annotation(KUBERNETES_ID).map(str::to_owned),
                selector: e
                    .annotation(KUBERNETES_SELECTOR)
                    .and_then(|s| LabelSelector::parse(s).ok()),
                name: e.entity.metadata.name.clone(),
            });
        }
        if self.components.is_empty() {
            return;
        }
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        for (c, info) in self.components.iter().enumerate() {
            if info.selector.is_none() {
                let id = info.kubernetes_id.as_deref().unwrap_or(&info.name);
                by_id.entry(id).or_insert(c);
            }
        }
        let by_selector = self.select_components(inputs);
        let empty = Map::new();
        for (i, m) in inputs.manifests().iter().enumerate() {
            let own = m.labels().unwrap_or(&empty);
            let pod = m.pod_labels().unwrap_or(&empty);
            let by_label = [own, pod]
                .iter()
                .find_map(|l| l.get(KUBERNETES_ID).and_then(Value::as_str))
                .and_then(|id| by_id.get(id).copied());
            if let Some(c) = by_selector.get(&i).copied().or(by_label) {
                self.labelled_component.insert(i, c);
            }
        }
    }

    /// For every manifest whose own or pod labels satisfy the label
    /// selector of a Component, the first such Component. Identical
    /// selectors count once (the first Component wins anyway), and each
    /// selector tests only its candidates (see [`label_candidates`]) that
    /// no earlier Component took.
    fn select_components(&self, inputs: &Inputs) -> HashMap<usize, usize> {
        let mut out: HashMap<usize, usize> = HashMap::new();
        let mut seen: HashSet<&LabelSelector> = HashSet::new();
        let selectors: Vec<(usize, &LabelSelector)> = self
            .components
            .iter()
            .enumerate()
            .filter_map(|(c, info)| info.selector.as_ref().map(|s| (c, s)))
            .filter(|(_, s)| seen.insert(*s))
            .collect();
        if selectors.is_empty() {
            return out;
        }
        // Own and pod labels of every manifest, indexed like pod labels.
        let mut labels: LabelIndex<'_> = HashMap::new();
        let empty = Map::new();
        for (i, m) in inputs.manifests().iter().enumerate() {
            for l in [
                m.labels().unwrap_or(&empty),
                m.pod_labels().unwrap_or(&empty),
            ] {
                for (k, v) in l {
                    if let Some(v) = v.as_str() {
                        let list = labels.entry(k.as_str()).or_default().entry(v).or_default();
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
            }
        }
        let all: Vec<usize> = (0..inputs.manifests().len()).collect();
        for (c, s) in selectors {
            let candidates = label_candidates(&labels, s);
            for &i in candidates.as_deref().unwrap_or(&all) {
                if out.contains_key(&i) {
                    continue;
                }
                let m = &inputs.manifests()[i];
                let own = m.labels().unwrap_or(&empty);
                let pod = m.pod_labels().unwrap_or(&empty);
                if (!own.is_empty() && s.matches(own)) || (!pod.is_empty() && s.matches(pod)) {
                    out.insert(i, c);
                }
            }
        }
        out
    }

    fn attribute(&mut self, inputs: &Inputs) {
        if self.components.is_empty() {
            return;
        }
        let mut dirs: HashMap<&str, usize> = HashMap::new();
        for (c, info) in self.components.iter().enumerate() {
            dirs.entry(info.dir.as_str()).or_insert(c);
        }
        let by_location = |file: &str| -> Option<usize> {
            let mut dir = file.rsplit_once('/').map_or("", |(d, _)| d);
            loop {
                if let Some(&c) = dirs.get(dir) {
                    return Some(c);
                }
                if dir.is_empty() {
                    return None;
                }
                dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
            }
        };
        let mut attribution = HashMap::new();
        for (i, m) in inputs.manifests().iter().enumerate() {
            let via_target = || {
                self.pdb_workloads
                    .get(&i)
                    .into_iter()
                    .flatten()
                    .chain(self.hpa_target.get(&i))
                    .find_map(|w| self.labelled_component.get(w).copied())
            };
            let c = self
                .labelled_component
                .get(&i)
                .copied()
                .or_else(via_target)
                .or_else(|| by_location(&m.location.file));
            if let Some(c) = c {
                attribution.insert(ArtefactId::new(ArtefactKind::Manifest, i), c);
            }
        }
        for (i, v) in inputs.values().iter().enumerate() {
            if let Some(c) = by_location(&v.location.file) {
                attribution.insert(ArtefactId::new(ArtefactKind::HelmValues, i), c);
            }
        }
        for (i, d) in inputs.dockerfiles().iter().enumerate() {
            if let Some(c) = by_location(&d.file) {
                attribution.insert(ArtefactId::new(ArtefactKind::Dockerfile, i), c);
            }
        }
        for (c, info) in self.components.iter().enumerate() {
            attribution.insert(ArtefactId::new(ArtefactKind::CatalogEntity, info.entity), c);
        }
        self.attribution = attribution;
    }

    fn component_joins(&mut self, inputs: &Inputs) {
        let n = self.components.len();
        self.component_workloads = vec![Vec::new(); n];
        self.component_values = vec![Vec::new(); n];
        self.component_labelled = vec![false; n];
        if n == 0 {
            return;
        }
        for &w in &self.workloads {
            if let Some(&c) = self.labelled_component.get(&w) {
                self.component_workloads[c].push(w);
            }
        }
        for i in 0..inputs.values().len() {
            if let Some(c) = self.component_for(ArtefactId::new(ArtefactKind::HelmValues, i)) {
                self.component_values[c].push(i);
            }
        }
        for &c in self.labelled_component.values() {
            self.component_labelled[c] = true;
        }
    }

    /// Whether the input defines ServiceAccount `name` in `namespace`.
    pub(super) fn has_service_account(&self, namespace: &str, name: &str) -> bool {
        self.service_accounts
            .get(namespace)
            .is_some_and(|names| names.contains_key(name))
    }

    /// Whether a ServiceAccount `name` of `namespace` in the input sets
    /// `automountServiceAccountToken: false`.
    pub(super) fn automount_off(&self, namespace: &str, name: &str) -> bool {
        self.service_accounts
            .get(namespace)
            .and_then(|names| names.get(name))
            .is_some_and(|&off| off)
    }

    /// The Component (index in `components`) an artefact belongs to.
    pub(super) fn component_for(&self, id: ArtefactId) -> Option<usize> {
        self.attribution.get(&id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(name: &str, labels: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {labels}}}\n  template:\n    metadata: {{labels: {labels}}}\n    spec: {{containers: [{{name: c, image: x:1}}]}}\n"
        )
    }

    #[test]
    fn pdbs_match_with_and_semantics_in_the_same_namespace() {
        let mut inputs = Inputs::new();
        inputs.add_source("a.yaml", deployment("a", "{app: a, tier: web}"));
        inputs.add_source("b.yaml", deployment("b", "{app: a, tier: worker}"));
        inputs.add_source(
            "pdb.yaml",
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: a}\n    matchExpressions: [{key: tier, operator: In, values: [web]}]\n",
        );
        inputs.add_source(
            "other-ns.yaml",
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: q, namespace: other}\nspec: {minAvailable: 1, selector: {matchLabels: {app: a}}}\n",
        );
        let index = Index::build(&inputs);
        assert_eq!(index.workload_pdbs.get(&0), Some(&vec![2]));
        assert_eq!(index.workload_pdbs.get(&1), None);
        assert_eq!(index.pdb_workloads.get(&3), Some(&vec![]));
    }

    #[test]
    fn components_join_by_label_selector_and_location() {
        let mut inputs = Inputs::new();
        inputs.add_source(
            "svc/catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  annotations: {backstage.io/kubernetes-label-selector: 'app=a'}\nspec: {type: service, lifecycle: production, owner: t}\n",
        );
        inputs.add_source("deploy/a.yaml", deployment("a", "{app: a}"));
        inputs.add_source("svc/deploy/b.yaml", deployment("b", "{app: b}"));
        inputs.add_source("svc/Dockerfile", "FROM alpine:3\n");
        let index = Index::build(&inputs);
        assert_eq!(index.labelled_component.get(&0), Some(&0));
        assert_eq!(index.labelled_component.get(&1), None);
        assert_eq!(
            index.component_for(ArtefactId::new(ArtefactKind::Manifest, 1)),
            Some(0)
        );
        assert_eq!(
            index.component_for(ArtefactId::new(ArtefactKind::Dockerfile, 0)),
            Some(0)
        );
    }
}
