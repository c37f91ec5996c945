//! Crossplane: `CompositeResourceDefinition`s and the claims and composite
//! resources validated against their `openAPIV3Schema` (types, enums,
//! required fields, bounds, patterns, unknown fields), with schema defaults
//! applied first, as the API server does.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::inputs::Manifest;

/// The API group of Crossplane's definitions.
pub(crate) const XRD_GROUP: &str = "apiextensions.crossplane.io";

/// Fields Crossplane itself adds to the `spec` of claims and composite
/// resources; they are never unknown.
const CROSSPLANE_SPEC_FIELDS: &[&str] = &[
    "claimRef",
    "compositeDeletePolicy",
    "compositionRef",
    "compositionRevisionRef",
    "compositionRevisionSelector",
    "compositionSelector",
    "compositionUpdatePolicy",
    "crossplane",
    "environmentConfigRefs",
    "managementPolicies",
    "publishConnectionDetailsTo",
    "resourceRef",
    "resourceRefs",
    "writeConnectionSecretToRef",
];

/// A parsed CompositeResourceDefinition.
#[derive(Clone, Debug)]
pub(crate) struct Xrd {
    pub(crate) manifest: usize,
    pub(crate) group: String,
    pub(crate) kind: String,
    pub(crate) claim_kind: Option<String>,
    /// `(version name, served, pointer of openAPIV3Schema in the XRD)`.
    pub(crate) versions: Vec<(String, bool, String)>,
}

impl Xrd {
    pub(crate) fn parse(index: usize, m: &Manifest) -> Option<Self> {
        if !m.is(XRD_GROUP, "CompositeResourceDefinition") {
            return None;
        }
        let spec = m.get("/spec")?;
        let group = spec.get("group")?.as_str()?.to_owned();
        let kind = spec.pointer("/names/kind")?.as_str()?.to_owned();
        let claim_kind = spec
            .pointer("/claimNames/kind")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let versions = spec
            .get("versions")
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        let name = v.get("name")?.as_str()?.to_owned();
                        let served = v.get("served").and_then(Value::as_bool).unwrap_or(true);
                        Some((
                            name,
                            served,
                            format!("/spec/versions/{i}/schema/openAPIV3Schema"),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            manifest: index,
            group,
            kind,
            claim_kind,
            versions,
        })
    }
}

/// Default of [`CheckOptions::with_max_depth`](crate::CheckOptions::with_max_depth):
/// the deepest nesting of values and schemas the validator follows.
pub const DEFAULT_MAX_DEPTH: usize = 128;
/// Default of [`CheckOptions::with_max_schema_steps`](crate::CheckOptions::with_max_schema_steps):
/// the most steps (values visited, default nodes copied, enum entries
/// compared) spent on one claim or composite.
pub const DEFAULT_MAX_SCHEMA_STEPS: usize = 1_000_000;

/// Recursion and work limits of the walks over values and schemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WalkLimits {
    pub(crate) max_depth: usize,
    pub(crate) max_steps: usize,
}

impl Default for WalkLimits {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_DEPTH,
            max_steps: DEFAULT_MAX_SCHEMA_STEPS,
        }
    }
}

/// What is wrong with an instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A schema violation (type, enum, required, bounds, pattern).
    Invalid { pointer: String, message: String },
    /// A field the schema does not declare (the API server prunes it).
    Unknown { pointer: String, field: String },
    /// A limit of the walk was hit at `pointer`; what is below (or after)
    /// it was not checked.
    Limit { pointer: String, message: String },
}

/// One walk over an instance and its schema, within [`WalkLimits`].
pub(crate) struct Walker<'s> {
    limits: WalkLimits,
    steps: usize,
    /// Set once a limit was hit: the walk stops.
    stopped: bool,
    /// Compiled `pattern`s (`None`: not a valid regex).
    regexes: HashMap<&'s str, Option<regex::Regex>>,
}

impl<'s> Walker<'s> {
    pub(crate) fn new(limits: WalkLimits) -> Self {
        Self {
            limits,
            steps: 0,
            stopped: false,
            regexes: HashMap::new(),
        }
    }

    /// Takes `n` steps; `false` (and a problem at `pointer`) once the
    /// budget is spent.
    fn step(&mut self, n: usize, pointer: &str, out: &mut Vec<Problem>) -> bool {
        if self.stopped {
            return false;
        }
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.limits.max_steps {
            self.stopped = true;
            out.push(Problem::Limit {
                pointer: pointer.to_owned(),
                message: format!(
                    "validation stopped here after {} steps (the schema-steps limit); the rest was not checked",
                    self.limits.max_steps
                ),
            });
            return false;
        }
        true
    }

    /// `false` (and a problem at `pointer`) when `depth` is past the limit.
    fn deep(&mut self, depth: usize, pointer: &str, out: &mut Vec<Problem>) -> bool {
        if depth <= self.limits.max_depth {
            return true;
        }
        out.push(Problem::Limit {
            pointer: pointer.to_owned(),
            message: format!(
                "nests deeper than {} levels (the depth limit); what is below was not checked",
                self.limits.max_depth
            ),
        });
        false
    }

