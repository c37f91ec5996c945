//! Availability of replicated workloads: at least two replicas, spread
//! across nodes.

use serde_json::Value;

use super::read::is_true;
use crate::finding::Finding;
use crate::joins::ReplicaFloor;
use crate::rule::RuleContext;

pub(super) fn replicas_min(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        if !m.workload_kind().is_some_and(|k| k.is_replicated())
            || !cx.joins().hpas_of(i).is_empty()
        {
            continue;
        }
        let replicas = m.replicas().unwrap_or(1);
        if replicas < 2 {
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
            && n < 2
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
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        let Some(ReplicaFloor {
            count: floor,
            by_hpa: _,
        }) = cx.joins().replica_floor(i)
        else {
            continue;
        };
        if floor < 2 {
            continue;
        }
        let pod = m.workload_kind().map_or("/spec", |k| k.pod_spec_pointer());
        let spread = m
            .get(&format!("{pod}/topologySpreadConstraints"))
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let anti = m.get(&format!("{pod}/affinity/podAntiAffinity")).is_some();
        if !spread && !anti {
            out.push(cx.at_manifest(i, &format!("{pod}/affinity"), format!("{floor} replicas without podAntiAffinity or topologySpreadConstraints may all land on one node")));
        }
    }
    out
}
