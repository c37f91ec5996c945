//! `pdb.*` and `hpa.*`: disruption budgets and autoscalers, checked against
//! the workloads they select.

use std::sync::Arc;

use platform_model::Severity;
use serde_json::Value;

use super::support::{meta, rule};
use crate::finding::{ArtefactKind as A, Finding};
use crate::joins::{Origin, ReplicaFloor};
use crate::rule::{OptionKind, Profile, Rule, RuleContext, RuleOption};

pub(super) fn rules() -> Vec<Arc<dyn Rule>> {
    use Profile::{Baseline, Restricted};
    use Severity::{Error, Info, Warning};
    let both = &[A::Manifest, A::HelmValues];
    let manifests = &[A::Manifest];
    vec![
        rule(
            meta(
                "pdb.required",
                "Replicated workloads have a PodDisruptionBudget",
                Warning,
                both,
                Restricted,
                "A Deployment or StatefulSet with two or more replicas (or an HPA minimum of two or more) needs a PodDisruptionBudget in its namespace whose selector (all of matchLabels and matchExpressions) matches its pods; otherwise a node drain may evict every replica at once. For Helm values: `podDisruptionBudget.enabled: true`. The default threshold is two because a single replica cannot be protected by a budget without blocking drains (`xref.prod-single-replica` reports those); raise it with `min_replicas`.",
            )
            .with_option(RuleOption::new("min_replicas", OptionKind::Integer, "the replica count (or HPA minimum) from which a budget is required (default 2)")),
            pdb_required,
        ),
        rule(
            meta(
                "pdb.allows-eviction",
                "Disruption budgets allow evictions",
                Error,
                both,
                Baseline,
                "`maxUnavailable: 0`, `minAvailable: 100%`, or a `minAvailable` at or above the replica count (or the HPA minimum) blocks every voluntary eviction: node drains and cluster upgrades hang.",
            ),
            pdb_allows_eviction,
        ),
        rule(
            meta(
                "pdb.has-policy",
                "Disruption budgets set exactly one policy",
                Error,
                both,
                Baseline,
                "A PodDisruptionBudget sets exactly one of `minAvailable` and `maxUnavailable`; the API server rejects both, and none protects nothing.",
            ),
            pdb_has_policy,
        ),
        rule(
            meta(
                "pdb.selects-something",
                "Disruption budgets select pods",
                Warning,
                manifests,
                Restricted,
                "A PodDisruptionBudget whose selector matches no workload of the input protects nothing; it usually has stale labels.",
            ),
            pdb_selects_something,
        ),
        rule(
            meta(
                "pdb.unhealthy-eviction-policy",
                "Disruption budgets let unhealthy pods be evicted",
                Info,
                manifests,
                Restricted,
                "`unhealthyPodEvictionPolicy: AlwaysAllow` lets drains evict pods that are not ready anyway, so a crash-looping pod cannot block a node upgrade.",
            ),
            pdb_unhealthy,
        ),
        rule(
            meta(
                "hpa.target-exists",
                "Autoscalers target an existing workload",
                Error,
                manifests,
                Baseline,
                "An HorizontalPodAutoscaler whose `scaleTargetRef` names no workload of the input scales nothing.",
            ),
            hpa_target_exists,
        ),
        rule(
            meta(
                "hpa.min-replicas",
                "Autoscalers keep at least two replicas",
                Warning,
                both,
                Restricted,
                "`minReplicas` below 2 lets the autoscaler scale down to a single pod, which every drain or crash takes down.",
            ),
            hpa_min_replicas,
        ),
        rule(
            meta(
                "hpa.max-gt-min",
                "Autoscalers can scale",
                Warning,
                both,
                Baseline,
                "`maxReplicas` at or below `minReplicas` leaves the autoscaler nothing to do.",
            ),
            hpa_max_gt_min,
        ),
        rule(
            meta(
                "hpa.no-static-replicas",
                "Autoscaled workloads do not pin replicas",
                Info,
                manifests,
                Restricted,
                "A workload targeted by an HPA that also sets `spec.replicas` is scaled back to that number on every apply, fighting the autoscaler. Helm values are not judged: the chart drops `replicas` when autoscaling is on.",
            ),
            hpa_no_static_replicas,
        ),
    ]
}

