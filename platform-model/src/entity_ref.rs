//! Entity references: `[<kind>:][<namespace>/]<name>`, parsed exactly as
//! Backstage parses them and printed the way Backstage stores them.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

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
/// References are cheap to clone and compare: the text is shared, and the
/// lowercased key is computed once.
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
#[derive(Clone)]
pub struct EntityRef {
    /// `kind:namespace/name` as written.
    text: Arc<str>,
    /// The lowercased `kind:namespace/name` (shares `text` when equal).
    key: Arc<str>,
    /// Byte length of the kind.
    kind_len: u32,
    /// Byte length of the kind in `key`: lowercasing can change the length
    /// (`İ` is two bytes, its lowercase three; the Kelvin sign three, `k` one).
    key_kind_len: u32,
    /// Byte offset of the name.
    name_start: u32,
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
    pub fn new(kind: impl AsRef<str>, namespace: impl AsRef<str>, name: impl AsRef<str>) -> Self {
        let (kind, namespace, name) = (kind.as_ref(), namespace.as_ref(), name.as_ref());
        let kind_len = u32::try_from(kind.len()).unwrap_or(u32::MAX);
        let name_start = u32::try_from(kind.len() + namespace.len() + 2).unwrap_or(u32::MAX);
        // One allocation per form: build in a reused buffer, then copy once.
        BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            buffer.push_str(kind);
            buffer.push(':');
            buffer.push_str(namespace);
            buffer.push('/');
            buffer.push_str(name);
            let text: Arc<str> = Arc::from(buffer.as_str());
            let lowercase = buffer
                .bytes()
                .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
                || !buffer
                    .chars()
                    .any(|c| c.to_lowercase().ne(std::iter::once(c)));
            let (key, key_kind_len) = if lowercase {
                (Arc::clone(&text), kind_len)
            } else {
                buffer.clear();
                push_lowercase(buffer, kind);
                let key_kind_len = u32::try_from(buffer.len()).unwrap_or(u32::MAX);
                buffer.push(':');
                push_lowercase(buffer, namespace);
                buffer.push('/');
                push_lowercase(buffer, name);
                (Arc::from(buffer.as_str()), key_kind_len)
            };
            Self {
                text,
                key,
                kind_len,
                key_kind_len,
                name_start,
            }
        })
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
        let (kind, namespace, name) = split(text, default_kind, default_namespace)?;
        Ok(Self::new(kind, namespace, name))
    }

    /// Writes the lowercased `kind:namespace/name` of `text`, parsed as
    /// [`parse_with`](Self::parse_with) does, into `key` (cleared first),
    /// without allocating a reference: the fast path for looking references
    /// up in maps keyed by [`EntityRef`] (which can be queried by key text).
    ///
    /// # Errors
    ///
    /// As [`parse_with`](Self::parse_with).
    pub fn key_into(
        text: &str,
        default_kind: Option<&str>,
        default_namespace: &str,
        key: &mut String,
    ) -> Result<(), RefError> {
        let (kind, namespace, name) = split(text, default_kind, default_namespace)?;
        key.clear();
        push_lowercase(key, kind);
        key.push(':');
        push_lowercase(key, namespace);
        key.push('/');
        push_lowercase(key, name);
        Ok(())
    }

    /// The kind as written.
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.text[..self.kind_len as usize]
    }

    /// The namespace as written.
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.text[self.kind_len as usize + 1..self.name_start as usize - 1]
    }

    /// The name as written.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.text[self.name_start as usize..]
    }

    /// Whether the kind equals `kind`, ignoring case.
    #[must_use]
    pub fn is_kind(&self, kind: &str) -> bool {
        eq_lowercase(self.kind(), kind)
    }

    /// The lowercased `kind:namespace/name`, the form Backstage stores and
    /// compares.
    #[must_use]
    pub fn as_key(&self) -> &str {
        &self.key
    }

    /// The lowercased `kind:namespace/name` as an owned string.
    #[must_use]
    pub fn to_key(&self) -> String {
        self.key.to_string()
    }

    /// The lowercased kind.
    #[must_use]
    pub fn kind_key(&self) -> &str {
        &self.key[..self.key_kind_len as usize]
    }
}

thread_local! {
    static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Backstage's index-based split of `[kind:][namespace/]name`, with defaults.
fn split<'a>(
    text: &'a str,
    default_kind: Option<&'a str>,
    default_namespace: &'a str,
) -> Result<(&'a str, &'a str, &'a str), RefError> {
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
    Ok((kind, namespace, name))
}

fn push_lowercase(out: &mut String, s: &str) {
    if s.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()) {
        out.push_str(s);
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

fn eq_lowercase(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

impl PartialEq for EntityRef {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for EntityRef {}

impl Hash for EntityRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
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
        self.key.cmp(&other.key)
    }
}

/// Maps keyed by `EntityRef` can be queried with the lowercased key text.
impl std::borrow::Borrow<str> for EntityRef {
    fn borrow(&self) -> &str {
        &self.key
    }
}

impl fmt::Debug for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntityRef({})", self.text)
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
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
        serializer.serialize_str(&self.key)
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

    /// Fuzz finding (fuzz/regressions/entity_ref): lowercasing changes the
    /// byte length of some kinds, so the lowercased kind is not a prefix of
    /// the key of the kind's original length.
    #[test]
    fn kind_key_survives_length_changing_lowercase() {
        let dotted = EntityRef::parse("\u{130}:a/b").unwrap();
        assert_eq!(dotted.kind_key(), "i\u{307}");
        assert_eq!(dotted.to_key(), "i\u{307}:a/b");
        let kelvin = EntityRef::parse("\u{212A}:ns/name").unwrap();
        assert_eq!(kelvin.kind_key(), "k");
        assert_eq!(kelvin.namespace(), "ns");
        let plain = EntityRef::parse_with("refsC", Some("\u{130}"), "s").unwrap();
        assert_eq!(plain.kind_key(), "i\u{307}");
        assert_eq!(plain.as_key(), "i\u{307}:s/refsc");
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
