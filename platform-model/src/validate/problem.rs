//! What validation reports: a [`Problem`] and the part of the field it
//! points at, the [`Validation`] verdict on one entity, and the helpers that
//! build problems (from schema errors, with JSON pointers).

use serde_json::Value;

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

/// Builds the problem for one schema error; `root` is the validated
/// document, from which the help line says what was found.
pub(super) fn problem_from_schema(
    code: &'static str,
    error: &SchemaError,
    message: String,
    root: &Value,
) -> Problem {
    let problem = located_problem(code, error, message);
    match schema_help(error, root) {
        Some(help) => problem.with_note(help),
        None => problem,
    }
}

fn located_problem(code: &'static str, error: &SchemaError, message: String) -> Problem {
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

/// A help line in our own words where ajv's text is terse (`/spec/targets
/// must be array - type: array`): what was found, what is expected.
fn schema_help(error: &SchemaError, root: &Value) -> Option<String> {
    let param = |name: &str| {
        error
            .params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    };
    let found = root.pointer(&error.path);
    match error.keyword {
        "type" => {
            let found = found?;
            let expected: Vec<&str> = param("type")?.split(',').map(expected_words).collect();
            let mut help = format!(
                "found {}; expected {}",
                describe(found),
                expected.join(" or ")
            );
            if param("type") == Some("string") && (found.is_number() || found.is_boolean()) {
                help.push_str(&format!(
                    "; YAML reads `{found}` as a {}, quote it: '{found}'",
                    if found.is_number() {
                        "number"
                    } else {
                        "boolean"
                    }
                ));
            }
            Some(help)
        }
        "minItems" => Some(format!(
            "found a list of {}; expected at least {}",
            plural(found?.as_array()?.len(), "item"),
            plural(param("limit")?.parse().ok()?, "item")
        )),
        "minLength" => Some(format!(
            "found {}; expected at least {}",
            describe(found?),
            plural(param("limit")?.parse().ok()?, "character")
        )),
        "maxLength" => Some(format!(
            "found {} characters; expected at most {}",
            found?.as_str()?.chars().count(),
            param("limit")?
        )),
        "enum" => Some(format!(
            "found {}; expected one of: {}",
            describe(found?),
            param("allowedValues")?.replace(',', ", ")
        )),
        "const" => Some(format!(
            "found {}; expected `{}`",
            describe(found?),
            param("allowedValue")?
        )),
        _ => None,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn expected_words(json_type: &str) -> &str {
    match json_type {
        "string" => "text (a string)",
        "array" => "a list (`- item` lines or `[a, b]`)",
        "object" => "a mapping (`key: value` lines)",
        "boolean" => "`true` or `false`",
        other => other,
    }
}

/// What a value is, in a few words, with a short excerpt.
fn describe(value: &Value) -> String {
    const SHOWN: usize = 40;
    match value {
        Value::Null => "an empty value (null)".to_owned(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) if s.is_empty() => "an empty string".to_owned(),
        Value::String(s) => {
            let excerpt: String = s.chars().take(SHOWN).collect();
            let more = if s.chars().count() > SHOWN { "…" } else { "" };
            format!("the string `{}{more}`", excerpt.escape_debug())
        }
        Value::Array(items) => format!("a list of {}", plural(items.len(), "item")),
        Value::Object(map) if map.is_empty() => "an empty mapping".to_owned(),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().take(3).map(String::as_str).collect();
            let more = if map.len() > 3 { ", …" } else { "" };
            format!("a mapping (keys {}{more})", keys.join(", "))
        }
    }
}
