//! Backstage's sort of reference lists before the kind checks, and the way
//! back to the order as written (for the entity and for pointers).

use serde_json::Value;

/// Backstage sorts reference lists whose items are all strings before it
/// validates the kind (JavaScript's default sort, by UTF-16 code units).
pub(super) fn sort_reference_lists(value: &mut Value) -> Vec<(&'static str, Vec<usize>)> {
    const FIELDS: [&str; 7] = crate::relations::LIST_FIELDS;
    let mut out = Vec::new();
    let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut) else {
        return out;
    };
    for field in FIELDS {
        let Some(Value::Array(items)) = spec.get_mut(field) else {
            continue;
        };
        if !items.iter().all(Value::is_string) {
            continue;
        }
        let mut order: Vec<usize> = (0..items.len()).collect();
        let key = |i: usize| {
            items[i]
                .as_str()
                .unwrap_or_default()
                .encode_utf16()
                .collect::<Vec<u16>>()
        };
        order.sort_by_cached_key(|&i| key(i));
        if order.iter().enumerate().all(|(pos, &i)| pos == i) {
            continue;
        }
        let sorted: Vec<Value> = order.iter().map(|&i| items[i].clone()).collect();
        *items = sorted;
        out.push((field, order));
    }
    out
}

/// Undoes [`sort_reference_lists`].
pub(super) fn restore_order(value: &mut Value, sorted: &[(&'static str, Vec<usize>)]) {
    let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    for (field, order) in sorted {
        if let Some(Value::Array(items)) = spec.get_mut(*field) {
            let mut restored = vec![Value::Null; items.len()];
            for (position, &original) in order.iter().enumerate() {
                if let (Some(slot), Some(item)) =
                    (restored.get_mut(original), items.get_mut(position))
                {
                    *slot = std::mem::take(item);
                }
            }
            *items = restored;
        }
    }
}

/// Maps a pointer into a sorted list back to the item as written.
pub(super) fn unsort_pointer(pointer: &str, sorted: &[(&'static str, Vec<usize>)]) -> String {
    for (field, order) in sorted {
        let prefix = format!("/spec/{field}/");
        if let Some(rest) = pointer.strip_prefix(&prefix) {
            let (index, tail) = rest.split_once('/').map_or((rest, ""), |(i, t)| (i, t));
            if let Some(original) = index.parse::<usize>().ok().and_then(|i| order.get(i)) {
                let tail = if tail.is_empty() {
                    String::new()
                } else {
                    format!("/{tail}")
                };
                return format!("{prefix}{original}{tail}");
            }
        }
    }
    pointer.to_owned()
}
