//! Hostile and broken input: every case ends in a located diagnostic, never
//! a panic, never unbounded memory.

use std::sync::Arc;

use platform_model::loader::{LoadOptions, Loader};
use platform_model::yaml::{YamlOptions, parse_stream};
use proptest::prelude::*;

fn first_error(text: &str) -> platform_model::Diagnostic {
    let catalog = Loader::new(LoadOptions::default())
        .expect("loader")
        .load_str("bad.yaml", text);
    let diagnostic = catalog
        .diagnostics()
        .find(|d| d.is_error())
        .cloned()
        .expect("an error");
    assert!(diagnostic.span.is_some(), "{diagnostic:?}");
    diagnostic
}

#[test]
fn an_alias_bomb_hits_the_budget() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let prev = (b'a' + i - 1) as char;
        let name = (b'a' + i) as char;
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let d = first_error(&text);
    assert_eq!(d.code, "yaml.budget", "{d:?}");
    assert!(
        d.message.contains("aliases expand to more than"),
        "{}",
        d.message
    );
}

#[test]
fn deep_nesting_hits_the_budget() {
    for text in [
        "[".repeat(100_000),
        "a:\n".to_owned() + &"- ".repeat(100_000),
    ] {
        let d = first_error(&text);
        assert!(d.code == "yaml.budget" || d.code == "yaml.syntax", "{d:?}");
        assert_eq!(
            d.span.as_ref().map(|s| s.line),
            Some(if text.starts_with('[') { 1 } else { 2 })
        );
    }
    let block: String = (0..100_000)
        .map(|i| format!("{}k:\n", " ".repeat(i % 200)))
        .collect();
    let d = first_error(&block);
    assert!(d.code.starts_with("yaml."), "{d:?}");
}

#[test]
fn a_ten_megabyte_line_is_parsed_or_refused_with_a_location() {
    let long = "x".repeat(10 * 1024 * 1024);
    let text =
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {long}\n");
    let d = first_error(&text);
    assert_eq!(
        d.span.as_ref().map(|s| (s.line, s.column)),
        Some((4, 9)),
        "{:?}",
        d.code
    );
    let key = format!("{long}: 1\n");
    let d = first_error(&key);
    assert!(
        d.code.starts_with("yaml.") || d.code.starts_with("entity."),
        "{d:?}"
    );
}

#[test]
fn non_mapping_roots() {
    for (text, got) in [
        ("- a\n- b\n", "object"),
        ("just a string\n", "string"),
        ("42\n", "number"),
        ("true\n", "boolean"),
    ] {
        let d = first_error(text);
        assert_eq!(d.message, format!("Expected object at root, got {got}"));
    }
}

#[test]
fn twenty_thousand_documents_load_with_the_default_budget() {
    let doc = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g{}\nspec:\n  type: team\n  children: []\n";
    let text: String = (0..20_000)
        .map(|i| format!("---\n{}", doc.replace("{}", &i.to_string())))
        .collect();
    let catalog = Loader::new(LoadOptions::default())
        .expect("loader")
        .load_str("big.yaml", &text);
    assert!(catalog.is_valid());
    assert_eq!(catalog.summary().valid, 20_000);
    let last = catalog.documents().last().expect("last");
    assert_eq!((last.index, last.position.line), (19_999, 19_999 * 8 + 1));
}

#[test]
fn file_budget_is_reported() {
    let options = YamlOptions::default()
        .with_budget(platform_model::yaml::YamlBudget::default().with_max_file_bytes(10));
    let stream = parse_stream(&Arc::from("f.yaml"), "a: 1234567890\n", &options);
    assert_eq!(stream.diagnostics[0].code, "yaml.budget");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("catalog-info.yaml");
        std::fs::write(&path, &bytes).expect("write");
        let catalog = Loader::new(LoadOptions::default()).expect("loader").load(&path).expect("load");
        for d in catalog.diagnostics() {
            prop_assert!(d.span.is_some());
        }
    }

    #[test]
    fn yaml_never_panics_on_yaml_like_text(text in "([a-z:\\-\\[\\]{}&*!|>'\"#, \n]|---|\\.\\.\\.){0,200}") {
        let stream = parse_stream(&Arc::from("t.yaml"), &text, &YamlOptions::default());
        for doc in &stream.documents {
            if let Some(e) = &doc.error {
                let span = e.span.as_ref().expect("span");
                prop_assert!(span.start <= text.len());
            }
        }
    }
}

/// Every code the loader reports over the fixture corpora (Backstage's
/// validators on both sides of their limits, Location trees) is one of
/// `platform_model::codes`.
#[test]
fn every_reported_code_is_listed_in_codes() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = std::collections::BTreeSet::new();
    for corpus in ["backstage", "loader/locations", "loader/tree"] {
        for options in [
            LoadOptions::default(),
            LoadOptions::default().with_validator(
                platform_model::validate::Validator::builder()
                    .with_mode(platform_model::validate::ValidationMode::Full)
                    .build(),
            ),
        ] {
            let catalog = Loader::new(options)
                .expect("loader")
                .load(&fixtures.join(corpus))
                .expect("load");
            for d in catalog.diagnostics() {
                seen.insert(d.code.to_string());
            }
        }
    }
    let unlisted: Vec<&String> = seen
        .iter()
        .filter(|c| !platform_model::codes::ALL.contains(&c.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "codes not in platform_model::codes: {unlisted:?}"
    );
    assert!(seen.len() >= 8, "the corpora exercise many codes: {seen:?}");
}
