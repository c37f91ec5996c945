//! The YAML configuration: profile, rules on or off, severity overrides,
//! rule options, excluded paths and scorecard levels.
//!
//! ```yaml
//! profile: restricted            # baseline | restricted | strict
//! exclude: ["vendor/**"]         # globs over paths relative to the root
//! policies: [policies/]          # ValidatingAdmissionPolicies to evaluate
//! rule_files: [rules.yaml]        # rules written in CEL
//! rules:
//!   k8s.anti-affinity: off       # off / on, or a severity (which also turns it on)
//!   k8s.image-digest: warning
//!   docker.trusted-registry:
//!     severity: error
//!     options:
//!       registries: [registry.acme.internal, gcr.io/distroless]
//!   catalog.lifecycle-valid:
//!     options:
//!       lifecycles: [production, experimental, deprecated, sunset]
//! scorecard:                     # rule ids per level (defaults: the spec's mapping)
//!   bronze: [catalog.owner-required, k8s.image-tag]
//! ```
//!
//! Reading never fails: problems (an unknown rule id, an option of the
//! wrong type) are located findings of the `config.invalid` and
//! `config.unknown-rule` rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use platform_model::yaml::{self, YamlOptions, YamlSchema};
use platform_model::{Severity, Span};
use serde_json::{Map, Value};

use crate::finding::Finding;
use crate::finding::ids;
use crate::rule::{Profile, Registry, parse_severity};

/// Settings of one rule.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct RuleConfig {
    /// On or off (unset: the profile decides).
    pub enabled: Option<bool>,
    /// Severity override.
    pub severity: Option<Severity>,
    /// Rule options.
    pub options: Map<String, Value>,
    /// Where the rule's entry is written.
    pub span: Option<Span>,
}

impl RuleConfig {
    /// Turns the rule on or off.
    #[must_use]
    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Deprecated name of [`with_enabled`](Self::with_enabled).
    #[deprecated(since = "0.1.1", note = "use `with_enabled`")]
    #[must_use]
    pub fn enabled(self, enabled: bool) -> Self {
        self.with_enabled(enabled)
    }

    /// Overrides the severity (and turns the rule on).
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }

    /// Deprecated name of [`with_severity`](Self::with_severity).
    #[deprecated(since = "0.1.1", note = "use `with_severity`")]
    #[must_use]
    pub fn severity(self, severity: Severity) -> Self {
        self.with_severity(severity)
    }

    /// Sets an option.
    #[must_use]
    pub fn with_option(mut self, name: impl Into<String>, value: Value) -> Self {
        self.options.insert(name.into(), value);
        self
    }

    /// Deprecated name of [`with_option`](Self::with_option).
    #[deprecated(since = "0.1.1", note = "use `with_option`")]
    #[must_use]
    pub fn option(self, name: impl Into<String>, value: Value) -> Self {
        self.with_option(name, value)
    }
}

/// Scorecard levels: rule ids per level. Unset levels use the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScorecardConfig {
    /// Rules of Bronze.
    pub bronze: Option<Vec<String>>,
    /// Rules of Silver (on top of Bronze).
    pub silver: Option<Vec<String>>,
    /// Rules of Gold (on top of Silver).
    pub gold: Option<Vec<String>>,
}

/// A policy configuration.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct PolicyConfig {
    /// The profile (the options' profile wins when both are set).
    pub profile: Option<Profile>,
    /// Per-rule settings, by rule id.
    pub rules: BTreeMap<String, RuleConfig>,
    /// Globs of paths (relative to the root) never read.
    pub exclude: Vec<String>,
    /// Files or directories of ValidatingAdmissionPolicies and bindings
    /// evaluated besides those in the tree (relative to the configuration
    /// file's directory when read from one).
    pub policies: Vec<String>,
    /// Rule files (rules written in CEL), relative to the configuration
    /// file's directory when read from one.
    pub rule_files: Vec<String>,
    /// Scorecard levels.
    pub scorecard: ScorecardConfig,
    /// The configuration file's name, when read from one.
    pub file: Option<Arc<str>>,
}

impl PolicyConfig {
    /// An empty configuration (profile defaults only).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the profile.
    #[must_use]
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Sets one rule's settings.
    #[must_use]
    pub fn with_rule(mut self, id: impl Into<String>, config: RuleConfig) -> Self {
        self.rules.insert(id.into(), config);
        self
    }

