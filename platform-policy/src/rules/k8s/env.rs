//! Environment variables of containers: names defined twice.

use std::collections::HashMap;

use serde_json::Value;

use crate::finding::Finding;
use crate::inputs::get;
use crate::joins::PodView;
use crate::rule::RuleContext;

pub(super) fn duplicate_env(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in &pod.containers {
            let Some(env) = pod.container_get(c, "env").and_then(Value::as_array) else {
                continue;
            };
            let mut first: HashMap<&str, usize> = HashMap::new();
            for (j, var) in env.iter().enumerate() {
                let Some(name) = get(var, "name").and_then(Value::as_str) else {
                    continue;
                };
                if let Some(&earlier) = first.get(name) {
                    out.push(cx.at(
                        pod.origin,
                        &PodView::container_field(c, &format!("env/{j}/name")),
                        format!(
                            "{} defines `{name}` again (first at env[{earlier}]); only the last one takes effect",
                            PodView::label(c)
                        ),
                    ));
                } else {
                    first.insert(name, j);
                }
            }
        }
    }
    out
}
