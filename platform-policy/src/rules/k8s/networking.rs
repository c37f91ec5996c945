//! Network isolation: workload pods (Jobs' and CronJobs' too, unless the
//! option `batch` is false) selected by a NetworkPolicy.

use crate::finding::Finding;
use crate::rule::RuleContext;

pub(super) fn network_policy(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    // A Job's pods reach and are reachable like any other pod.
    let batch = cx.option_bool("batch").unwrap_or(true);
    cx.workloads()
        .filter(|(i, m)| {
            m.workload_kind()
                .is_some_and(|k| batch || k.is_long_running())
                && !joins.is_netpol_covered(*i)
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
