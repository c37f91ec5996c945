//! Entity-reference parsing (`platform_model::EntityRef::parse_with`,
//! `EntityRef::key_into`, `FromStr`, `Deserialize`).
//!
//! Input: `text[\0default_kind[\0default_namespace]]`.
//!
//! Promises checked: no panic; the fast key path agrees with the parser; the
//! parts slice back out as parsed; the printed form is the lowercased key,
//! and parses back to an equal reference whenever the parts can be printed
//! unambiguously; equality, ordering and hashing agree.

#![no_main]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use libfuzzer_sys::fuzz_target;
use platform_model::EntityRef;

fn hash(r: &EntityRef) -> u64 {
    let mut h = DefaultHasher::new();
    r.hash(&mut h);
    h.finish()
}

fuzz_target!(|data: &[u8]| {
    let text = platform_fuzz::text(data);
    let mut parts = text.splitn(3, '\0');
    let reference = parts.next().unwrap_or_default();
    let default_kind = parts.next();
    let default_namespace = parts.next().unwrap_or("default");

    let parsed = EntityRef::parse_with(reference, default_kind, default_namespace);
    let mut key = String::from("stale");
    let fast = EntityRef::key_into(reference, default_kind, default_namespace, &mut key);
    match (&parsed, &fast) {
        (Ok(r), Ok(())) => assert_eq!(r.as_key(), key, "key_into disagrees with parse_with"),
        (Err(a), Err(b)) => assert_eq!(a, b, "key_into and parse_with fail differently"),
        _ => panic!("parse_with {parsed:?} but key_into {fast:?}"),
    }
    if let Err(e) = &parsed {
        let _ = (e.to_string(), e.js_name());
    }
    let Ok(r) = parsed else { return };

    assert!(!r.kind().is_empty() && !r.namespace().is_empty() && !r.name().is_empty());
    assert!(
        reference.ends_with(r.name()),
        "name {:?} not the end of {reference:?}",
        r.name()
    );
    let rebuilt = EntityRef::new(r.kind(), r.namespace(), r.name());
    assert_eq!(rebuilt, r);
    assert_eq!(rebuilt.as_key(), r.as_key());
    assert_eq!(r.to_string(), r.as_key(), "Display is not the key");
    assert_eq!(r.to_key(), r.as_key());
    assert!(r.is_kind(r.kind()), "is_kind of its own kind");
    let lowered: String = r.kind().chars().flat_map(char::to_lowercase).collect();
    assert_eq!(r.kind_key(), lowered, "kind_key is not the lowercased kind");
    assert!(r.as_key().starts_with(r.kind_key()));
    let clone = r.clone();
    assert_eq!(clone.cmp(&r), std::cmp::Ordering::Equal);
    assert_eq!(hash(&clone), hash(&r));

    // Printable unambiguously: the kind holds no `:` or `/`, the namespace no `/`.
    if !r.kind().contains([':', '/']) && !r.namespace().contains('/') {
        let printed = r.to_string();
        let again = EntityRef::parse(&printed)
            .unwrap_or_else(|e| panic!("printed {printed:?} does not parse: {e}"));
        assert_eq!(again, r, "{printed:?} parses to a different reference");
        let from_str: EntityRef = printed.parse().expect("FromStr");
        assert_eq!(from_str, r);
        let json = serde_json::Value::String(printed.clone());
        let de: EntityRef = serde_json::from_value(json).expect("Deserialize");
        assert_eq!(de, r);
        assert_eq!(
            serde_json::to_value(&r).expect("Serialize"),
            printed.as_str()
        );
    }
});
