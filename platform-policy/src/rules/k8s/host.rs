//! Host access (PSS baseline): host namespaces, hostPath volumes and host
//! ports.

use serde_json::Value;

use super::read::{is_true, volume_pointer, volumes};
use crate::finding::{Finding, PssLevel};
use crate::inputs::{field, get};
use crate::joins::PodView;
use crate::rule::RuleContext;

const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr", "/var/run", "/run",
];

pub(super) fn host_namespaces(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for field in ["hostNetwork", "hostPID", "hostIPC"] {
            if is_true(pod.pod_get(field)) {
                out.push(
                    cx.at(
                        pod.origin,
                        &pod.pod_field(field),
                        format!("the pod sets `{field}: true`"),
                    )
                    .with_pss(PssLevel::Baseline),
                );
            }
        }
    }
    out
}

pub(super) fn host_path(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for (i, volume) in volumes(pod) {
            let Some(hp) = field(volume, "hostPath") else {
                continue;
            };
            let path = get(hp, "path").and_then(Value::as_str).unwrap_or("");
            let name = field(volume, "name").and_then(Value::as_str).unwrap_or("?");
            let trimmed = path.trim_end_matches('/');
            let detail = if path.ends_with("docker.sock")
                || path.ends_with("containerd.sock")
                || path.ends_with("crio.sock")
            {
                " (the container runtime socket: full control of the node)"
            } else if SENSITIVE_HOST_PATHS
                .iter()
                .any(|s| trimmed == *s || (trimmed.is_empty() && *s == "/"))
            {
                " (a sensitive system directory)"
            } else {
                ""
            };
            out.push(
                cx.at(
                    pod.origin,
                    &format!("{}/hostPath", volume_pointer(pod, i)),
                    format!("volume `{name}` mounts host path `{path}`{detail}"),
                )
                .with_pss(PssLevel::Baseline),
            );
        }
    }
    out
}

pub(super) fn host_port(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for c in &pod.containers {
            if let Some(Value::Array(items)) = pod.container_get(c, "ports") {
                for (i, p) in items.iter().enumerate() {
                    if let Some(hp) = get(p, "hostPort")
                        .and_then(Value::as_i64)
                        .filter(|&h| h != 0)
                    {
                        out.push(
                            cx.at(
                                pod.origin,
                                &format!("{}/{i}/hostPort", PodView::container_field(c, "ports")),
                                format!("{} binds host port {hp}", PodView::label(c)),
                            )
                            .with_pss(PssLevel::Baseline),
                        );
                    }
                }
            }
        }
    }
    out
}
