//! Resource requests and limits of containers.

use crate::finding::Finding;
use crate::inputs::walk;
use crate::joins::PodView;
use crate::rule::RuleContext;

pub(super) fn resources(cx: &RuleContext<'_>) -> Vec<Finding> {
    let cpu_limit = cx.option_bool("require_cpu_limit").unwrap_or(false);
    let mut fields: Vec<(&str, &str, &str)> = vec![
        ("requests", "cpu", "requests/cpu"),
        ("requests", "memory", "requests/memory"),
        ("limits", "memory", "limits/memory"),
    ];
    if cpu_limit {
        fields.push(("limits", "cpu", "limits/cpu"));
    }
    let mut out = Vec::new();
    for pod in cx.joins().pods(true) {
        for c in pod.main_containers() {
            // Bitnami's `resourcesPreset` (`nano` … `2xlarge`) sets requests
            // and limits of CPU, memory and ephemeral storage.
            if pod.is_values()
                && pod
                    .container_get(c, "resourcesPreset")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|p| p != "none")
            {
                continue;
            }
            let resources = pod.container_get(c, "resources");
            let mut missing: Vec<(&str, &str)> = Vec::new();
            let set = |path: &str| {
                resources
                    .and_then(|r| walk(r, path))
                    .is_some_and(|v| !v.is_null())
            };
            for &(section, what, path) in &fields {
                // Kubernetes sets a missing request to the limit.
                let defaulted = section == "requests" && set(&format!("limits/{what}"));
                if !set(path) && !defaulted {
                    missing.push((section, what));
                }
            }
            if missing.is_empty() {
                continue;
            }
            let ptr = if missing.iter().all(|(s, _)| *s == "limits") {
                format!("{}/limits", c.resources)
            } else if missing.iter().all(|(s, _)| *s == "requests") {
                format!("{}/requests", c.resources)
            } else {
                c.resources.clone()
            };
            let missing: Vec<String> = missing
                .iter()
                .map(|(section, what)| format!("{section}.{what}"))
                .collect();
            out.push(cx.at(
                pod.origin,
                &ptr,
                format!("{} does not set {}", PodView::label(c), missing.join(", ")),
            ));
        }
    }
    out
}
