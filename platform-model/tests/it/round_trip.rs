//! Entities round-trip through JSON without losing fields.

use platform_model::Entity;
use platform_model::synthetic::SyntheticOrg;
use proptest::prelude::*;
use serde_json::{Value, json};

#[test]
fn synthetic_entities_round_trip() {
    for value in SyntheticOrg::new(500).values() {
        let entity = Entity::from_value(value.clone()).expect("entity");
        assert_eq!(entity.to_value().expect("json"), value);
    }
}

fn extra_fields() -> impl Strategy<Value = serde_json::Map<String, Value>> {
    proptest::collection::btree_map("x[a-z]{1,6}", "[a-z0-9 ]{0,10}", 0..4)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

proptest! {
    #[test]
    fn unknown_fields_survive(meta_extra in extra_fields(), spec_extra in extra_fields(), root_extra in extra_fields(), kind in prop::sample::select(vec!["Component", "Widget"])) {
        let mut value = json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": kind,
            "metadata": {"name": "n"},
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"},
        });
        for (k, v) in meta_extra { value["metadata"][k] = v; }
        for (k, v) in spec_extra { value["spec"][k] = v; }
        for (k, v) in root_extra { value[k] = v; }
        let entity = Entity::from_value(value.clone()).expect("entity");
        prop_assert_eq!(entity.to_value().expect("json"), value);
    }
}
