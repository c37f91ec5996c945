//! The Acme `new-go-service` template through the testing helper: the
//! file tree it produces is a snapshot, as template authors would test
//! theirs in CI.

use platform_scaffold::actions::ActionRegistry;
use platform_scaffold::actions::git::LocalGitHost;
use platform_scaffold::actions::http::{BackstageRequest, HttpConfig};
use platform_scaffold::testing::{render_with, snapshot_tree};
use platform_scaffold::{RunOptions, Scaffolder, Secrets, Template};

use crate::fixtures;

#[test]
fn the_acme_template_renders_the_golden_path_skeleton() {
    let dir = fixtures().join("../../../examples/acme/templates/new-go-service");
    let values = serde_json::json!({
        "name": "payment-processor",
        "owner": "payments-team",
        "description": "Processes card payments for the checkout flow",
        "database": "postgres",
        "minReplicas": 3,
    });
    let mut registry = ActionRegistry::with_builtins();
    let (create, push) = LocalGitHost::new("/nonexistent").actions();
    registry.register(create).register(push);
    registry.register(BackstageRequest::new(
        HttpConfig::new("http://localhost:7007").expect("config"),
    ));
    let scaffolder =
        Scaffolder::new(registry).with_options(RunOptions::default().with_strict(true));
    let template = Template::load(&dir.join("template.yaml")).expect("template");
    let files = render_with(&scaffolder, &template, &values, &Secrets::new()).expect("render");
    let tree = snapshot_tree(&files);
    assert!(tree.contains("name: payment-processor"), "{tree}");
    assert!(tree.contains("replicaCount: 3"), "{tree}");
    insta::assert_snapshot!("acme_new_go_service", tree);
}
