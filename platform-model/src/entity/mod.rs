//! Catalog entities: the envelope, metadata and the typed spec of every
//! builtin kind.

mod kind;
mod kinds;
mod meta;
mod template;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

pub use kind::EntityKind;
pub use kinds::{
    ApiSpec, ComponentSpec, DomainSpec, GroupSpec, LocationSpec, Presence, Profile, ResourceSpec,
    SystemSpec, UserSpec,
};
pub use meta::{EntityLink, EntityMeta};
pub use template::{
    ButtonLabels, Condition, FormDecorator, OutputLink, OutputText, TemplateOutput,
    TemplateParameters, TemplatePresentation, TemplateSecrets, TemplateSpec, TemplateStep,
};

use crate::entity_ref::EntityRef;

/// `apiVersion` values the builtin `backstage.io` kinds accept.
pub const BACKSTAGE_API_VERSIONS: [&str; 2] = ["backstage.io/v1alpha1", "backstage.io/v1beta1"];
/// The only `apiVersion` a Template accepts.
pub const TEMPLATE_API_VERSION: &str = "scaffolder.backstage.io/v1beta3";

/// A catalog entity: `apiVersion`, `kind`, `metadata` and a typed `spec`.
///
/// Entities of the builtin kinds (under the apiVersions Backstage accepts
/// for them) get a typed [`EntitySpec`]; any other kind keeps its spec as
/// JSON in [`EntitySpec::Other`]. Unknown fields are kept everywhere, so
/// serializing an entity gives back the JSON it was read from.
///
/// ```
/// use platform_model::{Entity, EntitySpec};
///
/// let entity: Entity = serde_json::from_value(serde_json::json!({
///     "apiVersion": "backstage.io/v1alpha1",
///     "kind": "Component",
///     "metadata": {"name": "payment-service"},
///     "spec": {"type": "service", "lifecycle": "production", "owner": "payments-team"}
/// }))?;
/// assert_eq!(entity.entity_ref().to_string(), "component:default/payment-service");
/// let EntitySpec::Component(spec) = &entity.spec else { unreachable!() };
/// assert_eq!(spec.owner, "payments-team");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Entity {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`, as written (Backstage matches builtin kinds case-sensitively).
    pub kind: String,
    /// `metadata`.
    pub metadata: EntityMeta,
    /// `spec`, typed for the builtin kinds.
    pub spec: EntitySpec,
    /// Any other root fields (such as `relations` or `status` in catalog output).
    pub extra: Map<String, Value>,
}

/// The `spec` of an entity.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EntitySpec {
    /// A Component.
    Component(ComponentSpec),
    /// An API.
    Api(ApiSpec),
    /// A Resource.
    Resource(ResourceSpec),
    /// A System.
    System(SystemSpec),
    /// A Domain.
    Domain(DomainSpec),
    /// A Group.
    Group(GroupSpec),
    /// A User.
    User(UserSpec),
    /// A Location.
    Location(LocationSpec),
    /// A scaffolder Template.
    Template(Box<TemplateSpec>),
    /// Any other kind: the spec as JSON (`None` when absent).
    Other(Option<Value>),
}

impl Entity {
    /// The entity's reference (namespace `default` when absent).
    #[must_use]
    pub fn entity_ref(&self) -> EntityRef {
        EntityRef::new(
            &self.kind,
            self.metadata.namespace_or_default(),
            &self.metadata.name,
        )
    }

    /// The namespace, or `default`.
    #[must_use]
    pub fn namespace(&self) -> &str {
        self.metadata.namespace_or_default()
    }

    /// The name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The owner reference as written, for kinds that have one.
    #[must_use]
    pub fn owner(&self) -> Option<&str> {
        match &self.spec {
            EntitySpec::Component(s) => Some(&s.owner),
            EntitySpec::Api(s) => Some(&s.owner),
            EntitySpec::Resource(s) => Some(&s.owner),
            EntitySpec::System(s) => Some(&s.owner),
            EntitySpec::Domain(s) => Some(&s.owner),
            EntitySpec::Template(s) => s.owner.as_deref(),
            _ => None,
        }
    }

    /// The `system` reference as written, for kinds that have one.
    #[must_use]
    pub fn system(&self) -> Option<&str> {
        match &self.spec {
            EntitySpec::Component(s) => s.system.as_deref(),
            EntitySpec::Api(s) => s.system.as_deref(),
            EntitySpec::Resource(s) => s.system.as_deref(),
            _ => None,
        }
    }

