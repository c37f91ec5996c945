//! Network isolation: long-running pods selected by a NetworkPolicy.

use crate::finding::Finding;
use crate::rule::RuleContext;

pub(super) fn network_policy(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    cx.workloads()
        .filter(|(i, m)| {
            m.workload_kind().is_some_and(|k| k.is_long_running()) && !joins.is_netpol_covered(*i)
        })
        .map(|(i, m)| {
            let ptr = m
                .workload_kind()
                .map_or("/metadata", |k| k.pod_metadata_pointer());
            cx.at_manifest(
                i,
                &format!("{ptr}/labels"),
                "no NetworkPolicy in the input selects these pods",
            )
        })
        .collect()
}