fn pdb_required(cx: &RuleContext<'_>) -> Vec<Finding> {
    let threshold = cx.option_i64("min_replicas").unwrap_or(2).max(2);
    let joins = cx.joins();
    let mut out = Vec::new();
    for (i, m) in joins.workloads() {
        let Some(ReplicaFloor {
            count: floor,
            by_hpa,
        }) = joins.replica_floor(i)
        else {
            continue;
        };
        if floor < threshold || !joins.pdbs_of(i).is_empty() {
            continue;
        }
        let why = if by_hpa {
            format!("its HPA keeps at least {floor} replicas")
        } else {
            format!("it runs {floor} replicas")
        };
        out.push(cx.at_manifest(
            i,
            "/metadata/name",
            format!(
                "{} `{}` has no PodDisruptionBudget selecting its pods, although {why}",
                m.kind, m.name
            ),
        ));
    }
    for i in 0..cx.inputs().values().len() {
        let Some(ReplicaFloor {
            count: replicas, ..
        }) = joins.values_replica_floor(i)
        else {
            continue;
        };
        if replicas >= threshold && !joins.values_pdb_enabled(i) {
            out.push(cx.at_values(
                i,
                "/podDisruptionBudget/enabled",
                format!(
                    "the chart runs {replicas} replicas without `podDisruptionBudget.enabled: true`"
                ),
            ));
        }
    }
    out
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_i64() == Some(0),
        Value::String(s) => s.trim_end_matches('%').trim() == "0",
        _ => false,
    }
}

/// A percentage of 100 % or more (`150%` keeps every pod as well).
fn is_full(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.trim().strip_suffix('%').and_then(|n| n.trim().parse::<f64>().ok()).is_some_and(|n| n >= 100.0))
}

fn pdb_allows_eviction(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    let mut out = Vec::new();
    for pdb in joins.pdbs() {
        let origin = pdb.origin();
        if let Some(v) = pdb.max_unavailable().filter(|v| is_zero(v)) {
            out.push(cx.at(
                origin,
                &pdb.pointer("maxUnavailable"),
                format!("`maxUnavailable: {v}` blocks every eviction"),
            ));
        }
        let Some(min) = pdb.min_available() else {
            continue;
        };
        if is_full(min) {
            out.push(cx.at(
                origin,
                &pdb.pointer("minAvailable"),
                format!(
                    "`minAvailable: {}` blocks every eviction",
                    min.as_str().unwrap_or("100%").trim()
                ),
            ));
            continue;
        }
        // Helm values are compared with their replicas by
        // `xref.pdb-vs-replicas-in-values`; manifests with what they select.
        // A percentage is of the replicas, rounded up as the disruption
        // controller rounds it.
        let percent = min
            .as_str()
            .and_then(|s| s.trim().strip_suffix('%'))
            .and_then(|n| n.trim().parse::<i64>().ok());
        let Some(p) = origin.manifest() else {
            continue;
        };
        if min.as_i64().is_none() && percent.is_none() {
            continue;
        }
        let written = match min {
            Value::String(s) => s.trim().to_owned(),
            other => other.to_string(),
        };
        let min = min.clone();
        let min = &min;
        for &w in joins.workloads_of_pdb(p) {
            let Some(ReplicaFloor {
                count: floor,
                by_hpa,
            }) = joins.replica_floor(w)
            else {
                continue;
            };
            let Some(wm) = cx.inputs().manifests().get(w) else {
                continue;
            };
            let min = match (min.as_i64(), percent) {
                (Some(n), _) => n,
                (None, Some(pct)) => (pct.saturating_mul(floor) + 99) / 100,
                (None, None) => continue,
            };
            let pods = if percent.is_some() {
                format!(" ({min} pods)")
            } else {
                String::new()
            };
            if min >= floor {
                let what = if by_hpa {
                    "HPA minReplicas"
                } else {
                    "replicas"
                };
                out.push(cx.at_manifest(
                    p,
                    "/spec/minAvailable",
                    format!("`minAvailable: {written}`{pods} is not below the {what} ({floor}) of {} `{}`: no pod can be evicted", wm.kind, wm.name),
                ));
            }
        }
    }
    out
}

