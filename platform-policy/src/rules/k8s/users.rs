//! The user a container runs as: never root (PSS restricted), and a high
//! UID (strict profile).

use serde_json::Value;

use crate::finding::{Finding, PssLevel};
use crate::joins::{PodView, ScLevel};
use crate::rule::RuleContext;

pub(super) fn run_as_non_root(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        if pod.pod_sc_get("runAsUser").and_then(Value::as_i64) == Some(0) {
            out.push(
                cx.at(
                    pod.origin,
                    &format!("{}/runAsUser", pod.pod_sc),
                    "the pod sets `runAsUser: 0` (root)",
                )
                .with_pss(PssLevel::Restricted),
            );
        }
        for c in &pod.containers {
            if pod.sc_get(c, "runAsUser").and_then(Value::as_i64) == Some(0) {
                out.push(
                    cx.at(
                        pod.origin,
                        &pod.sc_field(c, ScLevel::Container, "runAsUser"),
                        format!("{} sets `runAsUser: 0` (root)", PodView::label(c)),
                    )
                    .with_pss(PssLevel::Restricted),
                );
            }
            let (value, level) = pod.effective(c, "runAsNonRoot");
            let message = match value.and_then(Value::as_bool) {
                Some(true) => continue,
                Some(false) => format!("{} sets `runAsNonRoot: false`", PodView::label(c)),
                None => format!(
                    "{} may run as root: `runAsNonRoot: true` is set neither on the pod nor on the container",
                    PodView::label(c)
                ),
            };
            out.push(
                cx.at(pod.origin, &pod.sc_field(c, level, "runAsNonRoot"), message)
                    .with_pss(PssLevel::Restricted),
            );
        }
    }
    out
}

pub(super) fn high_uid(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        for c in &pod.containers {
            let (value, level) = pod.effective(c, "runAsUser");
            let message = match value.and_then(Value::as_i64) {
                Some(uid) if uid >= 10_000 => continue,
                Some(uid) => format!("{} runs as UID {uid}, below 10000", PodView::label(c)),
                None => format!(
                    "{} sets no `runAsUser`; the image's user applies",
                    PodView::label(c)
                ),
            };
            out.push(cx.at(pod.origin, &pod.sc_field(c, level, "runAsUser"), message));
        }
    }
    out
}

pub(super) fn root_group(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        for c in &pod.containers {
            let (value, level) = pod.effective(c, "runAsGroup");
            if value.and_then(Value::as_i64) == Some(0) {
                out.push(cx.at(
                    pod.origin,
                    &pod.sc_field(c, level, "runAsGroup"),
                    format!(
                        "{} runs with the root group (GID 0), which owns much of the image's files",
                        PodView::label(c)
                    ),
                ));
            }
        }
    }
    out
}
