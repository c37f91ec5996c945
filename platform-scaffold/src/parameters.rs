//! Parameter values checked against a template's pages the way Backstage's
//! backend checks them: each visible page's schema (draft-07, `ui:*` keys
//! ignored) against the whole values object, `when` conditions with
//! fail-open semantics, values of hidden pages removed; plus `default`s
//! applied first (the form would have filled them) and the secrets schema.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::{Error, ParameterError};
use crate::render::{RenderOptions, Renderer};
use crate::schema::{compile, dotted, violations};
use crate::secrets::Secrets;
use crate::template::{Page, Template};

/// The values a run uses: `default`s applied, hidden pages' values removed,
/// every visible page validated.
///
/// # Errors
///
/// [`Error::InvalidParameters`] with every violation.
pub fn prepare_parameters(template: &Template, values: &Value) -> Result<Value, Error> {
    let Value::Object(given) = values else {
        return Err(Error::InvalidParameters {
            errors: vec![ParameterError {
                parameter: String::new(),
                page: 0,
                page_title: "values".into(),
                rule: "type".into(),
                message: "the values must be an object of parameter names to values".into(),
            }],
        });
    };
    let mut values = given.clone();
    for page in template.pages() {
        apply_defaults(&page.schema, &mut values, 0);
    }
    let visible = visible_pages(template.pages(), &mut values);
    let mut errors = Vec::new();
    let instance = Value::Object(values);
    for page in visible {
        let validator = compile(&page.schema).map_err(|message| Error::InvalidParameters {
            errors: vec![ParameterError {
                parameter: String::new(),
                page: page.index,
                page_title: page.title.clone(),
                rule: "schema".into(),
                message: format!("the page's schema is invalid: {message}"),
            }],
        })?;
        errors.extend(
            violations(&validator, &instance, false)
                .into_iter()
                .map(|v| ParameterError {
                    parameter: dotted(&v.pointer),
                    page: page.index,
                    page_title: page.title.clone(),
                    rule: v.rule,
                    message: v.message,
                }),
        );
    }
    if errors.is_empty() {
        Ok(instance)
    } else {
        Err(Error::InvalidParameters { errors })
    }
}

/// Checks the secrets against `spec.secrets.schema`, never echoing a value.
///
/// # Errors
///
/// [`Error::InvalidSecrets`] (`secrets.<name> is required` for a missing one).
pub fn check_secrets(template: &Template, secrets: &Secrets) -> Result<(), Error> {
    let Some(schema) = template.secrets_schema() else {
        return Ok(());
    };
    let validator = compile(schema).map_err(|message| Error::InvalidSecrets {
        errors: vec![secret_error(
            String::new(),
            "schema",
            format!("the secrets schema is invalid: {message}"),
        )],
    })?;
    let errors: Vec<ParameterError> = violations(&validator, &secrets.to_json(), true)
        .into_iter()
        .map(|v| {
            let name = dotted(&v.pointer);
            let message = if v.rule == "required" {
                format!("secrets.{name} is required")
            } else {
                v.message
            };
            secret_error(name, &v.rule, message)
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidSecrets { errors })
    }
}

fn secret_error(parameter: String, rule: &str, message: String) -> ParameterError {
    ParameterError {
        parameter,
        page: 0,
        page_title: "secrets".into(),
        rule: rule.into(),
        message,
    }
}

/// Fills `default`s of `properties` (recursively into objects) where the
/// values lack them.
fn apply_defaults(schema: &Value, values: &mut Map<String, Value>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, property) in properties {
        if !values.contains_key(name) {
            if let Some(default) = property.get("default") {
                values.insert(name.clone(), default.clone());
                continue;
            }
            if has_nested_defaults(property, depth + 1) {
                values.insert(name.clone(), Value::Object(Map::new()));
            }
        }
        if let Some(Value::Object(inner)) = values.get_mut(name) {
            apply_defaults(property, inner, depth + 1);
        }
    }
}

fn has_nested_defaults(schema: &Value, depth: usize) -> bool {
    depth <= 32
        && schema
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| {
                p.values()
                    .any(|s| s.get("default").is_some() || has_nested_defaults(s, depth + 1))
            })
}

/// Evaluates `when` in page order (each seeing the values left after
/// earlier pages were hidden) and removes values only hidden pages declare.
fn visible_pages<'a>(pages: &'a [Page], values: &mut Map<String, Value>) -> Vec<&'a Page> {
    let mut renderer = Renderer::new(RenderOptions::default());
    let mut visible = Vec::new();
    let mut hidden = Vec::new();
    for page in pages {
        let shown = match &page.when {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(text)) if text.trim().is_empty() => true,
            Some(Value::String(text)) => {
                let source = if text.contains("${{") {
                    text.clone()
                } else {
                    format!("${{{{ {text} }}}}")
                };
                let context = Renderer::context(
                    &serde_json::json!({ "parameters": Value::Object(values.clone()) }),
                );
                match renderer.render_string(&source, &context) {
                    // Fail-open: an undefined or failing condition keeps the page.
                    Ok(None) | Err(_) => true,
                    Ok(Some(Value::String(s))) if s == source => true,
                    Ok(Some(Value::Array(a))) => !a.is_empty(),
                    Ok(Some(v)) => crate::render::is_truthy(Some(&v)),
                }
            }
            Some(_) => true,
        };
        if shown {
            visible.push(page);
        } else {
            hidden.push(page);
            let keep: BTreeSet<String> = visible.iter().flat_map(|p| declared(&p.schema)).collect();
            for name in declared(&page.schema) {
                if !keep.contains(&name)
                    && !pages
                        .iter()
                        .skip(page.index + 1)
                        .any(|p| declared(&p.schema).contains(&name))
                {
                    values.shift_remove(&name);
                }
            }
        }
    }
    visible
}

