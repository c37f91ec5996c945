//! Secrets: values that cannot be printed, and the redactor that keeps them
//! (and values derived from them) out of every log line.

use std::collections::BTreeMap;
use std::fmt;

/// A secret value. It has no `Display`, and `Debug` prints `Secret(***)`;
/// read it with [`Secret::expose`] where it is really needed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The secrets of a run, by name (`${{ secrets.name }}`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    values: BTreeMap<String, Secret>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

impl Secrets {
    /// No secrets.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a secret.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(name, value);
        self
    }

    /// Adds or replaces a secret.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values.insert(name.into(), Secret::new(value));
    }

    /// A secret by name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.values.get(name)
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The secrets as the JSON object templates see.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.values
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.0.clone())))
                .collect(),
        )
    }

    /// The same names with every value blanked, for the second rendering
    /// that finds values derived from secrets.
    pub(crate) fn blanked_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.values
                .keys()
                .map(|k| (k.clone(), serde_json::Value::String(String::new())))
                .collect(),
        )
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &str> {
        self.values.values().map(|s| s.0.as_str())
    }
}

/// Replaces every known secret value in a text with `***`.
///
/// Values are trimmed and values of one character or less are ignored (they
/// would mask everything), longest first so that a secret containing
/// another is masked whole.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    values: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} values)", self.values.len())
    }
}

impl Redactor {
    pub(crate) fn new(secrets: &Secrets) -> Self {
        let mut redactor = Self::default();
        for value in secrets.values() {
            redactor.add(value);
        }
        redactor
    }

    pub(crate) fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() <= 1 || self.values.iter().any(|v| v == value) {
            return;
        }
        let at = self.values.partition_point(|v| v.len() >= value.len());
        self.values.insert(at, value.to_owned());
    }

    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), "***");
            }
        }
        out
    }

    /// Adds every string of `with` that differs from its counterpart in
    /// `without` (rendered with secrets blanked): values derived from
    /// secrets through filters.
    pub(crate) fn add_differences(
        &mut self,
        with: &serde_json::Value,
        without: Option<&serde_json::Value>,
    ) {
        use serde_json::Value;
        match (with, without) {
            (Value::String(a), Some(Value::String(b))) if a == b => {}
            (Value::String(a), _) => self.add(a),
            (Value::Array(a), Some(Value::Array(b))) => {
                for (i, item) in a.iter().enumerate() {
                    self.add_differences(item, b.get(i));
                }
            }
            (Value::Array(a), _) => {
                for item in a {
                    self.add_differences(item, None);
                }
            }
            (Value::Object(a), Some(Value::Object(b))) => {
                for (k, v) in a {
                    if !b.contains_key(k) {
                        self.add(k);
                    }
                    self.add_differences(v, b.get(k));
                }
            }
            (Value::Object(a), _) => {
                for (k, v) in a {
                    self.add(k);
                    self.add_differences(v, None);
                }
            }
            (other, Some(b)) if other == b => {}
            (Value::Number(n), _) => self.add(&n.to_string()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secrets = Secrets::new().with("token", "hunter2-very-secret");
        assert_eq!(format!("{secrets:?}"), "{\"token\"}");
        assert_eq!(
            format!("{:?}", secrets.get("token").expect("present")),
            "Secret(***)"
        );
    }

    #[test]
    fn redaction_trims_ignores_short_values_and_masks_longest_first() {
        let secrets = Secrets::new()
            .with("a", "  abc  ")
            .with("b", "abcdef")
            .with("c", "x");
        let redactor = Redactor::new(&secrets);
        assert_eq!(redactor.redact("abcdef abc x"), "*** *** x");
    }

    #[test]
    fn derived_values_are_found_by_difference() {
        let mut redactor = Redactor::default();
        let with = serde_json::json!({"a": "TOKEN", "b": "same", "c": ["x-ekot"]});
        let without = serde_json::json!({"a": "", "b": "same", "c": ["x-"]});
        redactor.add_differences(&with, Some(&without));
        assert_eq!(redactor.redact("TOKEN same x-ekot"), "*** same ***");
    }
}
