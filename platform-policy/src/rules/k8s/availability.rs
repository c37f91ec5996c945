//! Availability of replicated workloads: at least two replicas, spread
//! across nodes.

use serde_json::{Map, Value};

use super::read::is_true;
use crate::finding::Finding;
use crate::inputs::get;
use crate::joins::ReplicaFloor;
use crate::rule::RuleContext;
use crate::selector::LabelSelector;

pub(super) fn replicas_min(cx: &RuleContext<'_>) -> Vec<Finding> {
    let least = cx.option_i64("min_replicas").unwrap_or(2);
    let mut out = Vec::new();
    let manifests = cx.inputs().manifests();
    for (i, m) in cx.workloads() {
        if !m.workload_kind().is_some_and(|k| k.is_replicated()) {
            continue;
        }
        let scalers = cx.joins().hpas_of(i);
        if !scalers.is_empty() {
            // HPAs are judged by `hpa.min-replicas`; a KEDA ScaledObject
            // (which scales to zero unless told otherwise) is judged here.
            for &s in scalers {
                let Some(scaler) = manifests.get(s) else {
                    continue;
                };
                if !scaler.is("keda.sh", "ScaledObject") {
                    continue;
                }
                let min = scaler.autoscaler_min_replicas().unwrap_or(0);
                if min < least {
                    out.push(cx.at_manifest(
                        s,
                        scaler.autoscaler_min_pointer(),
                        format!(
                            "ScaledObject `{}` lets {} `{}` scale down to {min} replica{}",
                            scaler.name,
                            m.kind,
                            m.name,
                            if min == 1 { "" } else { "s" }
                        ),
                    ));
                }
            }
            continue;
        }
        let replicas = m.replicas().unwrap_or(1);
        if replicas < least {
            out.push(cx.at_manifest(
                i,
                "/spec/replicas",
                format!(
                    "{} runs {replicas} replica{}",
                    m.kind,
                    if replicas == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    for (i, v) in cx.inputs().values().iter().enumerate() {
        if is_true(v.get("/autoscaling/enabled")) {
            continue;
        }
        if let Some(n) = v.get("/replicaCount").and_then(Value::as_i64)
            && n < least
        {
            out.push(cx.at_values(
                i,
                "/replicaCount",
                format!(
                    "the chart runs {n} replica{} and autoscaling is off",
                    if n == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    out
}

pub(super) fn anti_affinity(cx: &RuleContext<'_>) -> Vec<Finding> {
    let threshold = cx.option_i64("min_replicas").unwrap_or(2).max(2);
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        let Some(ReplicaFloor {
            count: floor,
            by_hpa: _,
        }) = cx.joins().replica_floor(i)
        else {
            continue;
        };
        if floor < threshold {
            continue;
        }
        let pod = m.workload_kind().map_or("/spec", |k| k.pod_spec_pointer());
        let constraints = m
            .get(&format!("{pod}/topologySpreadConstraints"))
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty());
        let anti = m.get(&format!("{pod}/affinity/podAntiAffinity"));
        if constraints.is_none() && anti.is_none() {
            out.push(cx.at_manifest(i, &format!("{pod}/affinity"), format!("{floor} replicas without podAntiAffinity or topologySpreadConstraints may all land on one node")));
            continue;
        }
        // Spreading only works when a term selects the workload's own pods.
        let empty = Map::new();
        let labels = m.pod_labels().unwrap_or(&empty);
        let ns = m.namespace_or_default();
        let spreads = constraints
            .into_iter()
            .flatten()
            .any(|t| selects_own(t, labels, ns));
        let repels = anti.is_some_and(|a| {
            let required = get(a, "requiredDuringSchedulingIgnoredDuringExecution")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            let preferred = get(a, "preferredDuringSchedulingIgnoredDuringExecution")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| get(p, "podAffinityTerm"));
            required
                .chain(preferred)
                .any(|t| selects_own(t, labels, ns))
        });
        if !spreads && !repels {
            let at = if anti.is_some() {
                format!("{pod}/affinity/podAntiAffinity")
            } else {
                format!("{pod}/topologySpreadConstraints")
            };
            out.push(cx.at_manifest(i, &at, format!("{floor} replicas may all land on one node: no anti-affinity term or spread constraint selects this workload's own pods")));
        }
    }
    out
}

/// Whether an anti-affinity term or spread constraint selects the pods of
/// the workload itself: its `labelSelector` (a missing one selects
/// nothing) matches the pod labels, and its `namespaces`, when listed
/// without a `namespaceSelector`, include the workload's.
fn selects_own(term: &Value, labels: &Map<String, Value>, namespace: &str) -> bool {
    let Some(selector) = get(term, "labelSelector") else {
        return false;
    };
    let Ok(selector) = LabelSelector::from_value(selector) else {
        return false;
    };
    if !selector.matches(labels) {
        return false;
    }
    let namespaces = get(term, "namespaces").and_then(Value::as_array);
    match namespaces {
        Some(list) if !list.is_empty() && get(term, "namespaceSelector").is_none() => {
            list.iter().any(|n| n.as_str() == Some(namespace))
        }
        _ => true,
    }
}
