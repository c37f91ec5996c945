//! Readers of pod fields several k8s rules share: a flag set to `true`, and
//! the volumes of a pod with their pointers.

use serde_json::Value;

use crate::joins::PodView;

pub(super) fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

/// The volumes of a pod that are objects, with their positions in
/// `volumes` (pointers are built from them only for findings).
pub(super) fn volumes<'a>(
    pod: &PodView<'a>,
) -> impl Iterator<Item = (usize, &'a serde_json::Map<String, Value>)> + use<'a> {
    let items = match pod.pod_get("volumes") {
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_object().map(|o| (i, o)))
}

/// Pointer of volume `i` of a pod.
pub(super) fn volume_pointer(pod: &PodView<'_>, i: usize) -> String {
    format!("{}/volumes/{i}", pod.pod)
}
