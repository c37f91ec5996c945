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

/// Compiles a draft-07 schema; remote `$ref`s are not fetched.
pub(crate) fn compile(schema: &Value) -> Result<Validator, String> {
    jsonschema::draft7::options()
        .with_pattern_options(PatternOptions::regex())
        .build(schema)
        .map_err(|e| e.to_string())
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
