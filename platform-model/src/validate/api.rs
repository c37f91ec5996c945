//! The public face of validation: the [`Validator`], its builder and
//! settings, and the [`KindValidator`] trait users plug their own kinds in
//! with.

use std::sync::Arc;

use serde_json::Value;

use super::format::FieldValidators;

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

/// Validates entities with Backstage's rules. Cheap to clone and share
/// between threads.
#[derive(Clone)]
pub struct Validator {
    pub(super) mode: ValidationMode,
    pub(super) fields: FieldValidators,
    pub(super) kinds: Vec<Arc<dyn KindValidator>>,
    pub(super) allow_unknown_kinds: bool,
    pub(super) allowed_location_types: Vec<String>,
    pub(super) max_depth: usize,
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
}
