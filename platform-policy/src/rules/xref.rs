//! `xref.*`: rules that join the catalog with manifests, values and
//! Dockerfiles. A Component owns the workloads labelled
//! `backstage.io/kubernetes-id: <id>` (or selected by its
//! `backstage.io/kubernetes-label-selector`), and the Dockerfiles, values
//! files and claims under its catalog file's directory.

use std::sync::Arc;

use platform_model::{EntityRef, Severity};
use serde_json::Value;

use super::docker::{final_user, user_part};
use super::support::{meta, rule};
use crate::dockerfile::Stage;
use crate::finding::{ArtefactId, ArtefactKind as A, Finding, ids};
use crate::inputs::DockerfileArtefact;
use crate::joins::{
    CatalogComponent, KUBERNETES_ID, KUBERNETES_SELECTOR, Origin, PodView, ReplicaFloor,
};
use crate::rule::{OptionKind, Profile, Rule, RuleContext, RuleOption};

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Profile::Restricted;
    use Severity::{Error, Warning};
    let all = &[A::CatalogEntity, A::Manifest, A::HelmValues, A::Dockerfile];
    vec![
        rule(meta("xref.prod-workload-without-pdb", "Production workloads have a PodDisruptionBudget", Error, &[A::CatalogEntity, A::Manifest, A::HelmValues], Restricted,
            "A Deployment or StatefulSet of a `lifecycle: production` Component (or its chart with `podDisruptionBudget.enabled` not true) needs a matching PodDisruptionBudget whatever its replica count; a single replica is reported by `xref.prod-single-replica`."), prod_without_pdb),
        rule(meta("xref.prod-single-replica", "Production workloads run at least two replicas", Error, &[A::CatalogEntity, A::Manifest, A::HelmValues], Restricted,
            "A production Component's workload with fewer than two replicas (`replicas`, `replicaCount`, or the HPA's `minReplicas`) goes down on every drain, rollout or crash."), prod_single_replica),
        rule(meta(ids::PROD_REQUIRES_RESTRICTED, "Production follows Pod Security Standards restricted", Error, &[A::CatalogEntity, A::Manifest, A::HelmValues], Restricted,
            "A severity ladder by lifecycle: for workloads of a production Component every failed PSS control (baseline or restricted) is an error; for an experimental Component only baseline failures stay errors and restricted ones become notes. It reports nothing itself; it adjusts the findings of the `k8s.*` security rules and says so in a note."), |_| Vec::new()),
        rule(meta("xref.pdb-vs-replicas-in-values", "Chart disruption budgets leave room to evict", Error, &[A::HelmValues], Restricted,
            "In Helm values, `podDisruptionBudget.minAvailable` at or above `replicaCount` (or `autoscaling.minReplicas` when autoscaling is on) renders a PDB that blocks every drain."), pdb_vs_replicas_in_values),
        rule(meta("xref.component-without-workload", "Components with a Kubernetes id have workloads", Warning, &[A::CatalogEntity], Restricted,
            "A Component annotated with `backstage.io/kubernetes-id` (or a label selector) whose id no manifest of the input carries shows an empty Kubernetes tab and escapes workload rules. Not judged when the input holds no manifests at all."), component_without_workload),
        rule(meta("xref.workload-without-component", "Workloads belong to a Component", Warning, &[A::Manifest], Restricted,
            "A Deployment, StatefulSet or DaemonSet that no Component claims (by `backstage.io/kubernetes-id` label or label selector) has no owner in the catalog. Only judged when the input has Components."), workload_without_component),
        rule(meta("xref.owner-mismatch", "Workload owners agree with the catalog", Warning, &[A::Manifest], Restricted,
            "An owner label or annotation on a workload (option `keys`, default `owner`, `team`, `backstage.io/owner`) that names another team than its Component's `spec.owner` sends pages to the wrong people.")
            .with_option(RuleOption::new("keys", OptionKind::StringList, "label/annotation keys that name the owner (default owner, team, backstage.io/owner)")), owner_mismatch),
        rule(meta("xref.non-numeric-user-vs-runasnonroot", "Named image users come with a numeric runAsUser", Error, all, Restricted,
            "When the Dockerfile's final USER is a name (`USER app`) and the workload sets `runAsNonRoot: true` without `runAsUser`, the kubelet cannot verify the user and the pod fails with CreateContainerConfigError (\"image has non-numeric user\"). Set `runAsUser` or use a numeric USER.").with_tag("security"), non_numeric_user),
        rule(meta("xref.healthcheck-not-probe", "Dockerfile health checks become probes", Warning, &[A::Dockerfile, A::Manifest], Restricted,
            "Kubernetes ignores a Dockerfile HEALTHCHECK; a workload whose image declares one but whose container has no probe loses the health checking the image author intended."), healthcheck_not_probe),
        rule(meta("xref.image-tag-drift", "Production images are pinned", Warning, &[A::Manifest, A::HelmValues], Restricted,
            "The image a production Component builds (same repository name as the Component) deployed with an empty tag (falling back to the chart's appVersion) or `latest` drifts from what was reviewed."), image_tag_drift),
    ]
}

