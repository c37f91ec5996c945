//! The kind stage: the builtin kind schemas, then the kind validators users
//! plugged in, and the hints for a kind no validator recognises.

use serde_json::Value;

use crate::validate::api::{KindVerdict, ValidationMode, Validator};
use crate::validate::codes;
use crate::validate::problem::{Problem, ProblemTarget, problem_from_schema};
use crate::validate::record::{Run, Stage};
use crate::validate::schema::SchemaError;
use crate::validate::schemas::BuiltinKind;

impl Validator {
    /// Runs the kind validators; returns whether the entity was accepted.
    pub(crate) fn kind_stage(&self, run: &mut Run<'_>, value: &Value, schema_failed: bool) -> bool {
        let full = self.mode == ValidationMode::Full;
        let mut accepted = false;
        let mut recognised = false;
        let kind_field = value.get("kind");
        let api_version = value.get("apiVersion");
        for kind in BuiltinKind::ALL {
            if kind.is_foreign(kind_field, api_version) {
                continue;
            }
            let mut errors = Vec::new();
            kind.schema().validate_root(value, &mut errors);
            if errors.is_empty() {
                accepted = true;
                recognised = true;
                continue;
            }
            let soft: Vec<&SchemaError> = errors
                .iter()
                .filter(|e| e.path == "/kind" || e.path == "/apiVersion")
                .collect();
            if !soft.is_empty() && soft.iter().all(|e| e.keyword == "enum") {
                continue;
            }
            recognised = true;
            let take = if full { errors.len() } else { 1 };
            let problems = errors
                .iter()
                .take(take)
                .map(|e| kind_problem(e, value))
                .collect();
            run.fail(Stage::Kind(kind.processor()), problems);
            if !full {
                return false;
            }
        }
        for custom in &self.kinds {
            match custom.validate(value) {
                KindVerdict::NotMine => {}
                KindVerdict::Valid => {
                    accepted = true;
                    recognised = true;
                }
                KindVerdict::Invalid { message, pointer } => {
                    recognised = true;
                    run.fail(
                        Stage::Kind(custom.name()),
                        vec![Problem::error(
                            codes::KIND_SCHEMA,
                            message,
                            pointer,
                            ProblemTarget::Value,
                        )],
                    );
                    if !full {
                        return false;
                    }
                }
            }
        }
        if accepted || recognised {
            return accepted && !run.has_errors();
        }
        if self.allow_unknown_kinds {
            return true;
        }
        if schema_failed {
            // The kind may be unrecognised only because the envelope is broken.
            return false;
        }
        let reference = run.ref_text();
        let mut problem = Problem::error(
            codes::UNKNOWN_KIND,
            format!(
                "No processor recognized the entity {reference} as valid, possibly caused by a foreign kind or apiVersion"
            ),
            "/kind",
            ProblemTarget::Value,
        );
        for note in unknown_kind_notes(value) {
            problem = problem.with_note(note);
        }
        run.fail(Stage::UnknownKind, vec![problem]);
        false
    }
}

fn kind_problem(error: &SchemaError, value: &Value) -> Problem {
    problem_from_schema(codes::KIND_SCHEMA, error, error.with_params(), value)
}

const BUILTIN_KINDS: [(&str, &str); 9] = [
    ("API", "backstage.io/v1alpha1"),
    ("Component", "backstage.io/v1alpha1"),
    ("Resource", "backstage.io/v1alpha1"),
    ("Group", "backstage.io/v1alpha1"),
    ("Location", "backstage.io/v1alpha1"),
    ("User", "backstage.io/v1alpha1"),
    ("System", "backstage.io/v1alpha1"),
    ("Domain", "backstage.io/v1alpha1"),
    ("Template", "scaffolder.backstage.io/v1beta3"),
];

fn unknown_kind_notes(value: &Value) -> Vec<String> {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut notes = Vec::new();
    if let Some((builtin, version)) = BUILTIN_KINDS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(kind))
    {
        if *builtin != kind {
            notes.push(format!(
                "kinds are case-sensitive: did you mean `kind: {builtin}`?"
            ));
        } else {
            notes.push(format!(
                "`{builtin}` is accepted with apiVersion `{version}`{}, not `{api_version}`",
                if *builtin == "Template" {
                    ""
                } else {
                    " or `backstage.io/v1beta1`"
                }
            ));
        }
    } else {
        notes.push(format!(
            "no validator knows kind `{kind}` with apiVersion `{api_version}`; the builtin kinds are API, Component, Resource, Group, Location, User, System, Domain and Template"
        ));
    }
    notes
}
