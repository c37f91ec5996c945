//! Properties over arbitrary input: rendering never panics and lenient
//! rendering never fails; workspace paths never resolve outside the root.

use platform_scaffold::Workspace;
use platform_scaffold::render::{RenderOptions, Renderer};
use proptest::prelude::*;

fn template_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "${{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        " if ",
        " for x in ",
        " endif ",
        " endfor ",
        "parameters.name",
        "steps['a-b']",
        "|",
        " dump ",
        " upper",
        "(",
        ")",
        "[",
        "]",
        "'",
        "\"",
        "-",
        "+",
        "*",
        " and ",
        " not ",
        "text ",
        "\n",
        "{{",
        "raw",
        " endraw ",
        // What the Nunjucks readings rewrite (see render::scan::normalize).
        "True",
        " None",
        ".length",
        " else ",
        "===",
        "é",
        "\\",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn lenient_rendering_never_fails(source in template_text()) {
        let mut renderer = Renderer::new(RenderOptions::default().with_fuel(20_000));
        let context = Renderer::context(&serde_json::json!({"parameters": {"name": "svc"}, "steps": {}}));
        prop_assert!(renderer.render_string(&source, &context).is_ok());
        let mut strict = Renderer::new(RenderOptions::default().with_strict(true).with_fuel(20_000));
        // Strict rendering may fail, but with a position inside the text.
        if let Err(error) = strict.render_string(&source, &context) {
            prop_assert!(error.line() >= 1 && error.column() >= 1);
        }
    }

    #[test]
    fn resolved_paths_stay_inside(parts in prop::collection::vec(prop::sample::select(vec!["a", "b", "..", ".", "", "/", "c.txt"]), 0..10)) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        std::fs::create_dir_all(dir.path().join("a/b")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let workspace = Workspace::new(dir.path()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let relative = parts.join("/");
        if let Ok(path) = workspace.resolve(&relative) {
            prop_assert!(path.starts_with(workspace.root()), "{relative} -> {path:?}");
        }
    }
}
