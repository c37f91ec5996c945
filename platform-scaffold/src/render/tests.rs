use serde_json::{Value as Json, json};

use super::*;

fn table() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/type-preservation.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// Rows where we knowingly render otherwise than Backstage: JavaScript's
/// `+` and `-` on undefined (`undefined/undefined`, `NaN`), which the
/// engine's operators do not do. Each must still differ, so that fixing
/// one forces it off this list.
const KNOWN_DIFFERENCES: [&str; 0] = [];

/// Every row of the type-preservation table (spec §2.4), as Backstage
/// renders it.
#[test]
fn type_preservation_table() {
    let table = table();
    let context = Renderer::context(&table["context"]);
    let rows = table["rows"].as_array().expect("rows");
    assert!(rows.len() >= 35);
    for row in rows {
        let mut renderer = Renderer::new(RenderOptions::default());
        let input = row["input"].as_str().expect("input");
        let got = renderer
            .render_string(input, &context)
            .expect("lenient never fails");
        let want = (row["absent"] != true).then(|| row["result"].clone());
        if KNOWN_DIFFERENCES.contains(&input) {
            assert_ne!(
                got, want,
                "{input:?} now agrees: take it off KNOWN_DIFFERENCES"
            );
            continue;
        }
        assert_eq!(got, want, "{input:?}");
        let warned = !renderer.take_warnings().is_empty();
        if row["fallback"] == true {
            assert!(warned, "{input:?} should warn about the raw fallback");
            let mut strict = Renderer::new(RenderOptions::default().with_strict(true));
            assert!(
                strict.render_string(input, &context).is_err(),
                "{input:?} fails in strict mode"
            );
        }
    }
}

/// Every row of the `if` table (spec §2.6).
#[test]
fn if_truthiness_table() {
    let table = table();
    let context = Renderer::context(&table["context"]);
    for row in table["truthiness"].as_array().expect("rows") {
        let mut renderer = Renderer::new(RenderOptions::default());
        let runs = match &row["if"] {
            Json::Bool(b) => *b,
            Json::String(s) => is_truthy(
                renderer
                    .render_string(s, &context)
                    .expect("lenient")
                    .as_ref(),
            ),
            other => panic!("bad row {other}"),
        };
        assert_eq!(runs, row["runs"] == true, "if: {}", row["if"]);
    }
}

#[test]
fn keys_are_never_rendered() {
    let mut renderer = Renderer::new(RenderOptions::default());
    let context = Renderer::context(&json!({"parameters": {"n": 1}}));
    let out = renderer
        .render_json(&json!({"${{ parameters.n }}": "${{ parameters.n }}", "list": ["${{ parameters.missing }}", "x"]}), &context)
        .expect("render");
    assert_eq!(out, Some(json!({"${{ parameters.n }}": 1, "list": ["x"]})));
}

#[test]
fn undefined_values_warn_and_fail_in_strict_mode() {
    let context = Renderer::context(&json!({"parameters": {}}));
    let mut lenient = Renderer::new(RenderOptions::default());
    assert_eq!(
        lenient
            .render_string("name: ${{ parameters.nmae }}", &context)
            .expect("lenient"),
        Some(json!("name: "))
    );
    let warnings = lenient.take_warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!((warnings[0].span.line, warnings[0].span.column), (1, 11));
    let mut strict = Renderer::new(RenderOptions::default().with_strict(true));
    let err = strict
        .render_string("a\nname: ${{ parameters.nmae }}", &context)
        .expect_err("strict");
    assert_eq!(err.line(), 2);
}

#[test]
fn warnings_and_errors_are_spans_in_the_text_and_two_keys_in_json() {
    let context = Renderer::context(&json!({"parameters": {}}));
    let source = "é\nname: ${{ parameters.nmae }}";
    let mut lenient = Renderer::new(RenderOptions::default());
    lenient.render_string(source, &context).expect("lenient");
    let warning = lenient.take_warnings().remove(0);
    assert_eq!((warning.span.line, warning.span.column), (2, 11));
    assert_eq!(&source[warning.span.start..], "parameters.nmae }}");
    assert_eq!(&*warning.span.file, "", "the renderer knows no file");
    let json = serde_json::to_value(&warning).expect("json");
    assert_eq!(
        (json["line"].clone(), json["column"].clone()),
        (json!(2), json!(11))
    );
    assert!(json.get("span").is_none(), "{json}");
    let mut strict = Renderer::new(RenderOptions::default().with_strict(true));
    let err = strict.render_string(source, &context).expect_err("strict");
    let json = serde_json::to_value(&err).expect("json");
    assert_eq!(json["line"], json!(err.line()));
    assert_eq!(json["column"], json!(err.column()));
    assert!(json.get("span").is_none(), "{json}");
}

