//! Catalog rules: which kinds of entity a location may bring into the
//! catalog, decided exactly as the catalog backend's rules enforcer
//! (`DefaultCatalogRulesEnforcer`, plugin-catalog-backend 4.0.5) decides.
//!
//! Rules come from `catalog.rules` (or Backstage's default, which allows
//! only `Component`, `API` and `Location`) followed by the `rules` of each
//! entry of `catalog.locations`. An entity is allowed when any rule whose
//! locations match the entity's *origin* location (the root registration it
//! was reached from, not the file it is written in) allows its kind.
//!
//! ```
//! use platform_model::catalog_rules::{CatalogRules, KindMatcher, LocationRef};
//!
//! let rules = CatalogRules::backstage_default();
//! let origin = LocationRef::new("file", "/repo/catalog-info.yaml");
//! assert!(rules.is_allowed("Component", None, &origin));
//! assert!(!rules.is_allowed("Group", None, &origin));
//!
//! let rules = CatalogRules::new(vec![
//!     platform_model::catalog_rules::CatalogRule::allow([KindMatcher::kind("Resource").with_spec_type("database")]),
//! ]);
//! assert!(rules.is_allowed("resource", Some("Database"), &origin));
//! assert!(!rules.is_allowed("Resource", Some("s3-bucket"), &origin));
//! ```

use globset::{GlobBuilder, GlobMatcher};

/// The kinds Backstage allows when `catalog.rules` is absent.
pub const DEFAULT_ALLOWED_KINDS: [&str; 3] = ["Component", "API", "Location"];

/// A location as rules see it: its type (`file`, `url`, …) and target (an
/// absolute path for `file`, a URL for `url`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocationRef {
    /// The location type.
    pub location_type: String,
    /// The target.
    pub target: String,
}

impl LocationRef {
    /// A location of `location_type` at `target`.
    pub fn new(location_type: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            location_type: location_type.into(),
            target: target.into(),
        }
    }
}

impl std::fmt::Display for LocationRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.location_type, self.target)
    }
}

/// One entry of a rule's `allow` list: a kind, and optionally a `spec.type`
/// (both compared without regard to case).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KindMatcher {
    /// The kind.
    pub kind: String,
    /// The `spec.type` the entity must have, when set.
    pub spec_type: Option<String>,
}

impl KindMatcher {
    /// Any entity of `kind`.
    pub fn kind(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            spec_type: None,
        }
    }

    /// Only entities whose `spec.type` is `spec_type`.
    #[must_use]
    pub fn with_spec_type(mut self, spec_type: impl Into<String>) -> Self {
        self.spec_type = Some(spec_type.into());
        self
    }

    fn matches(&self, kind: &str, spec_type: Option<&str>) -> bool {
        if kind.to_lowercase() != self.kind.to_lowercase() {
            return false;
        }
        match (&self.spec_type, spec_type) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(wanted), Some(found)) => wanted.to_lowercase() == found.to_lowercase(),
        }
    }
}

/// Which locations a rule applies to: a type, and optionally an exact
/// target or a glob pattern over the target.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LocationMatcher {
    /// The location type the origin must have.
    pub location_type: String,
    /// The target the origin must have, exactly (URLs canonicalized).
    pub exact: Option<String>,
    /// A glob the origin's target must match (minimatch with `nocase` and
    /// `dot`: `*` stays within a path segment, `**` crosses them).
    pub pattern: Option<String>,
    glob: Option<GlobMatcher>,
}

impl PartialEq for LocationMatcher {
    fn eq(&self, other: &Self) -> bool {
        self.location_type == other.location_type
            && self.exact == other.exact
            && self.pattern == other.pattern
    }
}

impl LocationMatcher {
    /// Origins of `location_type`, any target.
    pub fn of_type(location_type: impl Into<String>) -> Self {
        Self {
            location_type: location_type.into(),
            exact: None,
            pattern: None,
            glob: None,
        }
    }

    /// Only the origin whose target is `target` (a `url` target is
    /// canonicalized as Backstage does, so encoded `..` cannot dodge it).
    #[must_use]
    pub fn with_exact(mut self, target: impl Into<String>) -> Self {
        let target = target.into();
        self.exact = Some(if self.location_type == "url" {
            canonical_url_target(&target).unwrap_or(target)
        } else {
            target
        });
        self
    }

    /// Only origins whose target matches the glob `pattern`.
    ///
    /// # Errors
    ///
    /// The glob's error text when `pattern` is not a valid glob.
    pub fn with_pattern(mut self, pattern: impl Into<String>) -> Result<Self, String> {
        let pattern = pattern.into();
        let glob = GlobBuilder::new(&pattern)
            .case_insensitive(true)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        self.glob = Some(glob.compile_matcher());
        self.pattern = Some(pattern);
        Ok(self)
    }

