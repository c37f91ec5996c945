//! The Location step: the location an entity was read from, the
//! annotations Backstage stamps with it, and the checks Backstage applies to
//! Location entities (allowed types, no directory targets).

use serde_json::{Map, Value};

use crate::validate::api::Validator;
use crate::validate::codes;
use crate::validate::problem::{Problem, ProblemTarget};

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
pub(crate) fn stamp_location(value: &mut Value, reading: &ReadingLocation) {
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

impl Validator {
    pub(crate) fn location_problems(
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
