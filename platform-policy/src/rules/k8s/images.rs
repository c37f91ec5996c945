//! Container images: pinned tags, digests and the pull policy.

use serde_json::Value;

use crate::finding::Finding;
use crate::joins::{ImageRef, PodView};
use crate::rule::RuleContext;

fn image_problem(image: &ImageRef, values: bool) -> Option<String> {
    if image.digest.is_some() {
        return None;
    }
    match image.tag.as_deref() {
        None if values => None,
        Some("") if values => None,
        None | Some("") => Some(format!(
            "image `{}` has no tag (it means `latest`)",
            image.full_name()
        )),
        Some("latest") => Some(format!(
            "image `{}` uses the `latest` tag",
            image.full_name()
        )),
        Some(_) => None,
    }
}

pub(super) fn image_tag(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().image_pods() {
        for c in &pod.containers {
            let Some(image) = pod.image(c) else {
                continue;
            };
            if let Some(message) = image_problem(&image, pod.is_values()) {
                let ptr = pod.image_pointer(c);
                out.push(cx.at(
                    pod.origin,
                    &ptr,
                    format!("{message} ({})", PodView::label(c)),
                ));
            }
        }
    }
    out
}

pub(super) fn image_digest(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in &pod.containers {
            let Some(image) = pod.image(c) else {
                continue;
            };
            if image.digest.is_none() && image_problem(&image, false).is_none() {
                out.push(cx.at(
                    pod.origin,
                    &c.image,
                    format!(
                        "image `{}:{}` is pinned by tag, not by digest",
                        image.full_name(),
                        image.tag.as_deref().unwrap_or("")
                    ),
                ));
            }
        }
    }
    out
}

pub(super) fn pull_policy_always(cx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pod in cx.joins().pods(false) {
        for c in &pod.containers {
            let policy = pod
                .container_get(c, "imagePullPolicy")
                .and_then(Value::as_str);
            let image = pod.image(c);
            // Kubernetes defaults to Always for untagged and `latest` images.
            let defaults_to_always = image.as_ref().is_some_and(|i| {
                i.digest.is_none() && matches!(i.tag.as_deref(), None | Some("latest"))
            });
            let message = match policy {
                Some("Always") => continue,
                None if defaults_to_always => continue,
                Some(p) => format!("{} uses `imagePullPolicy: {p}`", PodView::label(c)),
                None => format!(
                    "{} does not set `imagePullPolicy: Always`",
                    PodView::label(c)
                ),
            };
            out.push(cx.at(
                pod.origin,
                &PodView::container_field(c, "imagePullPolicy"),
                message,
            ));
        }
    }
    out
}
