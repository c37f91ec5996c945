//! The run of one validation: the stages in Backstage's order, stopping at
//! the first failure in Backstage mode, then the relations.

use std::collections::HashMap;

use serde_json::Value;

use super::api::{ValidationMode, Validator};
use super::codes;
use super::depth::{dismantle, too_deep};
use super::order::sort_reference_lists;
use super::problem::{Problem, ProblemTarget, Validation};
use super::record::{Run, Stage};
use super::schemas::BuiltinKind;
use super::stages::envelope::{annotation_problems, entity_ref_of, envelope_problems};
use super::stages::location::{ReadingLocation, stamp_location};
use super::stages::policy::{foreign_root_problems, schema_problems};
use super::stages::relations::relations_from_value;

impl Validator {
    /// Validates one entity read from a file.
    #[must_use]
    pub fn validate(&self, value: Value) -> Validation {
        self.validate_at(value, None)
    }

    /// Validates one entity, knowing the location it was read from (needed
    /// for the checks Backstage applies to Location entities).
    #[must_use]
    pub fn validate_at(&self, mut value: Value, reading: Option<&ReadingLocation>) -> Validation {
        let mut run = Run {
            validator: self,
            problems: Vec::new(),
            recorded: HashMap::new(),
            backstage_error: None,
            entity_ref: None,
            sorted: Vec::new(),
        };
        if let Some(pointer) = too_deep(&value, self.max_depth) {
            run.fail(
                Stage::Root,
                vec![
                    Problem::error(
                        codes::TOO_DEEP,
                        format!("the entity nests deeper than {} levels", self.max_depth),
                        pointer,
                        ProblemTarget::Value,
                    )
                    .with_note("ValidatorBuilder::max_depth sets the limit"),
                ],
            );
            dismantle(value);
            return run.finish(Value::Null, None);
        }
        let Value::Object(root) = &value else {
            let type_name = match &value {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                _ => "object",
            };
            run.fail(
                Stage::Root,
                vec![Problem::error(
                    codes::NOT_OBJECT,
                    format!("Expected object at root, got {type_name}"),
                    "",
                    ProblemTarget::Value,
                )
                .with_note("a catalog document must be a mapping with apiVersion, kind, metadata and spec")],
            );
            return run.finish(value, None);
        };
        run.entity_ref = entity_ref_of(root);
        let full = self.mode == ValidationMode::Full;

        let envelope = envelope_problems(&value);
        if full {
            // The Entity schema reports the same problems; keep only Backstage's text.
            run.note_first(Stage::Envelope, envelope.first());
        } else if run.fail(Stage::Envelope, envelope) {
            return run.finish(value, None);
        }
        if run.fail(Stage::Annotations, annotation_problems(root)) && !full {
            return run.finish(value, None);
        }
        if let Some(reading) = reading {
            stamp_location(&mut value, reading);
        }
        run.sorted = sort_reference_lists(&mut value);
        let Value::Object(root) = &value else {
            return run.finish(value, None);
        };
        let schema_problems = schema_problems(&value, full);
        let schema_failed = !schema_problems.is_empty();
        if run.fail(Stage::Policy, schema_problems) && !full {
            return run.finish(value, None);
        }
        if run.fail(Stage::Policy, foreign_root_problems(root, full)) && !full {
            return run.finish(value, None);
        }
        if run.fail(Stage::Policy, self.field_format_problems(root, full)) && !full {
            return run.finish(value, None);
        }
        let kind_ok = self.kind_stage(&mut run, &value, schema_failed);
        if !kind_ok && !full {
            return run.finish(value, None);
        }
        if let Some(reading) = reading
            && run.fail(Stage::Location, self.location_problems(root, reading))
            && !full
        {
            return run.finish(value, None);
        }
        let (mut relations, ref_errors) = relations_from_value(root);
        // Origins name the item as written, before Backstage's sort.
        for relation in &mut relations {
            let origin = &mut relation.origin;
            if let (Some(index), Some((_, order))) = (
                origin.index,
                run.sorted.iter().find(|(field, _)| *field == origin.field),
            ) && let Some(&original) = order.get(index as usize)
            {
                origin.index = u32::try_from(original).ok();
            }
        }
        let problems: Vec<Problem> = ref_errors
            .iter()
            .take(if full { usize::MAX } else { 1 })
            .map(|e| {
                Problem::error(
                    codes::INVALID_REF,
                    e.error.to_string(),
                    e.pointer(),
                    ProblemTarget::Value,
                )
            })
            .collect();
        let processor = if root.get("kind").and_then(Value::as_str) == Some("Template") {
            BuiltinKind::Template.processor()
        } else {
            BuiltinKind::Component.processor()
        };
        run.fail(Stage::Postprocess(processor), problems);
        run.finish(value, Some(relations))
    }
}
