//! The built-in rules. Ids, titles, default severities and rationales are
//! listed by [`Registry::builtin`](crate::Registry::builtin); this module
//! holds their code.

mod catalog;
mod crossplane;
mod disruption;
mod docker;
mod k8s;
mod xref;

use std::sync::Arc;

use platform_model::Severity;

use crate::finding::{ArtefactKind, Finding, ids};
use crate::rule::{Profile, Registry, Rule, RuleContext, RuleMeta};

/// A rule made of metadata and a function.
pub(crate) struct FnRule {
    meta: RuleMeta,
    check: fn(&RuleContext<'_>) -> Vec<Finding>,
}

impl Rule for FnRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check(&self, cx: &RuleContext<'_>) -> Vec<Finding> {
        (self.check)(cx)
    }
}

pub(crate) fn rule(meta: RuleMeta, check: fn(&RuleContext<'_>) -> Vec<Finding>) -> Arc<dyn Rule> {
    Arc::new(FnRule { meta, check })
}

fn nothing(_: &RuleContext<'_>) -> Vec<Finding> {
    Vec::new()
}

/// Shorthand for rule metadata.
pub(crate) fn meta(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    kinds: &[ArtefactKind],
    profile: Profile,
    rationale: &'static str,
) -> RuleMeta {
    RuleMeta::new(id, title, severity)
        .applies_to(kinds)
        .profile(profile)
        .rationale(rationale)
}

/// The engine's own rules: they report what the engine meets while
/// reading; their `check` does nothing.
fn engine_rules() -> Vec<Arc<dyn Rule>> {
    use ArtefactKind as A;
    use Profile::Baseline as B;
    use Severity::{Error, Info, Warning};
    vec![
        rule(
            meta(
                ids::INPUT_UNREADABLE,
                "Files can be read",
                Error,
                &[A::File],
                B,
                "A file that looks like an artefact could not be read (I/O error, not UTF-8, over the size limit), so none of its content was checked.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::INPUT_YAML,
                "YAML parses",
                Error,
                &[A::File],
                B,
                "A YAML file (or one document of it) does not parse: a syntax error, a duplicate key or a parser limit. Nothing in that document was checked; Kubernetes and Backstage would reject it too.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::INPUT_MANIFEST,
                "Kubernetes objects have a valid envelope",
                Error,
                &[A::Manifest],
                B,
                "An object needs string `apiVersion`, `kind` and `metadata.name`, label and annotation values must be strings, and a `List` holds objects in `items`. The API server rejects anything else.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::INPUT_UNKNOWN_KIND,
                "Kinds are known",
                Info,
                &[A::Manifest],
                B,
                "No rule knows this kind and no CustomResourceDefinition or CompositeResourceDefinition in the input defines it, so the object was skipped. This is a note, not a failure.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::DOCKER_SYNTAX,
                "Dockerfiles parse",
                Error,
                &[A::Dockerfile],
                B,
                "The Dockerfile has a syntax error BuildKit would reject (unknown instruction, instruction before FROM, FROM without image, unterminated heredoc, duplicate stage name).",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::CONFIG_INVALID,
                "The configuration is valid",
                Error,
                &[A::Config],
                B,
                "The policy configuration has a key, value or option the checker does not understand; it was ignored.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::CONFIG_UNKNOWN_RULE,
                "The configuration names existing rules",
                Error,
                &[A::Config],
                B,
                "The configuration names a rule id that no registered rule has, usually a typo; the entry was ignored.",
            ),
            nothing,
        ),
        rule(
            meta(
                ids::POLICY_EXEMPTION,
                "Exemptions give a reason and name a rule",
                Warning,
                &[A::Manifest, A::HelmValues, A::Dockerfile, A::CatalogEntity],
                B,
                "An exemption must name existing rule ids and say why (`platform-policy.io/ignore.<rule-id>: \"<reason>\"`, or `# platform-policy ignore=<rule-id> <reason>`). Exemptions without a reason are not applied.",
            ),
            nothing,
        ),
    ]
}

impl Registry {
    /// Every built-in rule (§12 of the rule set, Crossplane and the engine's
    /// own input and configuration rules).
    #[must_use]
    pub fn builtin() -> Self {
        Self::from_rules(builtin())
    }

    /// A registry with the engine's input and configuration rules only.
    #[must_use]
    pub fn empty() -> Self {
        Self::from_rules(engine_rules())
    }
}

impl Default for Registry {
    /// [`Registry::builtin`].
    fn default() -> Self {
        Self::builtin()
    }
}

/// Every built-in rule.
fn builtin() -> Vec<Arc<dyn Rule>> {
    let mut all = engine_rules();
    all.extend(k8s::rules());
    all.extend(disruption::rules());
    all.extend(docker::rules());
    all.extend(catalog::rules());
    all.extend(xref::rules());
    all.extend(crossplane::rules());
    all
}

/// Regex of names that hold secrets (env vars, ARG/ENV).
pub(crate) fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let harmless = [
        "_file", "_path", "_dir", "_url", "_uri", "_name", "_id", "_ref", "_key_id",
    ];
    if harmless.iter().any(|s| lower.ends_with(s)) {
        return false;
    }
    [
        "secret",
        "token",
        "password",
        "passwd",
        "pwd",
        "apikey",
        "api_key",
        "api-key",
        "access_key",
        "accesskey",
        "private_key",
        "privatekey",
        "credential",
    ]
    .iter()
    .any(|s| lower.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_ids_are_unique_and_well_formed() {
        let rules = builtin();
        let mut ids: Vec<String> = rules.iter().map(|r| r.meta().id.to_string()).collect();
        for id in &ids {
            assert!(crate::rule::valid_rule_id(id), "{id}");
        }
        for r in &rules {
            assert!(
                !r.meta().rationale.is_empty(),
                "{} has no rationale",
                r.meta().id
            );
            assert!(
                !r.meta().applies_to.is_empty(),
                "{} applies to nothing",
                r.meta().id
            );
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn secret_names() {
        assert!(secret_name("DB_PASSWORD"));
        assert!(secret_name("GITHUB_TOKEN"));
        assert!(!secret_name("TOKEN_URL"));
        assert!(!secret_name("OTEL_SERVICE_NAME"));
        assert!(!secret_name("PASSWORD_FILE"));
    }
}