#[test]
fn backstage_filters() {
    let mut renderer = Renderer::new(RenderOptions::default());
    let context = Renderer::context(
        &json!({"parameters": {"repoUrl": "github.com?owner=acme-corp&repo=svc", "owner": "Group:Default/Team"}}),
    );
    let render = |r: &mut Renderer, s: &str| r.render_string(s, &context).expect("render");
    assert_eq!(
        render(&mut renderer, "${{ parameters.repoUrl | parseRepoUrl }}"),
        Some(json!({"host": "github.com", "owner": "acme-corp", "repo": "svc"}))
    );
    assert_eq!(
        render(&mut renderer, "${{ parameters.repoUrl | projectSlug }}"),
        Some(json!("acme-corp/svc"))
    );
    assert_eq!(
        render(&mut renderer, "${{ parameters.owner | parseEntityRef }}"),
        Some(json!({"kind": "Group", "namespace": "Default", "name": "Team"}))
    );
    assert_eq!(
        render(
            &mut renderer,
            "${{ 'team-a' | parseEntityRef(defaultKind='group') | pick('kind') }}"
        ),
        Some(json!("group"))
    );
    assert_eq!(
        render(&mut renderer, "${{ 'team-a' | parseEntityRef }}"),
        Some(json!("${{ 'team-a' | parseEntityRef }}"))
    );
    assert_eq!(
        render(
            &mut renderer,
            "${{ parameters | pick('repoUrl') | parseRepoUrl | pick('repo') }}"
        ),
        Some(json!("svc"))
    );
    assert_eq!(
        render(&mut renderer, "${{ {'a': [1]} | dump(2) }}"),
        Some(json!("{\n  \"a\": [\n    1\n  ]\n}"))
    );
}

#[test]
fn javascript_flavour() {
    let mut renderer = Renderer::new(RenderOptions::default());
    let context = Renderer::context(&json!({"parameters": {"name": "Payment Service", "n": 3}}));
    let render = |r: &mut Renderer, s: &str| r.render_string(s, &context).expect("render");
    assert_eq!(
        render(
            &mut renderer,
            "${{ parameters.name.toLowerCase().split(' ') | join('-') }}"
        ),
        Some(json!("payment-service"))
    );
    assert_eq!(
        render(&mut renderer, "${{ parameters.n === 3 }}"),
        Some(json!(true))
    );
    assert_eq!(
        render(&mut renderer, "flag=${{ parameters.n > 2 }}"),
        Some(json!("flag=true"))
    );
    assert_eq!(
        render(&mut renderer, "${{ parameters.missing | length }}"),
        Some(json!(0))
    );
    assert_eq!(
        render(&mut renderer, "${{ parameters.missing | default('d') }}"),
        Some(json!("d"))
    );
}

#[test]
fn resource_limits_stop_runaway_templates() {
    let mut renderer = Renderer::new(RenderOptions::default().with_strict(true).with_fuel(10_000));
    let context = Renderer::context(&json!({}));
    let err = renderer
        .render_text("{% for i in range(50000) %}x{% endfor %}", &context)
        .expect_err("fuel");
    assert!(err.message.contains("fuel"), "{err}");
    let mut small = Renderer::new(RenderOptions::default().with_max_output(10));
    assert!(small.render_text("${{ 'x' * 100 }}", &context).is_err());
}

#[test]
fn no_environment_or_filesystem_access() {
    let mut renderer = Renderer::new(RenderOptions::default());
    let context = Renderer::context(&json!({}));
    for source in [
        "${{ process.env.HOME }}",
        "${{ env.PATH }}",
        "{% include '/etc/passwd' %}",
        "{% import 'x' as y %}",
    ] {
        let out = renderer.render_string(source, &context).expect("lenient");
        assert!(
            out.as_ref().is_none_or(|v| v
                .as_str()
                .is_some_and(|s| !s.contains("/root") && !s.contains("root:"))),
            "{source}: {out:?}"
        );
    }
}

#[test]
fn a_dashed_step_reference_is_a_subtraction_that_yields_null() {
    let mut renderer = Renderer::new(RenderOptions::default());
    let context = Renderer::context(&json!({"steps": {"my-step": {"output": {"n": 1}}}}));
    assert_eq!(
        renderer
            .render_string("${{ steps.my-step.output.n }}", &context)
            .expect("lenient"),
        Some(Json::Null)
    );
    assert_eq!(
        renderer
            .render_string("${{ steps['my-step'].output.n }}", &context)
            .expect("lenient"),
        Some(json!(1))
    );
}