    /// Reads a YAML configuration named `file` (used in spans). Problems
    /// are returned as findings next to whatever could be read.
    #[must_use]
    pub fn from_yaml(file: &str, text: &str) -> (Self, Vec<Finding>) {
        let file: Arc<str> = Arc::from(file);
        let mut config = Self {
            file: Some(Arc::clone(&file)),
            ..Self::default()
        };
        let mut problems = Vec::new();
        let stream = yaml::parse_stream(
            &file,
            text,
            &YamlOptions::default().with_schema(YamlSchema::Yaml11),
        );
        let mut bad = |message: String, span: Span| {
            problems
                .push(Finding::new(ids::CONFIG_INVALID, Severity::Error, message).with_span(span));
        };
        for d in &stream.diagnostics {
            bad(
                d.message.clone(),
                d.span
                    .clone()
                    .unwrap_or_else(|| Span::file_start(Arc::clone(&file))),
            );
        }
        let Some(doc) = stream.documents.iter().find(|d| !d.is_empty()) else {
            return (config, problems);
        };
        if let Some(error) = &doc.error {
            bad(
                error.message.clone(),
                error
                    .span
                    .clone()
                    .unwrap_or_else(|| Span::file_start(Arc::clone(&file))),
            );
            return (config, problems);
        }
        let span = |pointer: &str| {
            let located = doc.spans.locate(pointer);
            located.key.unwrap_or(located.value).with_file(&file)
        };
        let Value::Object(root) = &doc.value else {
            bad(
                "the configuration must be a mapping".into(),
                doc.position.clone(),
            );
            return (config, problems);
        };
        for (key, value) in root {
            let pointer = format!("/{key}");
            match key.as_str() {
                "profile" => match value.as_str().map(str::parse::<Profile>) {
                    Some(Ok(p)) => config.profile = Some(p),
                    Some(Err(e)) => bad(e, span(&pointer)),
                    None => bad("`profile` must be a string".into(), span(&pointer)),
                },
                "exclude" => match string_list(value) {
                    Some(list) => config.exclude = list,
                    None => bad("`exclude` must be a list of globs".into(), span(&pointer)),
                },
                "policies" => match string_list(value) {
                    Some(list) => config.policies = list,
                    None => bad("`policies` must be a list of paths".into(), span(&pointer)),
                },
                "rule_files" => match string_list(value) {
                    Some(list) => config.rule_files = list,
                    None => bad(
                        "`rule_files` must be a list of paths".into(),
                        span(&pointer),
                    ),
                },
                "rules" => {
                    let Value::Object(rules) = value else {
                        bad(
                            "`rules` must be a mapping of rule ids".into(),
                            span(&pointer),
                        );
                        continue;
                    };
                    for (id, entry) in rules {
                        let mut p = pointer.clone();
                        yaml::push_pointer_token(&mut p, id);
                        let entry_span = span(&p);
                        match rule_config(entry, &p, &span) {
                            Ok(mut rc) => {
                                rc.span = Some(entry_span);
                                config.rules.insert(id.clone(), rc);
                            }
                            Err((message, at)) => bad(message, at),
                        }
                    }
                }
                "scorecard" => {
                    let Value::Object(levels) = value else {
                        bad(
                            "`scorecard` must be a mapping of levels".into(),
                            span(&pointer),
                        );
                        continue;
                    };
                    for (level, list) in levels {
                        let p = format!("{pointer}/{level}");
                        let Some(list) = string_list(list) else {
                            bad(
                                format!("`scorecard.{level}` must be a list of rule ids"),
                                span(&p),
                            );
                            continue;
                        };
                        match level.as_str() {
                            "bronze" => config.scorecard.bronze = Some(list),
                            "silver" => config.scorecard.silver = Some(list),
                            "gold" => config.scorecard.gold = Some(list),
                            _ => bad(
                                format!(
                                    "unknown scorecard level `{level}`; expected bronze, silver or gold"
                                ),
                                span(&p),
                            ),
                        }
                    }
                }
                _ => bad(
                    format!(
                        "unknown configuration key `{key}`; expected profile, exclude, policies, rule_files, rules or scorecard"
                    ),
                    span(&pointer),
                ),
            }
        }
        (config, problems)
    }

    /// Checks rule ids and options against a registry.
    pub(crate) fn validate(&self, registry: &Registry) -> Vec<Finding> {
        let mut out = Vec::new();
        let span_of = |rc: &RuleConfig| {
            rc.span
                .clone()
                .or_else(|| self.file.clone().map(Span::file_start))
        };
        for (id, rc) in &self.rules {
            let Some(rule) = registry.get(id) else {
                let mut f = Finding::new(
                    ids::CONFIG_UNKNOWN_RULE,
                    Severity::Error,
                    format!("unknown rule id `{id}`"),
                );
                if let Some(s) = span_of(rc) {
                    f = f.with_span(s);
                }
                if let Some(near) = nearest(id, registry.rules().map(|r| r.meta().id.to_string())) {
                    f = f.with_note(format!("did you mean `{near}`?"));
                }
                out.push(f);
                continue;
            };
            for (name, value) in &rc.options {
                let meta = rule.meta();
                let problem = match meta.options.iter().find(|o| o.name == name.as_str()) {
                    None => Some(format!(
                        "rule `{id}` has no option `{name}`{}",
                        if meta.options.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; its options are {}",
                                meta.options
                                    .iter()
                                    .map(|o| format!("`{}`", o.name))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    )),
                    Some(o) if !o.kind.accepts(value) => Some(format!(
                        "option `{name}` of rule `{id}` must be {}",
                        o.kind.describe()
                    )),
                    Some(_) => None,
                };
                if let Some(message) = problem {
                    let mut f = Finding::new(ids::CONFIG_INVALID, Severity::Error, message);
                    if let Some(s) = span_of(rc) {
                        f = f.with_span(s);
                    }
                    out.push(f);
                }
            }
        }
        for list in [
            &self.scorecard.bronze,
            &self.scorecard.silver,
            &self.scorecard.gold,
        ]
        .into_iter()
        .flatten()
        {
            for id in list {
                if registry.get(id).is_none() {
                    let mut f = Finding::new(
                        ids::CONFIG_UNKNOWN_RULE,
                        Severity::Error,
                        format!("unknown rule id `{id}` in a scorecard level"),
                    );
                    if let Some(file) = &self.file {
                        f = f.with_span(Span::file_start(Arc::clone(file)));
                    }
                    out.push(f);
                }
            }
        }
        out
    }
}

