//! The entity policies before the field formats: Backstage's `Entity`
//! schema and the root fields only the catalog may write.

use serde_json::{Map, Value};

use crate::validate::codes;
use crate::validate::problem::{Problem, ProblemTarget, pointer_of, problem_from_schema};
use crate::validate::schema::js_key_order;
use crate::validate::schemas;

pub(crate) fn schema_problems(value: &Value, full: bool) -> Vec<Problem> {
    let mut errors = Vec::new();
    schemas::entity().validate_root(value, &mut errors);
    errors
        .iter()
        .take(if full { usize::MAX } else { 1 })
        .map(|e| {
            problem_from_schema(
                codes::SCHEMA,
                e,
                format!("Malformed envelope, {}", e.short()),
                value,
            )
        })
        .collect()
}

pub(crate) fn foreign_root_problems(root: &Map<String, Value>, full: bool) -> Vec<Problem> {
    js_key_order(root)
        .filter(|k| !matches!(k.as_str(), "apiVersion" | "kind" | "metadata" | "spec"))
        .filter(|k| matches!(k.as_str(), "relations" | "status"))
        .take(if full { usize::MAX } else { 1 })
        .map(|k| {
            Problem::error(
                codes::UNKNOWN_ROOT_FIELD,
                format!("Unknown field {k}"),
                pointer_of(&[k]),
                ProblemTarget::Key,
            )
            .with_note(
                "`relations` and `status` are written by the catalog; remove them from the file",
            )
        })
        .collect()
}
