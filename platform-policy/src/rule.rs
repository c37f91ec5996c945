//! The rule engine's vocabulary: the [`Rule`] trait, rule metadata,
//! profiles, the context a rule runs in and the [`Registry`] of rules.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use platform_model::{Severity, Span};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::finding::{ArtefactId, ArtefactKind, Finding};
use crate::inputs::{CatalogDoc, Inputs, Manifest};
use crate::joins::{Joins, Origin};

/// A profile: how much of the golden path is enforced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Pod Security Standards *baseline* plus the must-haves (pinned
    /// images, owners, sane disruption budgets).
    Baseline,
    /// The golden path: PSS *restricted*, resources, probes, PDBs, the
    /// catalog and cross-artefact rules. The default.
    #[default]
    Restricted,
    /// Restricted plus digests, high UIDs and `imagePullPolicy: Always`.
    Strict,
}

impl Profile {
    /// The lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Restricted => "restricted",
            Self::Strict => "strict",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "baseline" => Ok(Self::Baseline),
            "restricted" => Ok(Self::Restricted),
            "strict" => Ok(Self::Strict),
            other => Err(format!(
                "unknown profile `{other}`; expected baseline, restricted or strict"
            )),
        }
    }
}

/// Parses a severity name: `error`, `warning`, `info` or its SARIF name
/// `note`.
///
/// ```
/// use platform_model::Severity;
/// assert_eq!(platform_policy::parse_severity("note"), Some(Severity::Info));
/// assert_eq!(platform_policy::parse_severity("Warning"), Some(Severity::Warning));
/// ```
#[must_use]
pub fn parse_severity(text: &str) -> Option<Severity> {
    match text.to_ascii_lowercase().as_str() {
        "error" => Some(Severity::Error),
        "warning" | "warn" => Some(Severity::Warning),
        "info" | "note" => Some(Severity::Info),
        _ => None,
    }
}

/// The type of a rule option in the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OptionKind {
    /// `true` / `false`.
    Bool,
    /// An integer.
    Integer,
    /// A string.
    String,
    /// A list of strings.
    StringList,
    /// A mapping from strings to lists of strings.
    StringListMap,
}

impl OptionKind {
    pub(crate) fn accepts(self, value: &Value) -> bool {
        let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
        match self {
            Self::Bool => value.is_boolean(),
            Self::Integer => value.is_i64() || value.is_u64(),
            Self::String => value.is_string(),
            Self::StringList => strings(value),
            Self::StringListMap => value.as_object().is_some_and(|m| m.values().all(strings)),
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Bool => "a boolean",
            Self::Integer => "an integer",
            Self::String => "a string",
            Self::StringList => "a list of strings",
            Self::StringListMap => "a mapping of lists of strings",
        }
    }
}

/// A configurable option of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RuleOption {
    /// Name under `options:`.
    pub name: Cow<'static, str>,
    /// Type.
    pub kind: OptionKind,
    /// What it does and its default.
    pub description: Cow<'static, str>,
}

impl RuleOption {
    /// An option.
    #[must_use]
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        kind: OptionKind,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            name: name.into(),
            kind,
            description: description.into(),
        }
    }
}

/// What a rule is: id, title, rationale, default severity, the artefacts it
/// reads, the profile from which it is on, and its options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RuleMeta {
    /// Stable id, `domain.kebab-name` (`k8s.image-tag`); the SARIF `ruleId`.
    pub id: Cow<'static, str>,
    /// One-line title.
    pub title: Cow<'static, str>,
    /// Why the rule exists and how to fix a finding (SARIF help text).
    pub rationale: Cow<'static, str>,
    /// Severity unless the profile or the configuration says otherwise.
    pub default_severity: Severity,
    /// Severity under the `strict` profile, when different.
    pub strict_severity: Option<Severity>,
    /// The artefacts the rule reads.
    pub applies_to: Vec<ArtefactKind>,
    /// The lowest profile that turns the rule on.
    pub profile: Profile,
    /// Whether the rule is on without configuration (in its profiles).
    pub enabled_by_default: bool,
    /// Tags such as `security` (SARIF `properties.tags`).
    pub tags: Vec<Cow<'static, str>>,
    /// Configurable options.
    pub options: Vec<RuleOption>,
}

