use super::*;
use serde_json::{Value, json};

fn component(spec: Value) -> Value {
    json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "x"}, "spec": spec})
}

#[test]
fn valid_component_has_relations() {
    let v = Validator::new().validate(component(
        json!({"type": "service", "lifecycle": "production", "owner": "t"}),
    ));
    assert!(v.is_valid(), "{v:?}");
    assert_eq!(v.relations.len(), 2);
    assert!(v.entity.is_some());
}

#[test]
fn unknown_kind_message_and_hint() {
    let v = Validator::new().validate(json!({"apiVersion": "backstage.io/v1alpha1", "kind": "component", "metadata": {"name": "x"}, "spec": {}}));
    assert_eq!(
        v.backstage_error.as_deref(),
        Some(
            "InputError: No processor recognized the entity component:default/x as valid, possibly caused by a foreign kind or apiVersion"
        )
    );
    assert!(v.problems[0].notes[0].contains("did you mean `kind: Component`"));
}

#[test]
fn full_mode_reports_every_kind_error() {
    let v = Validator::builder()
        .with_mode(ValidationMode::Full)
        .build()
        .validate(component(json!({"owner": ""})));
    let messages: Vec<&str> = v.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "/spec must have required property 'type' - missingProperty: type",
            "/spec must have required property 'lifecycle' - missingProperty: lifecycle",
            "/spec/owner must NOT have fewer than 1 characters - limit: 1",
        ]
    );
}

#[test]
fn custom_kinds_plug_in() {
    struct Widgets;
    impl KindValidator for Widgets {
        fn name(&self) -> &str {
            "WidgetProcessor"
        }
        fn validate(&self, entity: &Value) -> KindVerdict {
            if entity["kind"] != "Widget" {
                return KindVerdict::NotMine;
            }
            if entity["spec"]["size"].is_number() {
                KindVerdict::Valid
            } else {
                KindVerdict::Invalid {
                    message: "/spec/size must be number".into(),
                    pointer: "/spec/size".into(),
                }
            }
        }
    }
    let validator = Validator::builder().with_kind_validator(Widgets).build();
    let good = validator.validate(json!({"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}}));
    assert!(good.is_valid());
    let bad = validator.validate(json!({"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}));
    assert_eq!(
        bad.backstage_error.as_deref(),
        Some(
            "InputError: Processor WidgetProcessor threw an error while validating the entity widget:default/w; caused by TypeError: /spec/size must be number"
        )
    );
}

#[test]
fn longer_names_through_overrides() {
    let long = "a".repeat(80);
    let doc = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {"name": long}, "spec": {"type": "team", "children": []}});
    assert!(!Validator::new().validate(doc.clone()).is_valid());
    let fields = FieldValidators::default().with_entity_name(FieldRule::new(
        |v| object_name_with_max_length(v, 100),
        "a name of at most 100 characters",
    ));
    assert!(
        Validator::builder()
            .with_field_validators(fields)
            .build()
            .validate(doc)
            .is_valid()
    );
}

#[test]
fn unknown_kinds_can_be_allowed() {
    let doc = json!({"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w"}});
    assert!(!Validator::new().validate(doc.clone()).is_valid());
    let v = Validator::builder()
        .with_allow_unknown_kinds(true)
        .build()
        .validate(doc);
    assert!(v.is_valid());
    assert!(matches!(
        v.entity.map(|e| e.spec),
        Some(crate::entity::EntitySpec::Other(None))
    ));
}

#[test]
fn terse_schema_errors_get_a_help_line_saying_what_was_found() {
    let location = |spec: Value| {
        Validator::new().validate(json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Location", "metadata": {"name": "x"}, "spec": spec}))
    };
    let v = location(json!({"targets": "./a.yaml"}));
    assert_eq!(
        v.problems[0].message,
        "/spec/targets must be array - type: array"
    );
    assert_eq!(
        v.problems[0].notes,
        ["found the string `./a.yaml`; expected a list (`- item` lines or `[a, b]`)"]
    );
    // A number where text is expected: say how to write it.
    let v = Validator::new().validate(component(
        json!({"type": "service", "lifecycle": "production", "owner": 42}),
    ));
    assert_eq!(
        v.problems[0].notes,
        [
            "found the number `42`; expected text (a string); YAML reads `42` as a number, quote it: '42'"
        ]
    );
    // An empty value, a common slip (`owner:` with nothing after it).
    let v = Validator::new().validate(component(
        json!({"type": "service", "lifecycle": "production", "owner": null}),
    ));
    assert_eq!(
        v.problems[0].notes,
        ["found an empty value (null); expected text (a string)"]
    );
}
