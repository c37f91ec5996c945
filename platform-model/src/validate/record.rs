//! The record of one validation: the problems of each stage (kept once each
//! in full mode, only the first in Backstage mode), the status text
//! Backstage records for the first failing stage, and the finished
//! [`Validation`](super::Validation).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde_json::Value;

use super::api::{ValidationMode, Validator};
use super::order::{restore_order, unsort_pointer};
use super::problem::{Problem, Validation};
use crate::diagnostic::Severity;
use crate::entity::Entity;
use crate::entity_ref::EntityRef;
use crate::relations::Relation;

/// Where validation stopped, for Backstage's wrapper text.
pub(super) enum Stage<'a> {
    Root,
    Envelope,
    Annotations,
    Policy,
    Kind(&'a str),
    UnknownKind,
    Location,
    Postprocess(&'a str),
}

pub(crate) struct Run<'v> {
    pub(super) validator: &'v Validator,
    pub(super) problems: Vec<Problem>,
    /// Indices in `problems` by a hash of pointer and message, so that
    /// full mode drops repeated problems in O(1) each.
    pub(super) recorded: HashMap<u64, Vec<usize>>,
    pub(super) backstage_error: Option<String>,
    pub(super) entity_ref: Option<EntityRef>,
    /// For each sorted reference list, the original index of each sorted item.
    pub(super) sorted: Vec<(&'static str, Vec<usize>)>,
}

impl Run<'_> {
    /// Records problems of one stage; returns whether there were any.
    pub(super) fn fail(&mut self, stage: Stage<'_>, problems: Vec<Problem>) -> bool {
        if problems.is_empty() {
            return false;
        }
        self.note_first(stage, problems.first());
        let full = self.validator.mode == ValidationMode::Full;
        if full {
            for p in problems {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                (&p.path, &p.message).hash(&mut hasher);
                let same = self.recorded.entry(hasher.finish()).or_default();
                if !same.iter().any(|&i| {
                    self.problems
                        .get(i)
                        .is_some_and(|q| q.path == p.path && q.message == p.message)
                }) {
                    same.push(self.problems.len());
                    self.problems.push(p);
                }
            }
        } else if self.problems.is_empty() {
            self.problems.extend(problems.into_iter().take(1));
        }
        true
    }

    /// Records Backstage's status text for the first failing stage.
    pub(super) fn note_first(&mut self, stage: Stage<'_>, first: Option<&Problem>) {
        let Some(first) = first else { return };
        if self.backstage_error.is_none() {
            let reference = self.ref_text();
            let inner = &first.message;
            self.backstage_error = Some(match stage {
                Stage::Root | Stage::Annotations => format!("Error: {inner}"),
                Stage::Envelope => format!("TypeError: {inner}"),
                Stage::Policy => format!(
                    "InputError: Policy check failed for {reference}; caused by Error: {inner}"
                ),
                Stage::Kind(processor) => format!(
                    "InputError: Processor {processor} threw an error while validating the entity {reference}; caused by TypeError: {inner}"
                ),
                Stage::UnknownKind | Stage::Location => format!("InputError: {inner}"),
                Stage::Postprocess(processor) => {
                    let name = if inner.contains("was not on the form") {
                        "TypeError"
                    } else {
                        "Error"
                    };
                    format!(
                        "InputError: Processor {processor} threw an error while postprocessing; caused by {name}: {inner}"
                    )
                }
            });
        }
    }

    pub(super) fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    /// The reference as Backstage prints it in messages.
    pub(super) fn ref_text(&self) -> String {
        self.entity_ref
            .as_ref()
            .map_or_else(|| "<unknown>".to_owned(), EntityRef::to_key)
    }

    pub(super) fn finish(
        mut self,
        mut value: Value,
        relations: Option<Vec<Relation>>,
    ) -> Validation {
        for problem in &mut self.problems {
            problem.path = unsort_pointer(&problem.path, &self.sorted);
        }
        // The entity keeps its lists as written; only Backstage's checks saw them sorted.
        restore_order(&mut value, &self.sorted);
        let valid = !self.has_errors();
        let (entity, relations) = match (valid, relations) {
            (true, Some(relations)) => (Some(Entity::from_value_lenient(value)), relations),
            _ => (None, Vec::new()),
        };
        Validation {
            problems: self.problems,
            entity_ref: self.entity_ref,
            entity,
            relations,
            backstage_error: self.backstage_error,
        }
    }
}
