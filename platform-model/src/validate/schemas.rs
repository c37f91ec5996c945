//! The rules of Backstage's entity schemas (`@backstage/catalog-model`
//! 1.10.3 and `@backstage/plugin-scaffolder-common` 2.4.0), as data for the
//! evaluator in [`super::schema`]. Property order matters: it decides which
//! error comes first.

use std::sync::OnceLock;

use serde_json::Value;

use super::schema::{Additional, JsonType, Pattern, Schema};

fn typed(ty: JsonType) -> Schema {
    Schema {
        types: vec![ty],
        ..Schema::default()
    }
}

fn string() -> Schema {
    typed(JsonType::String)
}

fn non_empty_string() -> Schema {
    Schema {
        min_length: Some(1),
        ..string()
    }
}

fn array_of(items: Schema) -> Schema {
    Schema {
        items: Some(Box::new(items)),
        ..typed(JsonType::Array)
    }
}

fn object(required: Option<Vec<&'static str>>, properties: Vec<(&'static str, Schema)>) -> Schema {
    Schema {
        required,
        properties,
        ..typed(JsonType::Object)
    }
}

fn enumeration(values: &[&str]) -> Schema {
    Schema {
        allowed: Some(values.iter().map(|v| Value::from(*v)).collect()),
        ..Schema::default()
    }
}

/// `^\w+$` without the `i` flag: ASCII letters, digits and `_`.
fn word_chars(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `^.+$` with the `u` flag: `.` matches everything but line terminators.
fn one_line(s: &str) -> bool {
    !s.is_empty() && !s.contains(['\n', '\r', '\u{2028}', '\u{2029}'])
}

const ONE_LINE: Pattern = Pattern {
    source: "^.+$",
    test: one_line,
};

fn string_map() -> Schema {
    Schema {
        additional: None,
        pattern_properties: vec![(ONE_LINE, string())],
        ..typed(JsonType::Object)
    }
}

fn reference() -> Schema {
    Schema {
        additional: Some(Additional::Deny),
        ..object(
            Some(vec!["kind", "namespace", "name"]),
            vec![
                ("kind", non_empty_string()),
                ("namespace", non_empty_string()),
                ("name", non_empty_string()),
            ],
        )
    }
}

fn relation() -> Schema {
    Schema {
        additional: Some(Additional::Deny),
        ..object(
            Some(vec!["type", "targetRef"]),
            vec![
                (
                    "type",
                    Schema {
                        pattern: Some(Pattern {
                            source: "^\\w+$",
                            test: word_chars,
                        }),
                        ..non_empty_string()
                    },
                ),
                (
                    "target",
                    Schema {
                        reference: Some(Box::new(reference())),
                        ..Schema::default()
                    },
                ),
                ("targetRef", non_empty_string()),
            ],
        )
    }
}

fn status() -> Schema {
    let level = Schema {
        allowed: Some(
            ["info", "warning", "error"]
                .iter()
                .map(|v| Value::from(*v))
                .collect(),
        ),
        ..string()
    };
    let error = object(
        Some(vec!["name", "message"]),
        vec![
            ("name", non_empty_string()),
            ("message", string()),
            ("code", string()),
            ("stack", string()),
        ],
    );
    let item = object(
        Some(vec!["type", "level", "message"]),
        vec![
            ("type", non_empty_string()),
            (
                "level",
                Schema {
                    reference: Some(Box::new(level)),
                    ..Schema::default()
                },
            ),
            ("message", string()),
            (
                "error",
                Schema {
                    reference: Some(Box::new(error)),
                    ..Schema::default()
                },
            ),
        ],
    );
    object(Some(vec![]), vec![("items", array_of(item))])
}

fn entity_meta() -> Schema {
    let link = object(
        Some(vec!["url"]),
        vec![
            ("url", non_empty_string()),
            ("title", non_empty_string()),
            ("icon", non_empty_string()),
            ("type", non_empty_string()),
        ],
    );
    object(
        Some(vec!["name"]),
        vec![
            ("uid", non_empty_string()),
            ("etag", non_empty_string()),
            ("name", non_empty_string()),
            ("namespace", non_empty_string()),
            ("title", non_empty_string()),
            ("description", string()),
            ("labels", string_map()),
            ("annotations", string_map()),
            ("tags", array_of(non_empty_string())),
            ("links", array_of(link)),
        ],
    )
}

/// `Entity.schema.json` with `EntityMeta` and `common` inlined.
pub(crate) fn entity() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema {
        additional: Some(Additional::Deny),
        ..object(
            Some(vec!["apiVersion", "kind", "metadata"]),
            vec![
                ("apiVersion", non_empty_string()),
                ("kind", non_empty_string()),
                (
                    "metadata",
                    Schema {
                        reference: Some(Box::new(entity_meta())),
                        ..Schema::default()
                    },
                ),
                ("spec", typed(JsonType::Object)),
                ("relations", array_of(relation())),
                (
                    "status",
                    Schema {
                        reference: Some(Box::new(status())),
                        ..Schema::default()
                    },
                ),
            ],
        )
    })
}

