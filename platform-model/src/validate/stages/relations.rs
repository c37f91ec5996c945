//! The relations an entity emits, and the references in its relation fields
//! that cannot be parsed.

use serde_json::{Map, Value};

use crate::entity_ref::{DEFAULT_NAMESPACE, EntityRef};
use crate::relations::{RefInput, Relation, RelationError, collect_relations, is_falsy};

pub(crate) fn relations_from_value(
    root: &Map<String, Value>,
) -> (Vec<Relation>, Vec<RelationError>) {
    let (Some(kind), Some(metadata)) = (
        root.get("kind").and_then(Value::as_str),
        root.get("metadata").and_then(Value::as_object),
    ) else {
        return (Vec::new(), Vec::new());
    };
    let Some(name) = metadata.get("name").and_then(Value::as_str) else {
        return (Vec::new(), Vec::new());
    };
    let namespace = metadata
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE);
    let source = EntityRef::new(kind, namespace, name);
    let Some(spec) = root.get("spec").and_then(Value::as_object) else {
        return (Vec::new(), Vec::new());
    };
    collect_relations(&source, kind, |field| match spec.get(field) {
        None => Vec::new(),
        Some(v) if is_falsy(v) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(RefInput::Json).collect(),
        Some(other) => vec![RefInput::Json(other)],
    })
}
