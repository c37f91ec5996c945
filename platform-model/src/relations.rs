//! Relations between entities, derived from spec fields exactly as
//! Backstage's `BuiltinKindsEntityProcessor` (and the scaffolder's processor
//! for Template owners) emit them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::entity::{Entity, EntitySpec};
use crate::entity_ref::{EntityRef, RefError};

/// The 14 relation types, in forward/reverse pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum RelationType {
    /// Entity → its owner.
    #[serde(rename = "ownedBy")]
    OwnedBy,
    /// Owner → what it owns.
    #[serde(rename = "ownerOf")]
    OwnerOf,
    /// Component → API it consumes.
    #[serde(rename = "consumesApi")]
    ConsumesApi,
    /// API → component consuming it.
    #[serde(rename = "apiConsumedBy")]
    ApiConsumedBy,
    /// Component → API it provides.
    #[serde(rename = "providesApi")]
    ProvidesApi,
    /// API → component providing it.
    #[serde(rename = "apiProvidedBy")]
    ApiProvidedBy,
    /// Entity → what it depends on.
    #[serde(rename = "dependsOn")]
    DependsOn,
    /// Dependency → what depends on it.
    #[serde(rename = "dependencyOf")]
    DependencyOf,
    /// Parent group → child group.
    #[serde(rename = "parentOf")]
    ParentOf,
    /// Child group → parent group.
    #[serde(rename = "childOf")]
    ChildOf,
    /// User → group.
    #[serde(rename = "memberOf")]
    MemberOf,
    /// Group → user.
    #[serde(rename = "hasMember")]
    HasMember,
    /// Part → whole (component of a system, system of a domain, …).
    #[serde(rename = "partOf")]
    PartOf,
    /// Whole → part.
    #[serde(rename = "hasPart")]
    HasPart,
}

impl RelationType {
    /// All 14 types.
    pub const ALL: [Self; 14] = [
        Self::OwnedBy,
        Self::OwnerOf,
        Self::ConsumesApi,
        Self::ApiConsumedBy,
        Self::ProvidesApi,
        Self::ApiProvidedBy,
        Self::DependsOn,
        Self::DependencyOf,
        Self::ParentOf,
        Self::ChildOf,
        Self::MemberOf,
        Self::HasMember,
        Self::PartOf,
        Self::HasPart,
    ];

    /// Backstage's name (`ownedBy`, `apiProvidedBy`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OwnedBy => "ownedBy",
            Self::OwnerOf => "ownerOf",
            Self::ConsumesApi => "consumesApi",
            Self::ApiConsumedBy => "apiConsumedBy",
            Self::ProvidesApi => "providesApi",
            Self::ApiProvidedBy => "apiProvidedBy",
            Self::DependsOn => "dependsOn",
            Self::DependencyOf => "dependencyOf",
            Self::ParentOf => "parentOf",
            Self::ChildOf => "childOf",
            Self::MemberOf => "memberOf",
            Self::HasMember => "hasMember",
            Self::PartOf => "partOf",
            Self::HasPart => "hasPart",
        }
    }

    /// The type of the same relation seen from the other end.
    #[must_use]
    pub fn reverse(self) -> Self {
        match self {
            Self::OwnedBy => Self::OwnerOf,
            Self::OwnerOf => Self::OwnedBy,
            Self::ConsumesApi => Self::ApiConsumedBy,
            Self::ApiConsumedBy => Self::ConsumesApi,
            Self::ProvidesApi => Self::ApiProvidedBy,
            Self::ApiProvidedBy => Self::ProvidesApi,
            Self::DependsOn => Self::DependencyOf,
            Self::DependencyOf => Self::DependsOn,
            Self::ParentOf => Self::ChildOf,
            Self::ChildOf => Self::ParentOf,
            Self::MemberOf => Self::HasMember,
            Self::HasMember => Self::MemberOf,
            Self::PartOf => Self::HasPart,
            Self::HasPart => Self::PartOf,
        }
    }
}

impl fmt::Display for RelationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not one of the 14 relation type names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown relation type `{0}`")]
pub struct UnknownRelationType(pub String);

impl FromStr for RelationType {
    type Err = UnknownRelationType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownRelationType(s.to_owned()))
    }
}