/// `EntityEnvelope.schema.json`.
pub(crate) fn envelope() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        object(
            Some(vec!["apiVersion", "kind", "metadata"]),
            vec![
                ("apiVersion", non_empty_string()),
                ("kind", non_empty_string()),
                (
                    "metadata",
                    object(
                        Some(vec!["name"]),
                        vec![
                            ("name", non_empty_string()),
                            ("namespace", non_empty_string()),
                        ],
                    ),
                ),
            ],
        )
    })
}

/// The builtin kinds, in the order `BuiltinKindsEntityProcessor` tries them,
/// followed by the scaffolder's Template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BuiltinKind {
    Api,
    Component,
    Resource,
    Group,
    Location,
    User,
    System,
    Domain,
    Template,
}

impl BuiltinKind {
    pub(crate) const ALL: [Self; 9] = [
        Self::Api,
        Self::Component,
        Self::Resource,
        Self::Group,
        Self::Location,
        Self::User,
        Self::System,
        Self::Domain,
        Self::Template,
    ];

    /// The name of the processor that validates this kind in Backstage.
    pub(crate) fn processor(self) -> &'static str {
        match self {
            Self::Template => "ScaffolderEntitiesProcessor",
            _ => "BuiltinKindsEntityProcessor",
        }
    }

    /// The `kind` and apiVersions this kind's schema accepts.
    pub(crate) fn names(self) -> (&'static str, &'static [&'static str]) {
        const BACKSTAGE: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
        match self {
            Self::Api => ("API", BACKSTAGE),
            Self::Component => ("Component", BACKSTAGE),
            Self::Resource => ("Resource", BACKSTAGE),
            Self::Group => ("Group", BACKSTAGE),
            Self::Location => ("Location", BACKSTAGE),
            Self::User => ("User", BACKSTAGE),
            Self::System => ("System", BACKSTAGE),
            Self::Domain => ("Domain", BACKSTAGE),
            Self::Template => ("Template", &["scaffolder.backstage.io/v1beta3"]),
        }
    }

    /// Whether the kind schema would fail only on the `kind` or
    /// `apiVersion` enum ("not my kind"): its other keywords never look at
    /// those two fields, and the Entity schema has checked their types.
    pub(crate) fn is_foreign(
        self,
        kind_field: Option<&Value>,
        api_version: Option<&Value>,
    ) -> bool {
        let (kind, versions) = self.names();
        let kind_ok = kind_field.is_none_or(|k| k.as_str() == Some(kind));
        let version_ok =
            api_version.is_none_or(|v| v.as_str().is_some_and(|v| versions.contains(&v)));
        !(kind_ok && version_ok)
    }

    /// The kind-specific half of the kind schema (the `allOf` branch after
    /// `Entity`, which the pipeline has already checked by then).
    pub(crate) fn schema(self) -> &'static Schema {
        static SCHEMAS: OnceLock<Vec<Schema>> = OnceLock::new();
        let all = SCHEMAS.get_or_init(|| Self::ALL.iter().map(|k| k.build()).collect());
        &all[self as usize]
    }

    fn build(self) -> Schema {
        const BACKSTAGE: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
        let strings = || array_of(non_empty_string());
        let profile = || {
            object(
                None,
                vec![
                    ("displayName", non_empty_string()),
                    ("email", non_empty_string()),
                    ("picture", non_empty_string()),
                ],
            )
        };
        let (kind, versions, spec) = match self {
            Self::Api => (
                "API",
                BACKSTAGE,
                object(
                    Some(vec!["type", "lifecycle", "owner", "definition"]),
                    vec![
                        ("type", non_empty_string()),
                        ("lifecycle", non_empty_string()),
                        ("owner", non_empty_string()),
                        ("system", non_empty_string()),
                        ("definition", non_empty_string()),
                    ],
                ),
            ),
            Self::Component => (
                "Component",
                BACKSTAGE,
                object(
                    Some(vec!["type", "lifecycle", "owner"]),
                    vec![
                        ("type", non_empty_string()),
                        ("lifecycle", non_empty_string()),
                        ("owner", non_empty_string()),
                        ("system", non_empty_string()),
                        ("subcomponentOf", non_empty_string()),
                        ("providesApis", strings()),
                        ("consumesApis", strings()),
                        ("dependsOn", strings()),
                    ],
                ),
            ),
            Self::Resource => (
                "Resource",
                BACKSTAGE,
                object(
                    Some(vec!["type", "owner"]),
                    vec![
                        ("type", non_empty_string()),
                        ("owner", non_empty_string()),
                        ("dependsOn", strings()),
                        ("system", non_empty_string()),
                    ],
                ),
            ),
            Self::Group => (
                "Group",
                BACKSTAGE,
                object(
                    Some(vec!["type", "children"]),
                    vec![
                        ("type", non_empty_string()),
                        ("profile", profile()),
                        ("parent", non_empty_string()),
                        ("children", strings()),
                        ("members", strings()),
                    ],
                ),
            ),
            Self::Location => (
                "Location",
                BACKSTAGE,
                object(
                    Some(vec![]),
                    vec![
                        ("type", non_empty_string()),
                        ("target", non_empty_string()),
                        ("targets", strings()),
                        (
                            "presence",
                            Schema {
                                allowed: Some(vec![
                                    Value::from("required"),
                                    Value::from("optional"),
                                ]),
                                ..string()
                            },
                        ),
                    ],
                ),
            ),
            Self::User => (
                "User",
                BACKSTAGE,
                object(
                    Some(vec!["memberOf"]),
                    vec![("profile", profile()), ("memberOf", strings())],
                ),
            ),
            Self::System => (
                "System",
                BACKSTAGE,
                object(
                    Some(vec!["owner"]),
                    vec![
                        ("owner", non_empty_string()),
                        ("domain", non_empty_string()),
                        ("type", non_empty_string()),
                    ],
                ),
            ),
            Self::Domain => (
                "Domain",
                BACKSTAGE,
                object(
                    Some(vec!["owner"]),
                    vec![
                        ("owner", non_empty_string()),
                        ("subdomainOf", non_empty_string()),
                        ("type", non_empty_string()),
                    ],
                ),
            ),
            Self::Template => (
                "Template",
                &["scaffolder.backstage.io/v1beta3"][..],
                template_spec(),
            ),
        };
        object(
            Some(vec!["spec"]),
            vec![
                ("apiVersion", enumeration(versions)),
                ("kind", enumeration(&[kind])),
                ("spec", spec),
            ],
        )
    }
}

