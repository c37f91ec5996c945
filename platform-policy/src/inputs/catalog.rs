//! Catalog entity documents.

use platform_model::{Entity, EntityRef};
use serde_json::Value;

use super::location::YamlLocation;
use super::pointer::pointer;

/// A catalog entity document (any `backstage.io` apiVersion).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CatalogDoc {
    /// Where it is written.
    pub location: YamlLocation,
    /// The document as JSON (read with YAML 1.2, as Backstage does).
    pub value: Value,
    /// The entity, read leniently (it may be invalid for Backstage; catalog
    /// validation is `platform-model`'s job).
    pub entity: Entity,
}

impl CatalogDoc {
    /// The value at a JSON pointer.
    #[must_use]
    pub fn get(&self, at: &str) -> Option<&Value> {
        pointer(&self.value, at)
    }

    /// A string annotation.
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.value
            .get("metadata")?
            .get("annotations")?
            .get(key)?
            .as_str()
    }

    /// `kind`.
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.entity.kind
    }

    /// The lowercased `kind:namespace/name` reference.
    #[must_use]
    pub fn reference(&self) -> String {
        EntityRef::new(
            &self.entity.kind,
            self.entity.metadata.namespace_or_default(),
            &self.entity.metadata.name,
        )
        .to_string()
    }

    /// `spec.<field>` as a string.
    #[must_use]
    pub fn spec_str(&self, field: &str) -> Option<&str> {
        self.value.get("spec")?.get(field)?.as_str()
    }
}