/// A directed relation `source --type--> target`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Relation {
    /// The entity the relation starts from.
    pub source: EntityRef,
    /// The relation type.
    #[serde(rename = "type")]
    pub relation_type: RelationType,
    /// The entity the relation points at (it may not exist).
    pub target: EntityRef,
    /// The spec field that declared it, on the entity that declared it (the
    /// source of a forward relation, the target of its reverse).
    #[serde(skip)]
    pub origin: RelationOrigin,
}

impl Relation {
    /// Whether this is the direction written in the declaring entity's spec.
    #[must_use]
    pub fn is_forward(&self) -> bool {
        self.relation_type == self.origin.forward
    }
}

/// Where a relation was declared: a spec field, and the item index for lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RelationOrigin {
    /// The spec field (`owner`, `dependsOn`, …).
    pub field: &'static str,
    /// The item's index in the field as written, for list fields.
    pub index: Option<u32>,
    /// The forward relation type of the field.
    pub forward: RelationType,
}

impl RelationOrigin {
    /// JSON pointer of the reference in the declaring entity.
    #[must_use]
    pub fn pointer(&self) -> String {
        match self.index {
            Some(i) => format!("/spec/{}/{i}", self.field),
            None => format!("/spec/{}", self.field),
        }
    }
}

/// A spec field that holds references, with what Backstage derives from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelationField {
    /// The field name in `spec` (`owner`, `dependsOn`, …).
    pub field: &'static str,
    /// The kind assumed when a reference has none (`None`: the kind is required).
    pub default_kind: Option<&'static str>,
    /// The relation from the entity to each target.
    pub forward: RelationType,
}

/// A reference in a spec field that Backstage cannot parse; it fails the
/// entity at post-processing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct RelationError {
    /// The spec field (`dependsOn`).
    pub field: &'static str,
    /// Index of the item in the field as written, when the field is a list.
    pub index: Option<usize>,
    /// Why it does not parse.
    #[source]
    pub error: RefError,
}

impl RelationError {
    /// JSON pointer of the offending value.
    #[must_use]
    pub fn pointer(&self) -> String {
        match self.index {
            Some(i) => format!("/spec/{}/{i}", self.field),
            None => format!("/spec/{}", self.field),
        }
    }
}

/// A value found in a reference field: usually text; Backstage also takes a
/// compound `{kind, namespace, name}` object in fields its schemas do not
/// type (`dependencyOf`).
#[derive(Clone, Copy, Debug)]
pub enum RefInput<'a> {
    /// A reference string.
    Text(&'a str),
    /// Any JSON value (a compound reference, or something invalid).
    Json(&'a serde_json::Value),
}

impl RefInput<'_> {
    /// Parses the reference as Backstage does for a relation field.
    ///
    /// # Errors
    ///
    /// [`RefError`] as Backstage's `parseEntityRef` would throw it.
    pub fn parse(
        self,
        default_kind: Option<&str>,
        default_namespace: &str,
    ) -> Result<EntityRef, RefError> {
        use serde_json::Value;
        match self {
            Self::Text(text) => EntityRef::parse_with(text, default_kind, default_namespace),
            Self::Json(Value::String(text)) => {
                EntityRef::parse_with(text, default_kind, default_namespace)
            }
            Self::Json(value) => {
                if is_falsy(value) {
                    return Err(RefError::Empty);
                }
                let json = serde_json::to_string(value).unwrap_or_default();
                let part = |key: &str| -> Option<String> {
                    match value.get(key)? {
                        Value::Null => None,
                        Value::String(s) => Some(s.clone()),
                        other => Some(other.to_string()),
                    }
                };
                let kind = part("kind").or_else(|| default_kind.map(str::to_owned));
                let namespace = part("namespace").unwrap_or_else(|| {
                    if default_namespace.is_empty() {
                        crate::entity_ref::DEFAULT_NAMESPACE
                    } else {
                        default_namespace
                    }
                    .to_owned()
                });
                let name = part("name");
                let kind = kind
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| RefError::MissingKind(json.clone()))?;
                if namespace.is_empty() {
                    return Err(RefError::MissingNamespace(json));
                }
                let name = name
                    .filter(|n| !n.is_empty())
                    .ok_or(RefError::MissingName(json))?;
                Ok(EntityRef::new(kind, namespace, name))
            }
        }
    }
}

const fn field(
    field: &'static str,
    default_kind: Option<&'static str>,
    forward: RelationType,
) -> RelationField {
    RelationField {
        field,
        default_kind,
        forward,
    }
}

