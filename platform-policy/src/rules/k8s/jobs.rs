//! Jobs that are cleaned up and CronJobs with a starting deadline.

use crate::finding::Finding;
use crate::rule::RuleContext;

pub(super) fn job_ttl(cx: &RuleContext<'_>) -> Vec<Finding> {
    use crate::inputs::WorkloadKind as W;
    cx.workloads()
        .filter_map(|(i, m)| {
            let (ptr, message) = match m.workload_kind()? {
                W::Job => (
                    "/spec/ttlSecondsAfterFinished",
                    "the Job sets no `ttlSecondsAfterFinished`; finished Jobs and their pods stay forever",
                ),
                W::CronJob => (
                    "/spec/startingDeadlineSeconds",
                    "the CronJob sets no `startingDeadlineSeconds`",
                ),
                _ => return None,
            };
            m.get(ptr).is_none().then(|| cx.at_manifest(i, ptr, message))
        })
        .collect()
}