    /// The spec's `type`, for kinds that have one.
    #[must_use]
    pub fn spec_type(&self) -> Option<&str> {
        match &self.spec {
            EntitySpec::Component(s) => Some(&s.component_type),
            EntitySpec::Api(s) => Some(&s.api_type),
            EntitySpec::Resource(s) => Some(&s.resource_type),
            EntitySpec::System(s) => s.system_type.as_deref(),
            EntitySpec::Domain(s) => s.domain_type.as_deref(),
            EntitySpec::Group(s) => Some(&s.group_type),
            EntitySpec::Location(s) => s.location_type.as_deref(),
            EntitySpec::Template(s) => Some(&s.template_type),
            EntitySpec::User(_) => None,
            EntitySpec::Other(spec) => spec.as_ref()?.get("type")?.as_str(),
        }
    }

    /// The spec's `lifecycle`, for kinds that have one.
    #[must_use]
    pub fn lifecycle(&self) -> Option<&str> {
        match &self.spec {
            EntitySpec::Component(s) => Some(&s.lifecycle),
            EntitySpec::Api(s) => Some(&s.lifecycle),
            EntitySpec::Template(s) => s.lifecycle.as_deref(),
            EntitySpec::Other(spec) => spec.as_ref()?.get("lifecycle")?.as_str(),
            _ => None,
        }
    }

    /// Builds an entity from JSON, typing the spec of builtin kinds.
    ///
    /// This does not validate: use [`crate::validate::Validator`] first for
    /// Backstage's verdict. It fails only when a builtin kind's spec does not
    /// have the shape its type needs.
    ///
    /// # Errors
    ///
    /// A [`serde_json::Error`] naming the field that does not fit.
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        let Value::Object(mut root) = value else {
            return Err(serde::de::Error::custom("an entity must be a JSON object"));
        };
        let api_version = take_string(&mut root, "apiVersion")?;
        let kind = take_string(&mut root, "kind")?;
        let metadata: EntityMeta = match root.remove("metadata") {
            Some(m) => serde_json::from_value(m)?,
            None => return Err(serde::de::Error::missing_field("metadata")),
        };
        let spec_value = root.remove("spec");
        let spec = typed_spec(&api_version, &kind, spec_value)?;
        Ok(Self {
            api_version,
            kind,
            metadata,
            spec,
            extra: root,
        })
    }

    /// Like [`from_value`](Self::from_value), but never fails for an object
    /// with string `apiVersion`, `kind` and `metadata.name`: a spec that does
    /// not fit its typed form is kept as [`EntitySpec::Other`].
    #[must_use]
    pub fn from_value_lenient(value: Value) -> Self {
        let mut root = match value {
            Value::Object(root) => root,
            _ => Map::new(),
        };
        let text = |root: &mut Map<String, Value>, key: &str| match root.remove(key) {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let api_version = text(&mut root, "apiVersion");
        let kind = text(&mut root, "kind");
        let metadata = root
            .remove("metadata")
            .and_then(|m| serde_json::from_value(m).ok())
            .unwrap_or_default();
        let spec_value = root.remove("spec");
        let spec = match typed_spec_ref(&api_version, &kind, spec_value.as_ref()) {
            Ok(Some(spec)) => spec,
            Ok(None) | Err(_) => EntitySpec::Other(spec_value),
        };
        Self {
            api_version,
            kind,
            metadata,
            spec,
            extra: root,
        }
    }

    /// The entity as JSON.
    ///
    /// # Errors
    ///
    /// Never in practice; serialization of these types cannot fail.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

fn take_string(
    root: &mut Map<String, Value>,
    field: &'static str,
) -> Result<String, serde_json::Error> {
    match root.remove(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(serde::de::Error::custom(format!(
            "`{field}` must be a string, found {other}"
        ))),
        None => Err(serde::de::Error::missing_field(field)),
    }
}

fn typed_spec(
    api_version: &str,
    kind: &str,
    spec: Option<Value>,
) -> Result<EntitySpec, serde_json::Error> {
    let builtin = BACKSTAGE_API_VERSIONS.contains(&api_version);
    let template = api_version == TEMPLATE_API_VERSION && kind == "Template";
    if !(builtin || template) {
        return Ok(EntitySpec::Other(spec));
    }
    let Some(spec) = spec else {
        return if template || is_builtin_kind(kind) {
            Err(serde::de::Error::missing_field("spec"))
        } else {
            Ok(EntitySpec::Other(None))
        };
    };
    Ok(match kind {
        _ if template => EntitySpec::Template(Box::new(serde_json::from_value(spec)?)),
        "Component" => EntitySpec::Component(serde_json::from_value(spec)?),
        "API" => EntitySpec::Api(serde_json::from_value(spec)?),
        "Resource" => EntitySpec::Resource(serde_json::from_value(spec)?),
        "System" => EntitySpec::System(serde_json::from_value(spec)?),
        "Domain" => EntitySpec::Domain(serde_json::from_value(spec)?),
        "Group" => EntitySpec::Group(serde_json::from_value(spec)?),
        "User" => EntitySpec::User(serde_json::from_value(spec)?),
        "Location" => EntitySpec::Location(serde_json::from_value(spec)?),
        _ => EntitySpec::Other(Some(spec)),
    })
}

/// Like [`typed_spec`] but reading the spec by reference, so the caller
/// keeps it when it does not fit; `Ok(None)` for kinds that are not typed.
fn typed_spec_ref(
    api_version: &str,
    kind: &str,
    spec: Option<&Value>,
) -> Result<Option<EntitySpec>, serde_json::Error> {
    let builtin = BACKSTAGE_API_VERSIONS.contains(&api_version);
    let template = api_version == TEMPLATE_API_VERSION && kind == "Template";
    let Some(spec) = spec.filter(|_| builtin || template) else {
        return Ok(None);
    };
    Ok(Some(match kind {
        _ if template => EntitySpec::Template(Box::new(TemplateSpec::deserialize(spec)?)),
        "Component" => EntitySpec::Component(ComponentSpec::deserialize(spec)?),
        "API" => EntitySpec::Api(ApiSpec::deserialize(spec)?),
        "Resource" => EntitySpec::Resource(ResourceSpec::deserialize(spec)?),
        "System" => EntitySpec::System(SystemSpec::deserialize(spec)?),
        "Domain" => EntitySpec::Domain(DomainSpec::deserialize(spec)?),
        "Group" => EntitySpec::Group(GroupSpec::deserialize(spec)?),
        "User" => EntitySpec::User(UserSpec::deserialize(spec)?),
        "Location" => EntitySpec::Location(LocationSpec::deserialize(spec)?),
        _ => return Ok(None),
    }))
}

fn is_builtin_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Component" | "API" | "Resource" | "System" | "Domain" | "Group" | "User" | "Location"
    )
}