fn prod_without_pdb(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    let mut out = Vec::new();
    for (c, info) in joins.production_components() {
        for w in cx.joins().component_workloads(c).iter().copied() {
            let m = &cx.inputs().manifests()[w];
            if !m.workload_kind().is_some_and(|k| k.is_replicated()) || !joins.pdbs_of(w).is_empty()
            {
                continue;
            }
            let mut f = cx.at_manifest(
                w,
                "/metadata/name",
                format!(
                    "{} `{}` of production {} has no PodDisruptionBudget",
                    m.kind, m.name, info.reference
                ),
            );
            if let Some(ReplicaFloor {
                count: floor,
                by_hpa: _,
            }) = cx.joins().replica_floor(w)
                && floor < 2
            {
                f = f.with_note(format!(
                    "it also runs only {floor} replica (xref.prod-single-replica)"
                ));
            }
            out.push(f);
        }
        let disabled = joins
            .component_values(c)
            .iter()
            .copied()
            .filter(|&v| !joins.values_pdb_enabled(v));
        out.extend(disabled.map(|v| {
            let message = format!(
                "the chart of production {} does not enable its PodDisruptionBudget",
                info.reference
            );
            cx.at_values(v, "/podDisruptionBudget/enabled", message)
        }));
    }
    out
}

fn prod_single_replica(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    let mut out = Vec::new();
    for (c, info) in joins.production_components() {
        for w in cx.joins().component_workloads(c).iter().copied() {
            let Some(ReplicaFloor {
                count: floor,
                by_hpa,
            }) = cx.joins().replica_floor(w)
            else {
                continue;
            };
            if floor >= 2 {
                continue;
            }
            let m = &cx.inputs().manifests()[w];
            if by_hpa {
                let hpa = joins.hpas_of(w).first().copied();
                if let Some(h) = hpa {
                    out.push(cx.at_manifest(
                        h,
                        cx.inputs().manifests()[h].autoscaler_min_pointer(),
                        format!(
                            "the autoscaler of production {} lets {} `{}` scale down to {floor} replica",
                            info.reference, m.kind, m.name
                        ),
                    ));
                }
            } else {
                out.push(cx.at_manifest(
                    w,
                    "/spec/replicas",
                    format!(
                        "{} `{}` of production {} runs {floor} replica",
                        m.kind, m.name, info.reference
                    ),
                ));
            }
        }
        for v in joins.component_values(c).iter().copied() {
            if let Some(ReplicaFloor { count: n, by_hpa }) = joins.values_replica_floor(v)
                && n < 2
            {
                let ptr = if by_hpa {
                    "/autoscaling/minReplicas"
                } else {
                    "/replicaCount"
                };
                let message = format!(
                    "the chart of production {} runs {n} replica",
                    info.reference
                );
                out.push(cx.at_values(v, ptr, message));
            }
        }
    }
    out
}

fn pdb_vs_replicas_in_values(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    let mut out = Vec::new();
    for pdb in joins.pdbs() {
        let Origin::Values(i) = pdb.origin() else {
            continue;
        };
        let (Some(min), Some(floor)) = (
            pdb.min_available().and_then(Value::as_i64),
            joins.values_replica_floor(i),
        ) else {
            continue;
        };
        let what = if floor.by_hpa {
            "autoscaling.minReplicas"
        } else {
            "replicaCount"
        };
        let n = floor.count;
        if min >= n {
            out.push(cx.at_values(i, &pdb.pointer("minAvailable"), format!("`minAvailable: {min}` is not below `{what}: {n}`: the PodDisruptionBudget blocks every drain")));
        }
    }
    out
}