    fn matches(&self, location_type: &str, target: &str) -> bool {
        if self.location_type != location_type {
            return false;
        }
        if self.exact.as_deref().is_some_and(|exact| exact != target) {
            return false;
        }
        if let Some(glob) = &self.glob {
            // minimatch's `*` and `**` never match a `.` or `..` segment,
            // even with `dot`; only the same literal segment does.
            let pattern = self.pattern.as_deref().unwrap_or_default();
            let dots_unmatched = target
                .split('/')
                .filter(|s| *s == "." || *s == "..")
                .any(|dots| !pattern.split('/').any(|p| p == dots));
            if dots_unmatched || !glob.is_match(target) {
                return false;
            }
        }
        true
    }
}

/// One rule: the kinds it allows, and the locations it is limited to
/// (`None`: every location).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CatalogRule {
    /// What the rule allows.
    pub allow: Vec<KindMatcher>,
    /// Where it applies; `None` for everywhere.
    pub locations: Option<Vec<LocationMatcher>>,
}

impl CatalogRule {
    /// A rule allowing `kinds` everywhere.
    pub fn allow(kinds: impl IntoIterator<Item = KindMatcher>) -> Self {
        Self {
            allow: kinds.into_iter().collect(),
            locations: None,
        }
    }

    /// The same rule, limited to `locations`.
    #[must_use]
    pub fn with_locations(mut self, locations: impl IntoIterator<Item = LocationMatcher>) -> Self {
        self.locations = Some(locations.into_iter().collect());
        self
    }
}

/// An ordered list of rules; the first that matches the location and the
/// entity allows it.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogRules {
    rules: Vec<CatalogRule>,
}

impl CatalogRules {
    /// These rules, in order.
    #[must_use]
    pub fn new(rules: Vec<CatalogRule>) -> Self {
        Self { rules }
    }

    /// Backstage's rules when `catalog.rules` is absent: `Component`, `API`
    /// and `Location` from any location.
    #[must_use]
    pub fn backstage_default() -> Self {
        Self::new(vec![CatalogRule::allow(
            DEFAULT_ALLOWED_KINDS.iter().map(|k| KindMatcher::kind(*k)),
        )])
    }

    /// The rules, in order.
    #[must_use]
    pub fn rules(&self) -> &[CatalogRule] {
        &self.rules
    }

    /// Whether an entity of `kind` (with `spec.type` `spec_type`) reached
    /// from the origin location `origin` is allowed.
    #[must_use]
    pub fn is_allowed(&self, kind: &str, spec_type: Option<&str>, origin: &LocationRef) -> bool {
        let target = if origin.location_type == "url" {
            match canonical_url_target(&origin.target) {
                Some(canonical) => canonical,
                // A URL that does not parse matches no scoped rule.
                None => {
                    return self.rules.iter().any(|rule| {
                        rule.locations.is_none()
                            && rule.allow.iter().any(|m| m.matches(kind, spec_type))
                    });
                }
            }
        } else {
            origin.target.clone()
        };
        self.rules.iter().any(|rule| {
            let here = rule.locations.as_ref().is_none_or(|matchers| {
                matchers
                    .iter()
                    .any(|m| m.matches(&origin.location_type, &target))
            });
            here && rule.allow.iter().any(|m| m.matches(kind, spec_type))
        })
    }

    /// Backstage's status text for a disallowed entity `entity_ref` read at
    /// `location`, reached from `origin`.
    #[must_use]
    pub fn not_allowed_message(entity_ref: &str, location: &str, origin: &str) -> String {
        format!(
            "NotAllowedError: Entity {entity_ref} at {location}, originated at {origin}, is not of an allowed kind for that location"
        )
    }
}

impl Default for CatalogRules {
    fn default() -> Self {
        Self::backstage_default()
    }
}

/// A URL target in the canonical form the rules enforcer compares: the
/// WHATWG-parsed URL with its path segments percent-decoded (`%2e` → `.`,
/// `%2f` and `%5c` and `\` → `/`), query and fragment `decodeURI`d.
/// `None` when the URL does not parse.
#[must_use]
pub fn canonical_url_target(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let path = parsed.path();
    let mut decoded = String::new();
    for (i, segment) in split_path_segments(path).into_iter().enumerate() {
        if i > 0 {
            decoded.push('/');
        }
        decoded.push_str(&decode_uri_or_keep(segment));
    }
    let decoded = replace_ignore_case(&decoded, "%2e", ".");
    let decoded = replace_ignore_case(&decoded, "%2f", "/");
    let decoded = replace_ignore_case(&decoded, "%5c", "/").replace('\\', "/");
    let search = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
    let hash = parsed
        .fragment()
        .map(|h| format!("#{h}"))
        .unwrap_or_default();
    let host = &parsed[url::Position::BeforeHost..url::Position::AfterPort];
    Some(format!(
        "{}://{host}{decoded}{}{}",
        parsed.scheme(),
        decode_uri_or_keep(&search),
        decode_uri_or_keep(&hash)
    ))
}