/// The reference fields Backstage reads for a kind, in emission order.
/// Matching is on the exact (case-sensitive) kind, as Backstage does.
#[must_use]
pub fn relation_fields(kind: &str) -> &'static [RelationField] {
    use RelationType as R;
    const OWNER: RelationField = field("owner", Some("Group"), R::OwnedBy);
    const SYSTEM: RelationField = field("system", Some("System"), R::PartOf);
    const DEPENDS_ON: RelationField = field("dependsOn", None, R::DependsOn);
    const DEPENDENCY_OF: RelationField = field("dependencyOf", None, R::DependencyOf);
    const COMPONENT: &[RelationField] = &[
        OWNER,
        field("subcomponentOf", Some("Component"), R::PartOf),
        field("providesApis", Some("API"), R::ProvidesApi),
        field("consumesApis", Some("API"), R::ConsumesApi),
        DEPENDS_ON,
        DEPENDENCY_OF,
        SYSTEM,
    ];
    const API: &[RelationField] = &[OWNER, SYSTEM];
    const RESOURCE: &[RelationField] = &[OWNER, DEPENDS_ON, DEPENDENCY_OF, SYSTEM];
    const USER: &[RelationField] = &[field("memberOf", Some("Group"), R::MemberOf)];
    const GROUP: &[RelationField] = &[
        field("parent", Some("Group"), R::ChildOf),
        field("children", Some("Group"), R::ParentOf),
        field("members", Some("User"), R::HasMember),
    ];
    const SYSTEM_FIELDS: &[RelationField] = &[OWNER, field("domain", Some("Domain"), R::PartOf)];
    const DOMAIN: &[RelationField] = &[OWNER, field("subdomainOf", Some("Domain"), R::PartOf)];
    const TEMPLATE: &[RelationField] = &[OWNER];
    match kind {
        "Component" => COMPONENT,
        "API" => API,
        "Resource" => RESOURCE,
        "User" => USER,
        "Group" => GROUP,
        "System" => SYSTEM_FIELDS,
        "Domain" => DOMAIN,
        "Template" => TEMPLATE,
        _ => &[],
    }
}

fn one(v: &Option<String>) -> Vec<&str> {
    v.as_deref().into_iter().collect()
}

fn many(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn text(values: Vec<&str>) -> Vec<RefInput<'_>> {
    values.into_iter().map(RefInput::Text).collect()
}

fn json(value: Option<&serde_json::Value>) -> Vec<RefInput<'_>> {
    match value {
        Some(serde_json::Value::Array(items)) => items.iter().map(RefInput::Json).collect(),
        Some(v) if !is_falsy(v) => vec![RefInput::Json(v)],
        _ => Vec::new(),
    }
}

fn typed_fields(entity: &Entity) -> Vec<Vec<RefInput<'_>>> {
    let fields: Vec<Vec<RefInput<'_>>> = match &entity.spec {
        EntitySpec::Component(s) => vec![
            text(vec![s.owner.as_str()]),
            text(one(&s.subcomponent_of)),
            text(many(s.provides_apis())),
            text(many(s.consumes_apis())),
            text(many(s.depends_on())),
            json(s.dependency_of()),
            text(one(&s.system)),
        ],
        EntitySpec::Api(s) => vec![text(vec![s.owner.as_str()]), text(one(&s.system))],
        EntitySpec::Resource(s) => vec![
            text(vec![s.owner.as_str()]),
            text(many(s.depends_on())),
            json(s.dependency_of()),
            text(one(&s.system)),
        ],
        EntitySpec::User(s) => vec![text(many(&s.member_of))],
        EntitySpec::Group(s) => vec![
            text(one(&s.parent)),
            text(many(&s.children)),
            text(many(s.members())),
        ],
        EntitySpec::System(s) => vec![text(vec![s.owner.as_str()]), text(one(&s.domain))],
        EntitySpec::Domain(s) => vec![text(vec![s.owner.as_str()]), text(one(&s.subdomain_of))],
        EntitySpec::Template(s) => vec![text(one(&s.owner))],
        _ => Vec::new(),
    };
    fields
}

