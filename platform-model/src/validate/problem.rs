//! What validation reports: a [`Problem`] and the part of the field it
//! points at, the [`Validation`] verdict on one entity, and the helpers that
//! build problems (from schema errors, with JSON pointers).

use super::schema::SchemaError;
use crate::diagnostic::Severity;
use crate::entity::Entity;
use crate::entity_ref::EntityRef;
use crate::relations::Relation;

/// Which part of a field a problem points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemTarget {
    /// The value at the pointer.
    Value,
    /// The key holding the value at the pointer.
    Key,
    /// The mapping at the pointer, because a field is missing from it.
    Missing,
}

/// One validation problem, before it is located in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// Stable code (see [`codes`](super::codes)).
    pub code: &'static str,
    /// Severity (errors make the entity invalid).
    pub severity: Severity,
    /// The message; Backstage's own text where it has one.
    pub message: String,
    /// JSON pointer of the field (as [`crate::Diagnostic::path`] names it).
    pub path: String,
    /// Which part of the field to point at.
    pub target: ProblemTarget,
    /// Hints beyond Backstage's message.
    pub notes: Vec<String>,
}

impl Problem {
    pub(super) fn error(
        code: &'static str,
        message: impl Into<String>,
        pointer: impl Into<String>,
        target: ProblemTarget,
    ) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            path: pointer.into(),
            target,
            notes: Vec::new(),
        }
    }

    pub(super) fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// The verdict on one entity.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Validation {
    /// Problems found, in Backstage's order.
    pub problems: Vec<Problem>,
    /// The entity's reference, when `apiVersion`, `kind` and `metadata.name`
    /// allow one to be formed.
    pub entity_ref: Option<EntityRef>,
    /// The typed entity, when valid.
    pub entity: Option<Entity>,
    /// Relations the entity emits (forward and reverse), when valid.
    pub relations: Vec<Relation>,
    /// The status text Backstage records for the first failure, such as
    /// `InputError: Policy check failed for component:default/x; caused by Error: …`.
    pub backstage_error: Option<String>,
}

impl Validation {
    /// Whether Backstage would accept the entity.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        !self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

pub(super) fn pointer_of(tokens: &[&str]) -> String {
    let mut p = String::new();
    for t in tokens {
        crate::yaml::push_pointer_token(&mut p, t);
    }
    p
}

pub(super) fn problem_from_schema(
    code: &'static str,
    error: &SchemaError,
    message: String,
) -> Problem {
    match error.keyword {
        "required" => Problem::error(code, message, error.path.clone(), ProblemTarget::Missing),
        "additionalProperties" => {
            let key = error.params.first().map_or("", |(_, v)| v.as_str());
            let mut pointer = error.path.clone();
            crate::yaml::push_pointer_token(&mut pointer, key);
            let mut p = Problem::error(code, message, pointer, ProblemTarget::Key);
            if error.path.is_empty() {
                p = p.with_note(format!(
                    "an entity has only apiVersion, kind, metadata and spec at its root; `{key}` belongs under one of them"
                ));
            }
            p
        }
        _ => Problem::error(code, message, error.path.clone(), ProblemTarget::Value),
    }
}
