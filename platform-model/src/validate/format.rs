//! Backstage's field-format rules (`KubernetesValidatorFunctions`,
//! `CommonValidatorFunctions` and `makeValidator`), and the overridable set
//! that `FieldFormatEntityPolicy` applies.
//!
//! Every allowed character is ASCII, so lengths in bytes, characters and
//! UTF-16 units agree wherever a value can pass.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// `isValidObjectName`: 1..=63 characters, `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
/// Separators may repeat (`a..b` and `a-_-b` are valid).
#[must_use]
pub fn is_valid_object_name(value: &str) -> bool {
    object_name_with_max_length(value, 63)
}

/// [`is_valid_object_name`] with another length limit, for catalogs that
/// raise the 63-character limit as Backstage adopters do with `makeValidator`.
#[must_use]
pub fn object_name_with_max_length(value: &str, max: usize) -> bool {
    let bytes = value.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    bytes.len() <= max
        && first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `isValidDnsLabel` (also `isValidNamespace`): 1..=63 characters,
/// `^[a-z0-9]+(?:\-+[a-z0-9]+)*$`, lowercase only.
#[must_use]
pub fn is_valid_dns_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let lower_alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    bytes.len() <= 63
        && lower_alnum(first)
        && lower_alnum(last)
        && bytes.iter().all(|b| lower_alnum(b) || *b == b'-')
}

/// `isValidNamespace`: the same rule as [`is_valid_dns_label`].
#[must_use]
pub fn is_valid_namespace(value: &str) -> bool {
    is_valid_dns_label(value)
}

/// `isValidDnsSubdomain`: 1..=253 characters, every `.`-separated part a DNS label.
#[must_use]
pub fn is_valid_dns_subdomain(value: &str) -> bool {
    !value.is_empty() && value.len() <= 253 && value.split('.').all(is_valid_dns_label)
}

/// Backstage's `isValidPrefixAndOrSuffix` on `/`: one part must pass
/// `suffix`, two parts `prefix` and `suffix`, more parts fail.
fn prefix_and_or_suffix(value: &str, prefix: fn(&str) -> bool, suffix: fn(&str) -> bool) -> bool {
    let mut parts = value.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(only), None, None) => suffix(only),
        (Some(p), Some(s), None) => prefix(p) && suffix(s),
        _ => false,
    }
}

/// `isValidApiVersion`: `[<dns-subdomain>/]<1..=63 of [A-Za-z0-9]>`.
#[must_use]
pub fn is_valid_api_version(value: &str) -> bool {
    prefix_and_or_suffix(value, is_valid_dns_subdomain, |s| {
        !s.is_empty() && s.len() <= 63 && s.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// `isValidKind`: 1..=63 characters, `^[a-zA-Z][a-z0-9A-Z]*$`.
#[must_use]
pub fn is_valid_kind(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.len() <= 63
        && bytes.iter().all(u8::is_ascii_alphanumeric)
}

/// `isValidLabelKey` and `isValidAnnotationKey`: an optional DNS-subdomain
/// prefix and `/`, then an object name.
#[must_use]
pub fn is_valid_label_key(value: &str) -> bool {
    prefix_and_or_suffix(value, is_valid_dns_subdomain, is_valid_object_name)
}

/// `isValidAnnotationKey`: the same rule as [`is_valid_label_key`].
#[must_use]
pub fn is_valid_annotation_key(value: &str) -> bool {
    is_valid_label_key(value)
}

/// `isValidLabelValue`: empty, or an object name.
#[must_use]
pub fn is_valid_label_value(value: &str) -> bool {
    value.is_empty() || is_valid_object_name(value)
}

/// `isValidAnnotationValue`: any string.
#[must_use]
pub fn is_valid_annotation_value(_value: &str) -> bool {
    true
}

/// `makeValidator`'s `isValidTag`: 1..=63 characters,
/// `^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$` (a colon is allowed although the
/// message does not mention it).
#[must_use]
pub fn is_valid_tag(value: &str) -> bool {
    let bytes = value.as_bytes();
    let word =
        |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b':' | b'+' | b'#');
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .split(|b| *b == b'-')
            .all(|part| !part.is_empty() && part.iter().all(word))
}

/// `isValidUrl`: an absolute URL by the WHATWG rules (`new URL(value)`).
#[must_use]
pub fn is_valid_url(value: &str) -> bool {
    url::Url::parse(value).is_ok()
}

/// `isNonEmptyString`: not blank after JavaScript's `trim()`.
#[must_use]
pub fn is_non_empty_string(value: &str) -> bool {
    !value
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
}

/// One overridable field rule: the check and the expectation text Backstage
/// prints when it fails.
#[derive(Clone)]
pub struct FieldRule {
    check: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    expectation: Option<Cow<'static, str>>,
}

impl FieldRule {
    /// A rule from a check and the expectation shown when it fails
    /// (`expected <expectation> but found "<value>"`).
    pub fn new(
        check: impl Fn(&str) -> bool + Send + Sync + 'static,
        expectation: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            check: Arc::new(check),
            expectation: Some(expectation.into()),
        }
    }

    /// A rule without expectation text, like a custom Backstage validator
    /// whose function name Backstage does not know.
    pub fn without_expectation(check: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        Self {
            check: Arc::new(check),
            expectation: None,
        }
    }

    /// Runs the check.
    #[must_use]
    pub fn check(&self, value: &str) -> bool {
        (self.check)(value)
    }

    /// The expectation text.
    #[must_use]
    pub fn expectation(&self) -> Option<&str> {
        self.expectation.as_deref()
    }
}

impl fmt::Debug for FieldRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldRule")
            .field("expectation", &self.expectation)
            .finish_non_exhaustive()
    }
}

