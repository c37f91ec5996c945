//! Differential test of app-config reading and catalog rules:
//! `tests/fixtures/app-config/<case>/` were run through Backstage's real
//! config loader (`@backstage/config-loader` 1.11.5) and rules enforcer
//! (`@backstage/plugin-catalog-backend` 4.0.5) by
//! `tools/backstage-oracle/config-oracle.js`; the recordings are in
//! `expected/`. We must merge to the same config, find an error exactly
//! where the backend would not start, give the same verdict for every
//! query and resolve the same locations.

use std::path::{Path, PathBuf};

use platform_model::app_config::{AppConfig, AppConfigOptions};
use platform_model::catalog_rules::LocationRef;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/app-config")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

#[test]
fn app_configs_and_rules_match_backstage() {
    let root = fixtures();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{} cases", cases.len());
    let mut queries = 0;
    for dir in cases {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let case = read_json(&dir.join("case.json"));
        let expected = read_json(&root.join("expected").join(format!("{name}.json")));
        let env: serde_json::Map<String, Value> = case
            .get("env")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let options = AppConfigOptions::default()
            .with_root(&dir)
            .with_env(move |name| {
                env.get(name)
                    .and_then(Value::as_str)
                    .map(|v| v.trim().to_owned())
            });
        let files: Vec<PathBuf> = case["configs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|f| dir.join(f))
            .collect();
        let config = AppConfig::load(&files, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dir_text = dir
            .canonicalize()
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string_lossy()
            .into_owned();
        let backend_dir = dir.join(text(&case, "backendDir"));
        let catalog = config.catalog(&backend_dir.canonicalize().unwrap_or(backend_dir));
        let errors: Vec<&str> = config
            .diagnostics()
            .iter()
            .chain(&catalog.diagnostics)
            .filter(|d| d.is_error())
            .map(|d| d.message.as_str())
            .collect();
        let backstage_error = expected.get("error").and_then(Value::as_str);
        assert_eq!(
            backstage_error.is_some(),
            !errors.is_empty(),
            "{name}: Backstage error {backstage_error:?}, ours {errors:?}"
        );
        if let Some(expected_config) = expected.get("config").filter(|v| !v.is_null()) {
            assert_eq!(config.value(), expected_config, "{name}: merged config");
        }
        if let Some(verdicts) = expected.get("verdicts").and_then(Value::as_array) {
            for (query, verdict) in case["queries"]
                .as_array()
                .into_iter()
                .flatten()
                .zip(verdicts)
            {
                let location = &query["location"];
                let origin = LocationRef::new(
                    text(location, "type"),
                    text(location, "target").replace("<dir>", &dir_text),
                );
                let kind = text(query, "kind");
                let spec_type = query.get("specType").and_then(Value::as_str);
                assert_eq!(
                    catalog.rules.is_allowed(kind, spec_type, &origin),
                    verdict.as_bool().unwrap_or_default(),
                    "{name}: {kind} (spec.type {spec_type:?}) from {origin}"
                );
                queries += 1;
            }
        }
        if let Some(locations) = expected.get("locations").and_then(Value::as_array) {
            let ours: Vec<(String, String)> = catalog
                .locations
                .iter()
                .map(|l| {
                    (
                        l.location_type.clone(),
                        l.resolved.replace(&dir_text, "<dir>"),
                    )
                })
                .collect();
            let theirs: Vec<(String, String)> = locations
                .iter()
                .map(|l| (text(l, "type").to_owned(), text(l, "target").to_owned()))
                .collect();
            assert_eq!(ours, theirs, "{name}: locations");
        }
    }
    assert!(queries >= 60, "{queries} queries");
}
