//! Kubernetes label selectors with their exact semantics: every
//! `matchLabels` pair **and** every `matchExpressions` requirement must hold
//! (Polaris once matched a PDB when any single label matched).
//!
//! ```
//! use platform_policy::selector::LabelSelector;
//! use serde_json::json;
//!
//! let pdb = LabelSelector::from_value(&json!({
//!     "matchLabels": {"app": "pay"},
//!     "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]
//! }))?;
//! let labels = json!({"app": "pay", "tier": "worker"});
//! assert!(!pdb.matches(labels.as_object().unwrap()));
//! let text = LabelSelector::parse("app=pay,tier in (web, worker),!canary")?;
//! assert!(text.matches(labels.as_object().unwrap()));
//! # Ok::<(), String>(())
//! ```

use serde_json::{Map, Value};

/// A requirement operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operator {
    /// The label's value is one of the values.
    In,
    /// The label is absent or its value is none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// One `matchExpressions` requirement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Requirement {
    /// Label key.
    pub key: String,
    /// Operator.
    pub operator: Operator,
    /// Values for `In` / `NotIn`.
    pub values: Vec<String>,
}

impl Requirement {
    fn matches(&self, labels: &Map<String, Value>) -> bool {
        let value = labels.get(&self.key).and_then(Value::as_str);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.iter().any(|x| x == v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.iter().any(|x| x == v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A label selector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct LabelSelector {
    /// `matchLabels` pairs.
    pub match_labels: Vec<(String, String)>,
    /// `matchExpressions`.
    pub expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// Reads a `{matchLabels, matchExpressions}` object.
    ///
    /// # Errors
    ///
    /// A message when the object does not have the selector shape.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        let Value::Object(map) = value else {
            return Err("a label selector must be a mapping".into());
        };
        let mut selector = Self::default();
        if let Some(labels) = map.get("matchLabels").filter(|v| !v.is_null()) {
            let Value::Object(labels) = labels else {
                return Err("`matchLabels` must be a mapping".into());
            };
            for (k, v) in labels {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err(format!("`matchLabels.{k}` must be a string")),
                };
                selector.match_labels.push((k.clone(), v));
            }
        }
        if let Some(exprs) = map.get("matchExpressions").filter(|v| !v.is_null()) {
            let Value::Array(exprs) = exprs else {
                return Err("`matchExpressions` must be a list".into());
            };
            for (i, e) in exprs.iter().enumerate() {
                let key = e
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("`matchExpressions[{i}]` needs a string `key`"))?;
                let operator = match e.get("operator").and_then(Value::as_str) {
                    Some("In") => Operator::In,
                    Some("NotIn") => Operator::NotIn,
                    Some("Exists") => Operator::Exists,
                    Some("DoesNotExist") => Operator::DoesNotExist,
                    other => {
                        return Err(format!(
                            "`matchExpressions[{i}].operator` must be In, NotIn, Exists or DoesNotExist, not {}",
                            other.unwrap_or("missing")
                        ));
                    }
                };
                let values: Vec<String> = match e.get("values") {
                    Some(Value::Array(v)) => v
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                if matches!(operator, Operator::In | Operator::NotIn) && values.is_empty() {
                    return Err(format!(
                        "`matchExpressions[{i}]` with In or NotIn needs values"
                    ));
                }
                selector.expressions.push(Requirement {
                    key: key.to_owned(),
                    operator,
                    values,
                });
            }
        }
        Ok(selector)
    }

    /// Parses the string form (`a=b,c!=d,e in (x,y),f notin (z),g,!h`), as
    /// in the `backstage.io/kubernetes-label-selector` annotation.
    ///
    /// # Errors
    ///
    /// A message naming the part that cannot be read.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut selector = Self::default();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if let Some(key) = part.strip_prefix('!') {
                selector.expressions.push(Requirement {
                    key: key.trim().to_owned(),
                    operator: Operator::DoesNotExist,
                    values: Vec::new(),
                });
            } else if let Some((key, value)) = part.split_once("!=") {
                selector.expressions.push(Requirement {
                    key: key.trim().to_owned(),
                    operator: Operator::NotIn,
                    values: vec![value.trim().to_owned()],
                });
            } else if let Some((key, value)) =
                part.split_once("==").or_else(|| part.split_once('='))
            {
                selector
                    .match_labels
                    .push((key.trim().to_owned(), value.trim().to_owned()));
            } else if let Some((key, op, values)) = set_requirement(part) {
                selector.expressions.push(Requirement {
                    key,
                    operator: op,
                    values,
                });
            } else if part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            {
                selector.expressions.push(Requirement {
                    key: part.to_owned(),
                    operator: Operator::Exists,
                    values: Vec::new(),
                });
            } else {
                return Err(format!("cannot read selector requirement `{part}`"));
            }
        }
        Ok(selector)
    }

    /// Whether the selector has no requirement at all (it then selects
    /// every pod of its namespace).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// Whether `labels` satisfy every requirement.
    #[must_use]
    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k).and_then(Value::as_str) == Some(v.as_str()))
            && self.expressions.iter().all(|r| r.matches(labels))
    }
}

/// Splits at commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn set_requirement(part: &str) -> Option<(String, Operator, Vec<String>)> {
    let open = part.find('(')?;
    let close = part.rfind(')')?;
    if close < open {
        return None;
    }
    let head = part[..open].trim();
    let (key, op) = head.rsplit_once(char::is_whitespace)?;
    let operator = match op.trim() {
        "in" => Operator::In,
        "notin" => Operator::NotIn,
        _ => return None,
    };
    let values = part[open + 1..close]
        .split(',')
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    Some((key.trim().to_owned(), operator, values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let s = LabelSelector::from_value(&json!({
            "matchLabels": {"app": "a", "tier": "web"}
        }))
        .expect("selector");
        assert!(s.matches(&labels(json!({"app": "a", "tier": "web", "x": "y"}))));
        // Polaris matched when any single label matched; Kubernetes needs all.
        assert!(!s.matches(&labels(json!({"app": "a"}))));
        let s = LabelSelector::from_value(&json!({
            "matchLabels": {"app": "a"},
            "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]
        }))
        .expect("selector");
        assert!(s.matches(&labels(json!({"app": "a"}))));
        assert!(!s.matches(&labels(json!({"app": "a", "env": "dev"}))));
    }

    #[test]
    fn string_form() {
        let s = LabelSelector::parse("app=a, env in (prod,staging), !canary, team").expect("parse");
        assert!(s.matches(&labels(json!({"app": "a", "env": "prod", "team": "t"}))));
        assert!(!s.matches(&labels(
            json!({"app": "a", "env": "prod", "team": "t", "canary": "1"})
        )));
        assert!(LabelSelector::parse("a b c").is_err());
        assert!(
            LabelSelector::from_value(
                &json!({"matchExpressions": [{"key": "a", "operator": "Near"}]})
            )
            .is_err()
        );
    }
}