fn string_list(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

type SpanFn<'a> = dyn Fn(&str) -> Span + 'a;

fn rule_config(
    value: &Value,
    pointer: &str,
    span: &SpanFn<'_>,
) -> Result<RuleConfig, (String, Span)> {
    let mut rc = RuleConfig::default();
    match value {
        Value::Bool(on) => rc.enabled = Some(*on),
        Value::String(s) => match (s.as_str(), parse_severity(s)) {
            ("off" | "disabled", _) => rc.enabled = Some(false),
            ("on" | "enabled", _) => rc.enabled = Some(true),
            (_, Some(sev)) => {
                rc.enabled = Some(true);
                rc.severity = Some(sev);
            }
            (other, None) => {
                return Err((
                    format!(
                        "`{other}` is neither on/off nor a severity (error, warning, info/note)"
                    ),
                    span(pointer),
                ));
            }
        },
        Value::Object(map) => {
            for (key, v) in map {
                let p = format!("{pointer}/{key}");
                match key.as_str() {
                    "enabled" => match v.as_bool() {
                        Some(b) => rc.enabled = Some(b),
                        None => return Err(("`enabled` must be true or false".into(), span(&p))),
                    },
                    "severity" => match v.as_str().and_then(parse_severity) {
                        Some(s) => {
                            rc.severity = Some(s);
                            rc.enabled.get_or_insert(true);
                        }
                        None => {
                            return Err((
                                "`severity` must be error, warning or info (note)".into(),
                                span(&p),
                            ));
                        }
                    },
                    "options" => match v {
                        Value::Object(o) => rc.options.clone_from(o),
                        _ => return Err(("`options` must be a mapping".into(), span(&p))),
                    },
                    other => {
                        return Err((
                            format!(
                                "unknown rule setting `{other}`; expected enabled, severity or options"
                            ),
                            span(&p),
                        ));
                    }
                }
            }
        }
        Value::Null => {}
        _ => {
            return Err((
                "a rule entry is on/off, a severity, or a mapping".into(),
                span(pointer),
            ));
        }
    }
    Ok(rc)
}

/// The candidate closest to `id` by edit distance, when close enough.
fn nearest(id: &str, candidates: impl Iterator<Item = String>) -> Option<String> {
    candidates
        .map(|c| (edit_distance(id, &c), c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_shorthands_and_mappings() {
        let (c, problems) = PolicyConfig::from_yaml(
            "policy.yaml",
            "profile: strict\nexclude: [vendor/**]\nrules:\n  k8s.anti-affinity: off\n  k8s.image-digest: warning\n  docker.trusted-registry:\n    options: {registries: [gcr.io]}\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.profile, Some(Profile::Strict));
        assert_eq!(c.rules["k8s.anti-affinity"].enabled, Some(false));
        assert_eq!(
            c.rules["k8s.image-digest"].severity,
            Some(Severity::Warning)
        );
        assert_eq!(
            c.rules["docker.trusted-registry"].options["registries"][0],
            "gcr.io"
        );
        assert_eq!(c.exclude, ["vendor/**"]);
    }

    #[test]
    fn problems_are_located() {
        let (c, problems) = PolicyConfig::from_yaml(
            "policy.yaml",
            "profile: lax\nrules:\n  k8s.image-tag: loud\n  k8s.imagetag: off\n",
        );
        assert_eq!(problems.len(), 2);
        assert_eq!(
            problems[0].diagnostic.span.as_ref().map(|s| s.line),
            Some(1)
        );
        assert_eq!(
            problems[1].diagnostic.span.as_ref().map(|s| s.line),
            Some(3)
        );
        let unknown = c.validate(&Registry::builtin());
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].diagnostic.code, ids::CONFIG_UNKNOWN_RULE);
        assert_eq!(
            unknown[0]
                .diagnostic
                .span
                .as_ref()
                .map(|s| (s.line, s.column)),
            Some((4, 3))
        );
        assert_eq!(
            unknown[0].diagnostic.notes,
            ["did you mean `k8s.image-tag`?"]
        );
    }
}