impl RuleMeta {
    /// Metadata with the required parts; on from the `baseline` profile,
    /// reading every artefact kind until [`applies_to`](Self::applies_to) says otherwise.
    #[must_use]
    pub fn new(
        id: impl Into<Cow<'static, str>>,
        title: impl Into<Cow<'static, str>>,
        default_severity: Severity,
    ) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            rationale: Cow::Borrowed(""),
            default_severity,
            strict_severity: None,
            applies_to: Vec::new(),
            profile: Profile::Baseline,
            enabled_by_default: true,
            tags: Vec::new(),
            options: Vec::new(),
        }
    }

    /// Sets the rationale (help text).
    #[must_use]
    pub fn with_rationale(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.rationale = text.into();
        self
    }

    /// Deprecated name of [`with_rationale`](Self::with_rationale).
    #[deprecated(since = "0.1.1", note = "use `with_rationale`")]
    #[must_use]
    pub fn rationale(self, text: impl Into<Cow<'static, str>>) -> Self {
        self.with_rationale(text)
    }

    /// Sets the artefact kinds the rule reads.
    #[must_use]
    pub fn with_applies_to(mut self, kinds: &[ArtefactKind]) -> Self {
        self.applies_to = kinds.to_vec();
        self
    }

    /// Deprecated name of [`with_applies_to`](Self::with_applies_to).
    #[deprecated(since = "0.1.1", note = "use `with_applies_to`")]
    #[must_use]
    pub fn applies_to(self, kinds: &[ArtefactKind]) -> Self {
        self.with_applies_to(kinds)
    }

    /// Sets the lowest profile that turns the rule on.
    #[must_use]
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Deprecated name of [`with_profile`](Self::with_profile).
    #[deprecated(since = "0.1.1", note = "use `with_profile`")]
    #[must_use]
    pub fn profile(self, profile: Profile) -> Self {
        self.with_profile(profile)
    }

    /// Sets the severity under `strict`.
    #[must_use]
    pub fn with_strict_severity(mut self, severity: Severity) -> Self {
        self.strict_severity = Some(severity);
        self
    }

    /// Deprecated name of [`with_strict_severity`](Self::with_strict_severity).
    #[deprecated(since = "0.1.1", note = "use `with_strict_severity`")]
    #[must_use]
    pub fn strict_severity(self, severity: Severity) -> Self {
        self.with_strict_severity(severity)
    }

    /// Leaves the rule off unless the configuration turns it on.
    #[must_use]
    pub fn with_off_by_default(mut self) -> Self {
        self.enabled_by_default = false;
        self
    }

    /// Deprecated name of [`with_off_by_default`](Self::with_off_by_default).
    #[deprecated(since = "0.1.1", note = "use `with_off_by_default`")]
    #[must_use]
    pub fn off_by_default(self) -> Self {
        self.with_off_by_default()
    }

    /// Adds a tag.
    #[must_use]
    pub fn with_tag(mut self, tag: impl Into<Cow<'static, str>>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Deprecated name of [`with_tag`](Self::with_tag).
    #[deprecated(since = "0.1.1", note = "use `with_tag`")]
    #[must_use]
    pub fn tag(self, tag: impl Into<Cow<'static, str>>) -> Self {
        self.with_tag(tag)
    }

    /// Adds an option.
    #[must_use]
    pub fn with_option(mut self, option: RuleOption) -> Self {
        self.options.push(option);
        self
    }

    /// Deprecated name of [`with_option`](Self::with_option).
    #[deprecated(since = "0.1.1", note = "use `with_option`")]
    #[must_use]
    pub fn option(self, option: RuleOption) -> Self {
        self.with_option(option)
    }

    /// Whether the rule is tagged `security`.
    #[must_use]
    pub fn is_security(&self) -> bool {
        self.tags.iter().any(|t| t == "security")
    }

    /// The severity under `profile` before configuration, and whether the
    /// rule is on.
    #[must_use]
    pub fn defaults_for(&self, profile: Profile) -> (bool, Severity) {
        let enabled = self.enabled_by_default && profile >= self.profile;
        let severity = match (profile, self.strict_severity) {
            (Profile::Strict, Some(s)) => s,
            _ => self.default_severity,
        };
        (enabled, severity)
    }
}

/// A check. Implement it to add rules of your own and register them in a
/// [`Registry`].
///
/// ```
/// use platform_model::Severity;
/// use platform_policy::{ArtefactKind, Finding, Registry, Rule, RuleContext, RuleMeta};
///
/// struct TeamLabel(RuleMeta);
///
/// impl Rule for TeamLabel {
///     fn meta(&self) -> &RuleMeta {
///         &self.0
///     }
///     fn check(&self, cx: &RuleContext<'_>) -> Vec<Finding> {
///         cx.inputs()
///             .manifests()
///             .iter()
///             .enumerate()
///             .filter(|(_, m)| m.workload_kind().is_some() && m.label("acme.io/team").is_none())
///             .map(|(i, _)| cx.at_manifest(i, "/metadata/labels", "workloads carry an `acme.io/team` label"))
///             .collect()
///     }
/// }
///
/// let mut registry = Registry::builtin();
/// registry.register(TeamLabel(
///     RuleMeta::new("acme.team-label", "Workloads name their team", Severity::Warning)
///         .with_applies_to(&[ArtefactKind::Manifest]),
/// ))?;
/// assert!(registry.get("acme.team-label").is_some());
/// # Ok::<(), platform_policy::Error>(())
/// ```
pub trait Rule: Send + Sync {
    /// The rule's metadata.
    fn meta(&self) -> &RuleMeta;

