//! Backstage-exact entity validation.
//!
//! [`Validator::validate`] runs the checks of Backstage's catalog backend in
//! its order (the envelope check, the entity policies, the kind schemas, the
//! Location step and reference parsing) and gives the same verdict.
//!
//! Two modes:
//!
//! - [`ValidationMode::Backstage`] stops at the first failure, like
//!   Backstage, and reproduces Backstage's message text, both the inner
//!   message ([`Problem::message`]) and the full status text Backstage
//!   records ([`Validation::backstage_error`]).
//! - [`ValidationMode::Full`] reports every problem at once. The verdict is
//!   the same; only the number of problems differs.
//!
//! ```
//! use platform_model::validate::{Validator, ValidationMode};
//!
//! let doc = serde_json::json!({
//!     "apiVersion": "backstage.io/v1alpha1",
//!     "kind": "Component",
//!     "metadata": {"name": "Bad Name", "tags": ["Java"]},
//!     "spec": {"type": "service", "owner": "team-a"}
//! });
//! let backstage = Validator::new().validate(doc.clone());
//! assert!(!backstage.is_valid());
//! assert_eq!(backstage.problems.len(), 1);
//! assert!(backstage.backstage_error.as_deref().unwrap_or_default()
//!     .starts_with("InputError: Policy check failed for component:default/bad name; caused by Error: \"metadata.name\" is not valid"));
//!
//! let full = Validator::builder().with_mode(ValidationMode::Full).build().validate(doc);
//! let pointers: Vec<&str> = full.problems.iter().map(|p| p.path.as_str()).collect();
//! assert_eq!(pointers, ["/metadata/name", "/metadata/tags/0", "/spec"]);
//! ```

mod format;
mod schema;
mod schemas;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde_json::{Map, Value};

pub use format::{
    FieldRule, FieldValidators, is_non_empty_string, is_valid_annotation_key,
    is_valid_annotation_value, is_valid_api_version, is_valid_dns_label, is_valid_dns_subdomain,
    is_valid_kind, is_valid_label_key, is_valid_label_value, is_valid_namespace,
    is_valid_object_name, is_valid_tag, is_valid_url, object_name_with_max_length,
};

use crate::diagnostic::Severity;
use crate::entity::Entity;
use crate::entity_ref::{DEFAULT_NAMESPACE, EntityRef};
use crate::relations::{RefInput, Relation, RelationError, collect_relations, is_falsy};
use schema::{SchemaError, js_entries, js_key_order, js_text};
use schemas::BuiltinKind;

/// Stable diagnostic codes of entity validation (the values of
/// [`crate::codes`] under their first names).
pub mod codes {
    /// The document root is not a mapping.
    pub const NOT_OBJECT: &str = crate::codes::ENTITY_NOT_OBJECT;
    /// `apiVersion`, `kind` or `metadata.name` missing or not a non-empty string.
    pub const ENVELOPE: &str = crate::codes::ENTITY_ENVELOPE;
    /// `metadata.annotations` is not a mapping.
    pub const ANNOTATIONS: &str = crate::codes::ENTITY_ANNOTATIONS;
    /// The entity breaks Backstage's `Entity` schema.
    pub const SCHEMA: &str = crate::codes::ENTITY_SCHEMA;
    /// `relations` or `status` given as input.
    pub const UNKNOWN_ROOT_FIELD: &str = crate::codes::ENTITY_UNKNOWN_ROOT_FIELD;
    /// A field breaks Backstage's format rules (names, namespaces, tags, …).
    pub const FIELD_FORMAT: &str = crate::codes::ENTITY_FIELD_FORMAT;
    /// The spec breaks its kind's schema.
    pub const KIND_SCHEMA: &str = crate::codes::ENTITY_KIND_SCHEMA;
    /// No kind validator recognises the kind and apiVersion.
    pub const UNKNOWN_KIND: &str = crate::codes::ENTITY_UNKNOWN_KIND;
    /// A reference in a relation field cannot be parsed.
    pub const INVALID_REF: &str = crate::codes::ENTITY_INVALID_REF;
    /// A Location's type is not allowed.
    pub const LOCATION_TYPE: &str = crate::codes::LOCATION_TYPE_NOT_ALLOWED;
    /// A `file` Location target ends with a path separator.
    pub const LOCATION_DIRECTORY: &str = crate::codes::LOCATION_DIRECTORY_TARGET;
    /// The entity nests deeper than the validator's depth limit.
    pub const TOO_DEEP: &str = crate::codes::ENTITY_TOO_DEEP;
}

/// Default of [`ValidatorBuilder::max_depth`]: the deepest nesting of
/// mappings and sequences an entity may have. The validator, the typed
/// entity and `serde_json` walk values recursively, so deeper values are
/// refused (and taken apart without recursion) before any of them runs.
pub const DEFAULT_MAX_DEPTH: usize = 1_000;

