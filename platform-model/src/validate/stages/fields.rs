//! The field-format policy (Backstage's `FieldFormatEntityPolicy`): names,
//! namespaces, labels, annotations, tags and links checked against the
//! validator's [`FieldValidators`](crate::validate::FieldValidators).

use serde_json::{Map, Value};

use crate::validate::api::Validator;
use crate::validate::codes;
use crate::validate::format::{self, FieldRule, is_non_empty_string, is_valid_url};
use crate::validate::problem::{Problem, ProblemTarget, pointer_of};
use crate::validate::schema::js_entries;

impl Validator {
    pub(crate) fn field_format_problems(
        &self,
        root: &Map<String, Value>,
        full: bool,
    ) -> Vec<Problem> {
        use FieldValue::{Json, Text};
        let fields = &self.fields;
        let mut checks = FormatChecks {
            out: Vec::new(),
            full,
        };
        fn required(v: Option<&Value>) -> FieldValue<'_> {
            v.map_or(FieldValue::Json(&Value::Null), FieldValue::Json)
        }
        fn optional(v: Option<&Value>) -> FieldValue<'_> {
            v.map_or(FieldValue::Absent, FieldValue::Json)
        }
        let fixed = |field: &str, pointer: &str| (field.to_owned(), pointer.to_owned());
        let api_version = required(root.get("apiVersion"));
        checks.run(
            || fixed("apiVersion", "/apiVersion"),
            ProblemTarget::Value,
            api_version,
            Check::Rule(&fields.api_version),
        );
        let kind = required(root.get("kind"));
        checks.run(
            || fixed("kind", "/kind"),
            ProblemTarget::Value,
            kind,
            Check::Rule(&fields.kind),
        );
        let metadata = root.get("metadata").and_then(Value::as_object);
        let meta = |key: &str| metadata.and_then(|m| m.get(key));
        let name = required(meta("name"));
        checks.run(
            || fixed("metadata.name", "/metadata/name"),
            ProblemTarget::Value,
            name,
            Check::Rule(&fields.entity_name),
        );
        let namespace = optional(meta("namespace"));
        checks.run(
            || fixed("metadata.namespace", "/metadata/namespace"),
            ProblemTarget::Value,
            namespace,
            Check::Rule(&fields.namespace),
        );
        for (block, key_rule, value_rule) in [
            ("labels", &fields.label_key, &fields.label_value),
            (
                "annotations",
                &fields.annotation_key,
                &fields.annotation_value,
            ),
        ] {
            if let Some(Value::Object(map)) = meta(block) {
                for (key, value) in js_entries(map) {
                    let describe = || {
                        (
                            format!("{block}.{key}"),
                            pointer_of(&["metadata", block, key]),
                        )
                    };
                    checks.run(
                        describe,
                        ProblemTarget::Key,
                        Text(key),
                        Check::Rule(key_rule),
                    );
                    checks.run(
                        describe,
                        ProblemTarget::Value,
                        FieldValue::Json(value),
                        Check::Rule(value_rule),
                    );
                }
            }
        }
        if let Some(Value::Array(tags)) = meta("tags") {
            for (i, tag) in tags.iter().enumerate() {
                let describe = || (format!("tags.{i}"), format!("/metadata/tags/{i}"));
                checks.run(
                    describe,
                    ProblemTarget::Value,
                    Json(tag),
                    Check::Rule(&fields.tag),
                );
            }
        }
        if let Some(Value::Array(links)) = meta("links") {
            for (i, link) in links.iter().enumerate() {
                let get = |k: &str| link.as_object().and_then(|l| l.get(k));
                let url = Check::Fixed(is_valid_url, format::EXPECT_URL);
                let text = Check::Fixed(is_non_empty_string, format::EXPECT_NON_EMPTY);
                for (part, value, check) in [
                    ("url", required(get("url")), url),
                    ("title", optional(get("title")), text),
                    ("icon", optional(get("icon")), text),
                ] {
                    let describe = || {
                        (
                            format!("links.{i}.{part}"),
                            format!("/metadata/links/{i}/{part}"),
                        )
                    };
                    checks.run(describe, ProblemTarget::Value, value, check);
                }
            }
        }
        checks.out
    }
}

/// One field-format check: an overridable rule, or one of the fixed checks
/// Backstage does not let users replace (link URL and text).
#[derive(Clone, Copy)]
enum Check<'r> {
    Rule(&'r FieldRule),
    Fixed(fn(&str) -> bool, &'static str),
}

/// `FieldFormatEntityPolicy`'s `require`/`optional` helpers: a `None` value
/// is skipped (optional and absent), `null` "must have a value".
struct FormatChecks {
    out: Vec<Problem>,
    full: bool,
}

impl FormatChecks {
    /// One check; `describe` gives the field name and pointer, built only
    /// when there is something to report.
    fn run(
        &mut self,
        describe: impl FnOnce() -> (String, String),
        target: ProblemTarget,
        value: FieldValue<'_>,
        check: Check<'_>,
    ) {
        if !self.full && !self.out.is_empty() {
            return;
        }
        let text = match value {
            FieldValue::Absent => return,
            FieldValue::Text(text) => text,
            FieldValue::Json(Value::String(text)) => text.as_str(),
            FieldValue::Json(Value::Null) => {
                if !self.full {
                    // In full mode the Entity schema has reported it already.
                    let (field, pointer) = describe();
                    self.out.push(Problem::error(
                        codes::FIELD_FORMAT,
                        format!("{field} must have a value"),
                        pointer,
                        target,
                    ));
                }
                return;
            }
            // The schema has already reported a value of the wrong type.
            FieldValue::Json(_) => return,
        };
        let (ok, expectation) = match check {
            Check::Rule(rule) => (rule.check(text), rule.expectation()),
            Check::Fixed(check, expectation) => (check(text), Some(expectation)),
        };
        if !ok {
            let (field, pointer) = describe();
            let detail = expectation.map_or_else(String::new, |e| {
                format!(" expected {e} but found \"{text}\".")
            });
            self.out.push(Problem::error(
                codes::FIELD_FORMAT,
                format!("\"{field}\" is not valid;{detail} To learn more about catalog file format, visit: https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md"),
                pointer,
                target,
            ));
        }
    }
}

/// A value a field-format check looks at.
#[derive(Clone, Copy)]
enum FieldValue<'a> {
    /// An optional field that is not there.
    Absent,
    /// The field's JSON value (`null` for a required field that is missing).
    Json(&'a Value),
    /// Text that is not a JSON value of its own (a mapping key).
    Text(&'a str),
}
