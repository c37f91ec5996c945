//! The scaffold parameter validator (`platform_scaffold::prepare_parameters`
//! and `check_secrets`, on a `Template` from `Template::from_yaml`).
//!
//! Input: `template-or-parameters[\0values]`. When the first part is a YAML
//! mapping with `apiVersion`, it is the whole template file; otherwise its
//! first YAML document is `spec.parameters` of a fixed template. `values` is
//! JSON or YAML (default `{}`); when it is an object of strings it is also
//! checked as secrets.
//!
//! Promises checked: no panic; an invalid template is reported with
//! diagnostics located inside the file; accepted values are an object;
//! every violation names a page of the template.

#![no_main]

use std::collections::HashMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use platform_fuzz::assert_diagnostic;
use platform_model::yaml::{YamlOptions, parse_stream};
use platform_scaffold::{Error, Secrets, Template, check_secrets, prepare_parameters};
use serde_json::{Value, json};

const FILE: &str = "template.yaml";

fn first_value(text: &str) -> Option<Value> {
    let file: Arc<str> = Arc::from("values.yaml");
    let stream = parse_stream(&file, text, &YamlOptions::default());
    stream
        .documents
        .into_iter()
        .find(|d| d.error.is_none() && !d.value.is_null())
        .map(|d| d.value)
}

fn check_errors(template: &Template, result: Result<(), &Error>) {
    let Err(e) = result else { return };
    match e {
        Error::InvalidParameters { errors } | Error::InvalidSecrets { errors } => {
            assert!(!errors.is_empty(), "a rejection without a reason");
            for v in errors {
                assert!(
                    v.page < template.pages().len().max(1),
                    "violation on page {} of {}: {v:?}",
                    v.page,
                    template.pages().len()
                );
                let _ = v.to_string();
            }
        }
        other => panic!("unexpected error from the validator: {other}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let (head, values) = platform_fuzz::split_nul(data);
    let head = platform_fuzz::text(head);
    let parsed = first_value(&head);
    let yaml = match &parsed {
        Some(Value::Object(map)) if map.contains_key("apiVersion") => head.clone(),
        other => json!({
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "fuzz"},
            "spec": {
                "type": "service",
                "parameters": other.clone().unwrap_or(Value::Null),
                "steps": [],
            },
        })
        .to_string(),
    };
    let template = match Template::from_yaml(FILE, &yaml, None) {
        Ok(t) => t,
        Err(Error::InvalidTemplate { diagnostics, .. }) => {
            let sources = HashMap::from([(FILE.to_owned(), yaml)]);
            for d in &diagnostics {
                assert_diagnostic(d, &sources);
            }
            return;
        }
        Err(e) => panic!("Template::from_yaml failed with a non-template error: {e}"),
    };
    for page in template.pages() {
        let _ = template.span(&page.pointer);
    }

    let values_text = values
        .map(platform_fuzz::text)
        .unwrap_or_else(|| "{}".into());
    let values = serde_json::from_str::<Value>(&values_text)
        .ok()
        .or_else(|| first_value(&values_text))
        .unwrap_or_else(|| json!({}));

    let prepared = prepare_parameters(&template, &values);
    if let Ok(v) = &prepared {
        assert!(v.is_object(), "prepared values are not an object: {v}");
    }
    check_errors(&template, prepared.as_ref().map(|_| ()));

    if let Value::Object(map) = &values {
        let mut secrets = Secrets::new();
        for (k, v) in map {
            if let Value::String(s) = v {
                secrets.insert(k.clone(), s.clone());
            }
        }
        check_errors(
            &template,
            check_secrets(&template, &secrets).as_ref().map(|_| ()),
        );
    }
});