/// How many problems to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ValidationMode {
    /// Stop at the first failure, as Backstage does, with its messages.
    #[default]
    Backstage,
    /// Report every problem found.
    Full,
}

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
    /// Stable code (see [`codes`]).
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
    fn error(
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

    fn with_note(mut self, note: impl Into<String>) -> Self {
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

/// A validator that users plug in for kinds of their own, the way Backstage
/// processors implement `validateEntityKind`.
pub trait KindValidator: Send + Sync {
    /// The processor name used in messages.
    fn name(&self) -> &str;

    /// Decides on an entity that passed the envelope and policy checks.
    fn validate(&self, entity: &Value) -> KindVerdict;
}

/// What a [`KindValidator`] says about an entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindVerdict {
    /// Not a kind this validator handles.
    NotMine,
    /// Recognised and valid.
    Valid,
    /// Recognised and invalid: the message (Backstage prints it after
    /// `caused by TypeError: `) and the JSON pointer of the field.
    Invalid {
        /// What is wrong.
        message: String,
        /// Where.
        pointer: String,
    },
}

/// The location an entity was read from. Backstage stamps it on every entity
/// (`backstage.io/managed-by-location`) before validating, and the Location
/// kind's checks depend on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadingLocation {
    /// Location type, `file` for files on disk.
    pub location_type: String,
    /// The target as Backstage would print it.
    pub target: String,
    /// The root registration the file was reached from, as `type:target`.
    pub origin: String,
}

impl ReadingLocation {
    /// A `file` location whose target is `path`, reached from the
    /// registration `origin` (`file:<path>`).
    #[must_use]
    pub fn file(path: impl Into<String>, origin: impl Into<String>) -> Self {
        Self {
            location_type: "file".to_owned(),
            target: path.into(),
            origin: origin.into(),
        }
    }

    /// `type:target`.
    #[must_use]
    pub fn location_ref(&self) -> String {
        format!("{}:{}", self.location_type, self.target)
    }
}

/// Annotation Backstage sets to the location an entity was read from.
pub const MANAGED_BY_LOCATION: &str = "backstage.io/managed-by-location";
/// Annotation Backstage sets to the registration that led to the entity.
pub const MANAGED_BY_ORIGIN_LOCATION: &str = "backstage.io/managed-by-origin-location";

/// What Backstage's output collector does to an emitted entity after its
/// envelope and annotation checks: a falsy `annotations` becomes a mapping,
/// and the managed-by annotations are overwritten.
fn stamp_location(value: &mut Value, reading: &ReadingLocation) {
    let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Value::Object(Map::new());
    }
    if let Value::Object(map) = annotations {
        map.insert(
            MANAGED_BY_LOCATION.to_owned(),
            Value::String(reading.location_ref()),
        );
        map.insert(
            MANAGED_BY_ORIGIN_LOCATION.to_owned(),
            Value::String(reading.origin.clone()),
        );
    }
}

/// Validates entities with Backstage's rules. Cheap to clone and share
/// between threads.
#[derive(Clone)]
pub struct Validator {
    mode: ValidationMode,
    fields: FieldValidators,
    kinds: Vec<Arc<dyn KindValidator>>,
    allow_unknown_kinds: bool,
    allowed_location_types: Vec<String>,
    max_depth: usize,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("mode", &self.mode)
            .field("fields", &self.fields)
            .field(
                "kinds",
                &self
                    .kinds
                    .iter()
                    .map(|k| k.name().to_owned())
                    .collect::<Vec<_>>(),
            )
            .field("allow_unknown_kinds", &self.allow_unknown_kinds)
            .field("allowed_location_types", &self.allowed_location_types)
            .field("max_depth", &self.max_depth)
            .finish()
    }
}

impl Default for Validator {
    fn default() -> Self {
        Self::new()
    }
}

/// Builds a [`Validator`].
#[derive(Clone)]
#[must_use]
pub struct ValidatorBuilder {
    validator: Validator,
}

impl ValidatorBuilder {
    /// Sets the mode.
    pub fn with_mode(mut self, mode: ValidationMode) -> Self {
        self.validator.mode = mode;
        self
    }

    /// Deprecated name of [`with_mode`](Self::with_mode).
    #[deprecated(since = "0.1.1", note = "use `with_mode`")]
    pub fn mode(self, mode: ValidationMode) -> Self {
        self.with_mode(mode)
    }

    /// Replaces the field-format rules (Backstage's `makeValidator` overrides).
    pub fn with_field_validators(mut self, fields: FieldValidators) -> Self {
        self.validator.fields = fields;
        self
    }

