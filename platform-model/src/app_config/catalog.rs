//! The `catalog` section of an app-config: `catalog.rules` and
//! `catalog.locations`, read as the catalog backend reads them
//! (`DefaultCatalogRulesEnforcer.fromConfig`, `ConfigLocationEntityProvider`).
//!
//! Where the backend would refuse to start (a missing `allow`, a rule
//! location with both `exact` and `pattern`), the entry is reported as an
//! error and left out; keys Backstage does not read are warnings, because
//! Backstage ignores them silently and a misspelt key changes what a rule
//! means.

use std::path::Path;

use serde_json::Value;

use super::AppConfig;
use crate::catalog_rules::{CatalogRule, CatalogRules, KindMatcher, LocationMatcher, LocationRef};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// Location types the catalog reads offline.
const READ_TYPES: [&str; 2] = ["file", "url"];

/// Location types served by discovery providers and processors of
/// Backstage's integration modules.
const DISCOVERY_TYPES: [&str; 7] = [
    "github-discovery",
    "github-org",
    "gitlab-discovery",
    "bitbucket-discovery",
    "azure-discovery",
    "gerrit-discovery",
    "gitea-discovery",
];

/// One entry of `catalog.locations`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ConfigLocation {
    /// The location type (`file`, `url`, `github-discovery`, …).
    pub location_type: String,
    /// The target as written.
    pub target: String,
    /// The target as the backend resolves it: an absolute path for `file`
    /// (against the backend's working directory), the text for others.
    pub resolved: String,
    /// Where the target was written.
    pub span: Option<Span>,
    /// Where the entry was written.
    pub entry_span: Option<Span>,
    /// The entry's own `rules`, as rules scoped to it.
    pub rules: Vec<CatalogRule>,
}

impl ConfigLocation {
    /// The location as rules see it.
    #[must_use]
    pub fn location_ref(&self) -> LocationRef {
        LocationRef::new(&self.location_type, &self.resolved)
    }
}

/// What an app-config says about the catalog.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CatalogConfig {
    /// The rules: `catalog.rules` (or Backstage's default when absent),
    /// then each location's `rules`.
    pub rules: CatalogRules,
    /// Whether `catalog.rules` was absent, so Backstage's default applies.
    pub default_rules: bool,
    /// `catalog.locations`, in order.
    pub locations: Vec<ConfigLocation>,
    /// Problems with the section.
    pub diagnostics: Vec<Diagnostic>,
}

impl AppConfig {
    /// Reads the `catalog` section. `backend_dir` is the directory the
    /// backend would run in: relative `file` targets resolve against it,
    /// as the backend resolves them against its working directory.
    #[must_use]
    pub fn catalog(&self, backend_dir: &Path) -> CatalogConfig {
        let mut reader = Reader {
            config: self,
            diagnostics: Vec::new(),
        };
        let (mut rules, default_rules) = match self.get("/catalog/rules") {
            None | Some(Value::Null) => (CatalogRules::backstage_default().rules().to_vec(), true),
            Some(_) => (reader.global_rules(), false),
        };
        let locations = reader.locations(backend_dir);
        for location in &locations {
            rules.extend(location.rules.iter().cloned());
        }
        CatalogConfig {
            rules: CatalogRules::new(rules),
            default_rules,
            locations,
            diagnostics: reader.diagnostics,
        }
    }
}

