//! Entity references: the spec's table as data, and property tests.

use platform_model::EntityRef;
use proptest::prelude::*;
use serde_json::Value;

#[test]
fn the_backstage_reference_table() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/refs/backstage-refs.json"
    );
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("table")).expect("json");
    assert!(cases.len() >= 18);
    for case in cases {
        let input = case["input"].as_str().expect("input");
        let kind = case["defaultKind"].as_str();
        let namespace = case["defaultNamespace"].as_str().unwrap_or("default");
        let result = EntityRef::parse_with(input, kind, namespace);
        match case["error"].as_str() {
            Some(message) => assert_eq!(
                result.map_err(|e| e.to_string()).err().as_deref(),
                Some(message),
                "{case}"
            ),
            None => {
                let r = result.unwrap_or_else(|e| panic!("{case}: {e}"));
                assert_eq!(r.kind(), case["kind"], "{case}");
                assert_eq!(r.namespace(), case["namespace"], "{case}");
                assert_eq!(r.name(), case["name"], "{case}");
                if let Some(printed) = case["printed"].as_str() {
                    assert_eq!(r.to_string(), printed);
                }
            }
        }
    }
}

fn part() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._-]{0,20}"
}

proptest! {
    #[test]
    fn print_then_parse_is_the_identity(kind in "[A-Za-z][A-Za-z0-9]{0,15}", namespace in part(), name in part()) {
        let r = EntityRef::new(&kind, &namespace, &name);
        let printed = r.to_string();
        let parsed = EntityRef::parse(&printed).expect("printed refs parse");
        prop_assert_eq!(&parsed, &r);
        prop_assert_eq!(parsed.to_string(), printed.clone());
        prop_assert_eq!(printed.clone(), printed.to_lowercase());
    }

    #[test]
    fn parsing_never_panics_and_keeps_text(text in "\\PC{0,40}") {
        if let Ok(r) = EntityRef::parse_with(&text, Some("Component"), "default") {
            // Nothing is trimmed or dropped: the parts are slices of the input.
            prop_assert!(text.ends_with(r.name()));
            prop_assert!(!r.name().is_empty());
        }
    }

    #[test]
    fn identity_ignores_case(kind in "[a-z]{1,8}", name in part()) {
        let lower = EntityRef::new(&kind, "default", &name);
        let upper = EntityRef::new(kind.to_uppercase(), "DEFAULT", name.to_uppercase());
        prop_assert_eq!(lower, upper);
    }
}
