//! Network isolation: workload pods (Jobs' and CronJobs' too, unless the
//! option `batch` is false) selected by a NetworkPolicy, restricting the
//! directions the option `directions` requires.

use crate::finding::Finding;
use crate::rule::RuleContext;

pub(super) fn network_policy(cx: &RuleContext<'_>) -> Vec<Finding> {
    let joins = cx.joins();
    // A Job's pods reach and are reachable like any other pod.
    let batch = cx.option_bool("batch").unwrap_or(true);
    let directions = cx.option_strings("directions").unwrap_or_default();
    let want_ingress = directions.iter().any(|d| d.eq_ignore_ascii_case("ingress"));
    let want_egress = directions.iter().any(|d| d.eq_ignore_ascii_case("egress"));
    let mut out = Vec::new();
    for (i, m) in cx.workloads() {
        if !m
            .workload_kind()
            .is_some_and(|k| batch || k.is_long_running())
        {
            continue;
        }
        let ptr = m
            .workload_kind()
            .map_or("/metadata", |k| k.pod_metadata_pointer());
        let at = format!("{ptr}/labels");
        if !joins.is_netpol_covered(i) {
            out.push(cx.at_manifest(i, &at, "no NetworkPolicy in the input selects these pods"));
            continue;
        }
        let (ingress, egress) = joins.netpol_directions(i);
        let mut missing = Vec::new();
        if want_ingress && !ingress {
            missing.push("Ingress");
        }
        if want_egress && !egress {
            missing.push("Egress");
        }
        if !missing.is_empty() {
            out.push(cx.at_manifest(
                i,
                &at,
                format!(
                    "no NetworkPolicy selecting these pods restricts {}",
                    missing.join(" or ")
                ),
            ));
        }
    }
    out
}
