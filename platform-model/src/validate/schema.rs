//! A small JSON Schema evaluator that reports errors in the order and with
//! the text ajv v8 (draft-07, `allErrors`) uses, because Backstage shows only
//! the first error ajv reports and its verdicts depend on that order.
//!
//! Only the keywords Backstage's entity schemas use are supported. Keyword
//! order follows ajv's rule groups: the untyped group (`$ref`, `const`,
//! `enum`, `oneOf`, `allOf`), then the string, array and object groups; a
//! single `type` whose group has keywords reports its error in that group's
//! place, any other `type` is checked first.

use serde_json::{Map, Value};

/// JSON types as JSON Schema names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonType {
    String,
    Object,
    Array,
    Boolean,
}

impl JsonType {
    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Object => "object",
            Self::Array => "array",
            Self::Boolean => "boolean",
        }
    }

    fn matches(self, value: &Value) -> bool {
        match self {
            Self::String => value.is_string(),
            Self::Object => value.is_object(),
            Self::Array => value.is_array(),
            Self::Boolean => value.is_boolean(),
        }
    }
}

/// A `pattern` with the source shown in messages and a matcher equivalent to
/// the JavaScript regular expression (with the `u` flag).
#[derive(Clone, Copy)]
pub(crate) struct Pattern {
    pub(crate) source: &'static str,
    pub(crate) test: fn(&str) -> bool,
}

/// `additionalProperties` when set.
#[derive(Clone)]
pub(crate) enum Additional {
    Deny,
    Schema(Box<Schema>),
}

/// One schema object.
#[derive(Clone, Default)]
pub(crate) struct Schema {
    pub(crate) types: Vec<JsonType>,
    pub(crate) reference: Option<Box<Schema>>,
    pub(crate) constant: Option<Value>,
    pub(crate) allowed: Option<Vec<Value>>,
    pub(crate) one_of: Vec<Schema>,
    pub(crate) all_of: Vec<Schema>,
    pub(crate) min_length: Option<usize>,
    pub(crate) max_length: Option<usize>,
    pub(crate) pattern: Option<Pattern>,
    pub(crate) min_items: Option<usize>,
    pub(crate) items: Option<Box<Schema>>,
    pub(crate) required: Option<Vec<&'static str>>,
    pub(crate) additional: Option<Additional>,
    pub(crate) properties: Vec<(&'static str, Schema)>,
    pub(crate) pattern_properties: Vec<(Pattern, Schema)>,
}

/// One error as ajv reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SchemaError {
    /// JSON pointer of the failing value; empty for the root.
    pub(crate) path: String,
    pub(crate) keyword: &'static str,
    pub(crate) message: String,
    /// Parameters, already converted to text as JavaScript would.
    pub(crate) params: Vec<(&'static str, String)>,
}

impl SchemaError {
    /// `<path or <root>> <message>`, the form `SchemaValidEntityPolicy` uses.
    pub(crate) fn short(&self) -> String {
        format!("{} {}", display_path(&self.path), self.message)
    }

    /// `<path or <root>> <message> - k: v, …`, the form of Backstage's
    /// `throwAjvError`.
    pub(crate) fn with_params(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!("{} - {}", self.short(), params.join(", "))
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "<root>" } else { path }
}

/// The text JavaScript's `${value}` makes of a JSON value.
pub(crate) fn js_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    js_text(v)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".to_owned(),
        other => other.to_string(),
    }
}

/// Whether a key is a canonical array index, which JavaScript enumerates
/// before all other keys, in numeric order.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    key.parse::<u32>().ok().filter(|&n| n != u32::MAX)
}

/// The entries of `map` in JavaScript's `Object.keys` order: canonical
/// array indices first, ascending, then the other keys in insertion order.
/// Allocates only when such index keys exist.
pub(crate) fn js_entries(map: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    let has_index = map.keys().any(|k| array_index(k).is_some());
    let mut indexed: Vec<(u32, &String, &Value)> = Vec::new();
    if has_index {
        indexed = map
            .iter()
            .filter_map(|(k, v)| array_index(k).map(|n| (n, k, v)))
            .collect();
        indexed.sort_by_key(|(n, _, _)| *n);
    }
    indexed.into_iter().map(|(_, k, v)| (k, v)).chain(
        map.iter()
            .filter(move |(k, _)| !has_index || array_index(k).is_none()),
    )
}

/// The keys of `map` in JavaScript's `Object.keys` order.
pub(crate) fn js_key_order(map: &Map<String, Value>) -> impl Iterator<Item = &String> {
    js_entries(map).map(|(k, _)| k)
}

/// `map.get(key)` without hashing for the small maps entities are made of.
pub(crate) fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() <= 16 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// Runs `f` with `token` appended to `path`, then restores `path`.
fn with_child(path: &mut String, token: &str, f: impl FnOnce(&mut String)) {
    let len = path.len();
    crate::yaml::push_pointer_token(path, token);
    f(path);
    path.truncate(len);
}