struct Reader<'c> {
    config: &'c AppConfig,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn value_span(&self, pointer: &str) -> Option<Span> {
        self.config.span(pointer).map(|s| s.value.clone())
    }

    fn key_span(&self, pointer: &str) -> Option<Span> {
        self.config
            .span(pointer)
            .map(|s| s.key.clone().unwrap_or_else(|| s.value.clone()))
    }

    fn error(&mut self, pointer: &str, message: String) {
        self.diagnostics.push(
            Diagnostic::error(codes::APP_CONFIG_INVALID, message)
                .with_span_opt(self.value_span(pointer))
                .with_path(pointer.to_owned())
                .with_note("Backstage's backend does not start with this config"),
        );
    }

    /// Warns about keys Backstage does not read at `pointer`.
    fn unknown_keys(
        &mut self,
        pointer: &str,
        map: &serde_json::Map<String, Value>,
        known: &[&str],
    ) {
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            let mut child = pointer.to_owned();
            crate::pointer::push_token(&mut child, key);
            let nearest = known
                .iter()
                .map(|k| (strsim::damerau_levenshtein(k, key), *k))
                .min()
                .filter(|(d, _)| *d <= 2);
            let mut diagnostic = Diagnostic::warning(
                codes::APP_CONFIG_UNKNOWN_KEY,
                format!("`{key}` is not read here, so Backstage ignores it"),
            )
            .with_span_opt(self.key_span(&child))
            .with_path(child.clone());
            diagnostic = match nearest {
                Some((_, k)) => diagnostic.with_note(format!("did you mean `{k}`?")),
                None => {
                    diagnostic.with_note(format!("the keys read here are {}", known.join(", ")))
                }
            };
            self.diagnostics.push(diagnostic);
        }
    }

    fn global_rules(&mut self) -> Vec<CatalogRule> {
        let pointer = "/catalog/rules";
        let Some(Value::Array(items)) = self.config.get(pointer) else {
            self.error(pointer, "`catalog.rules` must be a list of rules".into());
            return Vec::new();
        };
        let mut rules = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let at = format!("{pointer}/{index}");
            let Value::Object(map) = item else {
                self.error(
                    &at,
                    format!("`catalog.rules[{index}]` must be a mapping with `allow`"),
                );
                continue;
            };
            self.unknown_keys(&at, map, &["allow", "locations"]);
            let Some(allow) = self.allow(&at, map.get("allow"), true) else {
                continue;
            };
            let mut rule = CatalogRule::allow(allow);
            match map.get("locations") {
                None | Some(Value::Null) => {}
                Some(Value::Array(locations)) => {
                    let mut matchers = Vec::new();
                    let mut ok = true;
                    for (k, location) in locations.iter().enumerate() {
                        match self.rule_location(&format!("{at}/locations/{k}"), location) {
                            Some(m) => matchers.push(m),
                            None => ok = false,
                        }
                    }
                    if !ok {
                        continue;
                    }
                    rule = rule.with_locations(matchers);
                }
                Some(_) => {
                    self.error(
                        &format!("{at}/locations"),
                        "`locations` must be a list".into(),
                    );
                    continue;
                }
            }
            rules.push(rule);
        }
        rules
    }

    /// An `allow` list; `objects` allows `{kind, spec.type}` entries (only
    /// `catalog.rules` does).
    fn allow(
        &mut self,
        at: &str,
        value: Option<&Value>,
        objects: bool,
    ) -> Option<Vec<KindMatcher>> {
        let pointer = format!("{at}/allow");
        let Some(Value::Array(items)) = value else {
            let message = if value.is_none() {
                "a rule needs `allow`, the list of kinds it allows".to_owned()
            } else {
                "`allow` must be a list of kinds".to_owned()
            };
            self.error(if value.is_none() { at } else { &pointer }, message);
            return None;
        };
        let mut kinds = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let item_at = format!("{pointer}/{index}");
            match item {
                Value::String(kind) => kinds.push(KindMatcher::kind(kind)),
                Value::Object(map) if objects => {
                    self.unknown_keys(&item_at, map, &["kind", "spec.type"]);
                    let Some(Value::String(kind)) = map.get("kind") else {
                        self.error(&item_at, "an `allow` entry needs a string `kind`".into());
                        return None;
                    };
                    let mut matcher = KindMatcher::kind(kind);
                    match map.get("spec.type") {
                        None => {}
                        Some(Value::String(t)) => matcher = matcher.with_spec_type(t),
                        Some(_) => {
                            self.error(
                                &format!("{item_at}/spec.type"),
                                "`spec.type` must be a string".into(),
                            );
                            return None;
                        }
                    }
                    kinds.push(matcher);
                }
                _ => {
                    let what = if objects {
                        "a kind, or a mapping with `kind` and `spec.type`"
                    } else {
                        "a kind (a location's rules take no `spec.type`)"
                    };
                    self.error(&item_at, format!("each `allow` entry must be {what}"));
                    return None;
                }
            }
        }
        Some(kinds)
    }

    fn rule_location(&mut self, at: &str, value: &Value) -> Option<LocationMatcher> {
        let Value::Object(map) = value else {
            self.error(at, "a rule location must be a mapping with `type`".into());
            return None;
        };
        let exact = string_at(map, "exact");
        let pattern = string_at(map, "pattern");
        let unscoped_target = exact.is_none() && pattern.is_none() && map.contains_key("target");
        let known: &[&str] = if unscoped_target {
            &["type", "exact", "pattern", "target"]
        } else {
            &["type", "exact", "pattern"]
        };
        self.unknown_keys(at, map, known);
        let Some(Value::String(location_type)) = map.get("type") else {
            self.error(at, "a rule location needs a string `type`".into());
            return None;
        };
        if exact.is_some() && pattern.is_some() {
            self.error(
                at,
                "A catalog rule location cannot have both exact and pattern values".into(),
            );
            return None;
        }
        if unscoped_target {
            self.diagnostics.push(
                Diagnostic::warning(
                    codes::APP_CONFIG_UNKNOWN_KEY,
                    format!("this rule applies to every `{location_type}` location: `target` is not read here"),
                )
                .with_span_opt(self.key_span(&format!("{at}/target")))
                .with_path(format!("{at}/target"))
                .with_note("Backstage matches a rule location by `exact` (one target) or `pattern` (a glob)"),
            );
        }
        let mut matcher = LocationMatcher::of_type(location_type);
        if let Some(exact) = exact {
            matcher = matcher.with_exact(exact);
        }
        if let Some(pattern) = pattern {
            match matcher.with_pattern(pattern) {
                Ok(m) => matcher = m,
                Err(message) => {
                    self.error(
                        &format!("{at}/pattern"),
                        format!("invalid pattern: {message}"),
                    );
                    return None;
                }
            }
        }
        Some(matcher)
    }

    fn locations(&mut self, backend_dir: &Path) -> Vec<ConfigLocation> {
        let pointer = "/catalog/locations";
        let items = match self.config.get(pointer) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.error(pointer, "`catalog.locations` must be a list".into());
                return Vec::new();
            }
        };
        let mut locations = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let at = format!("{pointer}/{index}");
            let Value::Object(map) = item else {
                self.error(
                    &at,
                    "a location must be a mapping with `type` and `target`".into(),
                );
                continue;
            };
            self.unknown_keys(&at, map, &["type", "target", "rules", "presence"]);
            let (Some(location_type), Some(target)) =
                (string_at(map, "type"), string_at(map, "target"))
            else {
                self.error(&at, "a location needs string `type` and `target`".into());
                continue;
            };
            let resolved = if location_type == "file" {
                resolve_path(backend_dir, target)
            } else {
                target.to_owned()
            };
            let mut rules = Vec::new();
            match map.get("rules") {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    let exact = if location_type == "url" {
                        crate::catalog_rules::canonical_url_target(&resolved)
                            .unwrap_or_else(|| resolved.clone())
                    } else {
                        resolved.clone()
                    };
                    for (k, rule) in items.iter().enumerate() {
                        let rule_at = format!("{at}/rules/{k}");
                        let Value::Object(rule_map) = rule else {
                            self.error(&rule_at, "a rule must be a mapping with `allow`".into());
                            continue;
                        };
                        self.unknown_keys(&rule_at, rule_map, &["allow"]);
                        if let Some(allow) = self.allow(&rule_at, rule_map.get("allow"), false) {
                            rules.push(CatalogRule::allow(allow).with_locations([
                                LocationMatcher::of_type(location_type).with_exact(exact.clone()),
                            ]));
                        }
                    }
                }
                Some(_) => self.error(&format!("{at}/rules"), "`rules` must be a list".into()),
            }
            let type_pointer = format!("{at}/type");
            if DISCOVERY_TYPES.contains(&location_type) {
                self.diagnostics.push(
                    Diagnostic::info(
                        codes::APP_CONFIG_LOCATION_TYPE,
                        format!("`{location_type}` locations are discovered from a provider and are not read offline"),
                    )
                    .with_span_opt(self.value_span(&type_pointer))
                    .with_path(type_pointer),
                );
            } else if !READ_TYPES.contains(&location_type) {
                self.diagnostics.push(
                    Diagnostic::warning(
                        codes::APP_CONFIG_LOCATION_TYPE,
                        format!("no processor of a stock Backstage backend reads `{location_type}` locations"),
                    )
                    .with_span_opt(self.value_span(&type_pointer))
                    .with_path(type_pointer)
                    .with_note(format!("Backstage records: No processor was able to handle reading of {location_type}:{target}"))
                    .with_note("the types read are file and url"),
                );
            }
            locations.push(ConfigLocation {
                location_type: location_type.to_owned(),
                target: target.to_owned(),
                resolved,
                span: self.value_span(&format!("{at}/target")),
                entry_span: self.value_span(&at),
                rules,
            });
        }
        locations
    }
}

fn string_at<'v>(map: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v str> {
    map.get(key).and_then(Value::as_str)
}

/// Node's `path.resolve(base, target)`: absolute, with `.` and `..`
/// removed lexically (no file system access).
fn resolve_path(base: &Path, target: &str) -> String {
    let joined = base.join(target);
    let mut parts: Vec<std::path::Component<'_>> = Vec::new();
    for component in joined.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if matches!(parts.last(), Some(std::path::Component::Normal(_))) {
                    parts.pop();
                }
            }
            other => parts.push(other),
        }
    }
    let path: std::path::PathBuf = parts.iter().collect();
    let text = path.to_string_lossy().into_owned();
    // `path.resolve` drops a trailing separator.
    if text.len() > 1 {
        text.trim_end_matches('/').to_owned()
    } else {
        text
    }
}
