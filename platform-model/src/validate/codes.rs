//! Stable diagnostic codes of entity validation (the values of
//! [`crate::codes`] under their first names).

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
