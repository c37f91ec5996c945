//! Entity references: `[<kind>:][<namespace>/]<name>`, parsed exactly as
//! Backstage parses them and printed the way Backstage stores them.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The namespace used when neither the reference nor its context names one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A reference to a catalog entity: kind, namespace and name.
///
/// The parts keep the case they were written in; identity is
/// case-insensitive (two references are equal when their lowercased forms
/// are), and [`Display`](fmt::Display) prints the lowercased
/// `kind:namespace/name` that Backstage stores.
///
/// ```
/// use platform_model::EntityRef;
///
/// let r = EntityRef::parse_with("payments/Payment-API", Some("API"), "default")?;
/// assert_eq!((r.kind(), r.namespace(), r.name()), ("API", "payments", "Payment-API"));
/// assert_eq!(r.to_string(), "api:payments/payment-api");
/// assert_eq!(r, "api:PAYMENTS/payment-api".parse::<EntityRef>()?);
/// # Ok::<(), platform_model::RefError>(())
/// ```
#[derive(Clone, Debug)]
pub struct EntityRef {
    kind: String,
    namespace: String,
    name: String,
}

/// Why a string is not an entity reference. The messages are Backstage's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefError {
    /// The input was empty.
    #[error("Entity reference must not be empty")]
    Empty,
    /// A part that is present is empty (`:foo`, `a:`, `a/`).
    #[error("Entity reference \"{0}\" was not on the form [<kind>:][<namespace>/]<name>")]
    Malformed(String),
    /// No kind in the reference and no default kind. The payload is the
    /// reference as JSON (a quoted string for textual references).
    #[error(
        "Entity reference {0} had missing or empty kind (e.g. did not start with \"component:\" or similar)"
    )]
    MissingKind(String),
    /// No namespace could be determined (the payload is the reference as JSON).
    #[error("Entity reference {0} had missing or empty namespace")]
    MissingNamespace(String),
    /// No name could be determined (the payload is the reference as JSON).
    #[error("Entity reference {0} had missing or empty name")]
    MissingName(String),
}

pub(crate) fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

impl RefError {
    /// The JavaScript error class Backstage throws for this error
    /// (`TypeError` for malformed text, `Error` otherwise).
    #[must_use]
    pub fn js_name(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "TypeError",
            _ => "Error",
        }
    }
}

impl EntityRef {
    /// A reference from its three parts, taken as they are.
    #[must_use]
    pub fn new(
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Parses a full reference; the kind is required and the namespace
    /// defaults to `default`.
    ///
    /// # Errors
    ///
    /// [`RefError`] when the text is empty, malformed or has no kind.
    pub fn parse(text: &str) -> Result<Self, RefError> {
        Self::parse_with(text, None, DEFAULT_NAMESPACE)
    }

    /// Parses a reference with context defaults, as Backstage's
    /// `parseEntityRef(ref, {defaultKind, defaultNamespace})` does: the first
    /// `:` ends the kind unless a `/` comes before it, the first `/` ends the
    /// namespace, and nothing is trimmed or case-folded. An empty
    /// `default_namespace` means `default`.
    ///
    /// # Errors
    ///
    /// [`RefError`] when the text is empty, a present part is empty, or no
    /// kind can be determined.
    pub fn parse_with(
        text: &str,
        default_kind: Option<&str>,
        default_namespace: &str,
    ) -> Result<Self, RefError> {
        if text.is_empty() {
            return Err(RefError::Empty);
        }
        let colon = text.find(':');
        let slash = text.find('/');
        let colon = match (colon, slash) {
            (Some(c), Some(s)) if s < c => None,
            (c, _) => c,
        };
        let kind = colon.map(|c| &text[..c]);
        let namespace = slash.map(|s| &text[colon.map_or(0, |c| c + 1)..s]);
        let name_start = match (colon, slash) {
            (Some(c), Some(s)) => (c + 1).max(s + 1),
            (Some(c), None) => c + 1,
            (None, Some(s)) => s + 1,
            (None, None) => 0,
        };
        let name = &text[name_start..];
        if kind == Some("") || namespace == Some("") || name.is_empty() {
            return Err(RefError::Malformed(text.to_owned()));
        }
        let kind = match kind.or(default_kind) {
            Some(k) if !k.is_empty() => k,
            _ => return Err(RefError::MissingKind(json_string(text))),
        };
        let namespace = namespace.unwrap_or(if default_namespace.is_empty() {
            DEFAULT_NAMESPACE
        } else {
            default_namespace
        });
        Ok(Self::new(kind, namespace, name))
    }

    /// The kind as written.
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The namespace as written.
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The name as written.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the kind equals `kind`, ignoring case.
    #[must_use]
    pub fn is_kind(&self, kind: &str) -> bool {
        eq_lowercase(&self.kind, kind)
    }

    /// The lowercased `kind:namespace/name`, the form Backstage stores and
    /// compares.
    #[must_use]
    pub fn to_key(&self) -> String {
        let mut out =
            String::with_capacity(self.kind.len() + self.namespace.len() + self.name.len() + 2);
        push_lowercase(&mut out, &self.kind);
        out.push(':');
        push_lowercase(&mut out, &self.namespace);
        out.push('/');
        push_lowercase(&mut out, &self.name);
        out
    }
}

fn push_lowercase(out: &mut String, s: &str) {
    if s.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()) {
        out.push_str(s);
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

fn lower_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

fn eq_lowercase(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || lower_chars(a).eq(lower_chars(b))
}

impl PartialEq for EntityRef {
    fn eq(&self, other: &Self) -> bool {
        eq_lowercase(&self.name, &other.name)
            && eq_lowercase(&self.namespace, &other.namespace)
            && eq_lowercase(&self.kind, &other.kind)
    }
}

impl Eq for EntityRef {}

impl Hash for EntityRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for part in [&self.kind, &self.namespace, &self.name] {
            for c in lower_chars(part) {
                state.write_u32(u32::from(c));
            }
            state.write_u8(0xff);
        }
    }
}

impl PartialOrd for EntityRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EntityRef {
    /// Orders by the lowercased `kind:namespace/name`.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        lower_chars(&self.kind)
            .cmp(lower_chars(&other.kind))
            .then_with(|| lower_chars(&self.namespace).cmp(lower_chars(&other.namespace)))
            .then_with(|| lower_chars(&self.name).cmp(lower_chars(&other.name)))
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_key())
    }
}

impl FromStr for EntityRef {
    type Err = RefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for EntityRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_key())
    }
}

impl<'de> Deserialize<'de> for EntityRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_printing_and_case_insensitive_identity() {
        let a = EntityRef::new("User", "NS", "Foo");
        assert_eq!(a.to_string(), "user:ns/foo");
        assert_eq!(a, EntityRef::new("user", "ns", "FOO"));
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&EntityRef::new("USER", "ns", "foo")));
    }

    #[test]
    fn unicode_lowercasing() {
        let r = EntityRef::new("Component", "default", "ÄPFEL");
        assert_eq!(r.to_string(), "component:default/äpfel");
        assert_eq!(r, EntityRef::new("component", "default", "äpfel"));
    }

    #[test]
    fn errors_carry_backstage_text() {
        assert_eq!(
            EntityRef::parse("foo").unwrap_err().to_string(),
            "Entity reference \"foo\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
        );
        assert_eq!(
            EntityRef::parse("a:").unwrap_err().to_string(),
            "Entity reference \"a:\" was not on the form [<kind>:][<namespace>/]<name>"
        );
        assert_eq!(
            EntityRef::parse("").unwrap_err().to_string(),
            "Entity reference must not be empty"
        );
    }
}