    /// Deprecated name of [`with_field_validators`](Self::with_field_validators).
    #[deprecated(since = "0.1.1", note = "use `with_field_validators`")]
    pub fn field_validators(self, fields: FieldValidators) -> Self {
        self.with_field_validators(fields)
    }

    /// Adds a validator for a kind of your own; it is asked after the builtin kinds.
    pub fn with_kind_validator(mut self, validator: impl KindValidator + 'static) -> Self {
        self.validator.kinds.push(Arc::new(validator));
        self
    }

    /// Deprecated name of [`with_kind_validator`](Self::with_kind_validator).
    #[deprecated(since = "0.1.1", note = "use `with_kind_validator`")]
    pub fn kind_validator(self, validator: impl KindValidator + 'static) -> Self {
        self.with_kind_validator(validator)
    }

    /// Accepts kinds no validator recognises (Backstage rejects them with
    /// "No processor recognized the entity"); they are kept as generic entities.
    pub fn with_allow_unknown_kinds(mut self, allow: bool) -> Self {
        self.validator.allow_unknown_kinds = allow;
        self
    }

    /// Deprecated name of [`with_allow_unknown_kinds`](Self::with_allow_unknown_kinds).
    #[deprecated(since = "0.1.1", note = "use `with_allow_unknown_kinds`")]
    pub fn allow_unknown_kinds(self, allow: bool) -> Self {
        self.with_allow_unknown_kinds(allow)
    }

    /// Location types a Location may name besides the type it was read with
    /// (Backstage's `allowedLocationTypes`, default `["url"]`).
    pub fn allowed_location_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.validator.allowed_location_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// The deepest nesting an entity may have (default
    /// [`DEFAULT_MAX_DEPTH`]); deeper entities get one `entity.too-deep`
    /// problem and no other check. Keep it within what the threads that
    /// validate can recurse through (about 1 000 levels per 2 MiB of stack).
    pub fn with_max_depth(mut self, depth: usize) -> Self {
        self.validator.max_depth = depth;
        self
    }

    /// Deprecated name of [`with_max_depth`](Self::with_max_depth).
    #[deprecated(since = "0.1.1", note = "use `with_max_depth`")]
    pub fn max_depth(self, depth: usize) -> Self {
        self.with_max_depth(depth)
    }

    /// Finishes the builder.
    #[must_use]
    pub fn build(self) -> Validator {
        self.validator
    }
}