impl Schema {
    fn has_group_keywords(&self, ty: JsonType) -> bool {
        match ty {
            JsonType::String => {
                self.min_length.is_some() || self.max_length.is_some() || self.pattern.is_some()
            }
            JsonType::Array => self.min_items.is_some() || self.items.is_some(),
            JsonType::Object => {
                self.required.is_some()
                    || self.additional.is_some()
                    || !self.properties.is_empty()
                    || !self.pattern_properties.is_empty()
            }
            JsonType::Boolean => false,
        }
    }

    /// Validates `value` at the document root and appends every error in ajv's order.
    pub(crate) fn validate_root(&self, value: &Value, errors: &mut Vec<SchemaError>) {
        self.validate(value, &mut String::new(), errors);
    }

    /// Validates `value` (found at `path`) and appends every error in ajv's order.
    pub(crate) fn validate(&self, value: &Value, path: &mut String, errors: &mut Vec<SchemaError>) {
        let deferred = match self.types.as_slice() {
            [ty] => self.has_group_keywords(*ty),
            _ => false,
        };
        if !self.types.is_empty() && !deferred && !self.types.iter().any(|t| t.matches(value)) {
            errors.push(self.type_error(path));
        }
        self.untyped(value, path, errors);
        for group in [JsonType::String, JsonType::Array, JsonType::Object] {
            if group.matches(value) {
                match group {
                    JsonType::String => self.string_keywords(value, path, errors),
                    JsonType::Array => self.array_keywords(value, path, errors),
                    JsonType::Object => self.object_keywords(value, path, errors),
                    JsonType::Boolean => {}
                }
            } else if deferred && self.types[0] == group {
                errors.push(self.type_error(path));
            }
        }
    }

    fn type_error(&self, path: &str) -> SchemaError {
        let names: Vec<&str> = self.types.iter().map(|t| t.name()).collect();
        let joined = names.join(",");
        SchemaError {
            path: path.to_owned(),
            keyword: "type",
            message: format!("must be {joined}"),
            params: vec![("type", joined)],
        }
    }

    fn untyped(&self, value: &Value, path: &mut String, errors: &mut Vec<SchemaError>) {
        if let Some(reference) = &self.reference {
            reference.validate(value, path, errors);
        }
        if let Some(constant) = &self.constant
            && constant != value
        {
            errors.push(SchemaError {
                path: path.to_owned(),
                keyword: "const",
                message: "must be equal to constant".to_owned(),
                params: vec![("allowedValue", js_text(constant))],
            });
        }
        if let Some(allowed) = &self.allowed
            && !allowed.contains(value)
        {
            errors.push(SchemaError {
                path: path.to_owned(),
                keyword: "enum",
                message: "must be equal to one of the allowed values".to_owned(),
                params: vec![("allowedValues", js_text(&Value::Array(allowed.clone())))],
            });
        }
        if !self.one_of.is_empty() {
            self.one_of(value, path, errors);
        }
        for branch in &self.all_of {
            branch.validate(value, path, errors);
        }
    }

    fn one_of(&self, value: &Value, path: &mut String, errors: &mut Vec<SchemaError>) {
        let mut branch_errors = Vec::new();
        let mut passing: Vec<usize> = Vec::new();
        for (i, branch) in self.one_of.iter().enumerate() {
            let before = branch_errors.len();
            branch.validate(value, path, &mut branch_errors);
            if branch_errors.len() == before {
                passing.push(i);
                if passing.len() > 1 {
                    break;
                }
            }
        }
        if passing.len() == 1 {
            return;
        }
        errors.extend(branch_errors);
        errors.push(SchemaError {
            path: path.to_owned(),
            keyword: "oneOf",
            message: "must match exactly one schema in oneOf".to_owned(),
            params: vec![(
                "passingSchemas",
                if passing.is_empty() {
                    "null".to_owned()
                } else {
                    passing
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                },
            )],
        });
    }

    fn string_keywords(&self, value: &Value, path: &str, errors: &mut Vec<SchemaError>) {
        let Value::String(text) = value else { return };
        let length = || text.chars().count();
        if let Some(max) = self.max_length
            && length() > max
        {
            errors.push(SchemaError {
                path: path.to_owned(),
                keyword: "maxLength",
                message: format!("must NOT have more than {max} characters"),
                params: vec![("limit", max.to_string())],
            });
        }
        if let Some(min) = self.min_length
            && length() < min
        {
            errors.push(SchemaError {
                path: path.to_owned(),
                keyword: "minLength",
                message: format!("must NOT have fewer than {min} characters"),
                params: vec![("limit", min.to_string())],
            });
        }
        if let Some(pattern) = &self.pattern
            && !(pattern.test)(text)
        {
            errors.push(SchemaError {
                path: path.to_owned(),
                keyword: "pattern",
                message: format!("must match pattern \"{}\"", pattern.source),
                params: vec![("pattern", pattern.source.to_owned())],
            });
        }
    }