    /// Runs the rule over every artefact of `cx.inputs()` and returns its
    /// findings. Rules read but never fail: odd input is simply not matched
    /// (the engine reports unreadable input separately).
    fn check(&self, cx: &RuleContext<'_>) -> Vec<Finding>;
}

/// What a rule sees while it runs: the inputs and their joins, its
/// effective severity and options, and the profile.
pub struct RuleContext<'a> {
    pub(crate) inputs: &'a Inputs,
    pub(crate) joins: &'a Joins<'a>,
    pub(crate) meta: &'a RuleMeta,
    pub(crate) severity: Severity,
    pub(crate) overridden: bool,
    pub(crate) profile: Profile,
    pub(crate) options: &'a Map<String, Value>,
    /// Recursion and work limits of value walks.
    pub(crate) walk: crate::crossplane::WalkLimits,
}

impl<'a> RuleContext<'a> {
    /// The artefacts.
    #[must_use]
    pub fn inputs(&self) -> &'a Inputs {
        self.inputs
    }

    /// The joins between the artefacts (PDBs, HPAs, pods, Components …),
    /// the same the built-in rules read.
    #[must_use]
    pub fn joins(&self) -> &'a Joins<'a> {
        self.joins
    }

    /// The active profile.
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The rule's effective severity.
    #[must_use]
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// `severity` unless the configuration set the rule's severity (for
    /// rules that escalate some cases, such as `seccomp: Unconfined`).
    #[must_use]
    pub fn severity_or(&self, severity: Severity) -> Severity {
        if self.overridden {
            self.severity
        } else {
            severity
        }
    }

    /// A configured option.
    #[must_use]
    pub fn option(&self, name: &str) -> Option<&'a Value> {
        self.options.get(name)
    }

    /// A configured list of strings.
    #[must_use]
    pub fn option_strings(&self, name: &str) -> Option<Vec<String>> {
        let list = self.options.get(name)?.as_array()?;
        Some(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        )
    }

    /// A configured integer.
    #[must_use]
    pub fn option_i64(&self, name: &str) -> Option<i64> {
        self.options.get(name)?.as_i64()
    }

    /// A configured boolean.
    #[must_use]
    pub fn option_bool(&self, name: &str) -> Option<bool> {
        self.options.get(name)?.as_bool()
    }

    /// A finding of this rule at its effective severity, without location.
    #[must_use]
    pub fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self.meta.id.clone(), self.severity, message)
    }

    /// A finding on the field at `pointer` of manifest `index`.
    #[must_use]
    pub fn at_manifest(&self, index: usize, pointer: &str, message: impl Into<String>) -> Finding {
        let finding = self.finding(message);
        match self.inputs.manifests().get(index) {
            Some(m) => finding
                .with_span(m.location.span(pointer))
                .with_path(pointer)
                .with_artefact(ArtefactId::new(ArtefactKind::Manifest, index), m.describe()),
            None => finding,
        }
    }

    /// A finding on the field at `pointer` of Helm values file `index`.
    #[must_use]
    pub fn at_values(&self, index: usize, pointer: &str, message: impl Into<String>) -> Finding {
        let finding = self.finding(message);
        match self.inputs.values().get(index) {
            Some(v) => finding
                .with_span(v.location.span(pointer))
                .with_path(pointer)
                .with_artefact(
                    ArtefactId::new(ArtefactKind::HelmValues, index),
                    format!("Helm values {}", v.location.file),
                ),
            None => finding,
        }
    }

    /// A finding on the field at `pointer` of catalog entity `index`.
    #[must_use]
    pub fn at_entity(&self, index: usize, pointer: &str, message: impl Into<String>) -> Finding {
        let finding = self.finding(message);
        match self.inputs.entities().get(index) {
            Some(e) => finding
                .with_span(e.location.span(pointer))
                .with_path(pointer)
                .with_artefact(
                    ArtefactId::new(ArtefactKind::CatalogEntity, index),
                    e.reference(),
                ),
            None => finding,
        }
    }

    /// A finding on the field at `pointer` of the manifest or values file
    /// `origin` (where a [`PodView`](crate::joins::PodView) is read from).
    #[must_use]
    pub fn at(&self, origin: Origin, pointer: &str, message: impl Into<String>) -> Finding {
        match origin {
            Origin::Manifest(i) => self.at_manifest(i, pointer, message),
            Origin::Values(i) => self.at_values(i, pointer, message),
        }
    }

    /// A finding at `span` of Dockerfile `index`.
    #[must_use]
    pub fn at_dockerfile(&self, index: usize, span: Span, message: impl Into<String>) -> Finding {
        let finding = self.finding(message).with_span(span);
        match self.inputs.dockerfiles().get(index) {
            Some(d) => finding.with_artefact(
                ArtefactId::new(ArtefactKind::Dockerfile, index),
                format!("Dockerfile {}", d.file),
            ),
            None => finding,
        }
    }

    /// The catalog Component an artefact belongs to (by the
    /// `backstage.io/kubernetes-id` label, the component's
    /// `backstage.io/kubernetes-label-selector`, or its location).
    #[must_use]
    pub fn component_of(&self, id: ArtefactId) -> Option<&'a CatalogDoc> {
        let c = self.joins.component_of(id)?;
        self.inputs
            .entities()
            .get(self.joins.components().get(c)?.entity)
    }

    /// The workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets,
    /// ReplicationControllers, Jobs, CronJobs, Pods) with their indices.
    pub fn workloads(&self) -> impl Iterator<Item = (usize, &'a Manifest)> + use<'a> {
        self.joins.workloads()
    }
}

