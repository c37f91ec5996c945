use std::path::Path;

use super::*;

fn options() -> AppConfigOptions {
    AppConfigOptions::default().with_env(|name| match name {
        "HOST" => Some("db.internal".into()),
        "EMPTY" => Some(String::new()),
        _ => None,
    })
}

fn config(text: &str) -> AppConfig {
    AppConfig::from_str(
        "app-config.yaml",
        text,
        Path::new("/nonexistent"),
        &options(),
    )
}

#[test]
fn substitutions_follow_the_config_loader() {
    let c = config(
        "a: ${HOST}:5432\nb: $${HOST}\nc: ${MISSING}\nd: ${MISSING:-fallback}\ne: ${EMPTY:-x}\nf: ['${MISSING}', keep]\ng: {$env: HOST}\n",
    );
    assert_eq!(
        c.get("/a"),
        Some(&Value::from("db.internal:5432")),
        "{:?} {:?}",
        c.value(),
        c.diagnostics()
    );
    assert_eq!(c.get("/b"), Some(&Value::from("${HOST}")));
    assert_eq!(c.get("/c"), None);
    assert_eq!(c.get("/d"), Some(&Value::from("fallback")));
    assert_eq!(c.get("/e"), Some(&Value::from("x")));
    assert_eq!(c.get("/f"), Some(&serde_json::json!(["keep"])));
    assert_eq!(c.get("/g"), Some(&Value::from("db.internal")));
    let unset: Vec<_> = c
        .diagnostics()
        .iter()
        .filter(|d| d.code == crate::codes::APP_CONFIG_UNSET_VARIABLE)
        .collect();
    assert_eq!(unset.len(), 2, "{unset:?}");
    let span = unset[0].span.as_ref().map(|s| (s.line, s.column));
    assert_eq!(span, Some((3, 4)));
    // Outside `catalog` an unset variable is only a note.
    assert!(unset.iter().all(|d| d.severity == crate::Severity::Info));
}

#[test]
fn adjacent_include_keys_are_an_error() {
    let c = config("a: {$file: x.txt, other: 1}\n");
    assert_eq!(c.get("/a"), None);
    assert_eq!(c.diagnostics()[0].code, crate::codes::APP_CONFIG_INCLUDE);
    assert!(
        c.diagnostics()[0]
            .message
            .contains("should not have adjacent keys")
    );
}

#[test]
fn later_files_override_earlier_ones_and_spans_follow() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("app-config.yaml"),
        "catalog:\n  rules:\n    - allow: [Component]\n  locations:\n    - {type: file, target: a.yaml}\n",
    )?;
    std::fs::write(
        dir.path().join("app-config.local.yaml"),
        "catalog:\n  rules:\n    - allow: [Group]\n",
    )?;
    let c = AppConfig::load(
        &[
            dir.path().join("app-config.yaml"),
            dir.path().join("app-config.local.yaml"),
        ],
        &options(),
    )?;
    assert_eq!(
        c.get("/catalog/rules"),
        Some(&serde_json::json!([{"allow": ["Group"]}]))
    );
    assert!(c.get("/catalog/locations/0").is_some());
    let span = c
        .span("/catalog/rules/0/allow/0")
        .map(|s| (s.value.file.to_string(), s.value.line));
    assert_eq!(span, Some(("app-config.local.yaml".into(), 3)));
    assert_eq!(
        c.span("/catalog/rules/0/allow/1").map(|s| s.value.line),
        Some(3)
    );
    Ok(())
}

#[test]
fn includes_stay_in_the_root() -> Result<(), Box<dyn std::error::Error>> {
    let outer = tempfile::tempdir()?;
    let repo = outer.path().join("repo");
    std::fs::create_dir_all(repo.join("conf"))?;
    std::fs::write(outer.path().join("secret.yaml"), "x: 1\n")?;
    std::fs::write(
        repo.join("conf/rules.yaml"),
        "rules:\n  - allow: [Group]\nname: ${HOST}\n",
    )?;
    std::fs::write(
        repo.join("app-config.yaml"),
        "catalog: {$include: ./conf/rules.yaml}\nbad: {$include: ../secret.yaml}\nname: {$include: './conf/rules.yaml#name'}\nt: {$include: x.txt}\n",
    )?;
    let c = AppConfig::load(&[repo.join("app-config.yaml")], &options().with_root(&repo))?;
    assert_eq!(
        c.get("/catalog/rules/0/allow/0"),
        Some(&Value::from("Group"))
    );
    assert_eq!(c.get("/name"), Some(&Value::from("db.internal")));
    assert_eq!(c.get("/bad"), None);
    let messages: Vec<&str> = c.diagnostics().iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("outside the repository")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("no configuration parser")),
        "{messages:?}"
    );
    // Included values are located at the directive.
    assert_eq!(
        c.span("/catalog/rules/0/allow/0").map(|s| s.value.line),
        Some(1)
    );
    Ok(())
}

#[test]
fn catalog_section_reads_rules_and_locations_with_diagnostics() {
    let c = config(
        "catalog:\n  rules:\n    - allow: [Component, {kind: Resource, spec.type: database}]\n    - alow: [Group]\n    - allow: [Template]\n      locations:\n        - {type: file, target: /t.yaml}\n        - {type: url, exact: 'https://h/x', pattern: '*'}\n  locations:\n    - type: file\n      target: ../org.yaml\n      rules:\n        - allow: [User, Group]\n    - type: github-discovery\n      target: https://github.com/acme\n    - type: filez\n      target: x\n",
    );
    let catalog = c.catalog(Path::new("/repo/packages/backend"));
    let codes: Vec<(&str, u32)> = catalog
        .diagnostics
        .iter()
        .map(|d| (d.code.as_ref(), d.span.as_ref().map_or(0, |s| s.line)))
        .collect();
    assert_eq!(
        codes,
        [
            ("app-config.unknown-key", 4),
            ("app-config.invalid", 4),
            ("app-config.unknown-key", 7),
            ("app-config.invalid", 8),
            ("app-config.location-type", 14),
            ("app-config.location-type", 16),
        ]
    );
    assert!(
        catalog.diagnostics[0]
            .notes
            .iter()
            .any(|n| n.contains("`allow`"))
    );
    // The Template rule is left out (a bad location), the Resource rule kept.
    assert_eq!(catalog.rules.rules().len(), 2);
    assert_eq!(catalog.locations[0].resolved, "/repo/packages/org.yaml");
    let origin = crate::catalog_rules::LocationRef::new("file", "/repo/packages/org.yaml");
    assert!(catalog.rules.is_allowed("group", None, &origin));
    assert!(
        catalog
            .rules
            .is_allowed("resource", Some("DATABASE"), &origin)
    );
    assert!(!catalog.rules.is_allowed(
        "group",
        None,
        &crate::catalog_rules::LocationRef::new("file", "/elsewhere.yaml")
    ));
    assert!(!catalog.default_rules);
}

#[test]
fn absent_rules_mean_backstage_default() {
    let catalog = config("app: {title: x}\n").catalog(Path::new("/"));
    assert!(catalog.default_rules);
    let origin = crate::catalog_rules::LocationRef::new("file", "/x.yaml");
    assert!(catalog.rules.is_allowed("Location", None, &origin));
    assert!(!catalog.rules.is_allowed("System", None, &origin));
}
