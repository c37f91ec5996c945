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

/// Values this short are masked only where they stand alone (between
/// non-alphanumeric characters), not inside other words: a secret split
/// into single characters (`secrets.token | list`) is still masked, and
/// not every `a` of a log line.
const MIN_SUBSTRING_CHARS: usize = 3;

/// Replaces every known secret value in a text with `***`.
///
/// Every value is masked in each encoding a built-in filter or action can
/// give it: as it is, upper and lower case, URL-encoded (percent and form
/// style), base64 (standard and URL-safe, padded or not), JSON-escaped and
/// HTML-escaped. Values are trimmed; values shorter than three characters
/// are masked where they stand alone; longer values everywhere, longest
/// first, so that a secret containing another is masked whole.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    values: Vec<String>,
    tokens: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Redactor({} values, {} tokens)",
            self.values.len(),
            self.tokens.len()
        )
    }
}

/// Percent-encodes every byte but RFC 3986's unreserved ones (and `keep`).
fn percent_encode(value: &str, keep: &[u8], space_plus: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || keep.contains(&byte) {
            out.push(char::from(byte));
        } else if byte == b' ' && space_plus {
            out.push('+');
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The forms of `value` that filters and actions produce.
fn encodings(value: &str) -> Vec<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let json = serde_json::to_string(value).unwrap_or_default();
    let json_inner = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned();
    let html = value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    vec![
        value.to_owned(),
        value.to_uppercase(),
        value.to_lowercase(),
        percent_encode(value, b"", false),
        percent_encode(value, b"", true),
        percent_encode(value, b"!*'()", false),
        percent_encode(value, b"/", false),
        STANDARD.encode(value),
        STANDARD_NO_PAD.encode(value),
        URL_SAFE.encode(value),
        URL_SAFE_NO_PAD.encode(value),
        json_inner,
        html,
    ]
}

/// Whether `text[at..at + len]` stands alone: no alphanumeric character
/// right before or after it.
fn stands_alone(text: &str, at: usize, len: usize) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[at + len..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

impl Redactor {
    pub(crate) fn new(secrets: &Secrets) -> Self {
        let mut redactor = Self::default();
        for value in secrets.values() {
            redactor.add(value);
        }
        redactor
    }

    /// Adds a secret value (or a value derived from one) in all its forms.
    pub(crate) fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        for form in encodings(value) {
            self.add_form(&form);
        }
    }

    fn add_form(&mut self, form: &str) {
        if form.is_empty() {
            return;
        }
        if form.chars().count() < MIN_SUBSTRING_CHARS {
            if !self.tokens.iter().any(|t| t == form) {
                self.tokens.push(form.to_owned());
            }
            return;
        }
        if self.values.iter().any(|v| v == form) {
            return;
        }
        let at = self.values.partition_point(|v| v.len() >= form.len());
        self.values.insert(at, form.to_owned());
    }

    /// Whether nothing is masked.
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty() && self.tokens.is_empty()
    }

    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), "***");
            }
        }
        for token in &self.tokens {
            if !out.contains(token.as_str()) {
                continue;
            }
            let mut masked = String::with_capacity(out.len());
            let mut rest = 0;
            for (at, _) in out.match_indices(token.as_str()) {
                if at < rest {
                    continue;
                }
                if stands_alone(&out, at, token.len()) {
                    masked.push_str(&out[rest..at]);
                    masked.push_str("***");
                    rest = at + token.len();
                }
            }
            masked.push_str(&out[rest..]);
            out = masked;
        }
        out
    }

    /// Masks every string of a JSON value (keys included).
    pub(crate) fn redact_json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        if self.is_empty() {
            return value.clone();
        }
        match value {
            Value::String(s) => Value::String(self.redact(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.redact(k), self.redact_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Masks the longer values in file contents (bytes, UTF-8 or not);
    /// short tokens are left, as masking them would garble the file.
    pub(crate) fn redact_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for value in &self.values {
            let finder = memchr::memmem::Finder::new(value.as_bytes());
            if finder.find(&out).is_none() {
                continue;
            }
            let mut masked = Vec::with_capacity(out.len());
            let mut rest = 0;
            for at in finder.find_iter(&out) {
                if at < rest {
                    continue;
                }
                masked.extend_from_slice(&out[rest..at]);
                masked.extend_from_slice(b"***");
                rest = at + value.len();
            }
            masked.extend_from_slice(&out[rest..]);
            out = masked;
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
            (Value::String(a), Some(Value::String(b))) => {
                self.add(a);
                // The part that the secret changed, for messages that
                // quote only a piece of the rendered value.
                let middle = changed_part(a, b);
                if middle.chars().count() >= MIN_SUBSTRING_CHARS {
                    self.add(middle);
                }
            }
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

/// `with` without the longest prefix and suffix it shares with `without`.
fn changed_part<'a>(with: &'a str, without: &str) -> &'a str {
    let prefix = with
        .char_indices()
        .zip(without.chars())
        .find(|((_, a), b)| a != b)
        .map_or_else(|| with.len().min(without.len()), |((i, _), _)| i);
    let prefix = if with.is_char_boundary(prefix) {
        prefix
    } else {
        0
    };
    let rest = &with[prefix..];
    let other = without.get(prefix.min(without.len())..).unwrap_or_default();
    let suffix = rest
        .chars()
        .rev()
        .zip(other.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    &rest[..rest.len() - suffix]
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
    fn redaction_trims_masks_short_values_alone_and_longest_first() {
        let secrets = Secrets::new()
            .with("a", "  abc  ")
            .with("b", "abcdef")
            .with("c", "x");
        let redactor = Redactor::new(&secrets);
        assert_eq!(redactor.redact("abcdef abc x"), "*** *** ***");
        // A short value inside a word stays: masking it would mask everything.
        assert_eq!(redactor.redact("max \"x\""), "max \"***\"");
    }

    #[test]
    fn every_encoding_of_a_secret_is_masked() {
        let redactor = Redactor::new(&Secrets::new().with("t", "open sesame/\"42\""));
        for form in [
            "open sesame/\"42\"",
            "OPEN SESAME/\"42\"",
            "open%20sesame%2F%2242%22",
            "open+sesame%2F%2242%22",
            "open%20sesame/%2242%22",
            "b3BlbiBzZXNhbWUvIjQyIg==",
            "b3BlbiBzZXNhbWUvIjQyIg",
            "open sesame/\\\"42\\\"",
            "open sesame/&quot;42&quot;",
        ] {
            let text = format!("before {form} after");
            assert_eq!(redactor.redact(&text), "before *** after", "{form}");
        }
        assert_eq!(
            redactor.redact_bytes(b"\x00\xffopen sesame/\"42\"\x00"),
            b"\x00\xff***\x00"
        );
    }

    #[test]
    fn the_changed_part_of_a_derived_value_is_masked() {
        let mut redactor = Redactor::default();
        redactor.add_differences(
            &serde_json::json!("github.com?owner=HUNTER2-XYZZY!&repo=x"),
            Some(&serde_json::json!("github.com?owner=&repo=x")),
        );
        assert_eq!(
            redactor.redact("`HUNTER2-XYZZY!` is not a valid owner"),
            "`***` is not a valid owner"
        );
        assert_eq!(changed_part("aXYZb", "ab"), "XYZ");
        assert_eq!(changed_part("é-secret-é", "é-é"), "secret-");
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