/// JavaScript falsiness of a JSON value.
pub(crate) fn is_falsy(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

/// Every reference the entity's spec declares, with the field it is in and
/// its index in the field as written, without parsing them: the fast path
/// for building graphs.
#[must_use]
pub fn references(entity: &Entity) -> Vec<(RelationField, Option<u32>, RefInput<'_>)> {
    let mut out = Vec::new();
    for_each_reference(entity, |field, index, value| {
        out.push((*field, index, value))
    });
    out
}

/// Calls `visit` with every reference the entity's spec declares, its field
/// and its index in the field as written, without allocating.
pub fn for_each_reference<'a>(
    entity: &'a Entity,
    mut visit: impl FnMut(&RelationField, Option<u32>, RefInput<'a>),
) {
    let fields = relation_fields(&entity.kind);
    let mut emit = |position: usize, index: Option<u32>, value: RefInput<'a>| {
        if let Some(field) = fields.get(position) {
            visit(field, index, value);
        }
    };
    let list = |emit: &mut dyn FnMut(usize, Option<u32>, RefInput<'a>),
                position: usize,
                values: &'a [String]| {
        for (i, value) in values.iter().enumerate() {
            emit(position, u32::try_from(i).ok(), RefInput::Text(value));
        }
    };
    let json = |emit: &mut dyn FnMut(usize, Option<u32>, RefInput<'a>),
                position: usize,
                value: Option<&'a serde_json::Value>| match value {
        Some(serde_json::Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                emit(position, u32::try_from(i).ok(), RefInput::Json(item));
            }
        }
        Some(v) if !is_falsy(v) => emit(position, None, RefInput::Json(v)),
        _ => {}
    };
    let one = |emit: &mut dyn FnMut(usize, Option<u32>, RefInput<'a>),
               position: usize,
               value: Option<&'a String>| {
        if let Some(value) = value {
            emit(position, None, RefInput::Text(value));
        }
    };
    match &entity.spec {
        EntitySpec::Component(s) => {
            one(&mut emit, 0, Some(&s.owner));
            one(&mut emit, 1, s.subcomponent_of.as_ref());
            list(&mut emit, 2, s.provides_apis());
            list(&mut emit, 3, s.consumes_apis());
            list(&mut emit, 4, s.depends_on());
            json(&mut emit, 5, s.dependency_of());
            one(&mut emit, 6, s.system.as_ref());
        }
        EntitySpec::Api(s) => {
            one(&mut emit, 0, Some(&s.owner));
            one(&mut emit, 1, s.system.as_ref());
        }
        EntitySpec::Resource(s) => {
            one(&mut emit, 0, Some(&s.owner));
            list(&mut emit, 1, s.depends_on());
            json(&mut emit, 2, s.dependency_of());
            one(&mut emit, 3, s.system.as_ref());
        }
        EntitySpec::User(s) => list(&mut emit, 0, &s.member_of),
        EntitySpec::Group(s) => {
            one(&mut emit, 0, s.parent.as_ref());
            list(&mut emit, 1, &s.children);
            list(&mut emit, 2, s.members());
        }
        EntitySpec::System(s) => {
            one(&mut emit, 0, Some(&s.owner));
            one(&mut emit, 1, s.domain.as_ref());
        }
        EntitySpec::Domain(s) => {
            one(&mut emit, 0, Some(&s.owner));
            one(&mut emit, 1, s.subdomain_of.as_ref());
        }
        EntitySpec::Template(s) => one(&mut emit, 0, s.owner.as_ref()),
        _ => {}
    }
}

/// Every relation the entity emits, forward and reverse, in Backstage's
/// order. Targets are kept whether or not they exist, and their kind is not
/// checked against the field.
///
/// # Errors
///
/// The first reference that does not parse; Backstage then fails the whole
/// entity.
///
/// ```
/// use platform_model::{Entity, relations::relations_of};
///
/// let entity = Entity::from_value(serde_json::json!({
///     "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
///     "metadata": {"name": "web", "namespace": "shop"},
///     "spec": {"type": "website", "lifecycle": "production", "owner": "team-a",
///              "dependsOn": ["resource:db"]}
/// }))?;
/// let relations = relations_of(&entity)?;
/// let text: Vec<String> = relations.iter()
///     .map(|r| format!("{} {} {}", r.source, r.relation_type, r.target))
///     .collect();
/// assert_eq!(text, [
///     "component:shop/web ownedBy group:shop/team-a",
///     "group:shop/team-a ownerOf component:shop/web",
///     "component:shop/web dependsOn resource:shop/db",
///     "resource:shop/db dependencyOf component:shop/web",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn relations_of(entity: &Entity) -> Result<Vec<Relation>, RelationError> {
    let mut fields = typed_fields(entity).into_iter();
    let (relations, mut errors) = collect_relations(&entity.entity_ref(), &entity.kind, |_| {
        fields.next().unwrap_or_default()
    });
    match errors.is_empty() {
        true => Ok(relations),
        false => Err(errors.swap_remove(0)),
    }
}

