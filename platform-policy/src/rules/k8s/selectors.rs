//! Workload selectors that must match their pod template.

use crate::finding::Finding;
use crate::rule::RuleContext;
use crate::selector::LabelSelector;

pub(super) fn selector_match(cx: &RuleContext<'_>) -> Vec<Finding> {
    use crate::inputs::WorkloadKind as W;
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        if !matches!(
            m.workload_kind(),
            Some(W::Deployment | W::StatefulSet | W::DaemonSet | W::ReplicaSet)
        ) {
            continue;
        }
        let Some(sel) = m.get("/spec/selector") else {
            out.push(cx.at_manifest(
                i,
                "/spec/selector",
                format!("{} has no `spec.selector`", m.kind),
            ));
            continue;
        };
        match LabelSelector::from_value(sel) {
            Err(e) => out.push(cx.at_manifest(i, "/spec/selector", e)),
            Ok(s) if s.is_empty() => {
                out.push(cx.at_manifest(i, "/spec/selector", "the selector is empty"))
            }
            Ok(s) => {
                let empty = serde_json::Map::new();
                if !s.matches(m.pod_labels().unwrap_or(&empty)) {
                    out.push(cx.at_manifest(
                        i,
                        "/spec/selector",
                        "the selector does not match the pod template's labels",
                    ));
                }
            }
        }
    }
    out
}
