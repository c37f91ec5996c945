//! What confines a running container: a seccomp profile and a read-only
//! root filesystem.

use platform_model::Severity;
use serde_json::Value;

use super::read::is_true;
use crate::finding::{Finding, PssLevel};
use crate::joins::{ContainerList, PodView, ScLevel};
use crate::rule::{Profile, RuleContext};

pub(super) fn seccomp(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        let pod_type = pod
            .pod_sc_get("seccompProfile/type")
            .and_then(Value::as_str);
        if pod_type == Some("Unconfined") {
            out.push(
                cx.at(
                    pod.origin,
                    &format!("{}/seccompProfile/type", pod.pod_sc),
                    "the pod's seccomp profile is `Unconfined`",
                )
                .with_severity(cx.severity_or(Severity::Error))
                .with_pss(PssLevel::Baseline),
            );
        }
        for c in &pod.containers {
            let ptr = || pod.sc_field(c, ScLevel::Container, "seccompProfile/type");
            match pod.sc_get(c, "seccompProfile/type").and_then(Value::as_str) {
                Some("Unconfined") => out.push(
                    cx.at(pod.origin, &ptr(), format!("{}'s seccomp profile is `Unconfined`", PodView::label(c)))
                        .with_severity(cx.severity_or(Severity::Error))
                        .with_pss(PssLevel::Baseline),
                ),
                Some(_) => {}
                None if matches!(pod_type, Some("RuntimeDefault" | "Localhost")) || pod.is_windows() => {}
                None if cx.profile() == Profile::Baseline || pod_type.is_some() => {}
                None => out.push(
                    cx.at(pod.origin, &ptr(), format!("no seccomp profile for {}: set `seccompProfile: {{type: RuntimeDefault}}` on the pod or the container", PodView::label(c)))
                        .with_pss(PssLevel::Restricted),
                ),
            }
        }
    }
    out
}

pub(super) fn read_only_root_fs(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        // The API server refuses `readOnlyRootFilesystem` in Windows pods.
        if pod.is_windows() {
            continue;
        }
        for c in pod
            .containers
            .iter()
            .filter(|c| c.list != ContainerList::Ephemeral)
        {
            if !is_true(pod.sc_get(c, "readOnlyRootFilesystem")) {
                out.push(cx.at(
                    pod.origin,
                    &pod.sc_field(c, ScLevel::Container, "readOnlyRootFilesystem"),
                    format!("{} has a writable root filesystem", PodView::label(c)),
                ));
            }
        }
    }
    out
}
