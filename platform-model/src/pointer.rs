//! JSON pointers (RFC 6901): how every diagnostic of the workspace names
//! the field it is about (`/spec/owner`, `/metadata/annotations/a~1b`).

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// A JSON pointer such as `/spec/owner`; the empty pointer is the document
/// root. Tokens are escaped as RFC 6901 says (`~` as `~0`, `/` as `~1`).
///
/// ```
/// use platform_model::Pointer;
///
/// let p = Pointer::root().join("metadata").join("annotations").join("example.com/team");
/// assert_eq!(p, "/metadata/annotations/example.com~1team");
/// assert_eq!(p.tokens().last().as_deref(), Some("example.com/team"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pointer(String);

impl Pointer {
    /// The document root (the empty pointer).
    #[must_use]
    pub fn root() -> Self {
        Self(String::new())
    }

    /// A pointer from its escaped text, taken as it is.
    #[must_use]
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The escaped text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends one token (escaped here).
    pub fn push(&mut self, token: &str) {
        push_token(&mut self.0, token);
    }

    /// This pointer with one more token.
    #[must_use]
    pub fn join(mut self, token: &str) -> Self {
        self.push(token);
        self
    }

    /// The unescaped tokens.
    pub fn tokens(&self) -> impl Iterator<Item = Cow<'_, str>> {
        tokens(&self.0)
    }

    /// The escaped text, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Pointer {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Pointer {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Pointer {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for Pointer {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl From<&String> for Pointer {
    fn from(text: &String) -> Self {
        Self(text.clone())
    }
}

impl From<Pointer> for String {
    fn from(pointer: Pointer) -> Self {
        pointer.0
    }
}

impl PartialEq<str> for Pointer {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Pointer {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Splits an escaped JSON pointer into unescaped tokens (`~1` is `/`, `~0`
/// is `~`).
pub fn tokens(pointer: &str) -> impl Iterator<Item = Cow<'_, str>> {
    pointer.split('/').skip(1).map(|t| {
        if t.contains('~') {
            Cow::Owned(t.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(t)
        }
    })
}

/// Appends one token, escaped, to the text of a JSON pointer.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    if !token.contains(['~', '/']) {
        pointer.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_escape_and_unescape() {
        let found: Vec<_> = tokens("/metadata/annotations/example.com~1n~0x").collect();
        assert_eq!(found, ["metadata", "annotations", "example.com/n~x"]);
        let mut p = String::new();
        push_token(&mut p, "a/b~c");
        assert_eq!(p, "/a~1b~0c");
        let pointer = Pointer::root().join("a/b~c").join("0");
        assert_eq!(pointer.as_str(), "/a~1b~0c/0");
        assert_eq!(pointer.tokens().collect::<Vec<_>>(), ["a/b~c", "0"]);
        assert_eq!(Pointer::root().tokens().count(), 0);
        assert_eq!(serde_json::to_string(&pointer).unwrap(), "\"/a~1b~0c/0\"");
    }
}
