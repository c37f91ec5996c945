//! Credentials of pods: the service account and its automounted token,
//! and literal secrets in environment variables.

use serde_json::Value;

use crate::finding::Finding;
use crate::inputs::get;
use crate::joins::{Origin, PodView};
use crate::rule::RuleContext;
use crate::rules::secrets::{secret_name, secret_value};

pub(super) fn service_account(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let joins = cx.joins();
    let known = joins.has_service_accounts();
    for pod in cx.joins().image_pods() {
        if pod.is_values() {
            // The service account is the chart's, written once at the top.
            if !pod.is_values_top() {
                continue;
            }
            let create = pod.get("/serviceAccount/create").and_then(Value::as_bool);
            let name = pod
                .get("/serviceAccount/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            if create == Some(false) && (name.is_empty() || name == "default") {
                out.push(cx.at(
                    pod.origin,
                    "/serviceAccount/create",
                    "the chart uses the namespace's `default` service account",
                ));
            }
            if pod.get("/serviceAccount").is_some()
                && pod
                    .get("/serviceAccount/automount")
                    .and_then(Value::as_bool)
                    != Some(false)
            {
                out.push(cx.at(pod.origin, "/serviceAccount/automount", "the service account token is automounted; set `serviceAccount.automount: false` unless the pod calls the API"));
            }
            continue;
        }
        let Origin::Manifest(i) = pod.origin else {
            continue;
        };
        let Some(m) = cx.inputs().manifests().get(i) else {
            continue;
        };
        let name = pod
            .pod_get("serviceAccountName")
            .or_else(|| pod.pod_get("serviceAccount"))
            .and_then(Value::as_str)
            .unwrap_or("default");
        let ns = m.namespace_or_default();
        if name == "default" {
            out.push(cx.at(
                pod.origin,
                &pod.pod_field("serviceAccountName"),
                "the pod uses the namespace's `default` service account",
            ));
        } else if known && !joins.has_service_account(ns, name) {
            out.push(cx.at(
                pod.origin,
                &pod.pod_field("serviceAccountName"),
                format!("service account `{name}` is not defined in the input"),
            ));
        }
        if pod
            .pod_get("automountServiceAccountToken")
            .and_then(Value::as_bool)
            .is_none()
            && !joins.automount_off(ns, name)
        {
            out.push(cx.at(pod.origin, &pod.pod_field("automountServiceAccountToken"), "the service account token is automounted; set `automountServiceAccountToken: false` unless the pod calls the API"));
        }
    }
    out
}

pub(super) fn secret_env(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in &pod.containers {
            if let Some(Value::Array(items)) = pod.container_get(c, "env") {
                for (i, e) in items.iter().enumerate() {
                    let name = get(e, "name").and_then(Value::as_str).unwrap_or("");
                    let value = get(e, "value").and_then(Value::as_str).unwrap_or("");
                    let message = if value.is_empty() {
                        None
                    } else if let Some(kind) = secret_value(value) {
                        Some(format!(
                            "environment variable `{name}` of {} holds what looks like {kind}",
                            PodView::label(c)
                        ))
                    } else {
                        secret_name(name).then(|| {
                            format!(
                                "environment variable `{name}` of {} holds a literal secret",
                                PodView::label(c)
                            )
                        })
                    };
                    if let Some(message) = message {
                        out.push(
                            cx.at(
                                pod.origin,
                                &format!("{}/{i}/value", PodView::container_field(c, "env")),
                                message,
                            )
                            .with_label("use valueFrom.secretKeyRef"),
                        );
                    }
                }
            }
        }
    }
    out
}

pub(super) fn env_secret_ref(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in &pod.containers {
            let env = pod.container_get(c, "env").and_then(Value::as_array);
            for (j, var) in env.into_iter().flatten().enumerate() {
                if get(var, "valueFrom")
                    .and_then(|v| get(v, "secretKeyRef"))
                    .is_some()
                {
                    let name = get(var, "name").and_then(Value::as_str).unwrap_or("?");
                    out.push(cx.at(
                        pod.origin,
                        &PodView::container_field(c, &format!("env/{j}/valueFrom/secretKeyRef")),
                        format!(
                            "{} reads Secret key into `{name}`; mount the Secret as a file instead",
                            PodView::label(c)
                        ),
                    ));
                }
            }
            let from = pod.container_get(c, "envFrom").and_then(Value::as_array);
            for (j, source) in from.into_iter().flatten().enumerate() {
                if get(source, "secretRef").is_some() {
                    out.push(cx.at(
                        pod.origin,
                        &PodView::container_field(c, &format!("envFrom/{j}/secretRef")),
                        format!("{} loads a whole Secret into its environment; mount it as files instead", PodView::label(c)),
                    ));
                }
            }
        }
    }
    out
}
