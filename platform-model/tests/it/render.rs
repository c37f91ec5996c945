//! Rendered diagnostics, snapshot-tested.

use std::path::Path;

use platform_model::loader::{LoadOptions, Loader};
use platform_model::render::{RenderOptions, render};
use platform_model::validate::{ValidationMode, Validator};

fn rendered(mode: ValidationMode) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/render/mistakes.yaml");
    let validator = Validator::builder().with_mode(mode).build();
    let catalog = Loader::new(LoadOptions::default().with_validator(validator))
        .expect("loader")
        .load(&path)
        .expect("load");
    catalog
        .diagnostics()
        .map(|d| {
            let source = d.span.as_ref().and_then(|s| catalog.source(&s.file));
            render(d, source, &RenderOptions::default())
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn backstage_mode_diagnostics() {
    insta::assert_snapshot!(rendered(ValidationMode::Backstage));
}

#[test]
fn full_mode_diagnostics() {
    insta::assert_snapshot!(rendered(ValidationMode::Full));
}