fn component_without_workload(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    if cx.inputs().manifests().is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (c, info) in joins.components().iter().enumerate() {
        if info.kubernetes_id.is_none() && info.selector.is_none() {
            continue;
        }
        if joins.component_is_labelled(c) {
            continue;
        }
        let (key, value) = match (&info.selector, &info.kubernetes_id) {
            (Some(_), _) => (KUBERNETES_SELECTOR, "its label selector"),
            (None, _) => (KUBERNETES_ID, "its kubernetes-id"),
        };
        let mut ptr = "/metadata/annotations".to_owned();
        platform_model::yaml::push_pointer_token(&mut ptr, key);
        out.push(cx.at_entity(
            info.entity,
            &ptr,
            format!(
                "no manifest of the input matches {value} (`{}`)",
                info.kubernetes_id.as_deref().unwrap_or(key)
            ),
        ));
    }
    out
}

fn workload_without_component(cx: &RuleContext<'_>) -> Vec<Finding> {
    use crate::inputs::WorkloadKind as W;
    let joins = cx.joins();
    if joins.components().is_empty() {
        return Vec::new();
    }
    cx.workloads()
        .filter(|(i, m)| {
            matches!(
                m.workload_kind(),
                Some(W::Deployment | W::StatefulSet | W::DaemonSet)
            ) && joins.labelled_component(*i).is_none()
        })
        .map(|(i, m)| {
            cx.at_manifest(
                i,
                "/metadata/labels",
                format!(
                    "{} `{}` belongs to no Component: add the label `{KUBERNETES_ID}: <component>`",
                    m.kind, m.name
                ),
            )
        })
        .collect()
}