#[test]
fn strict_mode_refuses_undefined_expressions() {
    let mut renderer = Renderer::new(RenderOptions::default().with_strict(true));
    let context = Renderer::context(&json!({"parameters": {}}));
    let error = renderer
        .render_string("${{ parameters.nmae }}", &context)
        .expect_err("strict");
    assert!(error.message.contains("undefined"), "{error:?}");
    assert_eq!(error.column(), 5);
}

/// The same rows, against what Backstage's own workflow runner
/// (scaffolder-backend 4.3.0) produced for them (`tools/scaffolder-oracle`).
#[test]
fn rendering_matches_backstages_runner() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/oracle/type-preservation.json"
    );
    let oracle: Json =
        serde_json::from_str(&std::fs::read_to_string(path).expect("oracle")).expect("json");
    let context = Renderer::context(&oracle["context"]);
    let rows = oracle["rows"].as_array().expect("rows");
    assert!(rows.len() >= 35);
    let mut differ = Vec::new();
    for row in rows {
        let mut renderer = Renderer::new(RenderOptions::default());
        let input = row["input"].as_str().expect("input");
        let got = renderer.render_string(input, &context).expect("lenient");
        let expected = &row["backstage"];
        let want = if expected.get("undefined") == Some(&Json::Bool(true)) {
            None
        } else {
            Some(expected.clone())
        };
        if KNOWN_DIFFERENCES.contains(&input) {
            assert_ne!(
                got, want,
                "{input:?} now agrees: take it off KNOWN_DIFFERENCES"
            );
        } else if got != want {
            differ.push(format!("{input:?}: ours {got:?}, Backstage's {want:?}"));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    for row in oracle["truthiness"].as_array().expect("truthiness") {
        let mut renderer = Renderer::new(RenderOptions::default());
        let runs = match &row["if"] {
            Json::Bool(b) => *b,
            Json::String(s) => is_truthy(
                renderer
                    .render_string(s, &context)
                    .expect("lenient")
                    .as_ref(),
            ),
            other => panic!("bad row {other}"),
        };
        assert_eq!(runs, row["runs"] == true, "if: {}", row["if"]);
    }
}

/// Errors after a rewritten name (`True` is longer once normalized) are
/// located in the source as written.
#[test]
fn errors_after_rewrites_keep_their_columns() {
    let renderer = Renderer::new(RenderOptions::default());
    let err = renderer
        .check_syntax("${{ True }} ${{ a.length b }}")
        .expect_err("two expressions");
    assert_eq!((err.line(), err.column()), (1, 26), "{err:?}");
}

/// Found by fuzzing: non-ASCII text inside and after a tag (errors are
/// located by character, and byte offsets from the engine may fall inside
/// a character).
#[test]
fn error_columns_count_the_source_as_written() {
    // `===` is parsed as `==`: the column is still the one in the source.
    let renderer = Renderer::new(RenderOptions::default());
    let err = renderer
        .check_syntax("${{ a === b c }}")
        .expect_err("two expressions");
    assert_eq!((err.line(), err.column()), (1, 13), "{err:?}");
    let err = renderer
        .check_syntax("x\n${{ a === b === c ) }}")
        .expect_err("a stray parenthesis");
    assert_eq!((err.line(), err.column()), (2, 19), "{err:?}");
}

#[test]
fn non_ascii_templates_render_or_fail_located() {
    let context = Renderer::context(&json!({"parameters": {"n": 1, "x": 2}}));
    for source in [
        "${{ paramet\u{fffd}rs.n }}",
        "${{ paramétres.n }}",
        "Price: ${{ parameters.x é",
        "${{ parameters.café }}",
        // Fuzz finding (fuzz/regressions/template_render/error-range-inside-a-character):
        // the engine's error range, in the normalized text, ended inside `\u{fffd}`.
        "{#{%===\u{fffd}",
    ] {
        for strict in [false, true] {
            let mut renderer = Renderer::new(RenderOptions::default().with_strict(strict));
            match renderer.render_text(source, &context) {
                Ok(_) => {}
                Err(e) => assert!(e.line() >= 1 && e.column() >= 1, "{source}: {e:?}"),
            }
            match renderer.render_string(source, &context) {
                Ok(_) => {}
                Err(e) => assert!(e.line() >= 1 && e.column() >= 1, "{source}: {e:?}"),
            }
        }
    }
}

#[test]
#[allow(deprecated)]
fn the_old_setter_names_still_forward() {
    assert!(RenderOptions::default().strict(true).fuel(7).is_strict());
    assert!(
        !RenderOptions::default()
            .with_strict(true)
            .strict(false)
            .is_strict()
    );
}