/// Top-level property names a page schema declares, through `allOf`,
/// `anyOf`, `oneOf`, `if`/`then`/`else` and `dependencies`.
pub(crate) fn declared(schema: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    collect_declared(schema, &mut names, 0);
    names
}

fn collect_declared(schema: &Value, names: &mut BTreeSet<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        names.extend(properties.keys().cloned());
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            for item in list {
                collect_declared(item, names, depth + 1);
            }
        }
    }
    for key in ["then", "else"] {
        if let Some(branch) = schema.get(key) {
            collect_declared(branch, names, depth + 1);
        }
    }
    if let Some(dependencies) = schema.get("dependencies").and_then(Value::as_object) {
        for dependency in dependencies.values() {
            collect_declared(dependency, names, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn template(parameters: &str) -> Template {
        let text = format!(
            "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: service\n  parameters:\n{parameters}\n  steps:\n    - action: debug:log\n"
        );
        Template::from_yaml("t.yaml", &text, None).expect("template")
    }

    #[test]
    fn defaults_are_applied_and_errors_name_parameter_page_and_rule() {
        let t = template(
            "    - title: Details\n      required: [name]\n      properties:\n        name: {type: string, pattern: '^[a-z]+$', ui:field: EntityNamePicker}\n        replicas: {type: integer, default: 2}\n",
        );
        let ok = prepare_parameters(&t, &json!({"name": "svc"})).expect("valid");
        assert_eq!(ok, json!({"name": "svc", "replicas": 2}));
        let Err(Error::InvalidParameters { errors }) =
            prepare_parameters(&t, &json!({"name": "Svc!"}))
        else {
            panic!("accepted");
        };
        assert_eq!(
            (
                errors[0].parameter.as_str(),
                errors[0].rule.as_str(),
                errors[0].page_title.as_str()
            ),
            ("name", "pattern", "Details")
        );
        let Err(Error::InvalidParameters { errors }) = prepare_parameters(&t, &json!({})) else {
            panic!("accepted");
        };
        assert_eq!(
            (errors[0].parameter.as_str(), errors[0].rule.as_str()),
            ("name", "required")
        );
        assert!(
            errors[0].to_string().contains("page 1 \"Details\""),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn hidden_pages_are_not_validated_and_lose_their_values() {
        let t = template(
            "    - properties:\n        db: {type: boolean}\n    - title: Database\n      when: parameters.db\n      required: [engine]\n      properties:\n        engine: {enum: [postgres]}\n",
        );
        let out = prepare_parameters(&t, &json!({"db": false, "engine": "oracle"}))
            .expect("hidden page skipped");
        assert_eq!(out, json!({"db": false}));
        assert!(prepare_parameters(&t, &json!({"db": true, "engine": "oracle"})).is_err());
        // Fail-open: an undefined condition keeps the page.
        assert!(prepare_parameters(&t, &json!({"engine": "oracle"})).is_err());
    }

    #[test]
    fn conditional_keywords_apply() {
        let t = template(
            "    - properties:\n        kind: {enum: [a, b]}\n      dependencies:\n        kind:\n          oneOf:\n            - properties: {kind: {const: a}, x: {type: string}}\n              required: [x]\n            - properties: {kind: {const: b}}\n      if: {properties: {kind: {const: b}}}\n      then: {required: [y]}\n",
        );
        assert!(prepare_parameters(&t, &json!({"kind": "a", "x": "1"})).is_ok());
        assert!(prepare_parameters(&t, &json!({"kind": "a"})).is_err());
        let Err(Error::InvalidParameters { errors }) =
            prepare_parameters(&t, &json!({"kind": "b"}))
        else {
            panic!("accepted");
        };
        assert!(
            errors
                .iter()
                .any(|e| e.parameter == "y" && e.rule == "required"),
            "{errors:?}"
        );
    }

    #[test]
    fn secrets_are_checked_without_echoing_values() {
        let text = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  type: service\n  secrets:\n    schema:\n      required: [token]\n      properties:\n        token: {type: string, minLength: 40}\n  steps:\n    - action: debug:log\n";
        let t = Template::from_yaml("t.yaml", text, None).expect("template");
        let Err(Error::InvalidSecrets { errors }) = check_secrets(&t, &Secrets::new()) else {
            panic!("accepted");
        };
        assert_eq!(errors[0].message, "secrets.token is required");
        let Err(error) = check_secrets(&t, &Secrets::new().with("token", "short-secret-value"))
        else {
            panic!("accepted");
        };
        assert!(!error.to_string().contains("short-secret-value"), "{error}");
    }
}