/// Derives relations field by field: `values_of` gives the values of each
/// field of [`relation_fields`] in turn. Returns the relations and every
/// reference that does not parse, in Backstage's order.
pub(crate) fn collect_relations<'a>(
    source: &EntityRef,
    kind: &str,
    mut values_of: impl FnMut(&'static str) -> Vec<RefInput<'a>>,
) -> (Vec<Relation>, Vec<RelationError>) {
    let namespace = source.namespace();
    let mut relations = Vec::new();
    let mut errors = Vec::new();
    for spec_field in relation_fields(kind) {
        let values = values_of(spec_field.field);
        let is_list = LIST_FIELDS.contains(&spec_field.field);
        let mut order: Vec<(usize, RefInput<'a>)> = values.into_iter().enumerate().collect();
        if SORTED_FIELDS.contains(&spec_field.field)
            && order.iter().all(|(_, v)| {
                matches!(
                    v,
                    RefInput::Text(_) | RefInput::Json(serde_json::Value::String(_))
                )
            })
        {
            order.sort_by(|(_, a), (_, b)| js_cmp(text_of(*a), text_of(*b)));
        }
        for (index, value) in order {
            match value.parse(spec_field.default_kind, namespace) {
                Ok(target) => {
                    let origin = RelationOrigin {
                        field: spec_field.field,
                        index: if is_list {
                            u32::try_from(index).ok()
                        } else {
                            None
                        },
                        forward: spec_field.forward,
                    };
                    relations.push(Relation {
                        source: source.clone(),
                        relation_type: spec_field.forward,
                        target: target.clone(),
                        origin,
                    });
                    relations.push(Relation {
                        source: target,
                        relation_type: spec_field.forward.reverse(),
                        target: source.clone(),
                        origin,
                    });
                }
                Err(error) => errors.push(RelationError {
                    field: spec_field.field,
                    index: is_list.then_some(index),
                    error,
                }),
            }
        }
    }
    (relations, errors)
}

fn text_of(value: RefInput<'_>) -> &str {
    match value {
        RefInput::Text(t) => t,
        RefInput::Json(serde_json::Value::String(t)) => t.as_str(),
        RefInput::Json(_) => "",
    }
}

/// Fields that hold lists of references.
pub(crate) const LIST_FIELDS: [&str; 7] = [
    "providesApis",
    "consumesApis",
    "dependsOn",
    "dependencyOf",
    "memberOf",
    "children",
    "members",
];

/// Fields whose string arrays Backstage sorts before deriving relations (all
/// list fields).
const SORTED_FIELDS: [&str; 7] = LIST_FIELDS;

/// JavaScript's default sort compares UTF-16 code units.
fn js_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entity(value: serde_json::Value) -> Entity {
        Entity::from_value(value).expect("entity")
    }

    #[test]
    fn reverse_pairs() {
        for t in RelationType::ALL {
            assert_eq!(t.reverse().reverse(), t);
            assert_eq!(t.as_str().parse::<RelationType>(), Ok(t));
        }
    }

    #[test]
    fn depends_on_without_kind_fails() {
        let e = entity(
            json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Resource",
            "metadata": {"name": "r"}, "spec": {"type": "db", "owner": "t", "dependsOn": ["b:x", "a"]}}),
        );
        let err = relations_of(&e).expect_err("missing kind");
        assert_eq!(err.field, "dependsOn");
        assert_eq!(err.pointer(), "/spec/dependsOn/1");
        assert!(err.to_string().contains("had missing or empty kind"));
    }

    #[test]
    fn owner_kind_is_not_checked() {
        let e = entity(
            json!({"apiVersion": "backstage.io/v1alpha1", "kind": "System",
            "metadata": {"name": "s"}, "spec": {"owner": "system:x"}}),
        );
        let r = relations_of(&e).expect("relations");
        assert_eq!(r[0].relation_type, RelationType::OwnedBy);
        assert_eq!(r[0].target.to_string(), "system:default/x");
    }
}
