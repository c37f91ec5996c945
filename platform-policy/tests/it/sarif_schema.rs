//! Every SARIF report we build is valid against the official SARIF 2.1.0
//! JSON Schema (OASIS, `sarif-2.1.0-rtm.5.json`, draft-04), which
//! `tools/sarif-schema` installs from npm (`npm ci --ignore-scripts` there;
//! `.ci/run` does it).

use std::path::Path;

use platform_policy::{CheckOptions, Profile};
use serde_json::Value;

use crate::{acme_dir, check_fixture};

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tools/sarif-schema/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; install the SARIF schema with `npm ci --ignore-scripts --prefix tools/sarif-schema`",
            path.display()
        )
    });
    let mut schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    // The `language` patterns (of `run` and `toolComponent`) have a stray
    // `]`, a literal in ECMAScript regexes but an error for the `regex`
    // crate: escape it, same meaning.
    let fixed = escape_stray_bracket(&mut schema);
    assert_eq!(fixed, 2, "the schema's two `language` patterns");
    schema
}

const STRAY: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn escape_stray_bracket(schema: &mut Value) -> usize {
    let mut fixed = 0;
    let mut stack = vec![schema];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(pattern) = map.get_mut("pattern")
                    && pattern == STRAY
                {
                    *pattern = Value::from(STRAY.replace("]?$", "\\]?$"));
                    fixed += 1;
                }
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    fixed
}

#[test]
fn every_sarif_report_is_valid_sarif_2_1_0() {
    let schema = schema();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .expect("the SARIF schema compiles");
    let mut reports = vec![(
        "acme".to_owned(),
        platform_policy::check_path(&acme_dir(), &CheckOptions::new()).expect("check runs"),
    )];
    for fixture in ["bad", "crossplane", "exemptions", "workloads", "xref"] {
        for profile in [Profile::Baseline, Profile::Strict] {
            let report = check_fixture(fixture, &CheckOptions::new().with_profile(profile));
            reports.push((format!("{fixture} ({profile:?})"), report));
        }
    }
    let mut results = 0;
    for (name, report) in &reports {
        let sarif = report.to_sarif();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        results += sarif["runs"][0]["results"].as_array().map_or(0, Vec::len);
    }
    assert!(results > 50, "the reports hold many results: {results}");

    // The validator is not lenient: a result without its message fails.
    let mut broken = reports[0].1.to_sarif();
    if let Some(result) = broken["runs"][0]["results"][0].as_object_mut() {
        result.remove("message");
    }
    assert!(
        !validator.is_valid(&broken),
        "a result without `message` must fail"
    );
}