fn owner_mismatch(cx: &RuleContext<'_>) -> Vec<Finding> {
    let keys = cx
        .option_strings("keys")
        .unwrap_or_else(|| vec!["owner".into(), "team".into(), "backstage.io/owner".into()]);
    let joins = cx.joins();
    let mut out = Vec::new();
    for (w, m) in cx.workloads() {
        let Some(c) = joins.labelled_component(w) else {
            continue;
        };
        let Some(entity) = cx.inputs().entities().get(joins.components()[c].entity) else {
            continue;
        };
        let Some(owner) = entity.spec_str("owner") else {
            continue;
        };
        let Ok(owner_ref) = EntityRef::parse_with(
            owner,
            Some("group"),
            entity.entity.metadata.namespace_or_default(),
        ) else {
            continue;
        };
        for key in &keys {
            for (section, map) in [("labels", m.labels()), ("annotations", m.annotations())] {
                let Some(value) = map.and_then(|l| l.get(key)).and_then(Value::as_str) else {
                    continue;
                };
                let same = value.eq_ignore_ascii_case(owner_ref.name())
                    || EntityRef::parse_with(value, Some("group"), owner_ref.namespace())
                        .is_ok_and(|r| r == owner_ref);
                if !same {
                    let mut ptr = format!("/metadata/{section}");
                    platform_model::yaml::push_pointer_token(&mut ptr, key);
                    out.push(cx.at_manifest(
                        w,
                        &ptr,
                        format!(
                            "`{key}: {value}` disagrees with the owner `{owner}` of {}",
                            joins.components()[c].reference
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// Main containers of `pod` that run the image of component `info` (by
/// repository name), or the only container.
fn component_containers<'p>(
    pod: &'p PodView<'_>,
    info: &CatalogComponent,
) -> Vec<&'p crate::joins::ContainerView> {
    let main: Vec<_> = pod.main_containers().collect();
    if pod.is_values() || main.len() == 1 {
        return main;
    }
    main.into_iter()
        .filter(|c| {
            pod.image(c).is_some_and(|i| {
                i.short_name() == info.name || Some(i.short_name()) == info.kubernetes_id.as_deref()
            })
        })
        .collect()
}

/// Whether a pod belongs to component `c` for the Dockerfile joins:
/// workloads by label or selector, values files by location.
fn runs_component(cx: &RuleContext<'_>, pod: &PodView<'_>, c: usize) -> bool {
    let joins = cx.joins();
    match pod.origin {
        Origin::Manifest(i) => joins.labelled_component(i) == Some(c),
        Origin::Values(_) => joins.component_of(owner_id(pod)) == Some(c),
    }
}

fn owner_id(pod: &PodView<'_>) -> ArtefactId {
    match pod.origin {
        Origin::Manifest(i) => ArtefactId::new(A::Manifest, i),
        Origin::Values(i) => ArtefactId::new(A::HelmValues, i),
    }
}

/// The Dockerfiles that belong to a catalog Component and have a final
/// stage: each with its Component (index and entry) and that stage.
fn component_dockerfiles<'a>(
    cx: &'a RuleContext<'_>,
) -> impl Iterator<
    Item = (
        &'a DockerfileArtefact,
        usize,
        &'a CatalogComponent,
        &'a Stage,
    ),
> + 'a {
    let joins = cx.joins();
    cx.inputs()
        .dockerfiles()
        .iter()
        .enumerate()
        .filter_map(move |(d, df)| {
            let c = joins.component_of(ArtefactId::new(A::Dockerfile, d))?;
            let last = df.dockerfile.final_stage()?;
            Some((df, c, &joins.components()[c], last))
        })
}

fn non_numeric_user(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (df, c, info, last) in component_dockerfiles(cx) {
        let Some((_, user)) = final_user(&df.dockerfile, last) else {
            continue;
        };
        let name = user_part(&user);
        if name.is_empty() || name.chars().all(|ch| ch.is_ascii_digit()) || name == "root" {
            continue;
        }
        for pod in cx.joins().pods(true).filter(|p| runs_component(cx, p, c)) {
            for container in component_containers(pod, info) {
                let (non_root, level) = pod.effective(container, "runAsNonRoot");
                let (uid, _) = pod.effective(container, "runAsUser");
                if non_root.and_then(Value::as_bool) == Some(true) && uid.is_none() {
                    out.push(
                        cx.at(pod.origin, &pod.sc_field(container, level, "runAsNonRoot"), format!("{} sets `runAsNonRoot: true` without `runAsUser`, but the image's USER `{user}` ({}) is not numeric: the kubelet will refuse to start it", PodView::label(container), df.file))
                            .with_label("add `runAsUser: <uid>`"),
                    );
                }
            }
        }
    }
    out
}

fn healthcheck_not_probe(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (df, c, info, last) in component_dockerfiles(cx) {
        let has_healthcheck = df
            .dockerfile
            .stage_instructions(last)
            .any(|i| i.keyword == "HEALTHCHECK" && !i.text().trim().eq_ignore_ascii_case("NONE"));
        if !has_healthcheck {
            continue;
        }
        for pod in cx.joins().pods(false).filter(|p| runs_component(cx, p, c)) {
            if !pod.kind.is_some_and(|k| k.is_long_running()) {
                continue;
            }
            for container in component_containers(pod, info) {
                let probed = ["livenessProbe", "readinessProbe", "startupProbe"]
                    .iter()
                    .any(|p| pod.container_get(container, p).is_some());
                if !probed {
                    out.push(cx.at(pod.origin, &container.ptr, format!("{} has no probe although its image ({}) declares a HEALTHCHECK, which Kubernetes ignores", PodView::label(container), df.file)));
                }
            }
        }
    }
    out
}

fn image_tag_drift(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    let mut out = Vec::new();
    for pod in cx.joins().image_pods() {
        let Some(c) = joins.component_of(owner_id(pod)) else {
            continue;
        };
        let info = &joins.components()[c];
        if !info.is_production() {
            continue;
        }
        for container in component_containers(pod, info) {
            let Some(image) = pod.image(container) else {
                continue;
            };
            let ours = pod.is_values_top()
                || image.short_name() == info.name
                || Some(image.short_name()) == info.kubernetes_id.as_deref();
            if !ours || image.digest.is_some() {
                continue;
            }
            let problem = match image.tag.as_deref() {
                None | Some("") if pod.is_values() => {
                    "an empty tag (it falls back to the chart's appVersion)"
                }
                None | Some("") => "no tag",
                Some("latest") => "the `latest` tag",
                Some(_) => continue,
            };
            let ptr = pod.image_pointer(container);
            out.push(cx.at(
                pod.origin,
                &ptr,
                format!(
                    "production {} deploys its image `{}` with {problem}",
                    info.reference,
                    image.full_name()
                ),
            ));
        }
    }
    out
}
