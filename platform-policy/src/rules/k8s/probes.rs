//! Readiness and liveness probes of long-running containers, and the TCP
//! ports they (and startup probes) target.

use serde_json::Value;

use crate::finding::Finding;
use crate::inputs::get;
use crate::joins::PodView;
use crate::rule::RuleContext;

pub(super) fn probes(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        // Jobs need no probes, but a probe they have must reach a port.
        let required = pod.kind.is_some_and(|k| k.is_long_running());
        for c in pod.main_containers() {
            let ports = pod.container_get(c, "ports").and_then(Value::as_array);
            // A startup probe is optional, but its port is checked as well.
            for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
                let Some(p) = pod.container_get(c, probe) else {
                    if required && probe != "startupProbe" {
                        out.push(cx.at(
                            pod.origin,
                            &PodView::container_field(c, probe),
                            format!("{} has no {probe}", PodView::label(c)),
                        ));
                    }
                    continue;
                };
                for handler in ["httpGet", "tcpSocket", "grpc"] {
                    let Some(port) = get(p, handler).and_then(|h| get(h, "port")) else {
                        continue;
                    };
                    // HTTP, TCP and gRPC probes connect over TCP: a UDP port
                    // of the same number or name does not answer them.
                    let declared = ports.is_some_and(|ps| {
                        ps.iter().filter(|x| is_tcp(x)).any(|x| match port {
                            Value::String(name) => {
                                get(x, "name").and_then(Value::as_str) == Some(name.as_str())
                            }
                            Value::Number(n) => {
                                get(x, "containerPort").and_then(Value::as_i64) == n.as_i64()
                            }
                            _ => true,
                        })
                    });
                    if !declared {
                        out.push(cx.at(pod.origin, &format!("{}/{probe}/{handler}/port", c.ptr),
                            format!("the {probe} of {} targets port {port}, which the container does not declare", PodView::label(c)),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Whether a declared port is TCP (the default protocol).
fn is_tcp(port: &Value) -> bool {
    get(port, "protocol")
        .and_then(Value::as_str)
        .is_none_or(|p| p == "TCP")
}

pub(super) fn probes_identical(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in pod.main_containers() {
            let (Some(ready), Some(live)) = (
                pod.container_get(c, "readinessProbe"),
                pod.container_get(c, "livenessProbe"),
            ) else {
                continue;
            };
            if ready == live {
                out.push(cx.at(
                    pod.origin,
                    &PodView::container_field(c, "livenessProbe"),
                    format!(
                        "{} has identical readiness and liveness probes: a slow dependency restarts it instead of taking it out of rotation",
                        PodView::label(c)
                    ),
                ));
            }
        }
    }
    out
}
