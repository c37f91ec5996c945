//! The first stage: the envelope (`apiVersion`, `kind`, `metadata.name`),
//! the entity reference it forms, and the type of `metadata.annotations`.

use serde_json::{Map, Value};

use crate::entity_ref::{DEFAULT_NAMESPACE, EntityRef};
use crate::validate::codes;
use crate::validate::problem::{Problem, ProblemTarget, problem_from_schema};
use crate::validate::schema::js_text;
use crate::validate::schemas;

/// `kind:namespace/name` as `stringifyEntityRef` prints it, when the envelope
/// allows one: `apiVersion`, `kind` and `metadata.name` non-empty strings.
fn non_empty(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(crate) fn entity_ref_of(root: &Map<String, Value>) -> Option<EntityRef> {
    non_empty(root.get("apiVersion"))?;
    let kind = non_empty(root.get("kind"))?;
    let metadata = root.get("metadata")?.as_object()?;
    let name = non_empty(metadata.get("name"))?;
    let namespace = match metadata.get("namespace") {
        None | Some(Value::Null) => DEFAULT_NAMESPACE.to_owned(),
        Some(other) => js_text(other),
    };
    Some(EntityRef::new(kind, namespace, name))
}

pub(crate) fn envelope_problems(value: &Value) -> Vec<Problem> {
    let mut errors = Vec::new();
    schemas::envelope().validate_root(value, &mut errors);
    errors
        .iter()
        .take(1)
        .map(|e| {
            let mut p = problem_from_schema(codes::ENVELOPE, e, e.with_params(), value);
            if e.keyword == "required" {
                p = p.with_note(format!(
                    "every catalog entity needs `apiVersion`, `kind` and `metadata.name`; `{}` is missing",
                    e.params.first().map_or("", |(_, v)| v.as_str())
                ));
            }
            p
        })
        .collect()
}

pub(crate) fn annotation_problems(root: &Map<String, Value>) -> Vec<Problem> {
    match root.get("metadata").and_then(|m| m.get("annotations")) {
        Some(Value::Object(_) | Value::Null | Value::Bool(false)) | None => Vec::new(),
        Some(Value::String(s)) if s.is_empty() => Vec::new(),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Vec::new(),
        Some(_) => vec![Problem::error(
            codes::ANNOTATIONS,
            "metadata.annotations must be a valid object",
            "/metadata/annotations",
            ProblemTarget::Value,
        )],
    }
}
