//! The platform-scaffold renderer (`platform_scaffold::render::Renderer`)
//! with its default limits: any template string and any JSON values.
//!
//! Input: `template[\0values]`. `values` is JSON (an object with a
//! `parameters` key is the whole context; any other JSON becomes
//! `parameters`; text that is not JSON becomes `parameters.value`); without
//! it a small fixed context is used.
//!
//! Calls `check_syntax`, `render_text`, `render_string` (lenient and strict)
//! and `render_json`. Promises checked: no panic, no abort; every error and
//! warning is located inside the template; no output is larger than the
//! output limit.

#![no_main]

use libfuzzer_sys::fuzz_target;
use platform_fuzz::line_column_in;
use platform_scaffold::render::{RenderOptions, Renderer, TemplateError};
use serde_json::{Value, json};

/// The default `RenderOptions::max_output` (16 MiB).
const MAX_OUTPUT: usize = 16 * 1024 * 1024;

fn context_from(values: Option<&[u8]>) -> Value {
    let Some(values) = values else {
        return json!({
            "parameters": {"name": "billing", "n": 3, "arr": [1, 2], "obj": {"a": "b"},
                           "repoUrl": "github.com?owner=acme&repo=billing"},
            "steps": {"fetch": {"output": {"path": "x"}}},
            "user": {"entity": {"metadata": {"name": "alice"}}, "ref": "user:default/alice"},
        });
    };
    let text = platform_fuzz::text(values);
    match serde_json::from_str::<Value>(&text) {
        Ok(v @ Value::Object(_)) if v.get("parameters").is_some() => v,
        Ok(v) => json!({ "parameters": v }),
        Err(_) => json!({ "parameters": { "value": text } }),
    }
}

/// A located error: the line exists in the template and the column is
/// within the template's characters.
fn assert_located(template: &str, line: usize, column: usize, what: &dyn std::fmt::Debug) {
    // Columns of errors inside a one-line `${{ expr }}` are shifted by the
    // expression's offset, so check against the whole template's length
    // rather than the line's (still "inside the input").
    let chars = template.chars().count();
    assert!(
        line_column_in(template, line, column)
            || (line >= 1
                && line <= platform_fuzz::line_count(template)
                && column >= 1
                && column <= chars + 1),
        "{what:?}: {line}:{column} is outside the template ({} lines, {chars} characters)",
        platform_fuzz::line_count(template)
    );
}

/// Whether `e` is a resource limit of `RenderOptions` (operators per tag,
/// output size, fuel, recursion).
fn is_limit(e: &TemplateError) -> bool {
    [
        "operators; split the expression",
        "the output is larger than",
        "fuel",
        "recursion",
    ]
    .iter()
    .any(|m| e.message.contains(m))
}

fn check_error(template: &str, e: &TemplateError) {
    assert_located(template, e.line(), e.column(), e);
}

fn check_value(v: &Value) {
    if let Value::String(s) = v {
        assert!(
            s.len() <= MAX_OUTPUT,
            "a {}-byte string escaped the output limit",
            s.len()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let (template, values) = platform_fuzz::split_nul(data);
    let template = platform_fuzz::text(template);
    let context = Renderer::context(&context_from(values));

    let mut lenient = Renderer::new(RenderOptions::default());
    if let Err(e) = lenient.check_syntax(&template) {
        check_error(&template, &e);
    }
    match lenient.render_text(&template, &context) {
        Ok(out) => assert!(
            out.len() <= MAX_OUTPUT,
            "render_text gave {} bytes",
            out.len()
        ),
        Err(e) => check_error(&template, &e),
    }
    // Lenient rendering passes broken templates through; only a resource
    // limit (which must never be passed silently) is an error.
    match lenient.render_string(&template, &context) {
        Ok(Some(v)) => check_value(&v),
        Ok(None) => {}
        Err(e) if is_limit(&e) => check_error(&template, &e),
        Err(e) => panic!("lenient render_string failed: {e}"),
    }
    let input = json!({"a": template, "b": [template, 1], "c": {"d": template}});
    match lenient.render_json(&input, &context) {
        Ok(Some(Value::Object(_))) => {}
        Ok(other) => panic!("render_json of an object gave {other:?}"),
        Err(e) if is_limit(&e) => {}
        Err(e) => panic!("lenient render_json failed: {e}"),
    }
    for w in lenient.take_warnings() {
        assert_located(&template, w.span.line as usize, w.span.column as usize, &w);
    }

    let mut strict = Renderer::new(RenderOptions::default().with_strict(true));
    match strict.render_string(&template, &context) {
        Ok(Some(v)) => check_value(&v),
        Ok(None) => {}
        Err(e) => check_error(&template, &e),
    }
});