    fn array_keywords(&self, value: &Value, path: &mut String, errors: &mut Vec<SchemaError>) {
        let Value::Array(items) = value else { return };
        if let Some(min) = self.min_items
            && items.len() < min
        {
            errors.push(SchemaError {
                path: path.to_owned(),
                keyword: "minItems",
                message: format!("must NOT have fewer than {min} items"),
                params: vec![("limit", min.to_string())],
            });
        }
        if let Some(schema) = &self.items {
            for (i, item) in items.iter().enumerate() {
                with_child(path, &i.to_string(), |p| schema.validate(item, p, errors));
            }
        }
    }

    fn object_keywords(&self, value: &Value, path: &mut String, errors: &mut Vec<SchemaError>) {
        let Value::Object(map) = value else { return };
        if let Some(required) = &self.required {
            for name in required {
                if lookup(map, name).is_none() {
                    errors.push(SchemaError {
                        path: path.to_owned(),
                        keyword: "required",
                        message: format!("must have required property '{name}'"),
                        params: vec![("missingProperty", (*name).to_owned())],
                    });
                }
            }
        }
        if let Some(additional) = &self.additional {
            for (key, v) in js_entries(map) {
                let known = self.properties.iter().any(|(name, _)| name == key)
                    || self.pattern_properties.iter().any(|(p, _)| (p.test)(key));
                if known {
                    continue;
                }
                match additional {
                    Additional::Deny => errors.push(SchemaError {
                        path: path.to_owned(),
                        keyword: "additionalProperties",
                        message: "must NOT have additional properties".to_owned(),
                        params: vec![("additionalProperty", key.clone())],
                    }),
                    Additional::Schema(schema) => {
                        with_child(path, key, |p| schema.validate(v, p, errors));
                    }
                }
            }
        }
        for (name, schema) in &self.properties {
            if let Some(v) = lookup(map, name) {
                with_child(path, name, |p| schema.validate(v, p, errors));
            }
        }
        for (pattern, schema) in &self.pattern_properties {
            for (key, v) in js_entries(map) {
                if (pattern.test)(key) {
                    with_child(path, key, |p| schema.validate(v, p, errors));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(min: usize) -> Schema {
        Schema {
            types: vec![JsonType::String],
            min_length: Some(min),
            ..Schema::default()
        }
    }

    fn run(schema: &Schema, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        schema.validate_root(value, &mut errors);
        errors.iter().map(SchemaError::with_params).collect()
    }

    #[test]
    fn object_keyword_order_matches_ajv() {
        // ajv: required, additionalProperties (data order), then properties (schema order).
        let schema = Schema {
            types: vec![JsonType::Object],
            required: Some(vec!["q"]),
            additional: Some(Additional::Deny),
            properties: vec![("b", s(1)), ("a", s(1))],
            ..Schema::default()
        };
        assert_eq!(
            run(&schema, &json!({"a": 1, "b": 2, "e": 3})),
            [
                "<root> must have required property 'q' - missingProperty: q",
                "<root> must NOT have additional properties - additionalProperty: e",
                "/b must be string - type: string",
                "/a must be string - type: string",
            ]
        );
    }

    #[test]
    fn integer_like_keys_come_first() {
        let mut map = Map::new();
        for k in ["b", "x", "10", "a", "7", "2"] {
            map.insert(k.to_owned(), Value::Null);
        }
        let keys: Vec<&str> = js_key_order(&map).map(String::as_str).collect();
        assert_eq!(keys, ["2", "7", "10", "b", "x", "a"]);
    }

    #[test]
    fn deferred_and_upfront_type_errors() {
        let deferred = Schema {
            types: vec![JsonType::String],
            min_length: Some(5),
            allowed: Some(vec![json!("xyz")]),
            ..Schema::default()
        };
        let order: Vec<_> = {
            let mut e = Vec::new();
            deferred.validate_root(&json!(42), &mut e);
            e.into_iter().map(|e| e.keyword).collect()
        };
        assert_eq!(order, ["enum", "type"]);
        let upfront = Schema {
            types: vec![JsonType::String],
            allowed: Some(vec![json!("xyz")]),
            ..Schema::default()
        };
        let mut e = Vec::new();
        upfront.validate_root(&json!(42), &mut e);
        assert_eq!(
            e.iter().map(|e| e.keyword).collect::<Vec<_>>(),
            ["type", "enum"]
        );
    }

    #[test]
    fn one_of_reports_branch_errors_then_its_own() {
        let schema = Schema {
            one_of: vec![
                Schema {
                    types: vec![JsonType::Object],
                    ..Schema::default()
                },
                Schema {
                    types: vec![JsonType::Array],
                    ..Schema::default()
                },
            ],
            ..Schema::default()
        };
        assert_eq!(
            run(&schema, &json!("x")),
            [
                "<root> must be object - type: object",
                "<root> must be array - type: array",
                "<root> must match exactly one schema in oneOf - passingSchemas: null",
            ]
        );
        assert!(run(&schema, &json!([])).is_empty());
    }

    #[test]
    fn javascript_text_of_values() {
        assert_eq!(js_text(&json!(["info", "warning"])), "info,warning");
        assert_eq!(js_text(&json!({"a": 1})), "[object Object]");
        assert_eq!(js_text(&json!(null)), "null");
    }
}