    /// Applies defaults to `value` (at `pointer`) under `schema`, as the
    /// API server does.
    pub(crate) fn apply_defaults(
        &mut self,
        schema: &Value,
        value: &mut Value,
        pointer: &mut String,
        out: &mut Vec<Problem>,
    ) {
        self.defaults_at(schema, value, pointer, 0, out);
    }

    fn defaults_at(
        &mut self,
        schema: &Value,
        value: &mut Value,
        pointer: &mut String,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if !self.step(1, pointer, out) || !self.deep(depth, pointer, out) {
            return;
        }
        match value {
            Value::Object(obj) => {
                let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                    return;
                };
                let len = pointer.len();
                for (name, sub) in props {
                    platform_model::yaml::push_pointer_token(pointer, name);
                    if !obj.contains_key(name)
                        && let Some(default) = sub.get("default")
                    {
                        // A default costs the nodes it copies.
                        let cost = nodes_up_to(default, self.limits.max_steps);
                        if !self.step(cost, pointer, out) {
                            pointer.truncate(len);
                            return;
                        }
                        obj.insert(name.clone(), default.clone());
                    }
                    if let Some(child) = obj.get_mut(name) {
                        self.defaults_at(sub, child, pointer, depth + 1, out);
                    }
                    pointer.truncate(len);
                    if self.stopped {
                        return;
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    let len = pointer.len();
                    for (i, item) in items.iter_mut().enumerate() {
                        pointer.push('/');
                        pointer.push_str(&i.to_string());
                        self.defaults_at(item_schema, item, pointer, depth + 1, out);
                        pointer.truncate(len);
                        if self.stopped {
                            return;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Validates `value` at `pointer` against `schema`. `crossplane_spec`
    /// marks the object whose Crossplane-added fields are allowed.
    pub(crate) fn validate(
        &mut self,
        schema: &'s Value,
        value: &Value,
        pointer: &mut String,
        crossplane_spec: bool,
        out: &mut Vec<Problem>,
    ) {
        self.validate_at(schema, value, pointer, crossplane_spec, 0, out);
    }

    fn validate_at(
        &mut self,
        schema: &'s Value,
        value: &Value,
        pointer: &mut String,
        crossplane_spec: bool,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if !self.step(1, pointer, out) || !self.deep(depth, pointer, out) {
            return;
        }
        if value.is_null() && schema.get("nullable").and_then(Value::as_bool) == Some(true) {
            return;
        }
        let int_or_string = schema
            .get("x-kubernetes-int-or-string")
            .and_then(Value::as_bool)
            == Some(true);
        if let Some(ty) = schema.get("type").and_then(Value::as_str) {
            let ok = match ty {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string() || (int_or_string && is_integer(value)),
                "integer" => is_integer(value) || (int_or_string && value.is_string()),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                _ => true,
            };
            if !ok {
                out.push(Problem::Invalid {
                    pointer: pointer.clone(),
                    message: format!("must be {} {ty}, found {}", article(ty), describe(value)),
                });
                return;
            }
        }
        if let Some(Value::Array(allowed)) = schema.get("enum") {
            // Every entry compared is a step: a long enum over a long list
            // is bounded work.
            if !self.step(allowed.len(), pointer, out) {
                return;
            }
            if !allowed.contains(value) {
                let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
                out.push(Problem::Invalid {
                    pointer: pointer.clone(),
                    message: format!("{} is not one of {}", value, list.join(", ")),
                });
            }
        }
        self.bounds(schema, value, pointer, out);
        match value {
            Value::Object(obj) => self.object(schema, obj, pointer, crossplane_spec, depth, out),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    let len = pointer.len();
                    for (i, item) in items.iter().enumerate() {
                        pointer.push('/');
                        pointer.push_str(&i.to_string());
                        self.validate_at(item_schema, item, pointer, false, depth + 1, out);
                        pointer.truncate(len);
                        if self.stopped {
                            return;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn object(
        &mut self,
        schema: &'s Value,
        obj: &Map<String, Value>,
        pointer: &mut String,
        crossplane_spec: bool,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if let Some(Value::Array(required)) = schema.get("required") {
            if !self.step(required.len(), pointer, out) {
                return;
            }
            for name in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(name) {
                    out.push(Problem::Invalid {
                        pointer: pointer.clone(),
                        message: format!("required field `{name}` is missing"),
                    });
                }
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let preserve = schema
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Value::as_bool)
            == Some(true);
        let len = pointer.len();
        for (name, child) in obj {
            platform_model::yaml::push_pointer_token(pointer, name);
            match (props.and_then(|p| p.get(name)), additional) {
                (Some(sub), _) => self.validate_at(sub, child, pointer, false, depth + 1, out),
                (None, Some(sub @ Value::Object(_))) => {
                    self.validate_at(sub, child, pointer, false, depth + 1, out);
                }
                (None, Some(Value::Bool(true))) => {}
                // Without declared properties the schema says nothing about names.
                (None, _) if preserve || props.is_none() => {}
                (None, _) if crossplane_spec && CROSSPLANE_SPEC_FIELDS.contains(&name.as_str()) => {
                }
                (None, _) => out.push(Problem::Unknown {
                    pointer: pointer.clone(),
                    field: name.clone(),
                }),
            }
            pointer.truncate(len);
            if self.stopped {
                return;
            }
        }
    }

    fn bounds(&mut self, schema: &'s Value, value: &Value, pointer: &str, out: &mut Vec<Problem>) {
        let pattern = schema.get("pattern").and_then(Value::as_str);
        let re = match (pattern, value.as_str()) {
            (Some(p), Some(_)) => self
                .regexes
                .entry(p)
                .or_insert_with(|| regex::Regex::new(p).ok())
                .as_ref(),
            _ => None,
        };
        bounds(schema, value, pointer, re, out);
    }
}

/// The nodes of `value`, counted up to `cap` (iteratively: the count never
/// recurses).
fn nodes_up_to(value: &Value, cap: usize) -> usize {
    let mut count = 0usize;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        count += 1;
        if count > cap {
            return count;
        }
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    count
}

fn bounds(
    schema: &Value,
    value: &Value,
    pointer: &str,
    re: Option<&regex::Regex>,
    out: &mut Vec<Problem>,
) {
    let mut fail = |message: String| {
        out.push(Problem::Invalid {
            pointer: pointer.to_owned(),
            message,
        });
    };
    if let Some(n) = value.as_f64().filter(|_| value.is_number()) {
        let exclusive_min = schema.get("exclusiveMinimum").and_then(Value::as_bool) == Some(true);
        let exclusive_max = schema.get("exclusiveMaximum").and_then(Value::as_bool) == Some(true);
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && (n < min || (exclusive_min && n <= min))
        {
            fail(format!(
                "{value} is below the minimum {}",
                schema["minimum"]
            ));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && (n > max || (exclusive_max && n >= max))
        {
            fail(format!(
                "{value} is above the maximum {}",
                schema["maximum"]
            ));
        }
    }
    if let Some(s) = value.as_str() {
        let chars = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && chars < min
        {
            fail(format!("is shorter than {min} characters"));
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && chars > max
        {
            fail(format!("is longer than {max} characters"));
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
            && let Some(re) = re
            && !re.is_match(s)
        {
            fail(format!("`{s}` does not match the pattern `{pattern}`"));
        }
    }
    if let Some(items) = value.as_array() {
        let n = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && n < min
        {
            fail(format!("has fewer than {min} items"));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && n > max
        {
            fail(format!("has more than {max} items"));
        }
    }
}

fn is_integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

fn article(ty: &str) -> &'static str {
    if ty.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) if n.is_f64() => format!("the number {n}"),
        Value::Number(n) => format!("the integer {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(schema: &Value, value: &Value) -> Vec<Problem> {
        let mut out = Vec::new();
        Walker::new(WalkLimits::default()).validate(
            schema,
            value,
            &mut String::from("/spec"),
            true,
            &mut out,
        );
        out
    }

    #[test]
    fn types_enums_required_unknown() {
        let schema = json!({
            "type": "object",
            "required": ["serviceName"],
            "properties": {
                "serviceName": {"type": "string"},
                "ttlHours": {"type": "integer", "default": 24, "minimum": 1},
                "resources": {"type": "object", "properties": {
                    "preset": {"type": "string", "enum": ["small", "medium", "large"], "default": "small"}
                }}
            }
        });
        let value = json!({"ttlHours": "48", "resources": {"preset": "huge"}, "colour": "red", "compositionRef": {"name": "x"}});
        let p = problems(&schema, &value);
        assert_eq!(
            p,
            [
                Problem::Invalid {
                    pointer: "/spec".into(),
                    message: "required field `serviceName` is missing".into()
                },
                Problem::Invalid {
                    pointer: "/spec/ttlHours".into(),
                    message: "must be an integer, found the string \"48\"".into()
                },
                Problem::Invalid {
                    pointer: "/spec/resources/preset".into(),
                    message: "\"huge\" is not one of \"small\", \"medium\", \"large\"".into()
                },
                Problem::Unknown {
                    pointer: "/spec/colour".into(),
                    field: "colour".into()
                },
            ]
        );
        let mut defaulted = json!({"resources": {}});
        let mut out = Vec::new();
        Walker::new(WalkLimits::default()).apply_defaults(
            &schema,
            &mut defaulted,
            &mut String::from("/spec"),
            &mut out,
        );
        assert!(out.is_empty());
        assert_eq!(
            defaulted,
            json!({"resources": {"preset": "small"}, "ttlHours": 24})
        );
    }
}