const EXPECT_OBJECT_NAME: &str = "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total";
const EXPECT_PREFIX_SUFFIX: &str = "a valid prefix and/or suffix";
const EXPECT_DNS_LABEL: &str =
    "a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total";
const EXPECT_TAG: &str =
    "a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total";
const EXPECT_KIND: &str =
    "a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total";
/// Expectation text of the URL rule.
pub(crate) const EXPECT_URL: &str = "a string that is a valid url";
/// Expectation text of the non-empty-string rule.
pub(crate) const EXPECT_NON_EMPTY: &str = "a non empty string";

/// The field rules `FieldFormatEntityPolicy` applies; each can be replaced,
/// as Backstage's `makeValidator(overrides)` allows.
///
/// ```
/// use platform_model::validate::{FieldRule, FieldValidators, object_name_with_max_length};
///
/// // Allow names of up to 100 characters.
/// let validators = FieldValidators::default().with_entity_name(FieldRule::new(
///     |v| object_name_with_max_length(v, 100),
///     "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 100 characters in total",
/// ));
/// assert!(validators.entity_name.check(&"a".repeat(100)));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FieldValidators {
    /// `apiVersion`.
    pub api_version: FieldRule,
    /// `kind`.
    pub kind: FieldRule,
    /// `metadata.name`.
    pub entity_name: FieldRule,
    /// `metadata.namespace`.
    pub namespace: FieldRule,
    /// Keys of `metadata.labels`.
    pub label_key: FieldRule,
    /// Values of `metadata.labels`.
    pub label_value: FieldRule,
    /// Keys of `metadata.annotations`.
    pub annotation_key: FieldRule,
    /// Values of `metadata.annotations`.
    pub annotation_value: FieldRule,
    /// Items of `metadata.tags`.
    pub tag: FieldRule,
}

impl Default for FieldValidators {
    fn default() -> Self {
        Self {
            api_version: FieldRule::new(is_valid_api_version, EXPECT_PREFIX_SUFFIX),
            kind: FieldRule::new(is_valid_kind, EXPECT_KIND),
            entity_name: FieldRule::new(is_valid_object_name, EXPECT_OBJECT_NAME),
            namespace: FieldRule::new(is_valid_namespace, EXPECT_DNS_LABEL),
            label_key: FieldRule::new(is_valid_label_key, EXPECT_PREFIX_SUFFIX),
            label_value: FieldRule::new(is_valid_label_value, EXPECT_OBJECT_NAME),
            annotation_key: FieldRule::new(is_valid_annotation_key, EXPECT_PREFIX_SUFFIX),
            annotation_value: FieldRule::new(is_valid_annotation_value, "a string"),
            tag: FieldRule::new(is_valid_tag, EXPECT_TAG),
        }
    }
}

