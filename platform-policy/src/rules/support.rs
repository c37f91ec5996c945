//! Shorthands the built-in rules are written with: a rule made of
//! metadata and a function, and metadata in one call.

use std::sync::Arc;

use crate::finding::{ArtefactKind, Finding};
use crate::rule::{Profile, Rule, RuleContext, RuleMeta};
use platform_model::Severity;

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

pub(super) fn nothing(_: &RuleContext<'_>) -> Vec<Finding> {
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
        .with_applies_to(kinds)
        .with_profile(profile)
        .with_rationale(rationale)
}
