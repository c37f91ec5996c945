//! Typed `spec` blocks of the builtin kinds.
//!
//! Optional arrays are `Option<Vec<_>>` so that an absent field and an empty
//! list stay distinct and entities round-trip exactly; accessor methods give
//! the plain slices. Unknown spec fields are kept in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `spec.dependencyOf`: Backstage's schemas do not type it (it may hold
/// compound `{kind, namespace, name}` references), so it stays in `extra`.
fn dependency_of(extra: &Map<String, Value>) -> Option<&Value> {
    extra.get("dependencyOf")
}

macro_rules! string_list_accessors {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $name(&self) -> &[String] {
                self.$name.as_deref().unwrap_or_default()
            }
        )*
    };
}

/// `spec` of a `Component`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ComponentSpec {
    /// Component type: `service`, `website`, `library`, …
    #[serde(rename = "type")]
    pub component_type: String,
    /// Lifecycle: `experimental`, `production`, `deprecated`, …
    pub lifecycle: String,
    /// Owner reference (default kind Group).
    pub owner: String,
    /// System reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Parent component reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcomponent_of: Option<String>,
    /// APIs this component provides (default kind API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provides_apis: Option<Vec<String>>,
    /// APIs this component consumes (default kind API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumes_apis: Option<Vec<String>>,
    /// Dependencies (kind required in each reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<String>>,
    /// Any other spec fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ComponentSpec {
    /// `dependencyOf` as written (untyped in Backstage's schema; kept in `extra`).
    #[must_use]
    pub fn dependency_of(&self) -> Option<&Value> {
        dependency_of(&self.extra)
    }

    string_list_accessors!(
        /// `providesApis`, empty when absent.
        provides_apis,
        /// `consumesApis`, empty when absent.
        consumes_apis,
        /// `dependsOn`, empty when absent.
        depends_on,
    );
}

/// `spec` of an `API`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiSpec {
    /// API type: `openapi`, `asyncapi`, `graphql`, `grpc`, …
    #[serde(rename = "type")]
    pub api_type: String,
    /// Lifecycle.
    pub lifecycle: String,
    /// Owner reference (default kind Group).
    pub owner: String,
    /// System reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The definition text (after `$text` placeholders are resolved).
    pub definition: String,
    /// Any other spec fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec` of a `Resource`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceSpec {
    /// Resource type: `database`, `s3-bucket`, …
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Owner reference (default kind Group).
    pub owner: String,
    /// Dependencies (kind required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<String>>,
    /// System reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Any other spec fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResourceSpec {
    /// `dependencyOf` as written (untyped in Backstage's schema; kept in `extra`).
    #[must_use]
    pub fn dependency_of(&self) -> Option<&Value> {
        dependency_of(&self.extra)
    }

    string_list_accessors!(
        /// `dependsOn`, empty when absent.
        depends_on,
    );
}

/// `spec` of a `System`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SystemSpec {
    /// Owner reference (default kind Group).
    pub owner: String,
    /// Domain reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// System type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub system_type: Option<String>,
    /// Any other spec fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec` of a `Domain`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DomainSpec {
    /// Owner reference (default kind Group).
    pub owner: String,
    /// Parent domain reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain_of: Option<String>,
    /// Domain type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub domain_type: Option<String>,
    /// Any other spec fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec.profile` of a Group or User.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Profile {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Any other profile fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec` of a `Group`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupSpec {
    /// Group type: `team`, `department`, `organization`, …
    #[serde(rename = "type")]
    pub group_type: String,
    /// Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// Parent group reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Child group references (required, may be empty).
    pub children: Vec<String>,
    /// Member user references (default kind User).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    /// Any other spec fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GroupSpec {
    string_list_accessors!(
        /// `members`, empty when absent.
        members,
    );
}

/// `spec` of a `User`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserSpec {
    /// Profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// Group references (required, may be empty).
    pub member_of: Vec<String>,
    /// Any other spec fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec.presence` of a `Location`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// A missing target is an error (the default).
    #[default]
    Required,
    /// A missing target is ignored.
    Optional,
}

/// `spec` of a `Location`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocationSpec {
    /// Location type (`file`, `url`, …); inherited from the reading location when absent.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub location_type: Option<String>,
    /// A single target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// More targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
    /// Whether a missing target is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<Presence>,
    /// Any other spec fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LocationSpec {
    /// `target` followed by `targets`, the order Backstage reads them in.
    pub fn all_targets(&self) -> impl Iterator<Item = &str> {
        self.target
            .as_deref()
            .into_iter()
            .chain(self.targets.iter().flatten().map(String::as_str))
    }
}