impl FieldValidators {
    /// Replaces the `apiVersion` rule.
    #[must_use]
    pub fn with_api_version(mut self, rule: FieldRule) -> Self {
        self.api_version = rule;
        self
    }

    /// Replaces the `kind` rule.
    #[must_use]
    pub fn with_kind(mut self, rule: FieldRule) -> Self {
        self.kind = rule;
        self
    }

    /// Replaces the `metadata.name` rule.
    #[must_use]
    pub fn with_entity_name(mut self, rule: FieldRule) -> Self {
        self.entity_name = rule;
        self
    }

    /// Replaces the `metadata.namespace` rule.
    #[must_use]
    pub fn with_namespace(mut self, rule: FieldRule) -> Self {
        self.namespace = rule;
        self
    }

    /// Replaces the label key rule.
    #[must_use]
    pub fn with_label_key(mut self, rule: FieldRule) -> Self {
        self.label_key = rule;
        self
    }

    /// Replaces the label value rule.
    #[must_use]
    pub fn with_label_value(mut self, rule: FieldRule) -> Self {
        self.label_value = rule;
        self
    }

    /// Replaces the annotation key rule.
    #[must_use]
    pub fn with_annotation_key(mut self, rule: FieldRule) -> Self {
        self.annotation_key = rule;
        self
    }

    /// Replaces the annotation value rule.
    #[must_use]
    pub fn with_annotation_value(mut self, rule: FieldRule) -> Self {
        self.annotation_value = rule;
        self
    }

    /// Replaces the tag rule.
    #[must_use]
    pub fn with_tag(mut self, rule: FieldRule) -> Self {
        self.tag = rule;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names() {
        for ok in ["a", "a..b", "a-_-b", "A1", &"a".repeat(63)] {
            assert!(is_valid_object_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a.", "café", "a b", &"a".repeat(64)] {
            assert!(!is_valid_object_name(bad), "{bad}");
        }
    }

    #[test]
    fn namespaces() {
        assert!(is_valid_namespace("a--b"));
        for bad in ["Default", "a.b", "-a", "", &"a".repeat(64)] {
            assert!(!is_valid_namespace(bad), "{bad}");
        }
    }

    #[test]
    fn api_versions_and_kinds() {
        assert!(is_valid_api_version("v1"));
        assert!(is_valid_api_version("backstage.io/v1alpha1"));
        assert!(!is_valid_api_version("backstage.io/v1-beta"));
        assert!(!is_valid_api_version("Backstage.io/v1"));
        assert!(!is_valid_api_version("a/b/c"));
        assert!(is_valid_kind("Component"));
        assert!(!is_valid_kind("1Component"));
        assert!(!is_valid_kind("Comp-onent"));
    }

    #[test]
    fn label_and_annotation_keys() {
        assert!(is_valid_label_key("example.com/Foo"));
        for bad in [
            "Example.com/foo",
            "my_org.com/x",
            "a/b/c",
            "/x",
            &format!("a/{}", "b".repeat(64)),
        ] {
            assert!(!is_valid_label_key(bad), "{bad}");
        }
        assert!(is_valid_label_value(""));
    }

    #[test]
    fn tags() {
        for ok in ["lang:go", "c++", "c#", "a-b"] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in ["Java", "a--b", "v1.2", "a_b", "-a", "a-", &"a".repeat(64)] {
            assert!(!is_valid_tag(bad), "{bad}");
        }
    }

    #[test]
    fn urls_and_blank_strings() {
        assert!(is_valid_url("foo:bar"));
        assert!(is_valid_url("https://example.com"));
        assert!(!is_valid_url("/relative"));
        assert!(!is_non_empty_string("  \u{feff}"));
        assert!(is_non_empty_string(" x "));
    }
}
