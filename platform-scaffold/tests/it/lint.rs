//! `lint` over fixtures: the article's template as published, and a
//! template with one of each problem.

use platform_scaffold::actions::ActionRegistry;
use platform_scaffold::actions::git::LocalGitHost;
use platform_scaffold::actions::http::{BackstageRequest, HttpConfig};
use platform_scaffold::{Template, lint};

use crate::fixtures;

fn registry() -> ActionRegistry {
    let mut registry = ActionRegistry::with_builtins();
    let (create, push) = LocalGitHost::new("/nonexistent").actions();
    registry.register(create).register(push);
    registry.register(BackstageRequest::new(
        HttpConfig::new("http://localhost:7007").expect("config"),
    ));
    registry
}

fn findings(name: &str) -> String {
    let template = Template::load(&fixtures().join("lint").join(name)).expect("template");
    lint(&template, &registry())
        .iter()
        .map(|d| {
            let at = d
                .span
                .as_ref()
                .map(|s| format!("{}:{}", s.line, s.column))
                .unwrap_or_default();
            let notes = d
                .notes
                .iter()
                .map(|n| format!("\n    note: {n}"))
                .collect::<String>();
            format!(
                "{at} {} {}: {}{notes}",
                d.severity.as_str(),
                d.code,
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_articles_github_inputs_are_not_backstages() {
    let text = findings("seed-template.yaml");
    for key in ["`name`", "`org`", "`visibility`", "`requireCodeOwners`"] {
        assert!(text.contains(key), "{key} not reported:\n{text}");
    }
    insta::assert_snapshot!("lint_seed_template", text);
}

#[test]
fn every_problem_kind_is_reported_and_located() {
    let text = findings("problems.yaml");
    for code in [
        "scaffold.unknown-action",
        "scaffold.unknown-input",
        "scaffold.missing-input",
        "scaffold.undefined-parameter",
        "scaffold.undefined-step",
        "scaffold.later-step",
        "scaffold.dashed-step-reference",
        "scaffold.duplicate-step-id",
        "scaffold.if-always-true",
        "scaffold.each-shape",
        "scaffold.template-syntax",
        "scaffold.invalid-schema",
    ] {
        assert!(text.contains(code), "{code} missing:\n{text}");
    }
    insta::assert_snapshot!("lint_problems", text);
}

#[test]
fn the_acme_template_is_clean() {
    let path = fixtures().join("../../../examples/acme/templates/new-go-service/template.yaml");
    let template = Template::load(&path).expect("template");
    assert_eq!(lint(&template, &registry()), Vec::new());
}