/// Splits a URL path at `/`, `%2f` and `%5c` (any case).
fn split_path_segments(path: &str) -> Vec<&str> {
    let bytes = path.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' {
            parts.push(&path[start..i]);
            i += 1;
            start = i;
        } else if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && (path[i + 1..i + 3].eq_ignore_ascii_case("2f")
                || path[i + 1..i + 3].eq_ignore_ascii_case("5c"))
        {
            parts.push(&path[start..i]);
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(&path[start..]);
    parts
}

fn replace_ignore_case(text: &str, needle: &str, with: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices(needle) {
        out.push_str(&text[last..at]);
        out.push_str(with);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// JavaScript's `decodeURI`, or the text unchanged where `decodeURI` throws
/// (a malformed escape or invalid UTF-8). Escapes of the characters
/// `decodeURI` keeps (`;/?:@&=+$,#`) stay encoded.
fn decode_uri_or_keep(text: &str) -> String {
    const RESERVED: &[u8] = b";/?:@&=+$,#";
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let Some(byte) = hex_byte(bytes, i) else {
            return text.to_owned();
        };
        if byte < 0x80 {
            if RESERVED.contains(&byte) {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(byte);
            }
            i += 3;
            continue;
        }
        // A multi-byte UTF-8 sequence must be escaped whole.
        let len = match byte {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return text.to_owned(),
        };
        let mut seq = vec![byte];
        for k in 1..len {
            match hex_byte(bytes, i + 3 * k) {
                Some(b) if b & 0xC0 == 0x80 => seq.push(b),
                _ => return text.to_owned(),
            }
        }
        if std::str::from_utf8(&seq).is_err() {
            return text.to_owned();
        }
        out.extend_from_slice(&seq);
        i += 3 * len;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

fn hex_byte(bytes: &[u8], at: usize) -> Option<u8> {
    if bytes.get(at) != Some(&b'%') {
        return None;
    }
    let hi = (*bytes.get(at + 1)? as char).to_digit(16)?;
    let lo = (*bytes.get(at + 2)? as char).to_digit(16)?;
    u8::try_from(hi * 16 + lo).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_allow_component_api_location_only() {
        let rules = CatalogRules::backstage_default();
        let origin = LocationRef::new("file", "/r/catalog-info.yaml");
        for kind in ["Component", "api", "LOCATION"] {
            assert!(rules.is_allowed(kind, None, &origin), "{kind}");
        }
        for kind in ["Group", "User", "System", "Template", "Resource", "Domain"] {
            assert!(!rules.is_allowed(kind, None, &origin), "{kind}");
        }
    }

    #[test]
    fn scoped_rules_match_type_exact_and_pattern() {
        let rules = CatalogRules::new(vec![
            CatalogRule::allow([KindMatcher::kind("Group")])
                .with_locations([LocationMatcher::of_type("file").with_exact("/r/org.yaml")]),
            CatalogRule::allow([KindMatcher::kind("Template")]).with_locations([
                LocationMatcher::of_type("url")
                    .with_pattern("https://github.com/acme/*/blob/main/template.yaml")
                    .unwrap_or_else(|e| panic!("{e}")),
            ]),
        ]);
        assert!(rules.is_allowed("Group", None, &LocationRef::new("file", "/r/org.yaml")));
        assert!(!rules.is_allowed("Group", None, &LocationRef::new("url", "/r/org.yaml")));
        assert!(!rules.is_allowed("Group", None, &LocationRef::new("file", "/r/x.yaml")));
        let url = |t: &str| LocationRef::new("url", t);
        assert!(rules.is_allowed(
            "Template",
            None,
            &url("https://GITHUB.com/acme/svc/blob/main/template.yaml")
        ));
        assert!(!rules.is_allowed(
            "Template",
            None,
            &url("https://github.com/acme/a/b/blob/main/template.yaml")
        ));
        // An encoded `..` is resolved before matching.
        assert!(!rules.is_allowed(
            "Template",
            None,
            &url("https://github.com/acme/svc/blob/main/%2e%2e/template.yaml")
        ));
    }

    #[test]
    fn spec_type_needs_a_string_type() {
        let rules = CatalogRules::new(vec![CatalogRule::allow([
            KindMatcher::kind("Resource").with_spec_type("Database")
        ])]);
        let origin = LocationRef::new("file", "/x");
        assert!(rules.is_allowed("Resource", Some("database"), &origin));
        assert!(!rules.is_allowed("Resource", None, &origin));
    }

    #[test]
    fn canonical_urls_decode_like_the_enforcer() {
        assert_eq!(
            canonical_url_target("https://h.com/a%2Fb/%2e%2e/c?x=%20#y").as_deref(),
            Some("https://h.com/c?x= #y")
        );
        assert_eq!(
            canonical_url_target("https://h.com:8080/a%3Fb").as_deref(),
            Some("https://h.com:8080/a%3Fb")
        );
        assert_eq!(canonical_url_target("not a url"), None);
        assert_eq!(decode_uri_or_keep("%E2%82%AC%zz"), "%E2%82%AC%zz");
        assert_eq!(decode_uri_or_keep("%E2%82%AC"), "€");
    }
}
