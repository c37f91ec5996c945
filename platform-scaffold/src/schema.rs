//! JSON Schema draft-07 validation (parameters, secrets, action inputs)
//! with the linear-time regex engine, so a template's `pattern` cannot stall
//! a run.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{PatternOptions, Validator};
use serde_json::Value;

/// One schema violation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    /// JSON pointer of the offending value (for `required`, of the missing
    /// property).
    pub(crate) pointer: String,
    /// The keyword that failed (`required`, `pattern`, `enum`, …).
    pub(crate) rule: String,
    /// What is wrong.
    pub(crate) message: String,
}

/// Compiles a draft-07 schema; remote `$ref`s are not fetched. Formats are
/// checked as Backstage's validation checks them ([`crate::formats`]).
pub(crate) fn compile(schema: &Value) -> Result<Validator, String> {
    let mut options = jsonschema::draft7::options()
        .with_pattern_options(PatternOptions::regex())
        .should_validate_formats(true);
    for (name, check) in crate::formats::FORMATS {
        options = options.with_format(name, check);
    }
    options.build(schema).map_err(|e| e.to_string())
}

/// Every violation of `instance`; `masked` keeps values out of messages
/// (for secrets).
pub(crate) fn violations(validator: &Validator, instance: &Value, masked: bool) -> Vec<Violation> {
    validator
        .iter_errors(instance)
        .map(|error| {
            let mut pointer = error.instance_path().as_str().to_owned();
            if let ValidationErrorKind::Required { property } = error.kind() {
                pointer.push('/');
                pointer.push_str(&property.as_str().map_or_else(
                    || property.to_string(),
                    |p| p.replace('~', "~0").replace('/', "~1"),
                ));
            }
            let message = if masked {
                error.masked().to_string()
            } else {
                error.to_string()
            };
            Violation {
                pointer,
                rule: error.kind().keyword().to_owned(),
                message,
            }
        })
        .collect()
}

/// A JSON pointer as a dotted field path (`/a/0/b` → `a[0].b`).
pub(crate) fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parameter formats against what the scaffolder backend's validation
    /// accepts: `tests/fixtures/oracle/formats.json` was recorded by
    /// `tools/scaffolder-oracle/format-oracle.js` with the `jsonschema`
    /// package Backstage 4.3.0's router validates parameters with.
    #[test]
    fn formats_accept_what_backstage_accepts() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/oracle/formats.json"
        );
        let text = std::fs::read_to_string(path).expect("oracle file");
        let oracle: Value = serde_json::from_str(&text).expect("json");
        let mut compared = 0;
        let mut differ = Vec::new();
        for format in oracle["formats"].as_array().into_iter().flatten() {
            let name = format["format"].as_str().unwrap_or_default();
            let validator =
                compile(&serde_json::json!({"type": "string", "format": name})).expect("schema");
            for case in format["results"].as_array().into_iter().flatten() {
                let value = &case["value"];
                let want = case["valid"] == true;
                if validator.is_valid(value) != want {
                    differ.push(format!("{name} {value}: Backstage says {want}"));
                }
                compared += 1;
            }
        }
        assert!(compared >= 120, "{compared} cases");
        assert!(differ.is_empty(), "{}", differ.join("\n"));
    }

    #[test]
    fn violations_name_the_path_and_rule() {
        let schema = serde_json::json!({"type": "object", "required": ["name"], "properties": {"n": {"type": "integer"}}});
        let validator = compile(&schema).expect("schema");
        let found = violations(&validator, &serde_json::json!({"n": "x"}), false);
        let rules: Vec<(&str, &str)> = found
            .iter()
            .map(|v| (v.pointer.as_str(), v.rule.as_str()))
            .collect();
        assert!(rules.contains(&("/name", "required")), "{found:?}");
        assert!(rules.contains(&("/n", "type")), "{found:?}");
        assert_eq!(dotted("/a/0/b~1c"), "a[0].b/c");
    }

    #[test]
    fn catastrophic_patterns_are_linear() {
        let schema = serde_json::json!({"type": "string", "pattern": "^(a+)+$"});
        let validator = compile(&schema).expect("schema");
        let input = serde_json::Value::String(format!("{}!", "a".repeat(50_000)));
        assert_eq!(violations(&validator, &input, false).len(), 1);
    }
}
