//! JSON Schemas (draft-07) of the catalog kinds, for editors (feature
//! `schema`).
//!
//! Point yaml-language-server at the output of [`catalog_schema`], for
//! example with a `# yaml-language-server: $schema=catalog.schema.json`
//! comment, to get completion and checks while editing `catalog-info.yaml`.
//! The schemas describe the fields' shapes; Backstage's format rules (name
//! patterns, tags, …) are checked by [`crate::validate`].
//!
//! ```
//! let schema = platform_model::schema::kind_schema("Component").unwrap();
//! assert_eq!(schema["properties"]["kind"]["const"], "Component");
//! assert!(schema["required"].as_array().unwrap().iter().any(|r| r == "spec"));
//! ```

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::entity::{
    ApiSpec, ComponentSpec, DomainSpec, EntityMeta, GroupSpec, LocationSpec, ResourceSpec,
    SystemSpec, TemplateSpec, UserSpec,
};

/// The kinds a schema exists for, with their accepted apiVersions.
pub const KINDS: [(&str, &[&str]); 9] = [
    (
        "Component",
        &["backstage.io/v1alpha1", "backstage.io/v1beta1"],
    ),
    ("API", &["backstage.io/v1alpha1", "backstage.io/v1beta1"]),
    (
        "Resource",
        &["backstage.io/v1alpha1", "backstage.io/v1beta1"],
    ),
    ("System", &["backstage.io/v1alpha1", "backstage.io/v1beta1"]),
    ("Domain", &["backstage.io/v1alpha1", "backstage.io/v1beta1"]),
    ("Group", &["backstage.io/v1alpha1", "backstage.io/v1beta1"]),
    ("User", &["backstage.io/v1alpha1", "backstage.io/v1beta1"]),
    (
        "Location",
        &["backstage.io/v1alpha1", "backstage.io/v1beta1"],
    ),
    ("Template", &["scaffolder.backstage.io/v1beta3"]),
];

fn schema_for<Spec: JsonSchema>(kind: &str, versions: &[&str]) -> Value {
    let mut generator = SchemaSettings::draft07().into_generator();
    let meta = generator.subschema_for::<EntityMeta>().to_value();
    let spec = generator.subschema_for::<Spec>().to_value();
    let definitions = generator.take_definitions(true);
    // Inline the two top-level types so the schema reads directly.
    let inline = |schema: Value| match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/definitions/")
            .and_then(|name| definitions.get(name))
            .cloned()
            .unwrap_or(schema),
        None => schema,
    };
    let (meta, spec) = (inline(meta), inline(spec));
    let mut schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": format!("Backstage {kind}"),
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": false,
        "properties": {
            "apiVersion": {"enum": versions},
            "kind": {"const": kind},
            "metadata": meta,
            "spec": spec,
        },
    });
    if !definitions.is_empty() {
        schema["definitions"] = Value::Object(definitions);
    }
    schema
}

/// The schema of one kind (exact, case-sensitive name), or `None`.
#[must_use]
pub fn kind_schema(kind: &str) -> Option<Value> {
    let versions = KINDS.iter().find(|(k, _)| *k == kind)?.1;
    Some(match kind {
        "Component" => schema_for::<ComponentSpec>(kind, versions),
        "API" => schema_for::<ApiSpec>(kind, versions),
        "Resource" => schema_for::<ResourceSpec>(kind, versions),
        "System" => schema_for::<SystemSpec>(kind, versions),
        "Domain" => schema_for::<DomainSpec>(kind, versions),
        "Group" => schema_for::<GroupSpec>(kind, versions),
        "User" => schema_for::<UserSpec>(kind, versions),
        "Location" => schema_for::<LocationSpec>(kind, versions),
        "Template" => schema_for::<TemplateSpec>(kind, versions),
        _ => return None,
    })
}

/// One schema accepting any builtin kind, selected by `kind` (`if`/`then`
/// per kind, which editors resolve to the right completion).
#[must_use]
pub fn catalog_schema() -> Value {
    let mut definitions = Map::new();
    let mut branches = Vec::new();
    for (kind, _) in KINDS {
        let Some(mut schema) = kind_schema(kind) else {
            continue;
        };
        if let Some(Value::Object(defs)) =
            schema.as_object_mut().and_then(|s| s.remove("definitions"))
        {
            definitions.extend(defs);
        }
        if let Some(object) = schema.as_object_mut() {
            object.shift_remove("$schema");
        }
        branches.push(json!({
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": schema,
        }));
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Backstage catalog entity",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata"],
        "allOf": branches,
        "definitions": definitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_schema_with_its_required_spec_fields() {
        let component = kind_schema("Component").expect("component");
        let spec = &component["properties"]["spec"];
        let required = spec["required"].as_array().cloned().unwrap_or_default();
        for field in ["type", "lifecycle", "owner"] {
            assert!(required.iter().any(|r| r == field), "{spec}");
        }
        let group = kind_schema("Group").expect("group");
        assert!(
            group["properties"]["spec"]["required"]
                .as_array()
                .expect("required")
                .iter()
                .any(|r| r == "children")
        );
        assert!(kind_schema("component").is_none());
        let all = catalog_schema();
        assert_eq!(all["allOf"].as_array().map(Vec::len), Some(9));
    }
}