fn pdb_has_policy(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pdb in cx.joins().pdbs() {
        let min = pdb.min_available().is_some();
        let problem = match (min, pdb.max_unavailable().is_some()) {
            (true, true) => "sets both `minAvailable` and `maxUnavailable`; set exactly one",
            (false, false) => "sets neither `minAvailable` nor `maxUnavailable`",
            _ => continue,
        };
        let finding = match pdb.origin() {
            Origin::Values(i) => {
                cx.at_values(i, pdb.base(), format!("`podDisruptionBudget` {problem}"))
            }
            origin => {
                let ptr = if min {
                    pdb.pointer("minAvailable")
                } else {
                    pdb.base().to_owned()
                };
                cx.at(origin, &ptr, format!("the PodDisruptionBudget {problem}"))
            }
        };
        out.push(finding);
    }
    out
}

fn pdb_selects_something(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    if joins.workload_indices().is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for &p in joins.pdb_indices() {
        match joins.pdb_selector(p) {
            Some(Err(e)) => out.push(cx.at_manifest(p, "/spec/selector", e)),
            Some(Ok(_)) if joins.workloads_of_pdb(p).is_empty() => {
                out.push(cx.at_manifest(
                    p,
                    "/spec/selector",
                    "the selector matches no workload's pods in this namespace",
                ));
            }
            _ => {}
        }
    }
    out
}

fn pdb_unhealthy(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for &p in cx.joins().pdb_indices() {
        let Some(m) = cx.inputs().manifests().get(p) else {
            continue;
        };
        match m.get("/spec/unhealthyPodEvictionPolicy").and_then(Value::as_str) {
            Some("AlwaysAllow") => {}
            Some(other) => out.push(cx.at_manifest(p, "/spec/unhealthyPodEvictionPolicy", format!("`unhealthyPodEvictionPolicy: {other}` lets unready pods block drains; use AlwaysAllow"))),
            None => out.push(cx.at_manifest(p, "/spec/unhealthyPodEvictionPolicy", "`unhealthyPodEvictionPolicy` is not set; AlwaysAllow lets drains evict unready pods")),
        }
    }
    out
}

fn hpa_target_exists(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    if joins.workload_indices().is_empty() {
        return Vec::new();
    }
    joins
        .hpa_indices()
        .iter()
        .filter(|h| joins.hpa_target(**h).is_none())
        .filter_map(|&h| {
            let m = cx.inputs().manifests().get(h)?;
            let kind = m.get("/spec/scaleTargetRef/kind").and_then(Value::as_str).unwrap_or("?");
            let name = m.get("/spec/scaleTargetRef/name").and_then(Value::as_str).unwrap_or("?");
            Some(cx.at_manifest(h, "/spec/scaleTargetRef", format!("`scaleTargetRef` names {kind} `{name}`, which is not in the input (namespace `{}`)", m.namespace_or_default())))
        })
        .collect()
}

fn hpa_min_replicas(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for hpa in cx.joins().hpas() {
        let min = hpa.min_replicas();
        if min >= 2 {
            continue;
        }
        // Only a manifest's missing `minReplicas` falls back to the
        // Kubernetes default; a chart's default is the chart's business.
        let default = if hpa.min_replicas_written().is_none() && !hpa.origin().is_values() {
            " (the default)"
        } else {
            ""
        };
        out.push(cx.at(
            hpa.origin(),
            &hpa.pointer("minReplicas"),
            format!("`{}` is {min}{default}", hpa.display("minReplicas")),
        ));
    }
    out
}

fn hpa_max_gt_min(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for hpa in cx.joins().hpas() {
        let min = hpa.min_replicas();
        if let Some(max) = hpa.max_replicas()
            && max <= min
        {
            out.push(cx.at(
                hpa.origin(),
                &hpa.pointer("maxReplicas"),
                format!(
                    "`{}` ({max}) is not above `minReplicas` ({min})",
                    hpa.display("maxReplicas")
                ),
            ));
        }
    }
    out
}

fn hpa_no_static_replicas(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    let mut out = Vec::new();
    for (w, hpas) in joins
        .workload_indices()
        .iter()
        .map(|&w| (w, joins.hpas_of(w)))
        .filter(|(_, h)| !h.is_empty())
    {
        let Some(m) = cx.inputs().manifests().get(w) else {
            continue;
        };
        if let Some(r) = m.replicas() {
            let hpa = hpas
                .first()
                .and_then(|h| cx.inputs().manifests().get(*h))
                .map_or("an HPA", |h| h.name.as_str());
            out.push(cx.at_manifest(
                w,
                "/spec/replicas",
                format!(
                    "`replicas: {r}` is pinned although HPA `{hpa}` scales this {}",
                    m.kind
                ),
            ));
        }
    }
    out
}