/// Every rule the checker may run: the built-ins and the embedder's own.
#[derive(Clone)]
pub struct Registry {
    rules: Vec<Arc<dyn Rule>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.rules.iter().map(|r| r.meta().id.clone()))
            .finish()
    }
}

impl Registry {
    /// A registry holding `rules`, in this order (the built-in and empty
    /// registries of [`rules`](crate::rules) are made with it).
    pub(crate) fn from_rules(rules: Vec<Arc<dyn Rule>>) -> Self {
        Self { rules }
    }

    /// Adds a rule.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRuleId`] for an id that is not
    /// `domain.kebab-name`, [`Error::DuplicateRule`] for an id that
    /// is taken.
    pub fn register(&mut self, rule: impl Rule + 'static) -> Result<&mut Self, Error> {
        self.register_arc(Arc::new(rule))
    }

    /// Adds a shared rule (see [`register`](Self::register)).
    ///
    /// # Errors
    ///
    /// As [`register`](Self::register).
    pub fn register_arc(&mut self, rule: Arc<dyn Rule>) -> Result<&mut Self, Error> {
        let id = rule.meta().id.to_string();
        if !valid_rule_id(&id) {
            return Err(Error::InvalidRuleId { id });
        }
        if self.get(&id).is_some() {
            return Err(Error::DuplicateRule { id });
        }
        self.rules.push(rule);
        Ok(self)
    }

    /// The rule with `id`.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&dyn Rule> {
        self.rules.iter().find(|r| r.meta().id == id).map(|r| &**r)
    }

    /// Every rule, in registration order.
    pub fn rules(&self) -> impl Iterator<Item = &dyn Rule> {
        self.rules.iter().map(|r| &**r)
    }

    pub(crate) fn arcs(&self) -> &[Arc<dyn Rule>] {
        &self.rules
    }

    /// Number of rules.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there is no rule.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// `domain.kebab-name`, lowercase ASCII, digits and dashes, at least one dot.
pub(crate) fn valid_rule_id(id: &str) -> bool {
    id.contains('.')
        && id.split('.').all(|part| {
            !part.is_empty()
                && !part.starts_with('-')
                && !part.ends_with('-')
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids() {
        assert!(valid_rule_id("k8s.image-tag"));
        assert!(valid_rule_id("acme.team.label-2"));
        assert!(!valid_rule_id("k8s"));
        assert!(!valid_rule_id("K8s.Image"));
        assert!(!valid_rule_id("k8s.-x"));
    }

    #[test]
    fn profiles_order_and_parse() {
        assert!(Profile::Baseline < Profile::Restricted && Profile::Restricted < Profile::Strict);
        assert_eq!("STRICT".parse::<Profile>(), Ok(Profile::Strict));
        assert!("lenient".parse::<Profile>().is_err());
        let meta = RuleMeta::new("k8s.image-digest", "t", Severity::Info)
            .with_profile(Profile::Restricted)
            .with_strict_severity(Severity::Warning);
        assert_eq!(
            meta.defaults_for(Profile::Baseline),
            (false, Severity::Info)
        );
        assert_eq!(
            meta.defaults_for(Profile::Restricted),
            (true, Severity::Info)
        );
        assert_eq!(
            meta.defaults_for(Profile::Strict),
            (true, Severity::Warning)
        );
    }
}