impl Serialize for Entity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("apiVersion", &self.api_version)?;
        map.serialize_entry("kind", &self.kind)?;
        map.serialize_entry("metadata", &self.metadata)?;
        match &self.spec {
            EntitySpec::Component(s) => map.serialize_entry("spec", s)?,
            EntitySpec::Api(s) => map.serialize_entry("spec", s)?,
            EntitySpec::Resource(s) => map.serialize_entry("spec", s)?,
            EntitySpec::System(s) => map.serialize_entry("spec", s)?,
            EntitySpec::Domain(s) => map.serialize_entry("spec", s)?,
            EntitySpec::Group(s) => map.serialize_entry("spec", s)?,
            EntitySpec::User(s) => map.serialize_entry("spec", s)?,
            EntitySpec::Location(s) => map.serialize_entry("spec", s)?,
            EntitySpec::Template(s) => map.serialize_entry("spec", s)?,
            EntitySpec::Other(Some(s)) => map.serialize_entry("spec", s)?,
            EntitySpec::Other(None) => {}
        }
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Entity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_unknown_fields() {
        let input = json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": "a", "custom": {"x": 1}, "labels": {"b": "1", "a": "2"}},
            "spec": {"type": "service", "lifecycle": "production", "owner": "t", "extraField": [1, 2]},
        });
        let entity = Entity::from_value(input.clone()).expect("entity");
        assert_eq!(entity.to_value().expect("json"), input);
    }

    #[test]
    fn unknown_kinds_keep_their_spec() {
        let input = json!({"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"a": 1}});
        let entity = Entity::from_value(input.clone()).expect("entity");
        assert!(matches!(entity.spec, EntitySpec::Other(Some(_))));
        assert_eq!(entity.to_value().expect("json"), input);
    }

    #[test]
    fn template_steps_are_typed() {
        let entity = Entity::from_value(json!({
            "apiVersion": TEMPLATE_API_VERSION, "kind": "Template", "metadata": {"name": "t"},
            "spec": {"type": "service", "parameters": [{"title": "p"}],
                "steps": [{"id": "a", "action": "debug:log", "if": false, "input": {"message": "hi"}}]}
        }))
        .expect("template");
        let EntitySpec::Template(spec) = &entity.spec else {
            panic!("not a template")
        };
        assert_eq!(spec.steps[0].condition, Some(Condition::Bool(false)));
        assert_eq!(spec.parameter_pages().len(), 1);
    }
}