fn template_spec() -> Schema {
    let permissions = || object(None, vec![("tags", array_of(string()))]);
    let condition = || Schema {
        types: vec![JsonType::String, JsonType::Boolean],
        ..Schema::default()
    };
    let parameters = Schema {
        one_of: vec![
            object(None, vec![("backstage:permissions", permissions())]),
            array_of(object(
                None,
                vec![
                    ("when", condition()),
                    ("backstage:permissions", permissions()),
                ],
            )),
        ],
        ..Schema::default()
    };
    let decorators = || {
        array_of(object(
            None,
            vec![("id", string()), ("input", typed(JsonType::Object))],
        ))
    };
    let step = object(
        Some(vec!["action"]),
        vec![
            ("id", string()),
            ("name", string()),
            ("action", string()),
            ("input", typed(JsonType::Object)),
            ("if", condition()),
            ("backstage:permissions", permissions()),
        ],
    );
    let links = array_of(object(
        Some(vec![]),
        vec![
            ("if", condition()),
            ("url", non_empty_string()),
            ("entityRef", non_empty_string()),
            ("title", non_empty_string()),
            ("icon", non_empty_string()),
        ],
    ));
    let text = array_of(object(
        Some(vec![]),
        vec![
            ("if", condition()),
            ("title", non_empty_string()),
            ("icon", non_empty_string()),
            ("content", string()),
        ],
    ));
    let output = Schema {
        additional: Some(Additional::Schema(Box::new(string()))),
        ..object(None, vec![("links", links), ("text", text)])
    };
    object(
        Some(vec!["type", "steps"]),
        vec![
            ("type", non_empty_string()),
            ("owner", non_empty_string()),
            ("lifecycle", non_empty_string()),
            ("parameters", parameters),
            (
                "secrets",
                object(None, vec![("schema", typed(JsonType::Object))]),
            ),
            (
                "presentation",
                object(
                    None,
                    vec![(
                        "buttonLabels",
                        object(
                            None,
                            vec![
                                ("backButtonText", string()),
                                ("createButtonText", string()),
                                ("reviewButtonText", string()),
                            ],
                        ),
                    )],
                ),
            ),
            (
                "EXPERIMENTAL_recovery",
                object(None, vec![("EXPERIMENTAL_strategy", string())]),
            ),
            ("formDecorators", decorators()),
            ("EXPERIMENTAL_formDecorators", decorators()),
            ("steps", array_of(step)),
            ("output", output),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first(schema: &Schema, value: &Value) -> Option<String> {
        let mut errors = Vec::new();
        schema.validate_root(value, &mut errors);
        errors
            .first()
            .map(super::super::schema::SchemaError::with_params)
    }

    #[test]
    fn component_spec_errors() {
        let c = BuiltinKind::Component.schema();
        let base = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "x"}});
        let mut no_spec = base.clone();
        assert_eq!(
            first(c, &no_spec).as_deref(),
            Some("<root> must have required property 'spec' - missingProperty: spec")
        );
        no_spec["spec"] = json!({});
        assert_eq!(
            first(c, &no_spec).as_deref(),
            Some("/spec must have required property 'type' - missingProperty: type")
        );
        no_spec["spec"] =
            json!({"type": "service", "lifecycle": "x", "owner": {"kind": "Group", "name": "a"}});
        assert_eq!(
            first(c, &no_spec).as_deref(),
            Some("/spec/owner must be string - type: string")
        );
    }

    #[test]
    fn template_if_accepts_string_or_boolean() {
        let t = BuiltinKind::Template.schema();
        let doc = json!({"apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": {"name": "x"},
            "spec": {"type": "service", "steps": [{"action": "a", "if": 3}]}});
        assert_eq!(
            first(t, &doc).as_deref(),
            Some("/spec/steps/0/if must be string,boolean - type: string,boolean")
        );
    }

    #[test]
    fn relation_type_pattern() {
        let doc = json!({"apiVersion": "a", "kind": "B", "metadata": {"name": "x"}, "relations": [{"type": "owned-by", "targetRef": "x"}]});
        let mut errors = Vec::new();
        entity().validate_root(&doc, &mut errors);
        assert_eq!(
            errors[0].short(),
            "/relations/0/type must match pattern \"^\\w+$\""
        );
    }
}