/// Where validation stopped, for Backstage's wrapper text.
enum Stage<'a> {
    Root,
    Envelope,
    Annotations,
    Policy,
    Kind(&'a str),
    UnknownKind,
    Location,
    Postprocess(&'a str),
}

impl Validator {
    /// A validator with Backstage's defaults, in Backstage mode.
    #[must_use]
    pub fn new() -> Self {
        Self {
            mode: ValidationMode::Backstage,
            fields: FieldValidators::default(),
            kinds: Vec::new(),
            allow_unknown_kinds: false,
            allowed_location_types: vec!["url".to_owned()],
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// A builder starting from the defaults.
    pub fn builder() -> ValidatorBuilder {
        ValidatorBuilder {
            validator: Self::new(),
        }
    }

    /// The mode.
    #[must_use]
    pub fn mode(&self) -> ValidationMode {
        self.mode
    }

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

    fn field_format_problems(&self, root: &Map<String, Value>, full: bool) -> Vec<Problem> {
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

    /// Runs the kind validators; returns whether the entity was accepted.
    fn kind_stage(&self, run: &mut Run<'_>, value: &Value, schema_failed: bool) -> bool {
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
            let problems = errors.iter().take(take).map(kind_problem).collect();
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

    fn location_problems(
        &self,
        root: &Map<String, Value>,
        reading: &ReadingLocation,
    ) -> Vec<Problem> {
        if root
            .get("kind")
            .and_then(Value::as_str)
            .map(str::to_uppercase)
            .as_deref()
            != Some("LOCATION")
        {
            return Vec::new();
        }
        let spec = root.get("spec").and_then(Value::as_object);
        let location_type = spec
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            .unwrap_or(&reading.location_type);
        let mut out = Vec::new();
        if location_type != reading.location_type
            && !self
                .allowed_location_types
                .iter()
                .any(|t| t == location_type)
        {
            let allowed = serde_json::to_string(&self.allowed_location_types).unwrap_or_default();
            out.push(Problem::error(
                codes::LOCATION_TYPE,
                format!("Registered locations must be of an allowed type {allowed}"),
                "/spec/type",
                ProblemTarget::Value,
            ));
        }
        if location_type == "file" {
            let targets = spec
                .into_iter()
                .flat_map(|s| {
                    s.get("target").into_iter().chain(
                        s.get("targets")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten(),
                    )
                })
                .filter_map(Value::as_str);
            if targets
                .into_iter()
                .any(|t| t.ends_with('/') || t.ends_with(std::path::MAIN_SEPARATOR))
            {
                out.push(Problem::error(
                    codes::LOCATION_DIRECTORY,
                    format!(
                        "LocationEntityProcessor cannot handle file type location with target {} that ends with a path separator",
                        reading.target
                    ),
                    "/spec",
                    ProblemTarget::Value,
                ));
            }
        }
        out
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

struct Run<'v> {
    validator: &'v Validator,
    problems: Vec<Problem>,
    /// Indices in `problems` by a hash of pointer and message, so that
    /// full mode drops repeated problems in O(1) each.
    recorded: HashMap<u64, Vec<usize>>,
    backstage_error: Option<String>,
    entity_ref: Option<EntityRef>,
    /// For each sorted reference list, the original index of each sorted item.
    sorted: Vec<(&'static str, Vec<usize>)>,
}

impl Run<'_> {
    /// Records problems of one stage; returns whether there were any.
    fn fail(&mut self, stage: Stage<'_>, problems: Vec<Problem>) -> bool {
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
    fn note_first(&mut self, stage: Stage<'_>, first: Option<&Problem>) {
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

    fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    /// The reference as Backstage prints it in messages.
    fn ref_text(&self) -> String {
        self.entity_ref
            .as_ref()
            .map_or_else(|| "<unknown>".to_owned(), EntityRef::to_key)
    }

    fn finish(mut self, mut value: Value, relations: Option<Vec<Relation>>) -> Validation {
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

/// The pointer of the first node of `value` nested deeper than `max` (the
/// root is at depth 0), found without recursion.
fn too_deep(value: &Value, max: usize) -> Option<String> {
    // Parent links, so that only the pointer found is ever built.
    let mut links: Vec<(usize, std::borrow::Cow<'_, str>)> = vec![(0, "".into())];
    let mut stack: Vec<(&Value, usize, usize)> = vec![(value, 0, 0)];
    while let Some((node, depth, link)) = stack.pop() {
        if depth > max {
            let mut tokens = Vec::new();
            let mut at = link;
            while at != 0 {
                let Some((parent, token)) = links.get(at) else {
                    break;
                };
                tokens.push(token.as_ref());
                at = *parent;
            }
            tokens.reverse();
            return Some(pointer_of(&tokens));
        }
        match node {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    if item.is_array() || item.is_object() {
                        links.push((link, i.to_string().into()));
                        stack.push((item, depth + 1, links.len() - 1));
                    }
                }
            }
            Value::Object(map) => {
                for (key, item) in map.iter().rev() {
                    if item.is_array() || item.is_object() {
                        links.push((link, key.as_str().into()));
                        stack.push((item, depth + 1, links.len() - 1));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Drops `value` without recursion, however deep it is.
pub(crate) fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Backstage sorts reference lists whose items are all strings before it
/// validates the kind (JavaScript's default sort, by UTF-16 code units).
fn sort_reference_lists(value: &mut Value) -> Vec<(&'static str, Vec<usize>)> {
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
fn restore_order(value: &mut Value, sorted: &[(&'static str, Vec<usize>)]) {
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
fn unsort_pointer(pointer: &str, sorted: &[(&'static str, Vec<usize>)]) -> String {
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

fn pointer_of(tokens: &[&str]) -> String {
    let mut p = String::new();
    for t in tokens {
        crate::yaml::push_pointer_token(&mut p, t);
    }
    p
}

/// `kind:namespace/name` as `stringifyEntityRef` prints it, when the envelope
/// allows one: `apiVersion`, `kind` and `metadata.name` non-empty strings.
fn non_empty(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn entity_ref_of(root: &Map<String, Value>) -> Option<EntityRef> {
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

fn envelope_problems(value: &Value) -> Vec<Problem> {
    let mut errors = Vec::new();
    schemas::envelope().validate_root(value, &mut errors);
    errors
        .iter()
        .take(1)
        .map(|e| {
            let mut p = problem_from_schema(codes::ENVELOPE, e, e.with_params());
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

fn annotation_problems(root: &Map<String, Value>) -> Vec<Problem> {
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

fn schema_problems(value: &Value, full: bool) -> Vec<Problem> {
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
            )
        })
        .collect()
}

fn foreign_root_problems(root: &Map<String, Value>, full: bool) -> Vec<Problem> {
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

fn problem_from_schema(code: &'static str, error: &SchemaError, message: String) -> Problem {
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

fn kind_problem(error: &SchemaError) -> Problem {
    problem_from_schema(codes::KIND_SCHEMA, error, error.with_params())
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

fn relations_from_value(root: &Map<String, Value>) -> (Vec<Relation>, Vec<RelationError>) {
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

#[cfg(test)]
mod tests;
