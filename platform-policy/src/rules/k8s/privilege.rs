//! Privilege (PSS baseline and restricted): privileged containers, added
//! and dropped capabilities, and privilege escalation.

use serde_json::Value;

use super::read::is_true;
use crate::finding::{Finding, PssLevel};
use crate::joins::{PodView, ScLevel};
use crate::rule::{Profile, RuleContext};

const BASELINE_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

pub(super) fn privileged(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for c in &pod.containers {
            if is_true(pod.sc_get(c, "privileged")) {
                out.push(
                    cx.at(
                        pod.origin,
                        &pod.sc_field(c, ScLevel::Container, "privileged"),
                        format!("{} is privileged", PodView::label(c)),
                    )
                    .with_pss(PssLevel::Baseline),
                );
            }
        }
    }
    out
}

/// The strings of a list, with their positions.
fn strings(v: Option<&Value>) -> impl Iterator<Item = (usize, &str)> {
    let items = match v {
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, x)| x.as_str().map(|s| (i, s)))
}

pub(super) fn capabilities_added(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let baseline_only = cx.profile() == Profile::Baseline;
    for pod in cx.joins().pods(true) {
        let windows = pod.is_windows();
        for c in &pod.containers {
            for (i, cap) in strings(pod.sc_get(c, "capabilities/add")) {
                let name = cap.trim_start_matches("CAP_").to_ascii_uppercase();
                let in_baseline = BASELINE_CAPS.contains(&name.as_str());
                if in_baseline && (baseline_only || name == "NET_BIND_SERVICE" || windows) {
                    continue;
                }
                let level = if in_baseline {
                    PssLevel::Restricted
                } else {
                    PssLevel::Baseline
                };
                let allowed = if in_baseline {
                    "only NET_BIND_SERVICE may be added (PSS restricted)"
                } else {
                    "it is not among the runtime defaults PSS baseline allows"
                };
                let ptr = pod.sc_field(c, ScLevel::Container, "capabilities/add");
                out.push(
                    cx.at(
                        pod.origin,
                        &format!("{ptr}/{i}"),
                        format!("{} adds capability `{cap}`; {allowed}", PodView::label(c)),
                    )
                    .with_pss(level),
                );
            }
        }
    }
    out
}

pub(super) fn capabilities_drop_all(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        for c in &pod.containers {
            let mut drops = strings(pod.sc_get(c, "capabilities/drop"));
            // Pod Security admission compares with `ALL` exactly: `all`
            // drops nothing there.
            if !drops.any(|(_, d)| d == "ALL") {
                out.push(
                    cx.at(
                        pod.origin,
                        &pod.sc_field(c, ScLevel::Container, "capabilities/drop"),
                        format!("{} does not drop ALL capabilities", PodView::label(c)),
                    )
                    .with_label("add `capabilities: {drop: [ALL]}`")
                    .with_pss(PssLevel::Restricted),
                );
            }
        }
    }
    out
}

pub(super) fn privilege_escalation(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        if pod.is_windows() {
            continue;
        }
        for c in &pod.containers {
            let message = match pod
                .sc_get(c, "allowPrivilegeEscalation")
                .and_then(Value::as_bool)
            {
                Some(false) => continue,
                Some(true) => format!("{} allows privilege escalation", PodView::label(c)),
                None => format!(
                    "{} does not set `allowPrivilegeEscalation: false`",
                    PodView::label(c)
                ),
            };
            out.push(
                cx.at(
                    pod.origin,
                    &pod.sc_field(c, ScLevel::Container, "allowPrivilegeEscalation"),
                    message,
                )
                .with_pss(PssLevel::Restricted),
            );
        }
    }
    out
}
